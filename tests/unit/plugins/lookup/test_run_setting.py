"""The lookup muejam.infra.run_setting, as the playbooks use it: each expression is templated by a
one-task ansible-playbook run on localhost (no AWS), with extra vars as -e gives them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.muejam.infra.plugins.module_utils.rules.settings import RUN_SETTINGS

ROOT = Path(__file__).resolve().parents[4]


def lookup(expression: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Template EXPRESSION in a debug task of ansible-playbook, with extra vars EXTRA (-e)."""
    play = [{"hosts": "localhost", "gather_facts": False, "tasks": [{"ansible.builtin.debug": {"var": expression}}]}]
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="false")
    env["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "false"
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.json"
    with tempfile.TemporaryDirectory() as scratch:
        playbook = Path(scratch) / "playbook.json"
        playbook.write_text(json.dumps(play))
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local"]
        command += ["-e", f"ansible_python_interpreter={sys.executable}", str(playbook)]
        for value in extra:
            command += ["-e", value]
        return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def looked_up(expression: str, *extra: str) -> Any:
    completed = lookup(expression, *extra)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    result = json.loads(completed.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return result[expression]


class TestLookup:
    def test_the_default_when_unset(self) -> None:
        assert (
            looked_up("lookup('muejam.infra.run_setting', 'readiness_timeout')")
            == RUN_SETTINGS["readiness_timeout"]["default"]
        )

    def test_an_extra_var_string_is_converted(self) -> None:
        expression = "lookup('muejam.infra.run_setting', 'readiness_timeout') + 1"
        assert looked_up(expression, "readiness_timeout=90") == 91

    def test_a_templated_value_is_resolved(self) -> None:
        expression = "lookup('muejam.infra.run_setting', 'rollout_timeout')"
        assert looked_up(expression, "base=100", "rollout_timeout={{ base | int * 6 }}") == 600

    def test_a_bad_value_fails_naming_it(self) -> None:
        completed = lookup("lookup('muejam.infra.run_setting', 'readiness_timeout')", "readiness_timeout=ten")
        assert completed.returncode != 0
        assert "readiness_timeout is 'ten': must be an integer" in completed.stdout + completed.stderr

    def test_an_unknown_setting_fails(self) -> None:
        completed = lookup("lookup('muejam.infra.run_setting', 'readiness_timout')")
        assert completed.returncode != 0
        assert "readiness_timout is not a run setting" in completed.stdout + completed.stderr


def shown_default(default: Any) -> str:
    """A default as the lookup's documentation writes it after the setting's name."""
    if default is None:
        return "(unset"
    if isinstance(default, bool):
        return f"({str(default).lower()}"
    if default in ("", {}):
        return "(empty" if default == "" else "({}"
    return f"({default}"


@pytest.mark.parametrize("name", list(RUN_SETTINGS))
def test_the_lookups_documentation_gives_each_settings_default(name: str) -> None:
    """ansible-doc -t lookup muejam.infra.run_setting is where users read the defaults: kept in step."""
    source = (ROOT / "plugins" / "lookup" / "run_setting.py").read_text()
    documented = " ".join(source.split('DOCUMENTATION = r"""')[1].split('"""')[0].split())
    assert f"C({name}) {shown_default(RUN_SETTINGS[name]['default'])}" in documented


def test_not_strict_a_bad_value_is_handed_on_for_the_preflight_to_report() -> None:
    expression = "lookup('muejam.infra.run_setting', 'aws_retry_mode', strict=false)"
    assert looked_up(expression, "aws_retry_mode=fast") == "fast"
    assert looked_up(expression) == RUN_SETTINGS["aws_retry_mode"]["default"]


class TestRoleVariables:
    """A role variable, read where no role is included (teardown.yml): the role's default, typed."""

    def test_the_roles_default(self) -> None:
        defaults = yaml.safe_load((ROOT / "roles" / "networking" / "defaults" / "main.yml").read_text())
        assert looked_up("lookup('muejam.infra.run_setting', 'networking_wait_timeout')") == int(
            defaults["networking_wait_timeout"]
        )

    def test_the_inventorys_value_typed(self) -> None:
        expression = (
            "query('muejam.infra.run_setting', 'networking_wait_timeout', 'scaling_group_delete_timeout') | max"
        )
        assert looked_up(expression, "scaling_group_delete_timeout=1200") == 1200

    def test_a_value_of_the_wrong_type_fails_naming_it(self) -> None:
        completed = lookup(
            "lookup('muejam.infra.run_setting', 'networking_wait_timeout')", "networking_wait_timeout=soon"
        )
        assert completed.returncode != 0
        assert "networking_wait_timeout is 'soon': must be an integer" in completed.stdout + completed.stderr

    def test_a_variable_no_role_has_fails(self) -> None:
        completed = lookup("lookup('muejam.infra.run_setting', 'networking_wait_timout')")
        assert completed.returncode != 0
        assert "networking_wait_timout is not a run setting" in completed.stdout + completed.stderr
