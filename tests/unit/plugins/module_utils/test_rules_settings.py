"""The run's settings (rules/settings.py): typed from strings, bounded, defaulted; checked by the
preflight before any AWS call and read by the playbooks through the muejam.infra.run_setting lookup."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_preflight import SPECS, good_values, variables

from ansible_collections.muejam.infra.plugins.module_utils import preflight
from ansible_collections.muejam.infra.plugins.module_utils.rules.settings import RUN_SETTINGS, check, typed

ROOT = Path(__file__).resolve().parents[4]


class TestTyped:
    @pytest.mark.parametrize(
        ("name", "given", "expected"),
        [
            ("readiness_timeout", "90", 90),
            ("readiness_interval", "0.5", 0.5),
            ("readiness_consecutive", "3", 3),
            ("readiness_validate_certs", "false", False),
            ("readiness_components", "database,cache", ["database", "cache"]),
            ("readiness_headers", "Host=app.example.com", {"Host": "app.example.com"}),
            ("rollout_timeout", "600", 600),
            ("rollout_poll_interval", "2", 2.0),
            ("aws_retry_mode", "adaptive", "adaptive"),
            ("aws_max_attempts", "5", 5),
            ("readiness_url", "https://app.example.com/health", "https://app.example.com/health"),
        ],
    )
    def test_a_string_from_the_command_line_or_a_survey_is_converted(
        self, name: str, given: str, expected: Any
    ) -> None:
        assert typed(name, given) == (expected, None)

    @pytest.mark.parametrize("name", list(RUN_SETTINGS))
    def test_unset_null_and_a_blank_answer_are_the_default(self, name: str) -> None:
        default = RUN_SETTINGS[name]["default"]
        assert typed(name) == (default, None)
        assert typed(name, None) == (default, None)
        if RUN_SETTINGS[name]["type"] not in ("str", "path"):
            assert typed(name, "") == (default, None)

    @pytest.mark.parametrize("name", list(RUN_SETTINGS))
    def test_every_default_passes_its_own_check(self, name: str) -> None:
        default = RUN_SETTINGS[name]["default"]
        if default is not None:
            assert typed(name, default) == (default, None)

    @pytest.mark.parametrize(
        ("name", "given", "allowed"),
        [
            ("readiness_timeout", "ten", "must be an integer"),
            ("readiness_timeout", "0", "must be 1 or more (seconds)"),
            ("readiness_interval", "0", "must be 0.1 or more (seconds)"),
            ("readiness_consecutive", "0", "must be 1 or more (polls)"),
            ("readiness_validate_certs", "maybe", "must be a boolean (true or false)"),
            ("rollout_timeout", "30", "must be 60 or more (seconds)"),
            ("rollout_poll_interval", "-1", "must be 0.1 or more (seconds)"),
            ("aws_retry_mode", "fast", "must be one of: legacy, standard, adaptive"),
            ("aws_max_attempts", "0", "must be 1 or more"),
            ("readiness_url", "app.example.com/health", "must be empty (https://<the ALB's DNS name>/health) or an"),
            ("readiness_url", "ftp://app.example.com/health", "must be empty"),
        ],
    )
    def test_a_bad_value_is_a_problem_naming_the_variable_its_value_and_what_is_allowed(
        self, name: str, given: str, allowed: str
    ) -> None:
        _value, problem = typed(name, given)
        assert problem is not None
        assert problem.variable == name
        assert problem.value == given
        assert problem.allowed.startswith(allowed)
        assert str(problem).startswith(f"{name} is '{given}': ")

    def test_a_bad_header_value_is_refused_without_showing_the_headers(self) -> None:
        _converted, problems = check({"readiness_headers": {"Authorization": {"token": "s3cret"}}})
        assert variables(problems) == ["readiness_headers"]
        assert "s3cret" not in str(problems[0])
        assert "Authorization" in problems[0].allowed


class TestPreflight:
    def test_the_settings_are_read_by_the_preflight(self) -> None:
        assert all(preflight.wanted(name) for name in RUN_SETTINGS)

    def test_good_settings_pass(self) -> None:
        values = good_values(
            readiness_timeout="120", readiness_interval="1", rollout_timeout="900", aws_max_attempts="4"
        )
        assert preflight.check_inputs(values, SPECS) == []

    def test_every_bad_setting_is_reported_at_once(self) -> None:
        values = good_values(readiness_timeout="ten", rollout_poll_interval="0", aws_retry_mode="fast")
        problems = preflight.check_inputs(values, SPECS)
        assert sorted(variables(problems)) == ["aws_retry_mode", "readiness_timeout", "rollout_poll_interval"]
        assert "nothing was changed in AWS" in preflight.report(problems)


def lookup(expression: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """Template EXPRESSION on localhost with ansible (no AWS), extra vars EXTRA, as a playbook would."""
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_LOCALHOST_WARNING="false")
    env["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "false"
    env["ANSIBLE_LOAD_CALLBACK_PLUGINS"] = "true"
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.json"
    command = [str(Path(sys.executable).with_name("ansible")), "localhost", "-i", "localhost,", "-c", "local"]
    command += ["-m", "ansible.builtin.debug", "-a", json.dumps({"var": expression})]
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
