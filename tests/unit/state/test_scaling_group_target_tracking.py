"""The scaling_group part's comparison of the scaling policy types (scaling_group_policy_type): a
target tracking policy read in AWS's shapes and compared with the wanted one, and the other type's
policies and alarms wanted absent, so that switching either way converges. A fake client, no AWS."""

from __future__ import annotations

from typing import Any

import pytest
from test_scaling_group import POLICY_ARN, FakeAWS, converged_responses, inputs_given, plan

from ansible_collections.muejam.infra.plugins.module_utils import names

TARGET = "scaling_policy[muejam-local-cpu-target]"
SIMPLE = ("scaling_policy[muejam-local-scale-out]", "scaling_policy[muejam-local-scale-in]")
OUR_ALARMS = ("alarm[muejam-local-cpu-high]", "alarm[muejam-local-cpu-low]")
AWS_ALARMS = [
    "TargetTracking-muejam-local-asg-AlarmHigh-4f5a0e7e-0000-4000-8000-000000000001",
    "TargetTracking-muejam-local-asg-AlarmLow-4f5a0e7e-0000-4000-8000-000000000002",
]


def target_tracking_inputs(**extra: Any) -> dict[str, Any]:
    return inputs_given(policy_type="target_tracking", **extra)


def target_policy(**config: Any) -> dict[str, Any]:
    """The policy as DescribePolicies returns it on AWS: TargetValue a double, DisableScaleIn left out when false."""
    configuration = {
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
        "TargetValue": 50.0,
        **config,
    }
    return {
        "PolicyName": "muejam-local-cpu-target",
        "PolicyARN": POLICY_ARN + "muejam-local-cpu-target",
        "AutoScalingGroupName": "muejam-local-asg",
        "PolicyType": "TargetTrackingScaling",
        "StepAdjustments": [],
        "EstimatedInstanceWarmup": 300,
        "TargetTrackingConfiguration": {key: value for key, value in configuration.items() if value is not None},
        "Alarms": [{"AlarmName": name, "AlarmARN": f"arn:aws:cloudwatch:::alarm:{name}"} for name in AWS_ALARMS],
        "Enabled": True,
    }


def with_policies(inputs: dict[str, Any], policies: list[dict[str, Any]], alarms: bool) -> FakeAWS:
    """The converged stack's answers with these policies, and with or without the simple policies' alarms."""
    responses = converged_responses(inputs)
    if not alarms:
        responses[("cloudwatch", "describe_alarms")] = lambda _unused: {"MetricAlarms": []}
    responses[("autoscaling", "describe_policies")] = lambda request: {
        "ScalingPolicies": [policy for policy in policies if policy["PolicyName"] in request["PolicyNames"]]
    }
    return FakeAWS(responses)


def simple_policies(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    return converged_responses(inputs)[("autoscaling", "describe_policies")]({})["ScalingPolicies"]


def differences(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(row["resource"], row["attribute"]) for row in result["differences"]}


class TestTargetTracking:
    def test_a_converged_policy_in_awss_shapes_is_in_sync(self) -> None:
        inputs = target_tracking_inputs()
        result = plan(with_policies(inputs, [target_policy(DisableScaleIn=None)], alarms=False), inputs)
        assert result["differences"] == []

    def test_an_integer_target_and_an_explicit_false_compare_as_the_same(self) -> None:
        inputs = target_tracking_inputs()
        result = plan(
            with_policies(inputs, [target_policy(TargetValue=50, DisableScaleIn=False)], alarms=False), inputs
        )
        assert result["in_sync"] is True

    def test_outputs_name_the_policy_and_the_alarms_aws_made_for_it(self) -> None:
        inputs = target_tracking_inputs()
        outputs = plan(with_policies(inputs, [target_policy()], alarms=False), inputs)["outputs"]
        assert outputs["target_tracking_policy_arn"] == POLICY_ARN + "muejam-local-cpu-target"
        assert outputs["alarm_names"] == AWS_ALARMS
        assert (outputs["scale_out_policy_arn"], outputs["scale_in_policy_arn"]) == ("", "")

    @pytest.mark.parametrize(
        ("found", "inputs", "attribute"),
        [
            ({"TargetValue": 60.0}, {}, "target_tracking"),
            ({}, {"target_cpu": 65}, "target_tracking"),
            ({"DisableScaleIn": True}, {}, "target_tracking"),
            ({}, {"target_disable_scale_in": True}, "target_tracking"),
            (
                {
                    "PredefinedMetricSpecification": None,
                    "CustomizedMetricSpecification": {"MetricName": "cpu_usage_active", "Namespace": "CWAgent"},
                },
                {},
                "target_tracking",
            ),
            ({}, {"target_instance_warmup": 120}, "estimated_instance_warmup"),
        ],
    )
    def test_a_setting_not_as_wanted_is_a_difference(
        self, found: dict[str, Any], inputs: dict[str, Any], attribute: str
    ) -> None:
        wanted = target_tracking_inputs(**inputs)
        result = plan(with_policies(wanted, [target_policy(**found)], alarms=False), wanted)
        assert differences(result) == {(TARGET, attribute)}

    def test_a_simple_policy_of_the_same_name_is_a_difference_of_type(self) -> None:
        inputs = target_tracking_inputs()
        simple = {**simple_policies(inputs)[0], "PolicyName": "muejam-local-cpu-target"}
        assert (TARGET, "policy_type") in differences(plan(with_policies(inputs, [simple], alarms=False), inputs))


class TestSwitching:
    def test_to_target_tracking_the_simple_policies_and_their_alarms_must_go(self) -> None:
        inputs = target_tracking_inputs()
        result = plan(with_policies(inputs, simple_policies(inputs), alarms=True), inputs)
        assert differences(result) == {(key, "exists") for key in (TARGET, *SIMPLE, *OUR_ALARMS)}
        gone = [row for row in result["differences"] if row["resource"] in (*SIMPLE, *OUR_ALARMS)]
        assert all((row["wanted"], row["found"]) == (False, True) for row in gone)
        assert result["ids"]["other_policies"] == ["muejam-local-scale-out", "muejam-local-scale-in"]
        assert result["ids"]["other_alarms"] == ["muejam-local-cpu-high", "muejam-local-cpu-low"]

    def test_back_to_simple_the_target_tracking_policy_must_go_and_aws_takes_its_alarms(self) -> None:
        inputs = inputs_given()
        both = [*simple_policies(inputs), target_policy()]
        result = plan(with_policies(inputs, both, alarms=True), inputs)
        assert differences(result) == {(TARGET, "exists")}
        assert (result["ids"]["other_policies"], result["ids"]["other_alarms"]) == (["muejam-local-cpu-target"], [])
        assert result["outputs"]["alarm_names"] == ["muejam-local-cpu-high", "muejam-local-cpu-low"]

    def test_simple_policies_converged_have_nothing_of_the_other_type(self) -> None:
        inputs = inputs_given()
        result = plan(with_policies(inputs, simple_policies(inputs), alarms=True), inputs)
        assert result["in_sync"] is True
        assert (result["ids"]["other_policies"], result["ids"]["other_alarms"]) == ([], [])

    def test_one_read_asks_for_both_types_policies(self) -> None:
        inputs = target_tracking_inputs()
        fake = with_policies(inputs, [target_policy()], alarms=False)
        plan(fake, inputs)
        requests = [kwargs for _unused, method, kwargs in fake.calls if method == "describe_policies"]
        n = names.role_names("scaling_group", inputs)
        assert len(requests) == 1
        assert sorted(requests[0]["PolicyNames"]) == sorted(
            n[key] for key in ("scale_out_policy", "scale_in_policy", "target_tracking_policy")
        )
