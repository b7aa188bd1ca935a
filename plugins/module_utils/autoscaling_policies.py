# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python helpers of the autoscaling_policy_info module: request and result shapes, and the
one AWS call (through a client made with amazon.aws's retry wrapper)."""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.state.scaling_group import target_tracking


def describe_policies_request(group_name: str | None, policy_names: list[str] | None) -> dict[str, Any]:
    """Return the DescribePolicies parameters for a group and/or a list of policy names."""
    request: dict[str, Any] = {}
    if group_name:
        request["AutoScalingGroupName"] = group_name
    if policy_names:
        request["PolicyNames"] = list(policy_names)
    return request


# Paginators bypass the client's retry wrapper (amazon.aws never wraps get_paginator): the whole
# pagination is retried on throttling instead, as amazon.aws's own describe helpers do.
@AWSRetry.jittered_backoff()
def describe_policies(client: Any, **request: Any) -> list[dict[str, Any]]:
    """Every scaling policy DescribePolicies returns for the request, all pages."""
    paginator = client.get_paginator("describe_policies")
    return paginator.paginate(**request).build_full_result()["ScalingPolicies"]


def normalize_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """Turn one DescribePolicies entry into the module's snake_case result.

    Every key of the result is present whatever the policy type, so that playbooks can compare
    values without ``default()``; keys AWS does not return for a policy type are ``None``.
    """
    return {
        "policy_name": policy["PolicyName"],
        "policy_arn": policy["PolicyARN"],
        "auto_scaling_group_name": policy["AutoScalingGroupName"],
        "policy_type": policy.get("PolicyType", "SimpleScaling"),
        "adjustment_type": policy.get("AdjustmentType"),
        "scaling_adjustment": policy.get("ScalingAdjustment"),
        "min_adjustment_magnitude": policy.get("MinAdjustmentMagnitude"),
        "cooldown": policy.get("Cooldown"),
        "target_tracking": target_tracking(policy.get("TargetTrackingConfiguration")),
        "estimated_instance_warmup": policy.get("EstimatedInstanceWarmup"),
        "enabled": policy.get("Enabled", True),
        "alarm_names": sorted(alarm["AlarmName"] for alarm in policy.get("Alarms", [])),
    }


def normalize_policies(policies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Normalize every policy, ordered by name so that results compare across runs."""
    return sorted((normalize_policy(policy) for policy in policies), key=lambda policy: policy["policy_name"])
