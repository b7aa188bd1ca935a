"""ELBv2 target health takes AWS's time (latency model only): initial, then healthy; draining, then gone.

What moto does: a registered target of a running instance is ``healthy`` the moment it is
registered, whatever its instance's or load balancer's state; a deregistered target is gone at
once (described by id: ``unused``, ``Target.NotRegistered``), and a target whose instance was
terminated through TerminateInstances stays ``draining`` for ever.

What AWS does: a newly registered target is ``initial``: ``Elb.RegistrationInProgress`` while it
is being registered (its instance not yet running, the load balancer not yet active), then
``Elb.InitialHealthChecking`` until it has passed ``HealthyThresholdCount`` consecutive health
checks, one every ``HealthCheckIntervalSeconds``; then ``healthy``. A target group that no load
balancer uses has its targets ``unused`` (``Target.NotInUse``). A deregistered target (or one
whose instance is terminated, which deregisters it) is ``draining``
(``Target.DeregistrationInProgress``) for the target group's
``deregistration_delay.timeout_seconds`` (300 by default), then no longer described.
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay

Why the stack needs it: the readiness gate (muejam.infra.health_readiness) waits until every
target is healthy, and teardown until targets have drained; against moto neither wait waits.
With the latency model on (tools/emulator/latency.py) this patch records when each target was
registered and deregistered (in the server's memory, under a lock: moto's server is threaded)
and computes DescribeTargetHealth from those times, the instance's launch and termination
(ec2_instance_latency.py) and the load balancer's creation (elbv2_load_balancer_latency.py),
against the configuration in force and the target group's *current* health check settings and
deregistration delay, each scaled. It applies only where moto would say ``healthy``, ``unused``
for a deregistered target or ``draining`` for a terminated one; moto's other answers (a stopped
instance) are kept. A target group with a staged schedule (stage.json,
elbv2_target_health_staging.py) is answered by the staging, as before; with the model off, or for
targets registered and deregistered while it was off, the answer is moto's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from typing import Any

from tools.emulator import latency, staging

_MARK = "_muejam_target_health_latency_patched"
_TIMES = "_muejam_target_times"
_lock = threading.Lock()


def _times(target_group: Any) -> dict[str, dict[str, float]]:
    return target_group.__dict__.setdefault(_TIMES, {})


def mark(target_group: Any, target_id: str, event: str, now: float) -> None:
    """Record that a target was ``registered`` or ``deregistered`` (the other record is dropped)."""
    with _lock:
        times = _times(target_group).setdefault(target_id, {})
        times.pop("deregistered" if event == "registered" else "registered", None)
        times[event] = now


def marked(target_group: Any, target_id: str, event: str) -> float | None:
    with _lock:
        return target_group.__dict__.get(_TIMES, {}).get(target_id, {}).get(event)


def _status(target_group: Any, target_id: str, port: Any, state: str, reason: str | None) -> Any:
    from moto.elbv2.models import FakeHealthStatus

    description = staging.DESCRIPTIONS.get(reason) if reason else None
    return FakeHealthStatus(target_id, port, target_group.health_check_port, state, reason, description)


def _delay(target_group: Any) -> float:
    return float(target_group.attributes.get("deregistration_delay.timeout_seconds", latency.AWS_DEREGISTRATION_DELAY))


def modelled(
    backend: Any,
    target_group: Any,
    status: Any,
    explicit: bool,
    now: float,
    configuration: Mapping[str, Any],
) -> Any:
    """The model's answer for one of moto's statuses; None: not described (drained)."""
    target_id = status.instance_id
    if status.status == "healthy":
        instance = backend.ec2_backend.get_instance_by_id(target_id) if str(target_id).startswith("i-") else None
        terminated_at = latency.recorded(instance, "terminated") if instance is not None else None
        if terminated_at is not None:  # still registered, its instance terminating: it is deregistered
            if latency.draining(terminated_at, _delay(target_group), now, configuration):
                return _status(target_group, target_id, status.port, "draining", latency.DEREGISTRATION_IN_PROGRESS)
            return _status(target_group, target_id, status.port, "unused", latency.NOT_REGISTERED) if explicit else None
        load_balancers = [backend.load_balancers.get(arn) for arn in target_group.load_balancer_arns]
        load_balancers = [load_balancer for load_balancer in load_balancers if load_balancer is not None]
        if not load_balancers:
            return _status(target_group, target_id, status.port, "unused", latency.NOT_IN_USE)
        actives = [
            latency.load_balancer_active_at(latency.recorded(load_balancer, "created"), configuration)
            for load_balancer in load_balancers
        ]
        first_active = None if None in actives else min(a for a in actives if a is not None)
        launched_at = latency.recorded(instance, "launched") if instance is not None else None
        state, reason = latency.target_health(
            marked(target_group, target_id, "registered"),
            latency.instance_running_at(launched_at, configuration),
            first_active,
            float(target_group.health_check_interval_seconds),
            float(target_group.healthy_threshold_count),
            now,
            configuration,
        )
        if state == "healthy":
            return status
        return _status(target_group, target_id, status.port, state, reason)
    if status.status in ("unused", "draining") and status.reason in (
        latency.NOT_REGISTERED,
        latency.DEREGISTRATION_IN_PROGRESS,
    ):
        deregistered_at = marked(target_group, target_id, "deregistered")
        if deregistered_at is None:
            return status
        if latency.draining(deregistered_at, _delay(target_group), now, configuration):
            return _status(target_group, target_id, status.port, "draining", latency.DEREGISTRATION_IN_PROGRESS)
        return _status(target_group, target_id, status.port, "unused", latency.NOT_REGISTERED)
    return status


def still_draining(target_group: Any, now: float, configuration: Mapping[str, Any]) -> list[Any]:
    """The deregistered targets (not described by moto when no target is named) still draining."""
    leaving = {**target_group.deregistered_targets, **target_group.terminated_targets}
    result = []
    for target_id, target in leaving.items():
        if target_id in target_group.targets:
            continue
        deregistered_at = marked(target_group, target_id, "deregistered")
        if latency.draining(deregistered_at, _delay(target_group), now, configuration):
            port = target.get("Port", target_group.port)
            result.append(_status(target_group, target_id, port, "draining", latency.DEREGISTRATION_IN_PROGRESS))
    return result


def apply() -> None:
    from moto.elbv2.models import ELBv2Backend, FakeTargetGroup

    if getattr(FakeTargetGroup, _MARK, False):
        return
    original_register = FakeTargetGroup.register
    original_deregister = FakeTargetGroup.deregister
    original_deregister_terminated = FakeTargetGroup.deregister_terminated_instances
    original_describe_target_health = ELBv2Backend.describe_target_health

    def register(self: Any, targets: list[dict[str, Any]]) -> None:
        new = [target["Id"] for target in targets if target["Id"] not in self.targets]
        original_register(self, targets)
        if new and latency.current() is not None:
            now = time.time()
            for target_id in new:
                mark(self, target_id, "registered", now)

    def deregister(self: Any, targets: list[dict[str, Any]]) -> None:
        original_deregister(self, targets)
        if latency.current() is not None:
            now = time.time()
            for target in targets:
                mark(self, target["Id"], "deregistered", now)

    def deregister_terminated_instances(self: Any, instance_ids: list[str]) -> None:
        leaving = [target_id for target_id in self.targets if target_id in instance_ids]
        original_deregister_terminated(self, instance_ids)
        if leaving and latency.current() is not None:
            now = time.time()
            for target_id in leaving:
                mark(self, target_id, "deregistered", now)

    def describe_target_health(self: Any, target_group_arn: str, targets: list[dict[str, Any]]) -> list[Any]:
        statuses = original_describe_target_health(self, target_group_arn, targets)
        configuration = latency.current()
        if configuration is None or latency.is_staged_target_group(target_group_arn):
            return statuses
        target_group = self.target_groups.get(target_group_arn)
        if target_group is None:
            return statuses
        now = time.time()
        shown = [modelled(self, target_group, status, bool(targets), now, configuration) for status in statuses]
        result = [status for status in shown if status is not None]
        if not targets:
            result += still_draining(target_group, now, configuration)
        return result

    FakeTargetGroup.register = register  # type: ignore[method-assign]
    FakeTargetGroup.deregister = deregister  # type: ignore[method-assign]
    FakeTargetGroup.deregister_terminated_instances = deregister_terminated_instances  # type: ignore[method-assign]
    ELBv2Backend.describe_target_health = describe_target_health  # type: ignore[method-assign]
    setattr(FakeTargetGroup, _MARK, True)
