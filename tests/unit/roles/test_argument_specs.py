"""Every role's meta/argument_specs.yml types every input, and its defaults are defaults/main.yml's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROLES_DIR = Path(__file__).resolve().parents[3] / "roles"
ROLES = sorted(path.name for path in ROLES_DIR.iterdir() if (path / "meta" / "argument_specs.yml").is_file())


def load(role: str) -> tuple[dict[str, Any], dict[str, Any]]:
    defaults = yaml.safe_load((ROLES_DIR / role / "defaults" / "main.yml").read_text()) or {}
    specs = yaml.safe_load((ROLES_DIR / role / "meta" / "argument_specs.yml").read_text())
    return defaults, specs["argument_specs"]["main"]["options"]


def test_every_role_has_argument_specs() -> None:
    assert ROLES == ["instance_bootstrap", "load_balancer", "networking", "scaling_group"]


@pytest.mark.parametrize("role", ROLES)
class TestArgumentSpecs:
    def test_every_default_is_specified_with_the_same_value(self, role: str) -> None:
        defaults, options = load(role)
        for name, value in defaults.items():
            assert name in options, f"{role}: {name} has a default but no argument spec"
            assert "default" in options[name], f"{role}: {name} has a default but its spec has none"
            assert options[name]["default"] == value, f"{role}: {name} spec default differs from defaults/main.yml"

    def test_every_specified_default_is_in_the_defaults_file(self, role: str) -> None:
        defaults, options = load(role)
        for name, option in options.items():
            if "default" in option:
                assert name in defaults, f"{role}: {name} has a spec default missing from defaults/main.yml"

    def test_every_input_is_typed_described_and_prefixed(self, role: str) -> None:
        _unused, options = load(role)
        for name, option in options.items():
            assert name.startswith(f"{role}_"), f"{role}: {name} lacks the role prefix"
            assert option.get("type"), f"{role}: {name} has no type"
            assert option.get("description"), f"{role}: {name} has no description"
            if option["type"] == "list":
                assert option.get("elements"), f"{role}: list {name} has no elements type"

    def test_required_inputs_have_no_default(self, role: str) -> None:
        defaults, options = load(role)
        for name, option in options.items():
            if option.get("required"):
                assert "default" not in option and name not in defaults, f"{role}: required {name} has a default"

    def test_choices_contain_the_default(self, role: str) -> None:
        _unused, options = load(role)
        for name, option in options.items():
            if "choices" in option and "default" in option:
                assert option["default"] in option["choices"], f"{role}: {name} default not among its choices"
