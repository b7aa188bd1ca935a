"""DescribeAutoScalingGroups returns a group's tags sorted by key, as AWS does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.unit.emulator.autoscaling_fixtures import autoscaling_account, create_group
from tools.emulator.patches import autoscaling_tag_order as patch

GROUP = "t-asg"


def tag(key: str, value: str = "v", propagate: bool = False) -> dict[str, Any]:
    return {
        "Key": key,
        "Value": value,
        "PropagateAtLaunch": propagate,
        "ResourceId": GROUP,
        "ResourceType": "auto-scaling-group",
    }


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    patch.apply()
    with autoscaling_account() as client:
        create_group(
            client, GROUP, Tags=[tag("snake_case"), tag("Project"), tag("lowercase spaced"), tag("Environment")]
        )
        yield client


def described_keys(client: Any) -> list[str]:
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    return [described["Key"] for described in group["Tags"]]


class TestDescribeAutoScalingGroups:
    def test_tags_given_at_creation_are_sorted_by_key(self, autoscaling: Any) -> None:
        assert described_keys(autoscaling) == ["Environment", "Project", "lowercase spaced", "snake_case"]

    def test_tags_added_later_are_sorted_in(self, autoscaling: Any) -> None:
        autoscaling.create_or_update_tags(Tags=[tag("Name"), tag("Application")])
        assert described_keys(autoscaling) == [
            "Application",
            "Environment",
            "Name",
            "Project",
            "lowercase spaced",
            "snake_case",
        ]

    def test_updated_and_deleted_tags_keep_the_order(self, autoscaling: Any) -> None:
        autoscaling.create_or_update_tags(Tags=[tag("snake_case", "new", propagate=True)])
        autoscaling.delete_tags(Tags=[tag("Project")])
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
        assert [(t["Key"], t["Value"], t["PropagateAtLaunch"]) for t in group["Tags"]] == [
            ("Environment", "v", False),
            ("lowercase spaced", "v", False),
            ("snake_case", "new", True),
        ]

    def test_apply_is_idempotent(self, autoscaling: Any) -> None:
        patch.apply()
        autoscaling.create_or_update_tags(Tags=[tag("Name")])
        assert described_keys(autoscaling) == ["Environment", "Name", "Project", "lowercase spaced", "snake_case"]
