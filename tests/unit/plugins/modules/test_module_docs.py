"""Every module's DOCUMENTATION, EXAMPLES and RETURN parse (ansible-doc shows them), and every
option the module's argument spec takes is documented."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml

MODULES = sorted((Path(__file__).resolve().parents[4] / "plugins" / "modules").glob("*.py"))


def blocks(path: Path) -> dict[str, str]:
    found = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                    found[target.id] = node.value.value
    return found


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_the_docs_parse_and_name_the_module(path: Path) -> None:
    docs = blocks(path)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    documentation = yaml.safe_load(docs["DOCUMENTATION"])
    assert documentation["module"] == path.stem
    assert documentation["short_description"] and documentation["author"]
    assert list(yaml.safe_load_all(docs["EXAMPLES"]))
    yaml.safe_load(docs["RETURN"])


AUTHOR = re.compile(r"^[^(@]+ \(@[A-Za-z0-9-]+\)$")  # "Name (@github_handle)", as validate-modules wants it


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_declares_its_check_mode_diff_mode_and_platform_and_an_author_with_a_handle(path: Path) -> None:
    documentation = yaml.safe_load(blocks(path)["DOCUMENTATION"])
    assert all(AUTHOR.match(author) for author in documentation["author"]), documentation["author"]
    attributes = documentation.get("attributes", {})
    assert attributes["check_mode"]["support"] in ("full", "partial", "none")
    assert attributes["diff_mode"]["support"] in ("full", "partial", "none")
    assert attributes["platform"]["platforms"]
    # The attributes' descriptions (and the platform's support N/A) come from ansible-core's fragment.
    fragments = documentation.get("extends_documentation_fragment", [])
    assert "ansible.builtin.action_common_attributes" in fragments
    # amazon.aws.boto3 would declare amazon.aws's Python minimum (3.6), not this collection's.
    assert "amazon.aws.boto3" not in fragments


@pytest.mark.parametrize("path", MODULES, ids=[path.stem for path in MODULES])
def test_says_check_mode_is_supported_only_where_the_module_supports_it(path: Path) -> None:
    documentation = yaml.safe_load(blocks(path)["DOCUMENTATION"])
    source = path.read_text()
    declared = documentation["attributes"]["check_mode"]["support"] != "none"
    action_only = "AnsibleModule" not in source  # the module file documents an action plugin
    assert declared == (action_only or "supports_check_mode=True" in source)
