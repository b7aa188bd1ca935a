"""Tests of tools/emulator/patches/autoscaling_delete_group_policies.py (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.emulator import autoscaling_fixtures
from tests.unit.emulator.autoscaling_fixtures import autoscaling_account
from tools.emulator.patches import autoscaling_delete_group_policies as patch


def create_group(client: Any, name: str) -> None:
    autoscaling_fixtures.create_group(client, name)
    for direction, adjustment in (("out", 1), ("in", -1)):
        client.put_scaling_policy(
            AutoScalingGroupName=name,
            PolicyName=f"{name}-scale-{direction}",
            AdjustmentType="ChangeInCapacity",
            ScalingAdjustment=adjustment,
        )


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    patch.apply()
    with autoscaling_account() as client:
        create_group(client, "doomed")
        create_group(client, "kept")
        yield client


def policy_names(client: Any) -> list[str]:
    return sorted(policy["PolicyName"] for policy in client.describe_policies()["ScalingPolicies"])


class TestDeleteAutoScalingGroup:
    def test_deletes_the_groups_policies(self, autoscaling: Any) -> None:
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName="doomed", ForceDelete=True)
        assert autoscaling.describe_policies(AutoScalingGroupName="doomed")["ScalingPolicies"] == []

    def test_keeps_the_other_groups_policies(self, autoscaling: Any) -> None:
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName="doomed", ForceDelete=True)
        assert policy_names(autoscaling) == ["kept-scale-in", "kept-scale-out"]

    def test_apply_is_idempotent(self, autoscaling: Any) -> None:
        patch.apply()
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName="kept", ForceDelete=True)
        assert policy_names(autoscaling) == ["doomed-scale-in", "doomed-scale-out"]
