"""Auto Scaling: a target tracking policy's CloudWatch alarms come and go with the policy.

What moto does: PutScalingPolicy with ``PolicyType=TargetTrackingScaling`` stores the policy and
nothing else: no CloudWatch alarm exists for it, DescribePolicies returns no ``Alarms``, and
deleting the policy (or its group) deletes no alarm.

What AWS does: "When you create a target tracking scaling policy, Amazon EC2 Auto Scaling creates
and manages the CloudWatch alarms that trigger the scaling policy": a high alarm
``TargetTracking-<group>-AlarmHigh-<uuid>`` (the metric above the target for 3 one-minute
periods) and a low alarm ``TargetTracking-<group>-AlarmLow-<uuid>`` (below 90 % of the target for
15 periods), none for scale-in when ``DisableScaleIn`` is true; "Do not edit or delete the
CloudWatch alarms that are configured for the target tracking scaling policy. CloudWatch alarms
that are associated with your target tracking scaling policies are deleted automatically when you
delete the scaling policies." PutScalingPolicy and DescribePolicies return them as ``Alarms``
(AlarmName, AlarmARN).
(https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html,
https://docs.aws.amazon.com/autoscaling/ec2/userguide/target-tracking-scaling-policy-overview.html,
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_PutScalingPolicy.html,
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html.)
A changed policy keeps its alarms (updated in place); the high/low periods and the 90 % are what
AWS shows for a predefined metric, modelled here for the metric ``ASGAverageCPUUtilization`` and
its siblings (a customized metric's specification is used as given).

Why the stack needs it: with ``scaling_group_policy_type=target_tracking`` the scaling_group role
relies on AWS for the alarms (it makes none of its own), publishes their names as its outputs'
``alarm_names``, and teardown relies on AWS deleting them with the policy or the group; against
moto there were no alarms to publish, and tests could not show that none is left behind.
"""

from __future__ import annotations

import uuid
from typing import Any

_MARK = "_muejam_target_tracking_alarms_patched"
TARGET_TRACKING = "TargetTrackingScaling"
# Predefined metric -> (namespace, metric, statistic) of the alarms AWS creates.
PREDEFINED_METRICS = {
    "ASGAverageCPUUtilization": ("AWS/EC2", "CPUUtilization", "Average"),
    "ASGAverageNetworkIn": ("AWS/EC2", "NetworkIn", "Average"),
    "ASGAverageNetworkOut": ("AWS/EC2", "NetworkOut", "Average"),
}
HIGH_PERIODS, LOW_PERIODS, PERIOD = 3, 15, 60
LOW_FRACTION = 0.9  # the low alarm's threshold, as a fraction of the target


def alarm_specs(group: str, policy_arn: str, config: dict[str, Any], suffixes: dict[str, str]) -> list[dict[str, Any]]:
    """The alarms AWS keeps for a target tracking configuration: put_metric_alarm's parameters, high then
    low (no low one when scale-in is disabled). ``suffixes``: each kind's (``High``, ``Low``) uuid."""
    target = float(config.get("TargetValue") or 0)
    predefined = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType", "")
    custom = config.get("CustomizedMetricSpecification") or {}
    if predefined in PREDEFINED_METRICS:
        namespace, metric, statistic = PREDEFINED_METRICS[predefined]
        dimensions = [{"Name": "AutoScalingGroupName", "Value": group}]
    else:
        namespace, metric = custom.get("Namespace", ""), custom.get("MetricName", "")
        statistic = custom.get("Statistic", "Average")
        dimensions = [{"Name": d["Name"], "Value": d["Value"]} for d in custom.get("Dimensions") or []]
    kinds = [("High", "GreaterThanThreshold", target, HIGH_PERIODS)]
    if str(config.get("DisableScaleIn", False)).lower() != "true":
        kinds.append(("Low", "LessThanThreshold", round(target * LOW_FRACTION, 6), LOW_PERIODS))
    return [
        {
            "name": f"TargetTracking-{group}-Alarm{kind}-{suffixes[kind]}",
            "namespace": namespace,
            "metric_name": metric,
            "comparison_operator": comparison,
            "evaluation_periods": periods,
            "period": PERIOD,
            "threshold": threshold,
            "statistic": statistic,
            "description": f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {policy_arn}.",
            "dimensions": dimensions,
            "alarm_actions": [policy_arn],
        }
        for kind, comparison, threshold, periods in kinds
    ]


def _cloudwatch(backend: Any) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[backend.account_id][backend.region_name]


def _delete_alarms(backend: Any, policy: Any) -> None:
    names = [alarm["AlarmName"] for alarm in getattr(policy, "alarms", None) or []]
    if names:
        _cloudwatch(backend).delete_alarms(names)


def apply() -> None:
    from moto.autoscaling.models import AutoScalingBackend

    if getattr(AutoScalingBackend, _MARK, False):
        return
    put_scaling_policy = AutoScalingBackend.put_scaling_policy
    delete_policy = AutoScalingBackend.delete_policy
    delete_auto_scaling_group = AutoScalingBackend.delete_auto_scaling_group

    def put(self: Any, name: str, policy_type: str, *args: Any, **kwargs: Any) -> Any:
        before = self.policies.get(name)
        policy = put_scaling_policy(self, name, policy_type, *args, **kwargs)
        old = {alarm["AlarmName"]: alarm for alarm in getattr(before, "alarms", None) or []}
        if policy.policy_type != TARGET_TRACKING:
            _delete_alarms(self, before)
            policy.alarms = []
            return policy
        # The same alarms as before (their names kept), changed in place.
        suffixes = {kind: str(uuid.uuid4()) for kind in ("High", "Low")}
        for alarm_name in old:
            kind = "High" if "-AlarmHigh-" in alarm_name else "Low"
            suffixes[kind] = alarm_name.split(f"-Alarm{kind}-", 1)[1]
        config = dict(vars(policy.target_tracking_configuration or {}))
        specs = alarm_specs(policy.auto_scaling_group_name, policy.arn, config, suffixes)
        cloudwatch = _cloudwatch(self)
        stale = [alarm_name for alarm_name in old if alarm_name not in {spec["name"] for spec in specs}]
        if stale:
            cloudwatch.delete_alarms(stale)
        policy.alarms = []
        for spec in specs:
            alarm = cloudwatch.put_metric_alarm(**spec)
            policy.alarms.append({"AlarmName": alarm.name, "AlarmARN": alarm.alarm_arn})
        return policy

    def delete(self: Any, group_name: str) -> None:
        # moto's parameter is the policy's name (DeletePolicy's PolicyName).
        _delete_alarms(self, self.policies.get(group_name))
        delete_policy(self, group_name)

    def delete_group(self: Any, group_name: str) -> None:
        policies = [policy for policy in self.policies.values() if policy.auto_scaling_group_name == group_name]
        delete_auto_scaling_group(self, group_name)
        for policy in policies:
            _delete_alarms(self, policy)

    AutoScalingBackend.put_scaling_policy = put
    AutoScalingBackend.delete_policy = delete
    AutoScalingBackend.delete_auto_scaling_group = delete_group
    setattr(AutoScalingBackend, _MARK, True)
