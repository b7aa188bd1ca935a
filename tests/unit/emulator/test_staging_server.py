"""Staging against the real emulator: started by the launcher, staged by `python -m tools.emulator stage`.

The server is a separate process (moto's server with every correction applied), so this checks
what the in-process tests cannot: `start` hands its state directory to `serve`, the server reads
the stage file written by another process, and the staged answers survive moto's HTTP serializer.
"""

from __future__ import annotations

import time
from typing import Any

from tools.emulator import staging


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

    emulator["launcher"](
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
        AvailabilityZones=["us-east-1a"],
    )
    emulator["launcher"](
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
