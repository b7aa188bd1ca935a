"""Staging against the real emulator: started by the launcher, staged by `python -m tools.emulator stage`.

The server is a separate process (moto's server with every correction applied), so this checks
what the in-process tests cannot: `start` hands its state directory to `serve`, the server reads
the stage file written by another process, the staged answers survive moto's HTTP serializer, and
the threaded server counts DescribeTargetHealth calls (steps staged by polls, ``#N``) one per call.
"""

from __future__ import annotations

import threading
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


INITIAL = [("initial", "Elb.InitialHealthChecking")] * 2
HEALTHY = [("healthy", None)] * 2


def target_group(emulator: dict[str, Any], name: str) -> tuple[Any, str, list[str]]:
    """(elbv2 client, ARN, instance ids) of a new target group with two running instances registered."""
    ec2, elbv2 = emulator["client"]("ec2"), emulator["client"]("elbv2")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    reservation = ec2.run_instances(ImageId=emulator["image_id"], MinCount=2, MaxCount=2, InstanceType="t3.micro")
    instances = [instance["InstanceId"] for instance in reservation["Instances"]]
    arn = elbv2.create_target_group(Name=name, Protocol="HTTP", Port=8000, VpcId=vpc_id, TargetType="instance")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=arn, Targets=[{"Id": instance} for instance in instances])
    return elbv2, arn, instances


def stage(emulator: dict[str, Any], arn: str, steps: str, *target: str) -> None:
    """`python -m tools.emulator stage target-health` as a user runs it (another process)."""
    emulator["launcher"](
        *("stage", "--state-dir", str(emulator["state_dir"]), "target-health", "--target-group-arn", arn),
        *("--steps", steps, *(("--target", *target) if target else ())),
    )


def test_targets_go_from_initial_to_healthy(emulator: dict[str, Any]) -> None:
    elbv2, arn, _unused = target_group(emulator, "staged-tg")
    assert target_states(elbv2, arn) == HEALTHY  # moto's answer until staged

    # Seconds are the stager's wall clock: only what the clock proves is asserted, so a busy
    # machine cannot fail this (whether an early poll still sees initial depends on the load).
    before = time.time()
    stage(emulator, arn, "initial:Elb.InitialHealthChecking@0,healthy@2")
    after = time.time()
    polls = []
    while not polls or polls[-1][2] != HEALTHY:
        assert time.time() < after + 30, "targets never became healthy"
        start = time.time()
        states = target_states(elbv2, arn)
        polls.append((start, time.time(), states))
        time.sleep(0.2)
    for start, end, states in polls:
        assert states in (INITIAL, HEALTHY)
        if end < before + 2:  # the step was not due yet
            assert states == INITIAL
        if start > after + 2:  # the step was due
            assert states == HEALTHY


def test_targets_staged_by_polls_turn_healthy_at_the_fourth_poll(emulator: dict[str, Any]) -> None:
    elbv2, arn, _unused = target_group(emulator, "polls-tg")
    stage(emulator, arn, "initial:Elb.InitialHealthChecking#0,healthy#3")
    assert [target_states(elbv2, arn) for _unused in range(6)] == [INITIAL] * 3 + [HEALTHY] * 3


def test_polls_do_not_depend_on_the_time_between_them(emulator: dict[str, Any]) -> None:
    elbv2, arn, (first, second) = target_group(emulator, "slow-polls-tg")
    stage(emulator, arn, "initial:Elb.InitialHealthChecking#0,healthy#3")
    # A schedule by seconds beside it, on the second target: healthy after 1 s.
    stage(emulator, arn, "initial:Elb.InitialHealthChecking@0,healthy@1", second)
    polls = []
    for _unused in range(4):
        time.sleep(1.5)  # longer than the seconds step needs, between every two polls
        polls.append(dict(zip((first, second), target_states(elbv2, arn), strict=True)))
    assert [poll[second] for poll in polls] == [("healthy", None)] * 4
    assert [poll[first] for poll in polls] == INITIAL[:1] * 3 + [("healthy", None)]


def test_restaging_restarts_the_count(emulator: dict[str, Any]) -> None:
    elbv2, arn, _unused = target_group(emulator, "restaged-tg")
    stage(emulator, arn, "initial:Elb.InitialHealthChecking#0,healthy#3")
    assert [target_states(elbv2, arn) for _unused in range(5)] == [INITIAL] * 3 + [HEALTHY] * 2
    staging.stage_target_health(emulator["state_dir"], arn, "initial:Elb.InitialHealthChecking#0,healthy#3")
    assert [target_states(elbv2, arn) for _unused in range(5)] == [INITIAL] * 3 + [HEALTHY] * 2
    staging.clear(emulator["state_dir"], arn)
    assert target_states(elbv2, arn) == HEALTHY


def test_concurrent_polls_are_counted_once_each(emulator: dict[str, Any]) -> None:
    _unused, arn, _unused = target_group(emulator, "concurrent-tg")
    stage(emulator, arn, "initial:Elb.InitialHealthChecking#0,healthy#5")
    threads, clients = 12, [emulator["client"]("elbv2") for _unused in range(12)]
    barrier = threading.Barrier(threads)
    seen: list[list[tuple[str, str | None]]] = []

    def poll(client: Any) -> None:
        barrier.wait()
        seen.append(target_states(client, arn))

    workers = [threading.Thread(target=poll, args=(client,)) for client in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # Each call sees one state for both its targets, and exactly 5 calls came before healthy.
    assert sorted(seen) == sorted([INITIAL] * 5 + [HEALTHY] * (threads - 5))


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
