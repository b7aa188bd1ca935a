"""Tests of tools/emulator/patches/autoscaling_instance_staging.py (in-process moto)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator import staging
from tools.emulator.patches import autoscaling_instance_staging as patch

REGION = "us-east-1"
GROUP = "staged-asg"
OTHER = "other-asg"


@pytest.fixture(scope="module")
def account() -> Iterator[Any]:
    """One moto account for the module (starting EC2 costs a second); each test adds its own groups."""
    patch.apply()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        ec2.create_launch_template(
            LaunchTemplateName="staged-lt", LaunchTemplateData={"ImageId": image_id, "InstanceType": "t3.micro"}
        )
        yield boto3.client("autoscaling", region_name=REGION)


@pytest.fixture
def autoscaling(account: Any, tmp_path: Path) -> Iterator[Any]:
    for name in (GROUP, OTHER):
        account.create_auto_scaling_group(
            AutoScalingGroupName=name,
            LaunchTemplate={"LaunchTemplateName": "staged-lt", "Version": "$Latest"},
            MinSize=0,
            MaxSize=3,
            DesiredCapacity=3,
            AvailabilityZones=[f"{REGION}a"],
        )
    staging.configure(tmp_path)
    try:
        yield account
    finally:
        staging.configure(None)
        for name in (GROUP, OTHER):
            account.delete_auto_scaling_group(AutoScalingGroupName=name, ForceDelete=True)


def group_states(client: Any, name: str = GROUP) -> list[tuple[str, str]]:
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"][0]
    return [(instance["LifecycleState"], instance["HealthStatus"]) for instance in group["Instances"]]


def instance_states(client: Any) -> dict[str, tuple[str, str]]:
    instances = client.describe_auto_scaling_instances()["AutoScalingInstances"]
    return {i["InstanceId"]: (i["AutoScalingGroupName"], i["LifecycleState"], i["HealthStatus"]) for i in instances}


class TestDescribeAutoScalingGroups:
    def test_without_a_stage_file_every_instance_is_in_service_as_before(self, autoscaling: Any) -> None:
        assert group_states(autoscaling) == [("InService", "Healthy")] * 3

    def test_instances_beyond_the_staged_counts_are_pending_and_unhealthy(
        self, autoscaling: Any, tmp_path: Path
    ) -> None:
        staging.stage_asg_instances(tmp_path, GROUP, in_service=1, healthy=2)
        assert group_states(autoscaling) == [("InService", "Healthy"), ("Pending", "Healthy"), ("Pending", "Unhealthy")]
        assert group_states(autoscaling, OTHER) == [("InService", "Healthy")] * 3

    def test_the_step_due_is_in_force(self, autoscaling: Any, tmp_path: Path) -> None:
        staging.stage_asg_instances(tmp_path, GROUP, steps="0@0,2@5,*@60", now=time.time() - 10)
        assert group_states(autoscaling) == [("InService", "Healthy")] * 2 + [("Pending", "Healthy")]

    def test_moto_own_instance_states_are_untouched(self, autoscaling: Any, tmp_path: Path) -> None:
        from moto.autoscaling.models import autoscaling_backends

        staging.stage_asg_instances(tmp_path, GROUP, in_service=0, healthy=0)
        assert group_states(autoscaling) == [("Pending", "Unhealthy")] * 3
        backend = next(iter(autoscaling_backends.values()))[REGION]
        group = backend.autoscaling_groups[GROUP]
        assert {(state.lifecycle_state, state.health_status) for state in group.instance_states} == {
            ("InService", "Healthy")
        }


class TestDescribeAutoScalingInstances:
    def test_follows_the_stage_of_each_group(self, autoscaling: Any, tmp_path: Path) -> None:
        staging.stage_asg_instances(tmp_path, GROUP, in_service=1)
        states = list(instance_states(autoscaling).values())
        assert sorted(states) == sorted(
            [(GROUP, "InService", "Healthy")]
            + [(GROUP, "Pending", "Healthy")] * 2
            + [(OTHER, "InService", "Healthy")] * 3
        )

    def test_agrees_with_describe_auto_scaling_groups(self, autoscaling: Any, tmp_path: Path) -> None:
        staging.stage_asg_instances(tmp_path, GROUP, in_service=2, healthy=1)
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
        by_id = instance_states(autoscaling)
        for instance in group["Instances"]:
            assert by_id[instance["InstanceId"]] == (GROUP, instance["LifecycleState"], instance["HealthStatus"])


class TestApply:
    def test_is_idempotent(self) -> None:
        from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup

        patch.apply()
        instances = FakeAutoScalingGroup.instances
        describe = AutoScalingBackend.describe_auto_scaling_instances
        patch.apply()
        assert FakeAutoScalingGroup.instances is instances
        assert AutoScalingBackend.describe_auto_scaling_instances is describe
