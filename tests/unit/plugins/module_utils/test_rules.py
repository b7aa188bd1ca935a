"""Tests of the one rule set (plugins/module_utils/rules/): typing as Ansible types, the rules the
roles' Jinja used to restate, one role's check, and a property binding the two verdicts."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import preflight
from ansible_collections.muejam.infra.plugins.module_utils.preflight import check_inputs, check_role
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import check_option, coerce
from ansible_collections.muejam.infra.tests.unit.plugins.module_utils.test_preflight import (
    DEFAULTS,
    ROOT,
    SPECS,
    good_values,
    variables,
)

ROLE_OF_PORT = {
    "load_balancer_target_port": "load_balancer",
    "instance_bootstrap_app_port": "instance_bootstrap",
    "scaling_group_app_port": "scaling_group",
}


def role_values(role: str, **overrides: Any) -> dict[str, Any]:
    """What the role sees when site.yml includes it with inventories/local (its slice), plus overrides."""
    values = good_values(**overrides)
    own = {name: value for name, value in values.items() if name.startswith(f"{role}_")}
    own.update({name: values[name] for name in ("aws_region", "stack_production")})
    if role == "scaling_group":
        own["scaling_group_user_data"] = overrides.get("scaling_group_user_data", "#!/bin/bash\n")
    return own


class TestCoerce:
    @pytest.mark.parametrize(
        ("value", "kind", "elements", "expected"),
        [
            ("90", "int", None, 90),
            (" 90", "int", None, 90),
            ("false", "bool", None, False),
            ("yes", "bool", None, True),
            ("us-east-1a,us-east-1b", "list", "str", ["us-east-1a", "us-east-1b"]),
            ('{"Project": "muejam"}', "dict", None, {"Project": "muejam"}),
            (8000, "str", None, "8000"),
        ],
    )
    def test_converts_strings_as_ansible_converts_module_options(
        self, value: Any, kind: str, elements: str | None, expected: Any
    ) -> None:
        assert coerce(value, kind, elements) == (True, expected)

    @pytest.mark.parametrize(("value", "kind"), [("ninety", "int"), ("maybe", "bool"), ("1.5", "int"), ([1], "dict")])
    def test_refuses_what_ansible_refuses(self, value: Any, kind: str) -> None:
        assert coerce(value, kind) == (False, None)


class TestCheckOption:
    def test_names_the_choices(self) -> None:
        _value, problem = check_option("x_mode", "per_zone", {"type": "str", "choices": ["per_az", "none"]}, "x")
        assert problem is not None and problem.allowed == "must be one of: per_az, none"

    def test_names_the_type(self) -> None:
        _value, problem = check_option("x_size", "ten", {"type": "int"}, "x")
        assert problem is not None and problem.allowed == "must be an integer"

    def test_says_a_required_variable_is_missing(self) -> None:
        _value, problem = check_option("x_name", preflight.UNSET, {"type": "str", "required": True}, "x")
        assert problem is not None and problem.allowed == "the x role requires it"


class TestRulesTheRolesRestated:
    """Each value here passed the preflight and failed later in a role (or the reverse)."""

    def test_accepts_an_idle_timeout_given_as_a_string(self) -> None:
        assert check_inputs(good_values(load_balancer_idle_timeout="90"), SPECS) == []

    def test_accepts_a_boolean_given_as_a_string(self) -> None:
        assert check_inputs(good_values(load_balancer_access_logs_delete_bucket="false"), SPECS) == []

    @pytest.mark.parametrize("matcher", ["200-299,302", "299-200", "200,", "600"])
    def test_refuses_a_matcher_elastic_load_balancing_refuses(self, matcher: str) -> None:
        problems = check_inputs(good_values(load_balancer_health_check_matcher=matcher), SPECS)
        assert variables(problems) == ["load_balancer_health_check_matcher"]

    @pytest.mark.parametrize("matcher", ["200", "200,202", "200-299"])
    def test_accepts_the_matchers_elastic_load_balancing_takes(self, matcher: str) -> None:
        assert check_inputs(good_values(load_balancer_health_check_matcher=matcher), SPECS) == []

    @pytest.mark.parametrize("unit", ["-my:app", "my app", "a" * 248])
    def test_refuses_a_unit_name_systemctl_would_misread(self, unit: str) -> None:
        problems = check_inputs(good_values(instance_bootstrap_app_service_name=unit), SPECS)
        assert variables(problems) == ["instance_bootstrap_app_service_name"]

    def test_refuses_the_same_file_for_both_logs(self) -> None:
        problems = check_inputs(good_values(instance_bootstrap_app_log_file="/var/log/messages"), SPECS)
        assert variables(problems) == ["instance_bootstrap_app_log_file"]

    def test_refuses_a_path_with_a_trailing_slash(self) -> None:
        problems = check_inputs(good_values(instance_bootstrap_app_working_directory="/opt/app/"), SPECS)
        assert variables(problems) == ["instance_bootstrap_app_working_directory"]

    def test_refuses_upper_case_where_it_names_the_access_log_bucket(self) -> None:
        values = good_values(stack_project="MueJam", load_balancer_access_logs_enabled=True)
        for role in preflight.ROLES:
            values[f"{role}_name"] = "MueJam-local"
            values[f"{role}_tags"] = {**values[f"{role}_tags"], "Project": "MueJam"}
        problems = check_inputs(values, SPECS)
        assert variables(problems) == ["load_balancer_name"]
        assert "S3 bucket name 'MueJam-local-alb-logs-123456789012' is not allowed" in problems[0].allowed

    def test_reports_a_misspelt_stack_variable(self) -> None:
        [problem] = check_inputs(good_values(stack_enviroment="staging"), SPECS)
        assert problem.variable == "stack_enviroment"
        assert "did you mean stack_environment?" in problem.allowed

    def test_hides_the_values_of_the_app_environment(self) -> None:
        [problem] = check_inputs(good_values(instance_bootstrap_app_environment={"SECRET": "hunter2\n"}), SPECS)
        assert "hunter2" not in str(problem)
        assert "SECRET" in str(problem)

    def test_refuses_user_data_over_ec2s_limit(self) -> None:
        _typed, problems = check_role(
            "scaling_group",
            role_values("scaling_group", scaling_group_user_data="#" * 16385),
            SPECS["scaling_group"],
        )
        assert variables(problems) == ["scaling_group_user_data"]


class TestCheckRole:
    @pytest.mark.parametrize("role", preflight.ROLES)
    def test_finds_nothing_wrong_with_what_site_yml_passes(self, role: str) -> None:
        typed, problems = check_role(role, role_values(role), SPECS[role])
        assert problems == []
        assert typed["name"] == "muejam-local"

    def test_hands_on_every_option_typed_without_the_prefix(self) -> None:
        typed, _problems = check_role(
            "networking",
            role_values("networking", networking_wait_timeout="300", networking_flow_logs_enabled="no"),
            SPECS["networking"],
        )
        assert typed["wait_timeout"] == 300
        assert typed["flow_logs_enabled"] is False
        assert set(typed) == {name.removeprefix("networking_") for name in SPECS["networking"]} | {
            "aws_region",
            "stack_production",
        } - {"aws_region", "stack_production"} or set(typed) >= {
            name.removeprefix("networking_") for name in SPECS["networking"]
        }

    def test_gives_the_preflights_message(self) -> None:
        values = good_values(networking_vpc_cidr="10.0.0.0/33")
        [expected] = check_inputs(values, SPECS)
        _typed, [problem] = check_role(
            "networking", role_values("networking", networking_vpc_cidr="10.0.0.0/33"), SPECS["networking"]
        )
        assert str(problem) == str(expected)

    def test_checks_only_what_teardown_needs_when_absent(self) -> None:
        values = role_values(
            "load_balancer",
            load_balancer_state="absent",
            load_balancer_idle_timeout="forever",
            load_balancer_ssl_policy="weak",
        )
        typed, problems = check_role("load_balancer", values, SPECS["load_balancer"])
        assert problems == []
        assert typed["idle_timeout"] == "forever"

    def test_still_checks_the_name_when_absent(self) -> None:
        values = role_values("load_balancer", load_balancer_state="absent", load_balancer_name="-bad")
        _typed, problems = check_role("load_balancer", values, SPECS["load_balancer"])
        assert variables(problems) == ["load_balancer_name"]


# --- The property: one verdict ---------------------------------------------------------------------

SAMPLES: dict[str, list[Any]] = {
    "int": [
        -1,
        0,
        1,
        2,
        3,
        5,
        10,
        29,
        30,
        60,
        90,
        120,
        443,
        1023,
        1024,
        3600,
        4000,
        4001,
        65535,
        65536,
        10**6,
        "90",
        "0",
        "-5",
        "ten",
        1.5,
        True,
    ],
    "bool": [True, False, "true", "false", "yes", "no", "1", "0", "maybe", 2],
    "str": ["", "x", "-x", "x-", "per_az", "ELB", "gp3", "/health", "/x/", "ALL", "alias/k", 42, "a b", "A" * 300],
    "list": [[], ["x"], ["us-east-1a", "us-east-1b"], "us-east-1a,us-east-1b", [1, 2], ["0.0.0.0/0"], "x", [443]],
    "dict": [{}, {"A": "1"}, {"Project": "p", "Environment": "e"}, "A=1", ["x"], {"PORT": "1"}],
}
# Values site.yml passes every role from one stack variable: generated through it, as site.yml does.
WIRED = {"load_balancer_target_port", "instance_bootstrap_app_port", "scaling_group_app_port"}
SKIPPED_SUFFIXES = ("_name", "_tags", "_state")  # wired from stack_name / stack_tags; state checked by choices
# site.yml passes the user data from the instance_bootstrap role's outputs after the preflight.
SKIPPED = {"instance_bootstrap_environment", "scaling_group_user_data"}


def generated_cases() -> list[tuple[str, str, Any]]:
    cases = []
    for role in preflight.ROLES:
        for name, option in SPECS[role].items():
            if name.endswith(SKIPPED_SUFFIXES) or name in SKIPPED:
                continue
            kind = option.get("type", "str")
            values = list(SAMPLES[kind]) + list(option.get("choices") or []) + [option.get("default")]
            cases += [(role, name, value) for value in values if value is not None]
    return cases


CASES = generated_cases()


def test_the_property_runs_on_enough_cases() -> None:
    assert len(CASES) > 1000


@pytest.mark.parametrize(("role", "name", "value"), CASES, ids=[f"{c[1]}={c[2]!r}"[:60] for c in CASES])
def test_the_preflight_and_the_role_give_one_verdict(role: str, name: str, value: Any) -> None:
    """A value of one variable, the rest as inventories/local sets it: the preflight (each role's
    own rules) and the role's own check accept it or refuse it together, with the same messages."""
    overrides = {name: value}
    if name in WIRED:
        overrides = {port: value for port in WIRED} | {"stack_app_port": value}
    stack_problems = [
        problem
        for problem in check_inputs(good_values(**overrides), SPECS, across=False)
        if problem.variable.startswith(f"{role}_") or (name in WIRED and problem.variable == "stack_app_port")
    ]
    _typed, role_problems = check_role(role, role_values(role, **overrides), SPECS[role])
    if name in WIRED:  # a bad port is reported once, at stack_app_port, by the preflight: same verdict
        assert bool(role_problems) == bool(stack_problems)
    else:
        assert sorted(map(str, role_problems)) == sorted(map(str, stack_problems))


def test_the_wiring_rules_only_ever_refuse_more() -> None:
    """What spans roles (site.yml's wiring) is the preflight's alone: it may add problems, never remove one."""
    rng = random.Random(7)
    for role, name, value in rng.sample(CASES, 200):
        values = good_values(**{name: value})
        without = set(map(str, check_inputs(values, SPECS, across=False)))
        with_wiring = set(map(str, check_inputs(values, SPECS)))
        assert without <= with_wiring or any("stack_app_port" in line for line in without), (role, name, value)


def test_defaults_of_every_role_pass() -> None:
    for role, options in SPECS.items():
        assert all(name in DEFAULTS[role] or "default" not in option for name, option in options.items())
    assert (
        list(itertools.chain.from_iterable(check_role(r, role_values(r), SPECS[r])[1] for r in preflight.ROLES)) == []
    )


def test_the_derived_stack_variables_are_those_of_playbooks_vars_stack_yml() -> None:
    """A stack_ variable the playbooks derive is not reported as a misspelling."""
    import yaml

    derived = yaml.safe_load((ROOT / "playbooks/vars/stack.yml").read_text())
    assert set(preflight.DERIVED_STACK_VARIABLES) == set(derived)
