from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.filter.scaling import (
    GROUP_METRICS,
    FilterModule,
    policy_arns,
    refresh_gate_timeout,
    scaling_group_capacity,
    scaling_group_changes,
    scaling_policy_changes,
)
from ansible_collections.muejam.infra.plugins.module_utils.autoscaling_policies import normalize_policies

ASG_ARN = "arn:aws:autoscaling:us-east-1:111111111111:autoScalingGroup:1:autoScalingGroupName/app-asg"
TG_ARN = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/app-tg/0123456789abcdef"


def found_group(**changes):
    """A group as amazon.aws.autoscaling_group_info returns it, matching wanted_group()."""
    group = {
        "auto_scaling_group_name": "app-asg",
        "auto_scaling_group_arn": ASG_ARN,
        "launch_template": {"launch_template_id": "lt-1", "launch_template_name": "app-lt", "version": "3"},
        "vpc_zone_identifier": "subnet-b,subnet-a",
        "target_group_arns": [TG_ARN],
        "health_check_type": "ELB",
        "health_check_grace_period": 300,
        "min_size": 2,
        "max_size": 10,
        "desired_capacity": 4,
        "default_cooldown": 300,
        "enabled_metrics": [{"metric": metric, "granularity": "1Minute"} for metric in reversed(GROUP_METRICS)],
        "tags": [
            {"key": "Name", "value": "app-asg", "propagate_at_launch": False, "resource_id": "app-asg"},
            {"key": "Environment", "value": "production", "propagate_at_launch": True, "resource_id": "app-asg"},
            {"key": "Project", "value": "muejam", "propagate_at_launch": True, "resource_id": "app-asg"},
        ],
    }
    group.update(changes)
    return group


def wanted_group(**changes):
    """The amazon.aws.autoscaling_group options the role passes."""
    wanted = {
        "launch_template": {"launch_template_name": "app-lt", "version": 3},
        "vpc_zone_identifier": ["subnet-a", "subnet-b"],
        "target_group_arns": [TG_ARN],
        "health_check_type": "ELB",
        "health_check_period": 300,
        "min_size": 2,
        "max_size": 10,
        "desired_capacity": 4,
        "default_cooldown": 300,
        "metrics_collection": True,
        "tags": [
            {"Project": "muejam", "Environment": "production", "propagate_at_launch": True},
            {"Name": "app-asg", "propagate_at_launch": False},
        ],
    }
    wanted.update(changes)
    return wanted


class TestScalingGroupChanges:
    def test_reports_nothing_when_the_group_matches(self):
        assert scaling_group_changes(found_group(), wanted_group()) == []

    def test_ignores_the_order_of_subnets_and_metrics(self):
        group = found_group(
            vpc_zone_identifier="subnet-a,subnet-b", enabled_metrics=[{"metric": m} for m in GROUP_METRICS]
        )
        assert scaling_group_changes(group, wanted_group(vpc_zone_identifier=["subnet-b", "subnet-a"])) == []

    def test_compares_numbers_given_as_strings_as_numbers(self):
        assert scaling_group_changes(found_group(), wanted_group(min_size="2", max_size="10")) == []

    def test_reports_a_changed_size_as_found_and_wanted(self):
        assert scaling_group_changes(found_group(), wanted_group(max_size=6)) == ["max_size: 10 -> 6"]

    def test_reports_a_new_launch_template_version(self):
        changes = scaling_group_changes(
            found_group(), wanted_group(launch_template={"launch_template_name": "app-lt", "version": "4"})
        )
        assert changes == ["launch_template: app-lt:3 -> app-lt:4"]

    def test_reports_metrics_to_disable(self):
        changes = scaling_group_changes(found_group(), wanted_group(metrics_collection=False))
        assert len(changes) == 1 and changes[0].startswith("metrics: [GroupDesiredCapacity")
        assert changes[0].endswith("-> []")

    def test_reads_metrics_collection_given_as_a_string(self):
        assert scaling_group_changes(found_group(enabled_metrics=[]), wanted_group(metrics_collection="false")) == []

    def test_ignores_metrics_the_module_does_not_manage(self):
        group = found_group(enabled_metrics=[{"metric": m} for m in (*GROUP_METRICS, "WarmPoolMinSize")])
        assert scaling_group_changes(group, wanted_group()) == []

    def test_reports_a_tag_that_stopped_propagating(self):
        tags = [dict(tag) for tag in found_group()["tags"]]
        tags[2]["propagate_at_launch"] = "false"
        changes = scaling_group_changes(found_group(tags=tags), wanted_group())
        assert changes == [
            "tags: [Environment=production, Name=app-asg (not propagated), Project=muejam (not propagated)]"
            " -> [Environment=production, Name=app-asg (not propagated), Project=muejam]"
        ]

    def test_reports_a_missing_target_group(self):
        changes = scaling_group_changes(found_group(target_group_arns=[]), wanted_group())
        assert changes == [f"target_groups: [] -> [{TG_ARN}]"]

    def test_refuses_wanted_options_without_a_setting(self):
        wanted = wanted_group()
        del wanted["min_size"]
        with pytest.raises(AnsibleFilterError, match="min_size"):
            scaling_group_changes(found_group(), wanted)


def found_policies(**cooldowns):
    """Policies as muejam.infra.autoscaling_policy_info returns them (normalized from DescribePolicies)."""
    return normalize_policies(
        [
            {
                "PolicyName": name,
                "PolicyARN": f"arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:1:policyName/{name}",
                "AutoScalingGroupName": "app-asg",
                "PolicyType": "SimpleScaling",
                "AdjustmentType": "ChangeInCapacity",
                "ScalingAdjustment": adjustment,
                "Cooldown": cooldowns.get(name.replace("-", "_"), 300),
            }
            for name, adjustment in (("scale-out", 2), ("scale-in", -1))
        ]
    )


WANTED_POLICIES = [
    {
        "policy_name": "scale-out",
        "policy_type": "SimpleScaling",
        "adjustment_type": "ChangeInCapacity",
        "scaling_adjustment": 2,
        "cooldown": 300,
    },
    {
        "policy_name": "scale-in",
        "policy_type": "SimpleScaling",
        "adjustment_type": "ChangeInCapacity",
        "scaling_adjustment": -1,
        "cooldown": 300,
    },
]


class TestScalingPolicyChanges:
    def test_reports_nothing_when_the_policies_match(self):
        assert scaling_policy_changes(found_policies(), WANTED_POLICIES) == []

    def test_reports_every_policy_when_none_exists(self):
        assert scaling_policy_changes([], WANTED_POLICIES) == [
            "scale-out: absent -> present",
            "scale-in: absent -> present",
        ]

    def test_reports_a_changed_setting_of_one_policy(self):
        assert scaling_policy_changes(found_policies(scale_in=120), WANTED_POLICIES) == [
            "scale-in cooldown: 120 -> 300"
        ]

    def test_compares_numbers_given_as_strings_as_numbers(self):
        wanted = [{**policy, "cooldown": "300"} for policy in WANTED_POLICIES]
        assert scaling_policy_changes(found_policies(), wanted) == []

    def test_leaves_policies_found_but_not_wanted_alone(self):
        assert scaling_policy_changes(found_policies(), WANTED_POLICIES[:1]) == []


def found_target_tracking(**config):
    """A target tracking policy as DescribePolicies returns it (DisableScaleIn left out when false)."""
    return normalize_policies(
        [
            {
                "PolicyName": "cpu-target",
                "PolicyARN": "arn:aws:autoscaling:...:policyName/cpu-target",
                "AutoScalingGroupName": "app-asg",
                "PolicyType": "TargetTrackingScaling",
                "EstimatedInstanceWarmup": 300,
                "TargetTrackingConfiguration": {
                    "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                    "TargetValue": 50.0,
                    **config,
                },
            }
        ]
    )


# As tasks/scaling.yml notes it: the target a float, the bool as given.
WANTED_TARGET_TRACKING = [
    {
        "policy_name": "cpu-target",
        "policy_type": "TargetTrackingScaling",
        "target_tracking": {
            "predefined_metric_type": "ASGAverageCPUUtilization",
            "target_value": 50.0,
            "disable_scale_in": False,
        },
        "estimated_instance_warmup": 300,
    }
]


class TestTargetTrackingPolicyChanges:
    def test_reports_nothing_when_the_policy_matches(self):
        assert scaling_policy_changes(found_target_tracking(), WANTED_TARGET_TRACKING) == []

    def test_reports_a_changed_target_with_the_whole_configuration(self):
        assert scaling_policy_changes(found_target_tracking(TargetValue=60.0), WANTED_TARGET_TRACKING) == [
            "cpu-target target_tracking: {predefined_metric_type: ASGAverageCPUUtilization, target_value: 60.0, "
            "disable_scale_in: False} -> {predefined_metric_type: ASGAverageCPUUtilization, target_value: 50.0, "
            "disable_scale_in: False}"
        ]

    def test_reports_a_changed_warmup(self):
        wanted = [{**WANTED_TARGET_TRACKING[0], "estimated_instance_warmup": 120}]
        assert scaling_policy_changes(found_target_tracking(), wanted) == [
            "cpu-target estimated_instance_warmup: 300 -> 120"
        ]

    def test_reports_the_other_types_policies_found_as_removed(self):
        found = found_policies() + found_target_tracking()
        assert scaling_policy_changes(found, WANTED_TARGET_TRACKING, ["scale-out", "scale-in", "gone"]) == [
            "scale-out: present -> absent",
            "scale-in: present -> absent",
        ]

    def test_switching_back_to_simple_reports_the_policies_and_the_target_tracking_ones_removal(self):
        assert scaling_policy_changes(found_target_tracking(), WANTED_POLICIES, ["cpu-target"]) == [
            "cpu-target: present -> absent",
            "scale-out: absent -> present",
            "scale-in: absent -> present",
        ]


class TestPolicyArns:
    def test_maps_created_policies_by_name(self):
        results = [
            {"policy_name": "scale-out", "policy_arn": "arn:out"},
            {"policy_name": "scale-in", "policy_arn": "arn:in"},
        ]
        assert policy_arns(results) == {"scale-out": "arn:out", "scale-in": "arn:in"}

    def test_skips_loop_items_without_an_arn(self):
        results = [{"item": {"policy_name": "scale-out"}, "skipped": True, "changed": False}]
        assert policy_arns(results) == {}

    def test_merges_found_policies_after_created_ones(self):
        found = found_policies()
        arns = policy_arns([{"policy_name": "scale-out", "policy_arn": "arn:old"}], found)
        assert arns == {policy["policy_name"]: policy["policy_arn"] for policy in found}

    def test_accepts_no_policies(self):
        assert policy_arns([], None) == {}


class TestScalingGroupCapacity:
    def test_uses_the_wanted_capacity_for_a_new_group(self):
        assert scaling_group_capacity({}, 2, 1, 10) == 2

    def test_keeps_the_capacity_the_policies_set(self):
        assert scaling_group_capacity(found_group(desired_capacity=7), 2, 2, 10) == 7

    def test_raises_the_capacity_to_the_new_minimum(self):
        assert scaling_group_capacity(found_group(desired_capacity=1), 2, 3, 10) == 3

    def test_lowers_the_capacity_to_the_new_maximum(self):
        assert scaling_group_capacity(found_group(desired_capacity=8), 2, 2, "6") == 6


class TestFilterModule:
    def test_publishes_every_filter(self):
        assert set(FilterModule().filters()) == {
            "scaling_group_changes",
            "scaling_policy_changes",
            "policy_arns",
            "scaling_group_capacity",
            "refresh_gate_timeout",
        }


class TestRefreshGateTimeout:
    def test_is_the_rule_s_value(self) -> None:
        assert refresh_gate_timeout("300", "900") == 270

    def test_a_value_that_is_no_number_fails_naming_both(self) -> None:
        with pytest.raises(AnsibleFilterError, match=r"readiness_timeout '15m' .* checkpoint delay 300"):
            refresh_gate_timeout(300, "15m")
