"""The instance refresh's input rules (rules/scaling.py, _check_refresh): what the preflight and the
scaling_group role refuse before any AWS call, naming the variable, as strings arrive from -e and AWX."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils.preflight import check_inputs, check_role
from ansible_collections.muejam.infra.plugins.module_utils.rules.scaling import (
    REFRESH_ROLLBACK_MARGIN,
    refresh_gate_timeout,
)
from ansible_collections.muejam.infra.tests.unit.plugins.module_utils.test_preflight import (
    SPECS,
    good_values,
    variables,
)
from ansible_collections.muejam.infra.tests.unit.plugins.module_utils.test_rules import role_values


def refused(**overrides: Any) -> list[str]:
    return variables(check_inputs(good_values(**overrides), SPECS))


class TestRefreshRules:
    def test_accepts_the_defaults_and_strings_of_good_values(self) -> None:
        assert refused() == []
        typed, problems = check_role(
            "scaling_group",
            role_values(
                "scaling_group",
                scaling_group_refresh_min_healthy_percentage="90",
                scaling_group_refresh_max_healthy_percentage="150",
                scaling_group_refresh_checkpoint_percentages="20,50",
                scaling_group_refresh_auto_rollback="false",
            ),
            SPECS["scaling_group"],
        )
        assert problems == []
        assert typed["refresh_checkpoint_percentages"] == [20, 50]
        assert typed["refresh_max_healthy_percentage"] == 150 and typed["refresh_auto_rollback"] is False

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("scaling_group_refresh_min_healthy_percentage", 101),
            ("scaling_group_refresh_min_healthy_percentage", "-1"),
            # 100 % max would terminate before launching: capacity would drop below desired.
            ("scaling_group_refresh_max_healthy_percentage", 100),
            ("scaling_group_refresh_max_healthy_percentage", "201"),
            ("scaling_group_refresh_instance_warmup", -5),
            ("scaling_group_refresh_checkpoint_delay", 172801),
            # Too short a pause for the gate's readiness checks and a rollback (AWS would take 0).
            ("scaling_group_refresh_checkpoint_delay", "59"),
            ("scaling_group_refresh_checkpoint_percentages", [50, 20]),
            ("scaling_group_refresh_checkpoint_percentages", [0, 50]),
            ("scaling_group_refresh_checkpoint_percentages", "50,50"),
            ("scaling_group_refresh_alarms", [f"alarm-{n}" for n in range(11)]),
            ("scaling_group_refresh_auto_rollback", "maybe"),
        ],
    )
    def test_refuses_a_bad_value_naming_the_variable(self, name: str, value: Any) -> None:
        assert refused(**{name: value}) == [name]

    def test_refuses_a_spread_wider_than_aws_allows(self) -> None:
        [problem] = check_inputs(
            good_values(
                scaling_group_refresh_min_healthy_percentage=50, scaling_group_refresh_max_healthy_percentage=200
            ),
            SPECS,
        )
        assert problem.variable == "scaling_group_refresh_max_healthy_percentage"
        assert "at most 100 above scaling_group_refresh_min_healthy_percentage (50)" in problem.allowed


class TestTheGateFitsTheCheckpointsPause:
    """At 100 % AWS ends the refresh once the pause is over and refuses a rollback after: the gate's
    readiness checks must end inside the pause, with time left to roll back."""

    def test_the_delay_that_leaves_the_least_gate_is_accepted_and_says_why_below(self) -> None:
        assert refused(scaling_group_refresh_checkpoint_delay="60") == []
        [problem] = check_inputs(good_values(scaling_group_refresh_checkpoint_delay=0), SPECS)
        assert problem.variable == "scaling_group_refresh_checkpoint_delay"
        assert "must be from 60 to 172800" in problem.allowed and "rollback" in problem.allowed

    @pytest.mark.parametrize(
        ("delay", "readiness_timeout", "gate"),
        [
            (300, 900, 270),  # the defaults: the pause bounds the gate
            ("300", "60", 60),  # a shorter readiness timeout is kept, strings as from -e
            (60, 900, 30),  # the shortest pause the preflight accepts
            (3600, 900, 900),
        ],
    )
    def test_the_gate_ends_inside_the_pause_with_time_to_roll_back(
        self, delay: Any, readiness_timeout: Any, gate: int
    ) -> None:
        timeout = refresh_gate_timeout(delay, readiness_timeout)
        assert timeout == gate
        assert timeout + REFRESH_ROLLBACK_MARGIN <= int(delay)
