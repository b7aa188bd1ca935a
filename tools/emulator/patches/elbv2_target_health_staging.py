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
"""

from __future__ import annotations

import time
from typing import Any

from tools.emulator import staging

_MARK = "_muejam_target_health_staging_patched"


def staged(status: Any, target_group_arn: str, stage: dict[str, Any], now: float) -> Any:
    """moto's FakeHealthStatus of a target, replaced by the staged one where moto says healthy."""
    if status.status != "healthy":
        return status
    step = staging.target_health_at(stage, target_group_arn, status.instance_id, now)
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
    from moto.elbv2.models import FakeTargetGroup

    if getattr(FakeTargetGroup, _MARK, False):
        return
    original_health_for = FakeTargetGroup.health_for

    def health_for(self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
        status = original_health_for(self, target, ec2_backend)
        stage = staging.active_stage()
        if not stage:
            return status
        return staged(status, self.arn, stage, time.time())

    FakeTargetGroup.health_for = health_for
    setattr(FakeTargetGroup, _MARK, True)
