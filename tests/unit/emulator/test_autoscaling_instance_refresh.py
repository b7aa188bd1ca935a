"""Tests of tools/emulator/patches/autoscaling_instance_refresh.py (in-process moto, a controllable clock)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.unit.emulator.autoscaling_fixtures import REGION, TEMPLATE, autoscaling_account, create_group
from tools.emulator import latency, staging
from tools.emulator.patches import autoscaling_instance_refresh as patch
from tools.emulator.patches import elbv2_target_health_staging

GROUP = "refresh-asg"
WARMUP = 60
GRACE = 60


class Clock:
    """The model's clock: a test moves it, nothing sleeps."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(patch, "clock", fake)
    return fake


@pytest.fixture(scope="module")
def account() -> Iterator[dict[str, Any]]:
    """One moto account for the module (starting EC2 takes seconds on a busy machine): TEMPLATE with a
    version 2 on another AMI, and a target group the ELB-checked groups use."""
    patch.apply()
    elbv2_target_health_staging.apply()  # the staged health of a release's targets
    with autoscaling_account() as client:
        ec2 = boto3.client("ec2", region_name=REGION)
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][1]["ImageId"]
        ec2.create_launch_template_version(
            LaunchTemplateName=TEMPLATE, SourceVersion="1", LaunchTemplateData={"ImageId": image_id}
        )
        vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
        elbv2 = boto3.client("elbv2", region_name=REGION)
        target_group = elbv2.create_target_group(Name="refresh-tg", Protocol="HTTP", Port=80, VpcId=vpc_id)
        yield {
            "autoscaling": client,
            "elbv2": elbv2,
            "cloudwatch": boto3.client("cloudwatch", region_name=REGION),
            "target_group_arn": target_group["TargetGroups"][0]["TargetGroupArn"],
        }


@pytest.fixture
def autoscaling(account: dict[str, Any], tmp_path: Path, clock: Clock) -> Iterator[Any]:
    """A group of 4 instances on version 1 of TEMPLATE, the latency model on at scale 1 with instant
    instances (only the refresh's own warmup, grace and checkpoint delays take time)."""
    client = account["autoscaling"]
    create_group(
        client, GROUP, LaunchTemplate={"LaunchTemplateName": TEMPLATE, "Version": "1"}, MaxSize=8, DesiredCapacity=4
    )
    staging.configure(tmp_path)
    latency.turn_on(tmp_path, 1.0, {"instance_pending": 0, "instance_in_service": 0})
    try:
        yield client
    finally:
        staging.configure(None)
        client.delete_auto_scaling_group(AutoScalingGroupName=GROUP, ForceDelete=True)


@pytest.fixture
def checked(account: dict[str, Any], autoscaling: Any, tmp_path: Path) -> Any:
    """The group with ELB health checks (60 s grace) in the target group, whose targets are staged
    healthy (so the latency model, which wants a load balancer, leaves them alone)."""
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=GROUP, HealthCheckType="ELB", HealthCheckGracePeriod=GRACE
    )
    autoscaling.attach_load_balancer_target_groups(
        AutoScalingGroupName=GROUP, TargetGroupARNs=[account["target_group_arn"]]
    )
    staging.stage_target_health(tmp_path, account["target_group_arn"], "healthy#0")
    return autoscaling


def start(client: Any, version: str = "2", **preferences: Any) -> str:
    return client.start_instance_refresh(
        AutoScalingGroupName=GROUP,
        DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateName": TEMPLATE, "Version": version}},
        Preferences={"InstanceWarmup": WARMUP, **preferences},
    )["InstanceRefreshId"]


def refresh(client: Any) -> dict[str, Any]:
    return client.describe_instance_refreshes(AutoScalingGroupName=GROUP)["InstanceRefreshes"][0]


def group(client: Any) -> dict[str, Any]:
    return client.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]


def versions(client: Any) -> list[str]:
    return sorted(
        i["LaunchTemplate"]["Version"] for i in group(client)["Instances"] if i["LifecycleState"] == "InService"
    )


def run(client: Any, clock: Clock, until: tuple[str, ...], step: float = 10) -> list[dict[str, Any]]:
    """Describe the refresh and the group every STEP seconds of the model's clock until a status in UNTIL."""
    seen = []
    for _unused in range(200):
        seen.append({**refresh(client), "versions": versions(client)})
        if seen[-1]["Status"] in until:
            return seen
        clock.now += step
    raise AssertionError(f"the refresh never reached {until}: {seen[-1]}")


def test_instances_show_the_version_they_were_launched_from(autoscaling: Any) -> None:
    assert versions(autoscaling) == ["1"] * 4


def test_launch_before_terminate_keeps_capacity_and_ends_on_the_new_version(autoscaling: Any, clock: Clock) -> None:
    refresh_id = start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=150)
    seen = run(autoscaling, clock, ("Successful",))
    assert seen[-1]["InstanceRefreshId"] == refresh_id
    assert all(len(entry["versions"]) >= 4 for entry in seen)  # never below desired
    assert max(len(entry["versions"]) for entry in seen) == 6  # 150 %: 2 launched at a time
    assert [entry["PercentageComplete"] for entry in seen][::6] == [0, 50, 100]
    assert seen[0]["InstancesToUpdate"] == 4 and seen[-1]["InstancesToUpdate"] == 0
    assert versions(autoscaling) == ["2"] * 4
    assert group(autoscaling)["LaunchTemplate"]["Version"] == "2"
    assert seen[-1]["Preferences"]["MinHealthyPercentage"] == 100 and seen[-1]["EndTime"] > seen[-1]["StartTime"]


def test_terminate_first_by_default(autoscaling: Any, clock: Clock) -> None:
    start(autoscaling)
    seen = run(autoscaling, clock, ("Successful",))
    assert (
        seen[-1]["Preferences"]["MinHealthyPercentage"] == 90 and seen[-1]["Preferences"]["MaxHealthyPercentage"] == 100
    )
    assert {len(entry["versions"]) for entry in seen} == {4}  # one replaced at a time, never above desired
    assert len(seen) == 4 * WARMUP // 10 + 1


def test_with_the_latency_model_off_a_refresh_completes_at_once(autoscaling: Any, tmp_path: Path) -> None:
    latency.turn_off(tmp_path)
    start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=200)
    assert refresh(autoscaling)["Status"] == "Successful"
    assert versions(autoscaling) == ["2"] * 4


def test_skip_matching_replaces_only_what_differs(autoscaling: Any, clock: Clock, tmp_path: Path) -> None:
    latency.turn_off(tmp_path)
    start(autoscaling, SkipMatching=True)
    refresh(autoscaling)
    start(autoscaling, SkipMatching=True)
    assert refresh(autoscaling)["Status"] == "Successful"
    assert refresh(autoscaling)["PercentageComplete"] == 100 and versions(autoscaling) == ["2"] * 4


def test_a_checkpoint_pauses_for_its_delay(autoscaling: Any, clock: Clock) -> None:
    start(autoscaling, MinHealthyPercentage=50, CheckpointPercentages=[50], CheckpointDelay=600)
    seen = run(autoscaling, clock, ("Successful",), step=30)
    waiting = [entry for entry in seen if entry.get("StatusReason") == patch.WAITING_FOR_CHECKPOINT]
    assert waiting and all(entry["Status"] == "InProgress" and entry["PercentageComplete"] == 50 for entry in waiting)
    assert len(waiting) == 600 // 30


def test_a_second_start_while_one_is_active_is_refused(autoscaling: Any) -> None:
    start(autoscaling)
    with pytest.raises(ClientError) as refused:
        start(autoscaling)
    assert refused.value.response["Error"]["Code"] == "InstanceRefreshInProgress"


@pytest.mark.parametrize(
    ("low", "high"), [(50, 201), (30, 150), (101, 150), (None, 150)], ids=["max-201", "spread", "min-101", "max-alone"]
)
def test_bad_healthy_percentages_are_refused(autoscaling: Any, low: int, high: int) -> None:
    with pytest.raises(ClientError) as refused:
        given = {"MaxHealthyPercentage": high} | ({} if low is None else {"MinHealthyPercentage": low})
        start(autoscaling, **given)
    assert refused.value.response["Error"]["Code"] == "ValidationError"


def test_cancel_stops_after_the_batch_in_flight(autoscaling: Any, clock: Clock) -> None:
    start(autoscaling)
    clock.now += WARMUP + 1  # one replaced, the second in flight
    assert autoscaling.cancel_instance_refresh(AutoScalingGroupName=GROUP)["InstanceRefreshId"]
    assert refresh(autoscaling)["Status"] == "Cancelling"
    seen = run(autoscaling, clock, ("Cancelled",))
    assert seen[-1]["PercentageComplete"] == 50 and versions(autoscaling) == ["1", "1", "2", "2"]
    assert group(autoscaling)["LaunchTemplate"]["Version"] == "1"
    with pytest.raises(ClientError) as refused:
        autoscaling.cancel_instance_refresh(AutoScalingGroupName=GROUP)
    assert refused.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"


def test_rollback_replaces_the_new_instances_and_restores_the_template(autoscaling: Any, clock: Clock) -> None:
    start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=150)
    clock.now += WARMUP + 1  # 2 replaced, 2 more launched
    assert versions(autoscaling).count("2") == 4
    autoscaling.rollback_instance_refresh(AutoScalingGroupName=GROUP)
    assert group(autoscaling)["LaunchTemplate"]["Version"] == "1"
    seen = run(autoscaling, clock, ("RollbackSuccessful",))
    assert all(len(entry["versions"]) >= 4 for entry in seen)
    assert {entry["Status"] for entry in seen[:-1]} == {"RollbackInProgress"}
    details = seen[-1]["RollbackDetails"]
    assert details["RollbackReason"] and details["PercentageCompleteOnRollback"] == 50
    assert details["ProgressDetailsOnRollback"]["LivePoolProgress"]["PercentageComplete"] == 50
    assert versions(autoscaling) == ["1"] * 4


def test_rollback_without_an_active_refresh_or_a_desired_configuration_is_refused(autoscaling: Any) -> None:
    with pytest.raises(ClientError) as refused:
        autoscaling.rollback_instance_refresh(AutoScalingGroupName=GROUP)
    assert refused.value.response["Error"]["Code"] == "ActiveInstanceRefreshNotFound"
    autoscaling.start_instance_refresh(AutoScalingGroupName=GROUP, Preferences={"InstanceWarmup": WARMUP})
    with pytest.raises(ClientError) as refused:
        autoscaling.rollback_instance_refresh(AutoScalingGroupName=GROUP)
    assert refused.value.response["Error"]["Code"] == "IrreversibleInstanceRefresh"


def test_min_100_max_200_launches_the_whole_group_before_terminating(autoscaling: Any, clock: Clock) -> None:
    start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=200)
    seen = run(autoscaling, clock, ("Successful",))
    assert min(len(entry["versions"]) for entry in seen) == 4 and max(len(entry["versions"]) for entry in seen) == 8
    assert len(seen) == WARMUP // 10 + 1 and versions(autoscaling) == ["2"] * 4


def test_the_replacements_are_registered_and_the_old_instances_deregistered(
    account: dict[str, Any], checked: Any, clock: Clock
) -> None:
    start(checked, MinHealthyPercentage=100, MaxHealthyPercentage=200)
    run(checked, clock, ("Successful",))
    health = account["elbv2"].describe_target_health(TargetGroupArn=account["target_group_arn"])
    registered = {
        t["Target"]["Id"] for t in health["TargetHealthDescriptions"] if t["TargetHealth"]["State"] != "draining"
    }
    assert registered == {instance["InstanceId"] for instance in group(checked)["Instances"]}


def test_a_bad_release_fails_the_refresh_naming_the_instance(
    account: dict[str, Any], checked: Any, clock: Clock, tmp_path: Path
) -> None:
    staging.stage_release_health(tmp_path, "unhealthy#0", launch_template=TEMPLATE, version=2)
    start(checked, MinHealthyPercentage=100, MaxHealthyPercentage=150)
    seen = run(checked, clock, ("Failed",))
    assert {entry["Status"] for entry in seen[:-1]} == {"InProgress"} and len(seen) == GRACE // 10 + 1
    new = [i["InstanceId"] for i in group(checked)["Instances"] if i["LaunchTemplate"]["Version"] == "2"]
    assert "unhealthy" in seen[-1]["StatusReason"] and any(instance in seen[-1]["StatusReason"] for instance in new)
    assert seen[-1]["EndTime"] and "RollbackDetails" not in seen[-1]
    assert group(checked)["LaunchTemplate"]["Version"] == "1"


def test_a_bad_release_with_auto_rollback_rolls_back_to_the_old_version(
    checked: Any, clock: Clock, tmp_path: Path
) -> None:
    staging.stage_release_health(tmp_path, "unhealthy#0", launch_template=TEMPLATE, version=2)
    start(checked, MinHealthyPercentage=100, MaxHealthyPercentage=150, AutoRollback=True)
    seen = run(checked, clock, ("RollbackSuccessful", "RollbackFailed", "Failed"))
    assert seen[-1]["Status"] == "RollbackSuccessful"  # at once: launched first, the old instances are all there
    assert all(len(entry["versions"]) >= 4 for entry in seen)
    assert "unhealthy" in seen[-1]["RollbackDetails"]["RollbackReason"]
    assert versions(checked) == ["1"] * 4 and group(checked)["LaunchTemplate"]["Version"] == "1"


def test_a_rollback_replaces_a_bad_release_and_fails_if_the_old_version_is_unhealthy_too(
    checked: Any, clock: Clock, tmp_path: Path
) -> None:
    staging.stage_release_health(tmp_path, "unhealthy#0", launch_template=TEMPLATE, version=2)
    start(checked, MinHealthyPercentage=50, AutoRollback=True)  # terminate first: 2 old ones replaced
    clock.now += GRACE
    rolling_back = refresh(checked)
    assert rolling_back["Status"] == "RollbackInProgress" and versions(checked) == ["1"] * 4  # 2 kept, 2 new
    assert rolling_back["RollbackDetails"]["InstancesToUpdateOnRollback"] == 4
    staging.stage_release_health(tmp_path, "unhealthy#0", launch_template=TEMPLATE, version=1)
    assert run(checked, clock, ("RollbackFailed", "RollbackSuccessful"))[-1]["Status"] == "RollbackFailed"


def test_the_model_own_health_looks_count_no_poll(
    account: dict[str, Any], checked: Any, clock: Clock, tmp_path: Path
) -> None:
    staging.stage_release_health(tmp_path, "initial#0,unhealthy#1", launch_template=TEMPLATE, version=2)
    start(checked, MinHealthyPercentage=100, MaxHealthyPercentage=150)
    for _unused in range(3):
        clock.now += GRACE
        assert refresh(checked)["Status"] == "InProgress"  # still initial: the refresh waits for it
    account["elbv2"].describe_target_health(TargetGroupArn=account["target_group_arn"])  # the first poll
    assert refresh(checked)["Status"] == "Failed"


def test_an_alarm_in_alarm_rolls_back(account: dict[str, Any], autoscaling: Any, clock: Clock) -> None:
    cloudwatch = account["cloudwatch"]
    cloudwatch.put_metric_alarm(
        AlarmName="refresh-5xx",
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    alarms = {"AlarmSpecification": {"Alarms": ["refresh-5xx"]}, "AutoRollback": True}
    start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=150, **alarms)
    clock.now += WARMUP
    assert refresh(autoscaling)["Status"] == "InProgress"
    cloudwatch.set_alarm_state(AlarmName="refresh-5xx", StateValue="ALARM", StateReason="a bad release")
    assert refresh(autoscaling)["Status"] == "RollbackInProgress"
    seen = run(autoscaling, clock, ("RollbackSuccessful",))
    assert "refresh-5xx" in seen[-1]["RollbackDetails"]["RollbackReason"] and versions(autoscaling) == ["1"] * 4


def test_an_unknown_alarm_is_refused(autoscaling: Any) -> None:
    with pytest.raises(ClientError) as refused:
        start(autoscaling, AlarmSpecification={"Alarms": ["no-such-alarm"]})
    assert refused.value.response["Error"]["Code"] == "ValidationError"


def test_bake_time_holds_the_refresh_in_baking(autoscaling: Any, clock: Clock) -> None:
    start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=200, BakeTime=300)
    clock.now += WARMUP
    assert refresh(autoscaling)["Status"] == "Baking" and versions(autoscaling) == ["2"] * 4
    assert group(autoscaling)["LaunchTemplate"]["Version"] == "1"  # moved only once the refresh succeeds
    clock.now += 300
    assert refresh(autoscaling)["Status"] == "Successful" and group(autoscaling)["LaunchTemplate"]["Version"] == "2"


@pytest.mark.parametrize(
    ("handling", "status"), [("Wait", "Failed"), ("Ignore", "Successful"), ("Refresh", "Successful")]
)
def test_an_instance_protected_from_scale_in(autoscaling: Any, clock: Clock, handling: str, status: str) -> None:
    protected = group(autoscaling)["Instances"][0]["InstanceId"]
    autoscaling.set_instance_protection(AutoScalingGroupName=GROUP, InstanceIds=[protected], ProtectedFromScaleIn=True)
    start(autoscaling, MinHealthyPercentage=100, MaxHealthyPercentage=200, ScaleInProtectedInstances=handling)
    clock.now += WARMUP
    if handling == "Wait":  # AWS waits an hour for the protection to go
        assert refresh(autoscaling)["Status"] == "InProgress"
        clock.now += 3600
    ended = refresh(autoscaling)
    assert ended["Status"] == status
    still_there = protected in {instance["InstanceId"] for instance in group(autoscaling)["Instances"]}
    assert still_there == (handling != "Refresh")


def test_the_server_rolls_a_release_staged_bad_back(emulator: dict[str, Any]) -> None:
    """Against the real emulator (every correction applied, latency model off, the bad release
    staged by `python -m tools.emulator stage release-health` from another process): a good release
    completes at once, a bad one fails its refresh and rolls back to the previous version."""
    ec2, autoscaling, elbv2 = (emulator["client"](service) for service in ("ec2", "autoscaling", "elbv2"))
    images = [image["ImageId"] for image in ec2.describe_images(Owners=["amazon"])["Images"][:3]]
    ec2.create_launch_template(LaunchTemplateName="srv-lt", LaunchTemplateData={"ImageId": images[0]})
    for image_id in images[1:]:
        ec2.create_launch_template_version(LaunchTemplateName="srv-lt", LaunchTemplateData={"ImageId": image_id})
    vpc_id = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    arn = elbv2.create_target_group(Name="srv-tg", Protocol="HTTP", Port=80, VpcId=vpc_id)["TargetGroups"][0][
        "TargetGroupArn"
    ]
    template = {"LaunchTemplateName": "srv-lt", "Version": "1"}
    create_group(autoscaling, "srv-asg", LaunchTemplate=template, MaxSize=4, DesiredCapacity=2)
    autoscaling.update_auto_scaling_group(AutoScalingGroupName="srv-asg", HealthCheckType="ELB")
    autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName="srv-asg", TargetGroupARNs=[arn])

    def refresh_to(version: str) -> dict[str, Any]:
        autoscaling.start_instance_refresh(
            AutoScalingGroupName="srv-asg",
            DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateName": "srv-lt", "Version": version}},
            Preferences={"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200, "AutoRollback": True},
        )
        return autoscaling.describe_instance_refreshes(AutoScalingGroupName="srv-asg")["InstanceRefreshes"][0]

    def running() -> list[str]:
        found = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["srv-asg"])["AutoScalingGroups"][0]
        return [found["LaunchTemplate"]["Version"], *sorted(i["LaunchTemplate"]["Version"] for i in found["Instances"])]

    assert refresh_to("2")["Status"] == "Successful" and running() == ["2", "2", "2"]
    emulator["launcher"](
        *("stage", "--state-dir", str(emulator["state_dir"]), "release-health"),
        *("--launch-template", "srv-lt", "--version", "3", "--steps", "unhealthy#0"),
    )
    rolled_back = refresh_to("3")
    assert rolled_back["Status"] == "RollbackSuccessful" and running() == ["2", "2", "2"]
    assert "unhealthy" in rolled_back["RollbackDetails"]["RollbackReason"]
