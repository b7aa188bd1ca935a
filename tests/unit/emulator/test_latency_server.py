"""The latency model against the real emulator: started by the launcher with ``--latency``, switched
by ``python -m tools.emulator latency`` (or the same file written by tools.emulator.latency).

Every test turns the model on with durations far longer than any test takes (``SLOW``), sees the
state it expects, then shortens the durations (usually ``--scale 0``) and polls until the next
state is reached (:func:`until`, with a generous timeout). Nothing waits on the clock: a busy
machine makes the polls slower, never the answers different.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from tools.emulator import latency, staging

REGION = "us-east-1"
SLOW = 1000.0  # the time scale that makes every transition outlast the test
NEVER = {name: 10**6 for name in latency.NAMES}
NOW = {name: 0 for name in latency.NAMES}


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory, emulator_starter: Any) -> Iterator[dict[str, Any]]:
    """A server started with the model on (``start --latency``), over an old server's latency file."""
    state_dir = tmp_path_factory.mktemp("latency")
    latency.turn_on(state_dir, 7.0, {"instance_pending": 1})  # an old server's file: start must drop it
    with emulator_starter(state_dir, "--latency", "1") as started:
        yield started


def set_latency(emulator: dict[str, Any], scale: float = 1.0, **durations: float) -> None:
    latency.turn_on(emulator["state_dir"], scale, durations)


def until(read: Callable[[], Any], expected: Any, timeout: float = 30.0) -> Any:
    """Poll ``read()`` until it returns ``expected`` (or ``expected(value)`` is true); return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        reached = expected(value) if callable(expected) else value == expected
        if reached or time.monotonic() > deadline:
            assert reached, f"still {value!r} after {timeout} s"
            return value
        time.sleep(0.05)


def error_code(call: Callable[[], Any]) -> str | None:
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    return None


def network(emulator: dict[str, Any], cidr: str) -> dict[str, str]:
    """A VPC with two subnets (two zones, for a load balancer) and a security group."""
    ec2 = emulator["client"]("ec2")
    vpc_id = ec2.create_vpc(CidrBlock=f"{cidr}.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{cidr}.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in enumerate("ab")
    ]
    group_id = ec2.create_security_group(GroupName=f"app-{cidr}", Description="app", VpcId=vpc_id)["GroupId"]
    return {"vpc": vpc_id, "subnet": subnets[0], "subnet_b": subnets[1], "group": group_id}


def nat_state(ec2: Any, nat_gateway_id: str) -> str:
    return ec2.describe_nat_gateways(NatGatewayIds=[nat_gateway_id])["NatGateways"][0]["State"]


def interfaces(ec2: Any, subnet_id: str) -> int:
    filters = [{"Name": "subnet-id", "Values": [subnet_id]}]
    return len(ec2.describe_network_interfaces(Filters=filters)["NetworkInterfaces"])


def instance_state(ec2: Any, instance_id: str) -> str:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]["State"]["Name"]


def health(elbv2: Any, arn: str, *targets: str) -> list[tuple[str, str, str | None]]:
    named = {"Targets": [{"Id": target} for target in targets]} if targets else {}
    descriptions = elbv2.describe_target_health(TargetGroupArn=arn, **named)["TargetHealthDescriptions"]
    return sorted(
        (d["Target"]["Id"], d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in descriptions
    )


def load_balancer(emulator: dict[str, Any], net: dict[str, str], name: str, **check: Any) -> tuple[str, str]:
    """(load balancer ARN, target group ARN): an ALB forwarding to a new target group."""
    elbv2 = emulator["client"]("elbv2")
    lb_arn = elbv2.create_load_balancer(Name=name, Subnets=[net["subnet"], net["subnet_b"]])["LoadBalancers"][0][
        "LoadBalancerArn"
    ]
    tg_arn = elbv2.create_target_group(Name=f"{name}-tg", Protocol="HTTP", Port=80, VpcId=net["vpc"], **check)[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    forward = [{"Type": "forward", "TargetGroupArn": tg_arn}]
    elbv2.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80, DefaultActions=forward)
    return lb_arn, tg_arn


def test_start_drops_an_old_file_and_switches_the_model_on(emulator: dict[str, Any]) -> None:
    log = (emulator["state_dir"] / "server.log").read_text()
    assert f"latency file {emulator['state_dir'] / 'latency.json'}" in log
    for patch in ("core_latency_transitions", "ec2_nat_gateway_latency", "autoscaling_instance_latency"):
        assert patch in log
    shown = json.loads(
        emulator["launcher"]("latency", "--state-dir", str(emulator["state_dir"]), "show", "--json").stdout
    )
    assert shown["on"] is True
    assert shown["scale"] == 1.0  # --latency 1, not the old file's 7
    assert shown["durations"]["instance_pending"]["seconds"] == 30.0


def test_a_nat_gateway_is_pending_then_available_and_holds_its_address(emulator: dict[str, Any]) -> None:
    ec2, net = emulator["client"]("ec2"), network(emulator, "10.1")
    set_latency(emulator, SLOW)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    created = ec2.create_nat_gateway(SubnetId=net["subnet"], AllocationId=allocation_id)["NatGateway"]
    nat_id = created["NatGatewayId"]
    assert created["State"] == "pending"
    assert nat_state(ec2, nat_id) == "pending"
    by_state = ec2.describe_nat_gateways(Filters=[{"Name": "state", "Values": ["pending"]}])["NatGateways"]
    assert nat_id in [nat["NatGatewayId"] for nat in by_state]
    [address] = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"]
    assert error_code(lambda: ec2.release_address(AllocationId=allocation_id)) == "AuthFailure"
    assert error_code(lambda: ec2.disassociate_address(AssociationId=address["AssociationId"])) == "AuthFailure"

    emulator["launcher"]("latency", "--state-dir", str(emulator["state_dir"]), "on", "--scale", "0")
    until(lambda: nat_state(ec2, nat_id), "available")
    assert error_code(lambda: ec2.release_address(AllocationId=allocation_id)) == "AuthFailure"  # still in use


def test_a_deleted_nat_gateway_keeps_its_interface_and_address_until_deleted(emulator: dict[str, Any]) -> None:
    ec2, net = emulator["client"]("ec2"), network(emulator, "10.2")
    set_latency(emulator, 1.0, **{**NOW, "nat_gateway_deleting": 10**6})
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=net["subnet"], AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    until(lambda: nat_state(ec2, nat_id), "available")
    ec2.delete_nat_gateway(NatGatewayId=nat_id)
    assert nat_state(ec2, nat_id) == "deleting"
    assert interfaces(ec2, net["subnet"]) == 1
    with pytest.raises(ClientError) as refused:
        ec2.release_address(AllocationId=allocation_id)
    assert refused.value.response["Error"]["Code"] == "AuthFailure"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_code(lambda: ec2.delete_subnet(SubnetId=net["subnet"])) == "DependencyViolation"

    set_latency(emulator, 0.0)
    until(lambda: nat_state(ec2, nat_id), "deleted")
    assert interfaces(ec2, net["subnet"]) == 0
    [address] = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"]
    assert not address.get("AssociationId")
    ec2.release_address(AllocationId=allocation_id)
    ec2.delete_subnet(SubnetId=net["subnet"])
    assert nat_state(ec2, nat_id) == "deleted"  # deleted gateways stay visible, as on AWS


def test_a_load_balancer_provisions_and_the_waiter_waits_for_it(emulator: dict[str, Any]) -> None:
    elbv2, net = emulator["client"]("elbv2"), network(emulator, "10.3")
    set_latency(emulator, SLOW)
    created = elbv2.create_load_balancer(Name="slow-alb", Subnets=[net["subnet"], net["subnet_b"]])["LoadBalancers"][0]
    assert created["State"]["Code"] == "provisioning"
    waiter = elbv2.get_waiter("load_balancer_available")
    with pytest.raises(WaiterError):
        waiter.wait(Names=["slow-alb"], WaiterConfig={"Delay": 0.05, "MaxAttempts": 3})
    assert elbv2.describe_load_balancers(Names=["slow-alb"])["LoadBalancers"][0]["State"]["Code"] == "provisioning"
    set_latency(emulator, 0.0)
    waiter.wait(Names=["slow-alb"], WaiterConfig={"Delay": 0.05, "MaxAttempts": 600})
    assert elbv2.describe_load_balancers(Names=["slow-alb"])["LoadBalancers"][0]["State"]["Code"] == "active"


def test_an_instance_is_pending_then_running_and_holds_its_group_while_shutting_down(emulator: dict[str, Any]) -> None:
    ec2, net = emulator["client"]("ec2"), network(emulator, "10.4")
    set_latency(emulator, SLOW)
    launched = ec2.run_instances(
        ImageId=emulator["image_id"], MinCount=1, MaxCount=1, SubnetId=net["subnet"], SecurityGroupIds=[net["group"]]
    )["Instances"][0]
    instance_id = launched["InstanceId"]
    assert launched["State"] == {"Code": 0, "Name": "pending"}
    pending = ec2.describe_instances(Filters=[{"Name": "instance-state-name", "Values": ["pending"]}])
    assert instance_id in [i["InstanceId"] for r in pending["Reservations"] for i in r["Instances"]]
    assert ec2.describe_instance_status(InstanceIds=[instance_id])["InstanceStatuses"] == []  # running ones only

    set_latency(emulator, 1.0, **{**NOW, "instance_shutting_down": 10**6})
    until(lambda: instance_state(ec2, instance_id), "running")
    [terminating] = ec2.terminate_instances(InstanceIds=[instance_id])["TerminatingInstances"]
    assert (terminating["PreviousState"]["Name"], terminating["CurrentState"]["Name"]) == ("running", "shutting-down")
    assert instance_state(ec2, instance_id) == "shutting-down"
    assert interfaces(ec2, net["subnet"]) == 1
    assert error_code(lambda: ec2.delete_security_group(GroupId=net["group"])) == "DependencyViolation"
    assert error_code(lambda: ec2.delete_subnet(SubnetId=net["subnet"])) == "DependencyViolation"

    set_latency(emulator, 0.0)
    until(lambda: instance_state(ec2, instance_id), "terminated")
    assert interfaces(ec2, net["subnet"]) == 0
    ec2.delete_security_group(GroupId=net["group"])
    ec2.delete_subnet(SubnetId=net["subnet"])


def test_register_targets_refuses_a_pending_instance(emulator: dict[str, Any]) -> None:
    ec2, elbv2, net = emulator["client"]("ec2"), emulator["client"]("elbv2"), network(emulator, "10.5")
    set_latency(emulator, SLOW)
    instance_id = ec2.run_instances(ImageId=emulator["image_id"], MinCount=1, MaxCount=1, SubnetId=net["subnet"])[
        "Instances"
    ][0]["InstanceId"]
    _unused, tg_arn = load_balancer(emulator, net, "pending-alb")
    assert error_code(lambda: elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": instance_id}])) == (
        "InvalidTarget"
    )
    set_latency(emulator, 0.0)
    until(lambda: instance_state(ec2, instance_id), "running")
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": instance_id}])


def scaling_group(emulator: dict[str, Any], net: dict[str, str], name: str, tg_arn: str, capacity: int = 2) -> None:
    ec2, autoscaling = emulator["client"]("ec2"), emulator["client"]("autoscaling")
    data = {"ImageId": emulator["image_id"], "InstanceType": "t3.micro", "SecurityGroupIds": [net["group"]]}
    ec2.create_launch_template(LaunchTemplateName=f"{name}-lt", LaunchTemplateData=data)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=name,
        LaunchTemplate={"LaunchTemplateName": f"{name}-lt", "Version": "$Latest"},
        MinSize=0,
        MaxSize=capacity,
        DesiredCapacity=capacity,
        VPCZoneIdentifier=net["subnet"],
        TargetGroupARNs=[tg_arn],
    )


def group(autoscaling: Any, name: str) -> tuple[str | None, list[str]] | None:
    """(Status, LifecycleStates) of a group; None once DescribeAutoScalingGroups no longer has it."""
    found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[name])["AutoScalingGroups"]
    if not found:
        return None
    return found[0].get("Status"), [instance["LifecycleState"] for instance in found[0]["Instances"]]


def test_group_instances_and_their_targets_become_ready_in_order(emulator: dict[str, Any]) -> None:
    ec2, elbv2, autoscaling = (emulator["client"](name) for name in ("ec2", "elbv2", "autoscaling"))
    net = network(emulator, "10.6")
    set_latency(emulator, SLOW)
    # 300 s x 10 checks: the initial health checks outlast the test at scale 1
    _unused, tg_arn = load_balancer(
        emulator, net, "ready-alb", HealthCheckIntervalSeconds=300, HealthyThresholdCount=10
    )
    scaling_group(emulator, net, "ready-asg", tg_arn)
    assert group(autoscaling, "ready-asg") == (None, ["Pending", "Pending"])
    instances = autoscaling.describe_auto_scaling_instances()["AutoScalingInstances"]
    mine = [i for i in instances if i["AutoScalingGroupName"] == "ready-asg"]
    assert [i["LifecycleState"] for i in mine] == ["Pending", "Pending"]
    instance_ids = sorted(i["InstanceId"] for i in mine)
    assert {instance_state(ec2, instance_id) for instance_id in instance_ids} == {"pending"}
    assert health(elbv2, tg_arn) == [(i, "initial", latency.REGISTRATION_IN_PROGRESS) for i in instance_ids]

    # instances running and load balancer active, health checks still long: initial, checking
    set_latency(emulator, 1.0, **{**NOW, "instance_in_service": 10**6})
    until(lambda: health(elbv2, tg_arn), [(i, "initial", latency.INITIAL_HEALTH_CHECKING) for i in instance_ids])
    assert group(autoscaling, "ready-asg") == (None, ["Pending", "Pending"])
    set_latency(emulator, 1.0, **NOW)
    until(lambda: group(autoscaling, "ready-asg"), (None, ["InService", "InService"]))
    assert health(elbv2, tg_arn)[0][1] == "initial"  # interval x threshold is the target group's, scaled by 1

    set_latency(emulator, 0.0)
    until(lambda: health(elbv2, tg_arn), [(i, "healthy", None) for i in instance_ids])


def test_a_force_deleted_group_is_in_progress_until_its_instances_terminated(emulator: dict[str, Any]) -> None:
    ec2, elbv2, autoscaling = (emulator["client"](name) for name in ("ec2", "elbv2", "autoscaling"))
    net = network(emulator, "10.7")
    set_latency(emulator, SLOW, **NOW)  # ready at once; target draining 300 s x 1000
    _unused, tg_arn = load_balancer(emulator, net, "gone-alb")
    scaling_group(emulator, net, "gone-asg", tg_arn)
    until(lambda: group(autoscaling, "gone-asg"), (None, ["InService", "InService"]))
    instance_ids = sorted(
        i["Target"]["Id"] for i in elbv2.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    )

    set_latency(emulator, SLOW, **{**NOW, "instance_shutting_down": 10**6})
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="gone-asg", ForceDelete=True)
    assert group(autoscaling, "gone-asg") == ("Delete in progress", ["Terminating", "Terminating"])
    terminating = autoscaling.describe_auto_scaling_instances(InstanceIds=instance_ids)["AutoScalingInstances"]
    assert [i["LifecycleState"] for i in terminating] == ["Terminating", "Terminating"]
    assert {instance_state(ec2, instance_id) for instance_id in instance_ids} == {"shutting-down"}
    assert health(elbv2, tg_arn) == [(i, "draining", latency.DEREGISTRATION_IN_PROGRESS) for i in instance_ids]
    assert error_code(lambda: ec2.delete_security_group(GroupId=net["group"])) == "DependencyViolation"

    set_latency(emulator, 0.0)
    until(lambda: group(autoscaling, "gone-asg"), None)
    assert {instance_state(ec2, instance_id) for instance_id in instance_ids} == {"terminated"}
    assert health(elbv2, tg_arn) == []
    ec2.delete_security_group(GroupId=net["group"])


def test_scale_in_lists_terminating_instances_as_the_autoscaling_group_module_waits(emulator: dict[str, Any]) -> None:
    # amazon.aws autoscaling_group state=absent, wait_for_instances: scale to 0, wait until the
    # group lists no instance, delete it (no force), wait until it is no longer described.
    autoscaling, net = emulator["client"]("autoscaling"), network(emulator, "10.8")
    set_latency(emulator, 1.0, **{**NOW, "instance_shutting_down": 10**6})
    _unused, tg_arn = load_balancer(emulator, net, "shrink-alb")
    scaling_group(emulator, net, "shrink-asg", tg_arn)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="shrink-asg", MinSize=0, MaxSize=0, DesiredCapacity=0)
    assert group(autoscaling, "shrink-asg") == (None, ["Terminating", "Terminating"])
    set_latency(emulator, 0.0)
    until(lambda: group(autoscaling, "shrink-asg"), (None, []))
    autoscaling.delete_auto_scaling_group(AutoScalingGroupName="shrink-asg", ForceDelete=False)
    assert group(autoscaling, "shrink-asg") is None


def test_a_deregistered_target_drains_for_the_target_group_delay(emulator: dict[str, Any]) -> None:
    ec2, elbv2, net = emulator["client"]("ec2"), emulator["client"]("elbv2"), network(emulator, "10.9")
    set_latency(emulator, SLOW, **NOW)  # instance and load balancer at once; health checks and draining x 1000
    _unused, tg_arn = load_balancer(emulator, net, "drain-alb")
    first, second = (
        i["InstanceId"]
        for i in ec2.run_instances(ImageId=emulator["image_id"], MinCount=2, MaxCount=2, SubnetId=net["subnet"])[
            "Instances"
        ]
    )
    until(lambda: instance_state(ec2, second), "running")
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": first}, {"Id": second}])
    assert health(elbv2, tg_arn) == sorted((i, "initial", latency.INITIAL_HEALTH_CHECKING) for i in (first, second))
    elbv2.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": first}])
    assert health(elbv2, tg_arn) == sorted(
        [(first, "draining", latency.DEREGISTRATION_IN_PROGRESS), (second, "initial", latency.INITIAL_HEALTH_CHECKING)]
    )
    elbv2.modify_target_group_attributes(
        TargetGroupArn=tg_arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "0"}]
    )
    until(lambda: health(elbv2, tg_arn), [(second, "initial", latency.INITIAL_HEALTH_CHECKING)])  # its own delay
    assert health(elbv2, tg_arn, first) == [(first, "unused", "Target.NotRegistered")]
    set_latency(emulator, 0.0)
    until(lambda: health(elbv2, tg_arn), [(second, "healthy", None)])


def test_targets_of_a_group_no_load_balancer_uses_are_unused(emulator: dict[str, Any]) -> None:
    ec2, elbv2, net = emulator["client"]("ec2"), emulator["client"]("elbv2"), network(emulator, "10.10")
    set_latency(emulator, 1.0, **NOW)
    instance_id = ec2.run_instances(ImageId=emulator["image_id"], MinCount=1, MaxCount=1, SubnetId=net["subnet"])[
        "Instances"
    ][0]["InstanceId"]
    tg_arn = elbv2.create_target_group(Name="lonely-tg", Protocol="HTTP", Port=80, VpcId=net["vpc"])["TargetGroups"][0][
        "TargetGroupArn"
    ]
    elbv2.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": instance_id}])
    assert health(elbv2, tg_arn) == [(instance_id, "unused", latency.NOT_IN_USE)]


def test_a_staged_schedule_takes_precedence(emulator: dict[str, Any]) -> None:
    elbv2, autoscaling, net = emulator["client"]("elbv2"), emulator["client"]("autoscaling"), network(emulator, "10.11")
    state_dir = emulator["state_dir"]
    set_latency(emulator, SLOW, **NOW)
    _unused, tg_arn = load_balancer(emulator, net, "staged-alb")
    scaling_group(emulator, net, "staged-latency-asg", tg_arn)
    instance_ids = [target[0] for target in health(elbv2, tg_arn)]
    assert {target[1] for target in health(elbv2, tg_arn)} == {"initial"}  # the model's
    try:
        staging.stage_target_health(state_dir, tg_arn, "unhealthy:Target.Timeout#0")
        staging.stage_asg_instances(state_dir, "staged-latency-asg", in_service=1)
        assert health(elbv2, tg_arn) == [(i, "unhealthy", "Target.Timeout") for i in sorted(instance_ids)]
        assert group(autoscaling, "staged-latency-asg") == (None, ["InService", "Pending"])
        elbv2.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": instance_ids[0]}])
        assert [target[0] for target in health(elbv2, tg_arn)] == [instance_ids[1]]  # no draining: as before
    finally:
        staging.clear(state_dir)
    assert health(elbv2, tg_arn) == sorted(
        [
            (instance_ids[0], "draining", latency.DEREGISTRATION_IN_PROGRESS),
            (instance_ids[1], "initial", latency.INITIAL_HEALTH_CHECKING),
        ]
    )


def test_switching_the_model_off_gives_moto_s_answers_and_on_again_the_model_s(emulator: dict[str, Any]) -> None:
    ec2, net = emulator["client"]("ec2"), network(emulator, "10.12")
    set_latency(emulator, 1.0, **NEVER)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(SubnetId=net["subnet"], AllocationId=allocation_id)["NatGateway"]["NatGatewayId"]
    assert nat_state(ec2, nat_id) == "pending"
    emulator["launcher"]("latency", "--state-dir", str(emulator["state_dir"]), "off")
    assert nat_state(ec2, nat_id) == "available"
    set_latency(emulator, 1.0, **NEVER)
    assert nat_state(ec2, nat_id) == "pending"  # its creation was recorded: it counts again

    # Created while the model is off: moto's at-once answers, whatever is switched on later.
    latency.turn_off(emulator["state_dir"])
    other = ec2.allocate_address(Domain="vpc")["AllocationId"]
    off_nat = ec2.create_nat_gateway(SubnetId=net["subnet_b"], AllocationId=other)["NatGateway"]
    assert off_nat["State"] == "available"
    ec2.delete_nat_gateway(NatGatewayId=off_nat["NatGatewayId"])
    assert interfaces(ec2, net["subnet_b"]) == 0  # the ENI goes in the call, as before
    ec2.release_address(AllocationId=other)
    set_latency(emulator, 1.0, **NEVER)
    assert nat_state(ec2, off_nat["NatGatewayId"]) == "deleted"
