"""The scaling policy type's input rules (rules/scaling.py, _check_target_tracking and _check_scaling):
what the preflight and the scaling_group role refuse before any AWS call, naming the variable, its
value and what is allowed, as strings arrive from -e and AWX surveys."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from ansible_collections.muejam.infra.plugins.module_utils.preflight import check_inputs, check_role
from ansible_collections.muejam.infra.plugins.module_utils.state import scaling_group
from ansible_collections.muejam.infra.tests.unit.plugins.module_utils.test_preflight import (
    SPECS,
    good_values,
    variables,
)
from ansible_collections.muejam.infra.tests.unit.plugins.module_utils.test_rules import role_values


def problems(**overrides: Any) -> list[Any]:
    return check_inputs(good_values(**overrides), SPECS)


class TestTargetTrackingRules:
    def test_accepts_target_tracking_given_as_strings(self) -> None:
        strings = {
            "scaling_group_policy_type": "target_tracking",
            "scaling_group_target_cpu": "55",
            "scaling_group_target_disable_scale_in": "true",
            "scaling_group_target_instance_warmup": "120",
        }
        assert problems(**strings) == []
        typed, role_problems = check_role(
            "scaling_group", role_values("scaling_group", **strings), SPECS["scaling_group"]
        )
        assert role_problems == []
        assert (typed["policy_type"], typed["target_cpu"]) == ("target_tracking", 55)
        assert (typed["target_disable_scale_in"], typed["target_instance_warmup"]) == (True, 120)

    def test_the_default_is_the_seeds_simple_policies(self) -> None:
        typed, _unused = check_role("scaling_group", role_values("scaling_group"), SPECS["scaling_group"])
        assert typed["policy_type"] == "simple"

    @pytest.mark.parametrize(
        ("name", "value", "allowed"),
        [
            ("scaling_group_policy_type", "step", "must be one of: simple, target_tracking"),
            ("scaling_group_target_cpu", "0", "must be from 1 to 99"),
            ("scaling_group_target_cpu", 100, "must be from 1 to 99"),
            ("scaling_group_target_cpu", "half", "must be an integer"),
            ("scaling_group_target_disable_scale_in", "maybe", "must be a boolean"),
            ("scaling_group_target_instance_warmup", "0", "must be 1 or more"),
        ],
    )
    def test_refuses_a_bad_value_naming_the_variable_the_value_and_what_is_allowed(
        self, name: str, value: Any, allowed: str
    ) -> None:
        found = problems(**{name: value})
        assert variables(found) == [name]
        assert str(found[0].value) == str(value)  # as typed (an integer given as "0" is shown as 0)
        assert found[0].allowed.startswith(allowed), found[0].allowed

    def test_the_role_alone_refuses_what_the_preflight_refuses(self) -> None:
        _typed, role_problems = check_role(
            "scaling_group", role_values("scaling_group", scaling_group_target_cpu="150"), SPECS["scaling_group"]
        )
        assert [problem.variable for problem in role_problems] == ["scaling_group_target_cpu"]


class TestTheSimpleAlarmsRulesApplyToSimplePoliciesOnly:
    # Basic monitoring publishes CPUUtilization every 300 s: the simple policies' 120 s alarms would miss data.
    basic: ClassVar[dict[str, str]] = {
        "scaling_group_detailed_monitoring": "false",
        "scaling_group_alarm_period": "120",
    }

    def test_simple_policies_with_basic_monitoring_need_a_period_that_fits(self) -> None:
        assert variables(problems(**self.basic)) == ["scaling_group_alarm_period"]

    def test_target_tracking_makes_none_of_those_alarms_so_their_period_is_not_refused(self) -> None:
        assert problems(**self.basic, scaling_group_policy_type="target_tracking") == []


def test_the_argument_specs_choices_are_the_policy_types_the_comparison_knows() -> None:
    assert SPECS["scaling_group"]["scaling_group_policy_type"]["choices"] == list(scaling_group.POLICIES)
