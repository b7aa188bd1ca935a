"""Tests of tools/emulator/patches/elbv2_target_health_staging.py (in-process moto)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator import staging
from tools.emulator.patches import elbv2_target_health_staging as patch

REGION = "us-east-1"


@pytest.fixture(scope="module")
def account() -> Iterator[dict[str, Any]]:
    """One moto account for the module (starting EC2 costs a second); each test adds its own group."""
    patch.apply()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        yield {"ec2": ec2, "client": boto3.client("elbv2", region_name=REGION), "vpc_id": vpc_id, "image_id": image_id}


@pytest.fixture
def elbv2(account: dict[str, Any], tmp_path: Path) -> Iterator[dict[str, Any]]:
    ec2, client = account["ec2"], account["client"]
    reservation = ec2.run_instances(ImageId=account["image_id"], MinCount=3, MaxCount=3)
    instances = [instance["InstanceId"] for instance in reservation["Instances"]]
    arn = client.create_target_group(
        Name=f"staged-{uuid.uuid4().hex[:8]}",
        Protocol="HTTP",
        Port=8000,
        VpcId=account["vpc_id"],
        TargetType="instance",
    )["TargetGroups"][0]["TargetGroupArn"]
    client.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance} for instance in instances])
    staging.configure(tmp_path)
    try:
        yield {**account, "arn": arn, "instances": instances, "state_dir": tmp_path}
    finally:
        staging.configure(None)


def health(env: dict[str, Any], **kwargs: Any) -> dict[str, dict[str, str]]:
    descriptions = env["client"].describe_target_health(TargetGroupArn=env["arn"], **kwargs)
    return {d["Target"]["Id"]: d["TargetHealth"] for d in descriptions["TargetHealthDescriptions"]}


class TestDescribeTargetHealth:
    def test_without_a_stage_file_every_target_is_healthy_as_before(self, elbv2: dict[str, Any]) -> None:
        assert {target["State"] for target in health(elbv2).values()} == {"healthy"}

    def test_follows_the_default_schedule_of_the_target_group(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial:Elb.RegistrationInProgress@0,healthy@60")
        assert (
            list(health(elbv2).values())
            == [
                {
                    "State": "initial",
                    "Reason": "Elb.RegistrationInProgress",
                    "Description": "Target registration is in progress",
                }
            ]
            * 3
        )

    def test_the_step_due_is_in_force(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial@0,healthy@5", now=time.time() - 10)
        assert list(health(elbv2).values()) == [{"State": "healthy"}] * 3

    def test_a_target_schedule_applies_to_that_target_only(self, elbv2: dict[str, Any]) -> None:
        first, second, third = elbv2["instances"]
        staging.stage_target_health(
            elbv2["state_dir"], elbv2["arn"], "unhealthy:Target.ResponseCodeMismatch@0", target=second
        )
        states = health(elbv2)
        assert states[first] == states[third] == {"State": "healthy"}
        assert states[second] == {
            "State": "unhealthy",
            "Reason": "Target.ResponseCodeMismatch",
            "Description": "Health checks failed with these codes: [502]",
        }
        assert health(elbv2, Targets=[{"Id": second}]) == {second: states[second]}

    def test_keeps_moto_answers_for_deregistered_and_stopped_targets(self, elbv2: dict[str, Any]) -> None:
        first, second, _ = elbv2["instances"]
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial@0")
        elbv2["client"].deregister_targets(TargetGroupArn=elbv2["arn"], Targets=[{"Id": first}])
        elbv2["ec2"].stop_instances(InstanceIds=[second])
        states = health(elbv2, Targets=[{"Id": first}, {"Id": second}])
        assert states[first]["Reason"] == "Target.NotRegistered"
        assert states[second]["Reason"] == "Target.InvalidState"

    def test_other_target_groups_are_untouched(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"] + "0", "initial@0")
        assert {target["State"] for target in health(elbv2).values()} == {"healthy"}

    def test_is_inert_when_no_state_dir_is_configured(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial@0")
        staging.configure(None)
        assert {target["State"] for target in health(elbv2).values()} == {"healthy"}


class TestApply:
    def test_is_idempotent(self) -> None:
        from moto.elbv2.models import FakeTargetGroup

        patch.apply()
        health_for = FakeTargetGroup.health_for
        patch.apply()
        assert FakeTargetGroup.health_for is health_for
