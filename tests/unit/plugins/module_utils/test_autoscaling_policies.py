from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils.autoscaling_policies import (
    describe_policies,
    describe_policies_request,
    normalize_policies,
    normalize_policy,
)
from ansible_collections.muejam.infra.tests.unit.aws_faults import throttle

SCALE_OUT = {
    "AutoScalingGroupName": "muejam-local-asg",
    "PolicyName": "muejam-local-scale-out",
    "PolicyARN": "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:x:policyName/muejam-local-scale-out",
    "PolicyType": "SimpleScaling",
    "AdjustmentType": "ChangeInCapacity",
    "ScalingAdjustment": 2,
    "Cooldown": 300,
    "Alarms": [{"AlarmName": "muejam-local-cpu-high", "AlarmARN": "arn:aws:cloudwatch:...:alarm:x"}],
    "Enabled": True,
}


class TestDescribePoliciesRequest:
    def test_names_the_group_and_the_policies(self) -> None:
        assert describe_policies_request("asg", ["a", "b"]) == {
            "AutoScalingGroupName": "asg",
            "PolicyNames": ["a", "b"],
        }

    def test_leaves_out_what_is_not_given(self) -> None:
        assert describe_policies_request(None, None) == {}
        assert describe_policies_request("", []) == {}


class TestNormalizePolicy:
    def test_keeps_the_numbers_users_check(self) -> None:
        policy = normalize_policy(SCALE_OUT)
        assert policy["scaling_adjustment"] == 2
        assert policy["cooldown"] == 300
        assert policy["adjustment_type"] == "ChangeInCapacity"
        assert policy["alarm_names"] == ["muejam-local-cpu-high"]

    def test_fills_keys_aws_omits_for_target_tracking(self) -> None:
        tracking = {
            "AutoScalingGroupName": "asg",
            "PolicyName": "track",
            "PolicyARN": "arn:track",
            "PolicyType": "TargetTrackingScaling",
        }
        policy = normalize_policy(tracking)
        assert policy["scaling_adjustment"] is None
        assert policy["cooldown"] is None
        assert policy["alarm_names"] == []
        assert policy["enabled"] is True
        assert policy["target_tracking"] is None and policy["estimated_instance_warmup"] is None

    def test_normalises_a_target_tracking_configuration(self) -> None:
        tracking = {
            "AutoScalingGroupName": "asg",
            "PolicyName": "track",
            "PolicyARN": "arn:track",
            "PolicyType": "TargetTrackingScaling",
            "EstimatedInstanceWarmup": 300,
            # AWS leaves DisableScaleIn out when it is false; the target may come back as an integer.
            "TargetTrackingConfiguration": {
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                "TargetValue": 50,
            },
        }
        policy = normalize_policy(tracking)
        assert policy["target_tracking"] == {
            "predefined_metric_type": "ASGAverageCPUUtilization",
            "target_value": 50.0,
            "disable_scale_in": False,
        }
        assert isinstance(policy["target_tracking"]["target_value"], float)
        assert policy["estimated_instance_warmup"] == 300


class TestNormalizePolicies:
    def test_orders_policies_by_name(self) -> None:
        scale_in = dict(SCALE_OUT, PolicyName="muejam-local-scale-in", ScalingAdjustment=-1, Alarms=[])
        names = [policy["policy_name"] for policy in normalize_policies([SCALE_OUT, scale_in])]
        assert names == ["muejam-local-scale-in", "muejam-local-scale-out"]


@pytest.fixture
def raw_autoscaling() -> Iterator[Any]:
    """A group with one simple scaling policy, in moto."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        client = boto3.client("autoscaling", region_name="us-east-1")
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        client.create_launch_configuration(
            LaunchConfigurationName="muejam-local-lc", ImageId=image_id, InstanceType="t3.micro"
        )
        client.create_auto_scaling_group(
            AutoScalingGroupName="muejam-local-asg",
            LaunchConfigurationName="muejam-local-lc",
            MinSize=0,
            MaxSize=2,
            AvailabilityZones=["us-east-1a"],
        )
        client.put_scaling_policy(
            AutoScalingGroupName="muejam-local-asg",
            PolicyName="muejam-local-scale-out",
            AdjustmentType="ChangeInCapacity",
            ScalingAdjustment=2,
            Cooldown=300,
        )
        yield client


class TestDescribePolicies:
    def test_returns_every_policy_of_the_group(self, raw_autoscaling: Any) -> None:
        client = RetryingBotoClientWrapper(raw_autoscaling, AWSRetry.jittered_backoff())
        policies = describe_policies(client, **describe_policies_request("muejam-local-asg", None))
        assert [(p["PolicyName"], p["ScalingAdjustment"]) for p in policies] == [("muejam-local-scale-out", 2)]

    def test_retries_a_throttled_page(self, raw_autoscaling: Any, slept: list) -> None:
        client = RetryingBotoClientWrapper(raw_autoscaling, AWSRetry.jittered_backoff())
        failures = throttle(raw_autoscaling, "DescribePolicies", code="Throttling")
        policies = describe_policies(client, AutoScalingGroupName="muejam-local-asg")
        assert failures == ["DescribePolicies"] and len(slept) == 1
        assert [p["PolicyName"] for p in policies] == ["muejam-local-scale-out"]

    def test_does_not_retry_a_validation_error(self, raw_autoscaling: Any, slept: list) -> None:
        # The module reads ValidationError as "no such group": it must reach it at once.
        throttle(raw_autoscaling, "DescribePolicies", code="ValidationError")
        with pytest.raises(ClientError, match="ValidationError"):
            describe_policies(raw_autoscaling, AutoScalingGroupName="muejam-local-asg")
        assert slept == []
