"""Staging against the real emulator: started by the launcher, staged by `python -m tools.emulator stage`.

The server is a separate process (moto's server with every correction applied), so this checks
what the in-process tests cannot: `start` hands its state directory to `serve`, the server reads
the stage file written by another process, and the staged answers survive moto's HTTP serializer.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from tools.emulator import staging

ROOT = Path(__file__).resolve().parents[3]
REGION = "us-east-1"


def launcher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", *args], cwd=ROOT, check=True, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    state_dir = tmp_path_factory.mktemp("emulator")
    launcher("start", "--port", "0", "--state-dir", str(state_dir))
    try:
        endpoint = (state_dir / "endpoint").read_text().strip()

        def client(service: str) -> Any:
            return boto3.client(
                service,
                region_name=REGION,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        ec2 = client("ec2")
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        yield {"state_dir": state_dir, "client": client, "image_id": image_id}
    finally:
        launcher("stop", "--state-dir", str(state_dir))


def target_states(elbv2: Any, arn: str) -> list[tuple[str, str | None]]:
    descriptions = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    return [(d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in descriptions]


def test_the_server_follows_its_state_directory(emulator: dict[str, Any]) -> None:
    log = (emulator["state_dir"] / "server.log").read_text()
    assert f"stage file {emulator['state_dir'] / 'stage.json'}" in log
    assert "elbv2_target_health_staging" in log
    assert "autoscaling_instance_staging" in log


def test_targets_go_from_initial_to_healthy(emulator: dict[str, Any]) -> None:
    ec2, elbv2 = emulator["client"]("ec2"), emulator["client"]("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    reservation = ec2.run_instances(ImageId=emulator["image_id"], MinCount=2, MaxCount=2, InstanceType="t3.micro")
    instances = [instance["InstanceId"] for instance in reservation["Instances"]]
    arn = elbv2.create_target_group(Name="staged-tg", Protocol="HTTP", Port=8000, VpcId=vpc_id, TargetType="instance")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance} for instance in instances])
    assert target_states(elbv2, arn) == [("healthy", None)] * 2  # moto's answer until staged

    launcher(
        *("stage", "--state-dir", str(emulator["state_dir"]), "target-health", "--target-group-arn", arn),
        *("--steps", "initial:Elb.InitialHealthChecking@0,healthy@2"),
    )
    staged_at = time.monotonic()
    assert target_states(elbv2, arn) == [("initial", "Elb.InitialHealthChecking")] * 2

    deadline = staged_at + 10
    while target_states(elbv2, arn) != [("healthy", None)] * 2:
        assert time.monotonic() < deadline, "targets never became healthy"
        time.sleep(0.2)
    assert time.monotonic() - staged_at >= 1.5  # the step is due after 2 s of the stager's clock


def test_instances_beyond_in_service_are_pending(emulator: dict[str, Any]) -> None:
    ec2, autoscaling = emulator["client"]("ec2"), emulator["client"]("autoscaling")
    ec2.create_launch_template(
        LaunchTemplateName="staged-lt", LaunchTemplateData={"ImageId": emulator["image_id"], "InstanceType": "t3.micro"}
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="staged-asg",
        LaunchTemplate={"LaunchTemplateName": "staged-lt", "Version": "$Latest"},
        MinSize=0,
        MaxSize=2,
        DesiredCapacity=2,
        AvailabilityZones=[f"{REGION}a"],
    )
    launcher(
        "stage",
        "--state-dir",
        str(emulator["state_dir"]),
        "asg-instances",
        "--group",
        "staged-asg",
        "--in-service",
        "1",
    )

    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["staged-asg"])["AutoScalingGroups"][0]
    assert [i["LifecycleState"] for i in group["Instances"]] == ["InService", "Pending"]

    staging.clear(emulator["state_dir"], group_name="staged-asg")  # the Python API, same stage file
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["staged-asg"])["AutoScalingGroups"][0]
    assert [i["LifecycleState"] for i in group["Instances"]] == ["InService", "InService"]
