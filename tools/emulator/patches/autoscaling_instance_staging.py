"""Auto Scaling: group instances follow the staged lifecycle and health (tests and demos only).

What moto does: every instance an Auto Scaling group launches is ``LifecycleState: InService`` and
``HealthStatus: Healthy`` at once, in DescribeAutoScalingGroups and DescribeAutoScalingInstances.

What AWS does: a launched instance is ``Pending`` (then ``Pending:Wait``/``Pending:Proceed`` with
lifecycle hooks) until it has booted and, with ELB health checks, passed the load balancer's
health checks within the grace period; only then ``InService``. An instance that fails its health
checks is marked ``Unhealthy`` before the group replaces it.
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_Instance.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html

Why the stack needs it: readiness (muejam.infra.health_readiness) waits until InService and
Healthy instances reach the desired capacity; against moto that wait is never exercised. This is a
*staging facility*: the described instances follow ``<state-dir>/stage.json`` (see
tools/emulator/staging.py and ``python -m tools.emulator stage asg-instances``), InService ones
after the first ``in_service`` show ``Pending`` and Healthy ones after the first ``healthy`` show
``Unhealthy``. Only the descriptions change: moto's own instance states (and so scaling, target
registration, ...) are untouched. Without a stage file, or for a group without a schedule, moto's
answer is unchanged.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from tools.emulator import staging

_MARK = "_muejam_instance_staging_patched"


def staged(instance_states: list[Any], group_name: str, stage: dict[str, Any], now: float) -> list[Any]:
    """Copies of a group's InstanceState objects with the staged LifecycleState and HealthStatus."""
    step = staging.asg_instances_at(stage, group_name, now)
    if step is None:
        return list(instance_states)
    limited = staging.limit_instance_states(
        [(state.lifecycle_state, state.health_status) for state in instance_states], step
    )
    result = []
    for state, (lifecycle, health) in zip(instance_states, limited, strict=True):
        if (lifecycle, health) != (state.lifecycle_state, state.health_status):
            state = copy.copy(state)
            state.lifecycle_state = lifecycle
            state.health_status = health
        result.append(state)
    return result


def apply() -> None:
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup

    if getattr(FakeAutoScalingGroup, _MARK, False):
        return
    original_describe_instances = AutoScalingBackend.describe_auto_scaling_instances
    original_instances = FakeAutoScalingGroup.instances.fget

    # `instances` feeds the Instances member of DescribeAutoScalingGroups; moto's own logic uses
    # `instance_states`, which stays as it is. The staging applies to what the property gave before
    # (moto's instance_states, or another correction's view of them).
    def instances(self: Any) -> list[Any]:
        states = original_instances(self)
        stage = staging.active_stage()
        if not stage:
            return states
        return staged(states, self.name, stage, time.time())

    # Only DescribeAutoScalingInstances calls the backend's describe_auto_scaling_instances.
    def describe_auto_scaling_instances(self: Any, instance_ids: list[str]) -> list[Any]:
        states = original_describe_instances(self, instance_ids)
        stage = staging.active_stage()
        if not stage:
            return states
        now = time.time()
        views = {}
        for group in self.autoscaling_groups.values():
            originals = group.instance_states
            views.update(zip(map(id, originals), staged(originals, group.name, stage, now), strict=True))
        return [views.get(id(state), state) for state in states]

    FakeAutoScalingGroup.instances = property(instances)
    AutoScalingBackend.describe_auto_scaling_instances = describe_auto_scaling_instances
    setattr(FakeAutoScalingGroup, _MARK, True)
