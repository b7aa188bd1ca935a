"""Tests of tools/emulator/patches/elbv2_target_health_staging.py (in-process moto)."""

from __future__ import annotations

import threading
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
        first, second, _unused = elbv2["instances"]
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


def states(env: dict[str, Any], **kwargs: Any) -> set[str]:
    return {target["State"] for target in health(env, **kwargs).values()}


class TestPolls:
    def test_counts_calls_not_targets(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#2")
        # Three targets each call; the third call is the first healthy one.
        assert [states(elbv2) for _unused in range(4)] == [{"initial"}, {"initial"}, {"healthy"}, {"healthy"}]

    def test_a_call_for_some_targets_is_a_call(self, elbv2: dict[str, Any]) -> None:
        first = elbv2["instances"][0]
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#1")
        assert states(elbv2, Targets=[{"Id": first}]) == {"initial"}
        assert states(elbv2) == {"healthy"}

    def test_seconds_do_not_make_a_polls_step_due(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#1", now=time.time() - 3600)
        assert states(elbv2) == {"initial"}
        assert states(elbv2) == {"healthy"}

    def test_restaging_restarts_the_count(self, elbv2: dict[str, Any]) -> None:
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#1")
        assert [states(elbv2) for _unused in range(2)] == [{"initial"}, {"healthy"}]
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#1")
        assert [states(elbv2) for _unused in range(2)] == [{"initial"}, {"healthy"}]

    def test_calls_before_the_staging_or_of_other_groups_do_not_count(self, elbv2: dict[str, Any]) -> None:
        client = elbv2["client"]
        other = client.create_target_group(
            Name=f"other-{uuid.uuid4().hex[:8]}", Protocol="HTTP", Port=8000, VpcId=elbv2["vpc_id"]
        )["TargetGroups"][0]["TargetGroupArn"]
        client.register_targets(TargetGroupArn=other, Targets=[{"Id": elbv2["instances"][0]}])
        assert states(elbv2) == {"healthy"}  # before the staging
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#1")
        for _unused in range(3):
            client.describe_target_health(TargetGroupArn=other)
        assert [states(elbv2) for _unused in range(2)] == [{"initial"}, {"healthy"}]

    def test_a_target_schedule_counts_from_its_own_staging(self, elbv2: dict[str, Any]) -> None:
        first, second, _unused = elbv2["instances"]
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "initial#0,healthy#2")
        assert states(elbv2) == {"initial"}
        staging.stage_target_health(elbv2["state_dir"], elbv2["arn"], "unhealthy#0,healthy#2", target=second)
        seen = [health(elbv2) for _unused in range(3)]
        assert [s[first]["State"] for s in seen] == ["initial", "healthy", "healthy"]
        assert [s[second]["State"] for s in seen] == ["unhealthy", "unhealthy", "healthy"]

    def test_a_refused_call_is_not_counted(self, elbv2: dict[str, Any]) -> None:
        missing = elbv2["arn"].rsplit("/", 1)[0] + "/0000000000000000"
        schedule = staging.stage_target_health(elbv2["state_dir"], missing, "initial#0")["target_health"][missing]
        with pytest.raises(elbv2["client"].exceptions.TargetGroupNotFoundException):
            elbv2["client"].describe_target_health(TargetGroupArn=missing)
        start = schedule["default"]["from"]
        assert patch.count_poll(missing, [start]) == {start: 0}


class TestCountPoll:
    def test_concurrent_calls_each_get_their_own_count(self) -> None:
        arn, start = f"arn:test:{uuid.uuid4().hex}", 1.0
        seen: list[int] = []
        barrier = threading.Barrier(16)

        def poll() -> None:
            barrier.wait()
            for _unused in range(50):
                seen.append(patch.count_poll(arn, [start])[start])

        threads = [threading.Thread(target=poll) for _unused in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(seen) == list(range(16 * 50))

    def test_a_new_schedule_starts_at_zero_and_drops_the_old_count(self) -> None:
        arn = f"arn:test:{uuid.uuid4().hex}"
        assert [patch.count_poll(arn, [1.0])[1.0] for _unused in range(3)] == [0, 1, 2]
        assert patch.count_poll(arn, [2.0, 1.0]) == {2.0: 0, 1.0: 3}
        assert patch.count_poll(arn, [2.0]) == {2.0: 1}
        assert patch.count_poll(arn, [1.0]) == {1.0: 0}


class TestApply:
    def test_is_idempotent(self) -> None:
        from moto.elbv2.models import ELBv2Backend

        patch.apply()
        describe_target_health = ELBv2Backend.describe_target_health
        patch.apply()
        assert ELBv2Backend.describe_target_health is describe_target_health
