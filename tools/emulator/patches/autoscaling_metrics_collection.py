"""Auto Scaling: implement DisableMetricsCollection and make EnableMetricsCollection additive.

What moto does: moto 5.2.x has no ``DisableMetricsCollection`` action (the server answers 500
"not yet implemented"), and its ``EnableMetricsCollection`` replaces the group's metric list with
the request's, enabling nothing when ``Metrics`` is omitted.

What AWS does (Auto Scaling API reference):
- ``EnableMetricsCollection`` turns on the listed group metrics in addition to those already on;
  with ``Metrics`` omitted it turns on every group metric.
  https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_EnableMetricsCollection.html
- ``DisableMetricsCollection`` turns off the listed metrics, or every metric when ``Metrics`` is
  omitted. https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DisableMetricsCollection.html

Why the stack needs it: amazon.aws.autoscaling_group calls DisableMetricsCollection on every
update of a group without metrics collection (and EnableMetricsCollection on every update of one
with it), so the scaling_group role's second run fails with a 500 whenever
``scaling_group_metrics_collection`` is false.
"""

from __future__ import annotations

from typing import Any

# Every group metric of the API reference (Metrics, valid values).
ALL_GROUP_METRICS = (
    "GroupMinSize",
    "GroupMaxSize",
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
    "GroupInServiceCapacity",
    "GroupPendingCapacity",
    "GroupStandbyCapacity",
    "GroupTerminatingCapacity",
    "GroupTotalCapacity",
    "WarmPoolDesiredCapacity",
    "WarmPoolWarmedCapacity",
    "WarmPoolPendingCapacity",
    "WarmPoolTerminatingCapacity",
    "WarmPoolTotalCapacity",
    "GroupAndWarmPoolDesiredCapacity",
    "GroupAndWarmPoolTotalCapacity",
)

_MARK = "_muejam_metrics_collection_patched"


def _enable(group: Any, metrics: list[str] | None) -> None:
    wanted = list(metrics) if metrics else list(ALL_GROUP_METRICS)
    group.metrics = list(group.metrics) + [metric for metric in wanted if metric not in group.metrics]


def _disable(group: Any, metrics: list[str] | None) -> None:
    group.metrics = [metric for metric in group.metrics if metrics and metric not in metrics]


def apply() -> None:
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import EmptyResult

    if getattr(AutoScalingBackend, _MARK, False):
        return

    def group_enable_metrics_collection(self: Any, metrics: list[str] | None) -> None:
        _enable(self, metrics)

    def group_disable_metrics_collection(self: Any, metrics: list[str] | None) -> None:
        _disable(self, metrics)

    def backend_disable_metrics_collection(self: Any, group_name: str, metrics: list[str] | None) -> None:
        group = self.describe_auto_scaling_groups([group_name])[0]
        group.disable_metrics_collection(metrics)

    def response_disable_metrics_collection(self: Any) -> EmptyResult:
        group_name = self._get_param("AutoScalingGroupName")
        metrics = self._get_param("Metrics")
        self.autoscaling_backend.disable_metrics_collection(group_name, metrics)
        return EmptyResult()

    FakeAutoScalingGroup.enable_metrics_collection = group_enable_metrics_collection
    FakeAutoScalingGroup.disable_metrics_collection = group_disable_metrics_collection
    AutoScalingBackend.disable_metrics_collection = backend_disable_metrics_collection
    AutoScalingResponse.disable_metrics_collection = response_disable_metrics_collection
    setattr(AutoScalingBackend, _MARK, True)
