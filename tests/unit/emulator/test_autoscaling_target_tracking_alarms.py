"""Tests of tools/emulator/patches/autoscaling_target_tracking_alarms.py (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.unit.emulator import autoscaling_fixtures
from tests.unit.emulator.autoscaling_fixtures import REGION, autoscaling_account
from tools.emulator.patches import autoscaling_target_tracking_alarms as patch


def target_tracking(target: float = 50.0, disable_scale_in: bool = False) -> dict[str, Any]:
    return {
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
        "TargetValue": target,
        "DisableScaleIn": disable_scale_in,
    }


def put_target_tracking(client: Any, group: str, **config: Any) -> None:
    client.put_scaling_policy(
        AutoScalingGroupName=group,
        PolicyName=f"{group}-cpu-target",
        PolicyType="TargetTrackingScaling",
        TargetTrackingConfiguration=target_tracking(**config),
    )


@pytest.fixture
def autoscaling() -> Iterator[Any]:
    patch.apply()
    with autoscaling_account() as client:
        for group in ("web", "other"):
            autoscaling_fixtures.create_group(client, group)
            put_target_tracking(client, group)
        yield client


def alarms(prefix: str = "TargetTracking-web-") -> dict[str, dict[str, Any]]:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    return {alarm["AlarmName"]: alarm for alarm in cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]}


def policy(client: Any, name: str = "web-cpu-target") -> dict[str, Any]:
    return client.describe_policies(PolicyNames=[name])["ScalingPolicies"][0]


def of_kind(found: dict[str, dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(alarm for name, alarm in found.items() if f"-Alarm{kind}-" in name)


class TestPutScalingPolicy:
    def test_creates_a_high_and_a_low_alarm_on_the_groups_average_cpu(self, autoscaling: Any) -> None:
        found = alarms()
        assert len(found) == 2
        high, low = of_kind(found, "High"), of_kind(found, "Low")
        arn = policy(autoscaling)["PolicyARN"]
        for alarm in (high, low):
            assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
                "AWS/EC2",
                "CPUUtilization",
                "Average",
            )
            assert alarm["Dimensions"] == [{"Name": "AutoScalingGroupName", "Value": "web"}]
            assert alarm["AlarmActions"] == [arn]
        assert (high["ComparisonOperator"], high["Threshold"], high["EvaluationPeriods"]) == (
            "GreaterThanThreshold",
            50.0,
            3,
        )
        assert (low["ComparisonOperator"], low["Threshold"], low["EvaluationPeriods"]) == (
            "LessThanThreshold",
            45.0,
            15,
        )

    def test_describe_policies_names_the_alarms(self, autoscaling: Any) -> None:
        assert sorted(alarm["AlarmName"] for alarm in policy(autoscaling)["Alarms"]) == sorted(alarms())

    def test_a_changed_target_updates_the_same_alarms(self, autoscaling: Any) -> None:
        before = sorted(alarms())
        put_target_tracking(autoscaling, "web", target=60.0)
        assert sorted(alarms()) == before
        assert of_kind(alarms(), "High")["Threshold"] == 60.0

    def test_scale_in_disabled_has_no_low_alarm(self, autoscaling: Any) -> None:
        high = of_kind(alarms(), "High")["AlarmName"]
        put_target_tracking(autoscaling, "web", disable_scale_in=True)
        assert list(alarms()) == [high]
        assert [alarm["AlarmName"] for alarm in policy(autoscaling)["Alarms"]] == [high]

    def test_a_simple_policy_in_its_place_removes_the_alarms(self, autoscaling: Any) -> None:
        autoscaling.put_scaling_policy(
            AutoScalingGroupName="web",
            PolicyName="web-cpu-target",
            AdjustmentType="ChangeInCapacity",
            ScalingAdjustment=1,
        )
        assert alarms() == {}


class TestDeletion:
    def test_deleting_the_policy_deletes_its_alarms_only(self, autoscaling: Any) -> None:
        autoscaling.delete_policy(AutoScalingGroupName="web", PolicyName="web-cpu-target")
        assert alarms() == {}
        assert len(alarms("TargetTracking-other-")) == 2

    def test_deleting_the_group_deletes_its_policies_alarms(self, autoscaling: Any) -> None:
        autoscaling.delete_auto_scaling_group(AutoScalingGroupName="web", ForceDelete=True)
        assert alarms() == {}
        assert len(alarms("TargetTracking-other-")) == 2

    def test_apply_is_idempotent(self, autoscaling: Any) -> None:
        patch.apply()
        autoscaling.delete_policy(AutoScalingGroupName="web", PolicyName="web-cpu-target")
        assert alarms() == {}


class TestAlarmSpecs:
    def test_a_customized_metric_is_used_as_given(self) -> None:
        config = {
            "CustomizedMetricSpecification": {
                "Namespace": "CWAgent",
                "MetricName": "cpu_usage_active",
                "Statistic": "Average",
                "Dimensions": [{"Name": "AutoScalingGroupName", "Value": "web"}],
            },
            "TargetValue": 40,
        }
        specs = patch.alarm_specs("web", "arn:policy", config, {"High": "h", "Low": "l"})
        assert [(spec["name"], spec["namespace"], spec["metric_name"]) for spec in specs] == [
            ("TargetTracking-web-AlarmHigh-h", "CWAgent", "cpu_usage_active"),
            ("TargetTracking-web-AlarmLow-l", "CWAgent", "cpu_usage_active"),
        ]
