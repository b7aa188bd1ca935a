from __future__ import annotations

from ansible_collections.muejam.infra.plugins.module_utils.autoscaling_policies import (
    describe_policies_request,
    normalize_policies,
    normalize_policy,
)

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


class TestNormalizePolicies:
    def test_orders_policies_by_name(self) -> None:
        scale_in = dict(SCALE_OUT, PolicyName="muejam-local-scale-in", ScalingAdjustment=-1, Alarms=[])
        names = [policy["policy_name"] for policy in normalize_policies([SCALE_OUT, scale_in])]
        assert names == ["muejam-local-scale-in", "muejam-local-scale-out"]
