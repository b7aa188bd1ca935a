"""Tests of tools/emulator/patches/autoscaling_metrics_collection.py (in-process moto)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import autoscaling_metrics_collection

REGION = "us-east-1"
GROUP = "metrics-asg"


@pytest.fixture
def autoscaling() -> Iterator[object]:
    autoscaling_metrics_collection.apply()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        ec2.create_launch_template(
            LaunchTemplateName="metrics-lt", LaunchTemplateData={"ImageId": image_id, "InstanceType": "t3.micro"}
        )
        client = boto3.client("autoscaling", region_name=REGION)
        client.create_auto_scaling_group(
            AutoScalingGroupName=GROUP,
            LaunchTemplate={"LaunchTemplateName": "metrics-lt", "Version": "$Latest"},
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=[f"{REGION}a"],
        )
        yield client


def enabled_metrics(client) -> list[str]:
    group = client.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    return sorted(metric["Metric"] for metric in group.get("EnabledMetrics", []))


class TestDisableMetricsCollection:
    def test_disables_the_listed_metrics_only(self, autoscaling) -> None:
        autoscaling.enable_metrics_collection(
            AutoScalingGroupName=GROUP, Granularity="1Minute", Metrics=["GroupMinSize", "GroupMaxSize"]
        )
        autoscaling.disable_metrics_collection(AutoScalingGroupName=GROUP, Metrics=["GroupMinSize"])
        assert enabled_metrics(autoscaling) == ["GroupMaxSize"]

    def test_disables_every_metric_when_none_is_listed(self, autoscaling) -> None:
        autoscaling.enable_metrics_collection(AutoScalingGroupName=GROUP, Granularity="1Minute")
        autoscaling.disable_metrics_collection(AutoScalingGroupName=GROUP)
        assert enabled_metrics(autoscaling) == []

    def test_succeeds_when_nothing_is_enabled(self, autoscaling) -> None:
        autoscaling.disable_metrics_collection(AutoScalingGroupName=GROUP, Metrics=["GroupMinSize"])
        assert enabled_metrics(autoscaling) == []


class TestEnableMetricsCollection:
    def test_adds_to_the_metrics_already_enabled(self, autoscaling) -> None:
        autoscaling.enable_metrics_collection(
            AutoScalingGroupName=GROUP, Granularity="1Minute", Metrics=["GroupMinSize"]
        )
        autoscaling.enable_metrics_collection(
            AutoScalingGroupName=GROUP, Granularity="1Minute", Metrics=["GroupMaxSize"]
        )
        assert enabled_metrics(autoscaling) == ["GroupMaxSize", "GroupMinSize"]

    def test_enables_every_group_metric_when_none_is_listed(self, autoscaling) -> None:
        autoscaling.enable_metrics_collection(AutoScalingGroupName=GROUP, Granularity="1Minute")
        assert enabled_metrics(autoscaling) == sorted(autoscaling_metrics_collection.ALL_GROUP_METRICS)

    def test_apply_is_idempotent(self, autoscaling) -> None:
        autoscaling_metrics_collection.apply()
        autoscaling.enable_metrics_collection(
            AutoScalingGroupName=GROUP, Granularity="1Minute", Metrics=["GroupMinSize"]
        )
        autoscaling.enable_metrics_collection(
            AutoScalingGroupName=GROUP, Granularity="1Minute", Metrics=["GroupMinSize"]
        )
        assert enabled_metrics(autoscaling) == ["GroupMinSize"]
