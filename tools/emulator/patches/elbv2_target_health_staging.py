"""ELBv2: DescribeTargetHealth follows the staged health of targets (tests and demos only).

What moto does: every registered target of a running instance is ``healthy`` the moment it is
registered (``FakeTargetGroup.health_for``); only deregistered, terminated or stopped targets get
``unused``/``draining`` with a reason.

What AWS does: a newly registered target is ``initial`` (reason ``Elb.RegistrationInProgress``,
then ``Elb.InitialHealthChecking``) until it has passed ``HealthyThresholdCount`` consecutive
health checks, and a target failing them is ``unhealthy`` with ``Target.ResponseCodeMismatch``,
``Target.Timeout``, ``Target.FailedHealthChecks`` or ``Elb.InternalError``; ``unused``,
``draining`` and ``unavailable`` have their own reasons. A healthy target has no reason and no
description.
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html

Why the stack needs it: readiness (muejam.infra.health_readiness) waits until every target is
healthy; against moto that wait is never exercised. This is a *staging facility*, not a model of
health checks: a target answers what ``<state-dir>/stage.json`` schedules for it (see
tools/emulator/staging.py and ``python -m tools.emulator stage target-health``), and only where
moto would have said ``healthy``. Without a stage file, or for a target group or target without
a schedule, moto's answer is unchanged.

A step may be due after a number of polls rather than seconds (``"polls": N``): this patch wraps
``ELBv2Backend.describe_target_health`` (the one caller of ``FakeTargetGroup.health_for``) and
counts its calls per target group and schedule, keyed by the target group ARN and the schedule's
``from``, so that re-staging restarts the count. One count per API call, however many targets it
describes; the count is taken under a lock, as moto's server answers requests in threads, so two
concurrent calls never see the same count. The stage file is read once per call. A call made
by the emulator itself, as AWS (inside ``latency.on_behalf_of_aws()``: the instance refresh model
judging a new instance), reads the counts without adding to them.

A target of an instance launched from a staged release (``release_health``: a launch template
version, read from the ``aws:ec2launchtemplate:id``/``:version`` tags of the instance, or its
AMI) follows that schedule unless it has one of its own; its polls are counted per target group.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

from tools.emulator import latency, staging

_MARK = "_muejam_target_health_staging_patched"

# (target group ARN, schedule "from") -> DescribeTargetHealth calls of the group seen so far.
_polls: dict[tuple[str, float], int] = {}
_polls_lock = threading.Lock()


def count_poll(target_group_arn: str, schedule_froms: Iterable[float], counting: bool = True) -> dict[float, int]:
    """Count one DescribeTargetHealth call of a target group for each of its schedules (by ``from``).

    Returns, by ``from``, how many calls that schedule had seen before this one. Counts of the
    group's schedules that are no longer staged (re-staged or cleared) are dropped. ``counting``
    False: the counts are read only (a call that is not a poll).
    """
    froms = {float(value) for value in schedule_froms}
    with _polls_lock:
        for key in [key for key in _polls if key[0] == target_group_arn and key[1] not in froms]:
            del _polls[key]
        seen = {}
        for value in froms:
            seen[value] = _polls.get((target_group_arn, value), 0)
            if counting:
                _polls[(target_group_arn, value)] = seen[value] + 1
        return seen


def release_of(ec2_backend: Any, target_id: str) -> list[str]:
    """The ``release_health`` keys of a target's instance (none for an IP target or an unknown instance)."""
    if not str(target_id).startswith("i-"):
        return []
    try:
        instance = ec2_backend.get_instance_by_id(target_id)
    except Exception:  # an instance moto no longer knows
        return []
    if instance is None:
        return []
    tags = ec2_backend.tags.get(instance.id, {})
    template_id = tags.get("aws:ec2launchtemplate:id")
    try:
        name = ec2_backend.get_launch_template(template_id).name if template_id else None
    except Exception:  # its template was deleted since
        name = None
    return staging.release_keys(template_id, name, tags.get("aws:ec2launchtemplate:version"), instance.image_id)


def staged(
    status: Any,
    target_group_arn: str,
    stage: dict[str, Any],
    now: float,
    polls: Mapping[float, int] | None = None,
    releases: list[str] | None = None,
) -> Any:
    """moto's FakeHealthStatus of a target, replaced by the staged one where moto says healthy.

    ``polls``: by schedule ``from``, the calls of the target group that schedule saw before this
    one (from :func:`count_poll`); without it no step counting polls is due.
    """
    if status.status != "healthy":
        return status
    schedule = staging.target_schedule(stage, target_group_arn, status.instance_id, releases or ())
    if schedule is None:
        return status
    poll = None if polls is None else polls.get(float(schedule["from"]))
    step = staging.step_at(schedule, now, poll)
    if step is None:
        return status
    from moto.elbv2.models import FakeHealthStatus

    return FakeHealthStatus(
        status.instance_id,
        status.port,
        status.health_check_port,
        step["state"],
        step.get("reason"),
        step.get("description"),
    )


def apply() -> None:
    from moto.elbv2.models import ELBv2Backend

    if getattr(ELBv2Backend, _MARK, False):
        return
    original_describe_target_health = ELBv2Backend.describe_target_health

    def describe_target_health(self: Any, target_group_arn: str, targets: list[dict[str, Any]]) -> list[Any]:
        statuses = original_describe_target_health(self, target_group_arn, targets)
        stage = staging.active_stage()
        schedules = stage.get("target_health", {}).get(target_group_arn) or {} if stage else {}
        releases = stage.get("release_health") or {} if stage else {}
        if not schedules and not releases:
            return statuses
        froms = [schedule["from"] for schedule in [*schedules.values(), *releases.values()]]
        polls = count_poll(target_group_arn, froms, not latency.acting_for_aws())
        now = time.time()
        return [
            staged(status, target_group_arn, stage, now, polls, release_of(self.ec2_backend, status.instance_id))
            for status in statuses
        ]

    ELBv2Backend.describe_target_health = describe_target_health
    setattr(ELBv2Backend, _MARK, True)
