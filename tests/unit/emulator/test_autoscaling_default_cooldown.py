"""A group's DefaultCooldown is what CreateAutoScalingGroup and UpdateAutoScalingGroup set, 0 included."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.emulator.autoscaling_fixtures import autoscaling_account
from tests.unit.emulator.autoscaling_fixtures import create_group as create
from tools.emulator.patches import autoscaling_default_cooldown as patch


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    patch.apply()
    with autoscaling_account() as client:
        yield client


def cooldown(client: Any, name: str) -> int:
    return client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]["DefaultCooldown"]


class TestDefaultCooldown:
    def test_an_update_sets_it(self, autoscaling: Any) -> None:
        create(autoscaling, "g", DefaultCooldown=300)
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="g", DefaultCooldown=60)
        assert cooldown(autoscaling, "g") == 60

    def test_an_update_that_does_not_name_it_keeps_it(self, autoscaling: Any) -> None:
        create(autoscaling, "g", DefaultCooldown=120)
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="g", MaxSize=2)
        assert cooldown(autoscaling, "g") == 120

    def test_zero_is_zero_at_creation_and_in_an_update(self, autoscaling: Any) -> None:
        create(autoscaling, "zero", DefaultCooldown=0)
        assert cooldown(autoscaling, "zero") == 0
        create(autoscaling, "later", DefaultCooldown=300)
        autoscaling.update_auto_scaling_group(AutoScalingGroupName="later", DefaultCooldown=0)
        assert cooldown(autoscaling, "later") == 0

    def test_a_group_created_without_it_has_aws_default_of_300(self, autoscaling: Any) -> None:
        create(autoscaling, "g")
        assert cooldown(autoscaling, "g") == 300
