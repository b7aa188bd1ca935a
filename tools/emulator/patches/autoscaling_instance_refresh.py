"""Auto Scaling instance refresh: StartInstanceRefresh, DescribeInstanceRefreshes, Cancel and Rollback.

What moto does: moto 5.2.x has none of the four instance refresh actions (the server answers 500
"not yet implemented"), and every instance of a group reports the template's *default* version as
its ``LaunchTemplate.Version`` (and in its ``aws:ec2launchtemplate:version`` tag), whatever version
it was launched from.

What AWS does (Auto Scaling API reference and user guide):
- StartInstanceRefresh (``Strategy: Rolling``) returns an ``InstanceRefreshId``; a second one while
  one is active fails with ``InstanceRefreshInProgress``. Preferences: MinHealthyPercentage (0-100,
  default 90), MaxHealthyPercentage (100-200, default 100; given only with MinHealthyPercentage, at
  most 100 above it), InstanceWarmup (default the group's health check grace period),
  CheckpointPercentages (ascending, unique, 1-100) with CheckpointDelay (default 3600; refused
  alone), SkipMatching, AutoRollback, AlarmSpecification, BakeTime, ScaleInProtectedInstances and
  StandbyInstances (Refresh/Terminate, Ignore, Wait: the default, one hour before failing).
- The refresh replaces instances in batches: it keeps at least MinHealthyPercentage of the desired
  capacity (rounded up) healthy and in service and at most MaxHealthyPercentage (rounded down) in
  the group. Min 100 / max 200 launches the new instances before it terminates old ones (capacity
  never below desired); min 90 / max 100 terminates first. With MaxHealthyPercentage given and no
  room within both bounds it launches one beyond desired; without it, it terminates one and
  launches its replacement. A new instance counts as updated (``PercentageComplete``) once it is
  healthy (InService; with ELB health checks, healthy in the target groups) and its warmup has
  passed; old instances are then deregistered and terminated. At each checkpoint percentage it
  pauses for CheckpointDelay; after the last batch it waits BakeTime (``Baking``) and, on success,
  sets the group's launch template to the DesiredConfiguration. SkipMatching leaves instances
  already on the wanted version alone.
- A replacement that fails its health checks, or an alarm of the AlarmSpecification in ``ALARM``,
  fails the refresh (``Failed``) or, with AutoRollback, rolls it back: ``RollbackInProgress``,
  ``RollbackDetails``, the new instances replaced by instances of the group's own (previous)
  launch template version, ``PercentageComplete`` going back down; then ``RollbackSuccessful``
  (``RollbackFailed`` if the old version fails too). RollbackInstanceRefresh does so on request;
  it is refused with ``IrreversibleInstanceRefresh`` without a DesiredConfiguration or when the
  group uses ``$Latest``/``$Default``, and with ``ActiveInstanceRefreshNotFound`` when no refresh
  is active (CancelInstanceRefresh too). CancelInstanceRefresh: ``Cancelling``, then
  ``Cancelled``; nothing is rolled back. The instances launched show the version they were
  launched from.
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_StartInstanceRefresh.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_InstanceRefresh.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RollbackInstanceRefresh.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CancelInstanceRefresh.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-overview.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-adding-checkpoints-instance-refresh.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/instance-refresh-rollback.html

Why the stack needs it: the rollout (muejam.infra.autoscaling_instance_refresh, playbooks/rollout.yml)
starts, waits for, gates and rolls back refreshes; against moto none of it can run.

How it is modelled: the refreshes live on the moto group (newest first) and advance lazily, under a
lock, whenever the group or its refreshes are described (DescribeInstanceRefreshes,
DescribeAutoScalingGroups, DescribeAutoScalingInstances): each advance does everything due at that
moment; StartInstanceRefresh advances at once, so ``Pending`` is not seen. The refresh's own times
(warmup, checkpoint delay, bake time, the health check grace period after which an unhealthy
replacement fails it, the hour of ``Wait``) are AWS's seconds times the latency model's scale
(tools/emulator/latency.py), read from :data:`clock` (``time.time``; tests substitute a controllable
clock); with the model off they are 0, so a refresh completes at its first describe unless a
replacement is unhealthy. Whether a replacement is in service and healthy comes from what the group
and DescribeTargetHealth would answer now (latency model, ``stage asg-instances``, and ``stage
release-health`` for a bad release, tools/emulator/staging.py), asked inside
``latency.on_behalf_of_aws()`` so that the model's own looks count no poll. A replacement still
``initial`` is waited for; one ``unhealthy`` once the grace period has passed fails the refresh. Old
and skipped instances are taken as healthy. Cancelling lets the replacements in flight finish. The
wording of StatusReason is AWS's for the warmup wait; the other reasons are the emulator's (AWS
documents none). Every instance an Auto Scaling group launches gets the
``aws:ec2launchtemplate:version`` tag of the version it was launched from, which its
``LaunchTemplate.Version`` (DescribeAutoScalingGroups/Instances) shows and SkipMatching compares.

Not modelled: the ReplaceRootVolume strategy, MixedInstancesPolicy desired configurations, warm
pools (``WarmPoolProgress``), launch failures, pagination of DescribeInstanceRefreshes, the
Terminating state of replaced instances (they leave the group at once, as in moto's scale-in), and
``StandbyInstances: Terminate`` (Standby instances are replaced like the others).
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tools.emulator import latency

_MARK = "_muejam_instance_refresh_patched"
_REFRESHES = "_muejam_instance_refreshes"
_lock = threading.RLock()
clock: Callable[[], float] = time.time

ACTIVE = ("Pending", "InProgress", "Baking", "Cancelling", "RollbackInProgress")
VERSION_TAG = "aws:ec2launchtemplate:version"
TEMPLATE_TAG = "aws:ec2launchtemplate:id"
WAIT_SECONDS = 3600  # how long AWS waits for protected or Standby instances (Wait) before failing
IN_PROGRESS_MESSAGE = "An Instance Refresh is already in progress and blocks the execution of this Instance Refresh."
WARMING = "Waiting for instances to warm up before continuing. For example: {} is warming up."
CANCELLED = "The instance refresh was cancelled by a CancelInstanceRefresh request"
WAITING_FOR_CHECKPOINT = "Checkpoint reached: waiting for the checkpoint delay to pass before continuing"


def _error(code: str, message: str) -> Exception:
    from moto.autoscaling.exceptions import AutoscalingClientError

    return AutoscalingClientError(code, message)


@dataclass
class Refresh:
    """One instance refresh; while rolling back, ``version`` and ``old`` are those of the rollback."""

    id: str
    group: str
    preferences: dict[str, Any]
    desired: dict[str, Any] | None
    template_id: str
    version: str
    previous: str | None  # the group's own numbered version (None: $Latest/$Default, irreversible)
    started: float
    old: list[str]
    skipped: int
    status: str = "Pending"
    reason: str = ""
    ended: float | None = None
    launched: dict[str, float] = field(default_factory=dict)
    healthy_since: dict[str, float] = field(default_factory=dict)
    updated: list[str] = field(default_factory=list)
    checkpoint_at: float | None = None
    checkpoints_passed: int = 0
    done_at: float | None = None
    rollback: dict[str, Any] | None = None
    total: int = 0
    need: int = 0  # instances to launch: the old ones, down to the desired capacity
    explicit_max: bool = False  # MaxHealthyPercentage given: past the bounds, launch before terminating

    def percentage(self) -> int:
        whole = self.skipped + self.need
        if self.rollback is not None:
            left = self.need - len(self.updated)
            return int(self.rollback["PercentageCompleteOnRollback"] * left / self.need) if self.need else 0
        return int(100 * (self.skipped + len(self.updated)) / whole) if whole else 100

    def to_update(self) -> int:
        if self.rollback is not None:
            return self.rollback["InstancesToUpdateOnRollback"]
        return self.need - len(self.updated)


def scaled(seconds: float) -> float:
    """AWS's seconds under the latency model's scale (0 with the model off)."""
    configuration = latency.current()
    return float(seconds) * float(configuration["scale"]) if configuration else 0.0


def refreshes(group: Any) -> list[Refresh]:
    return group.__dict__.setdefault(_REFRESHES, [])


def active(group: Any) -> Refresh | None:
    return next((refresh for refresh in refreshes(group) if refresh.status in ACTIVE), None)


def instance_version(instance: Any) -> tuple[str | None, str | None]:
    """(launch template id, version number) an instance was launched from, from AWS's tags."""
    tags = instance.ec2_backend.tags.get(instance.id, {})
    return tags.get(TEMPLATE_TAG), tags.get(VERSION_TAG)


# --- StartInstanceRefresh -------------------------------------------------------------------------


def preferences_of(given: dict[str, Any] | None, group: Any) -> dict[str, Any]:
    """The refresh's Preferences as AWS describes them (defaults filled in); ValidationError if refused."""
    given = dict(given or {})
    low, high = given.get("MinHealthyPercentage"), given.get("MaxHealthyPercentage")
    problems = []
    if low is not None and not 0 <= int(low) <= 100:
        problems.append(f"MinHealthyPercentage {low} must be between 0 and 100")
    if high is not None:
        if not 100 <= int(high) <= 200:
            problems.append(f"MaxHealthyPercentage {high} must be between 100 and 200")
        if low is None:
            problems.append("MinHealthyPercentage must be specified when MaxHealthyPercentage is specified")
        elif int(high) - int(low) > 100:
            problems.append("The difference between MaxHealthyPercentage and MinHealthyPercentage cannot exceed 100")
    checkpoints = [int(value) for value in given.get("CheckpointPercentages") or []]
    if "CheckpointDelay" in given and not checkpoints:
        problems.append("CheckpointDelay can only be specified with CheckpointPercentages")
    if checkpoints and (checkpoints != sorted(set(checkpoints)) or not 1 <= checkpoints[0] <= checkpoints[-1] <= 100):
        problems.append("CheckpointPercentages must be unique values from 1 to 100 in ascending order")
    for name in ("CheckpointDelay", "BakeTime"):
        if name in given and not 0 <= int(given[name]) <= 172800:
            problems.append(f"{name} must be between 0 and 172800")
    for name, allowed in (
        ("ScaleInProtectedInstances", ("Refresh", "Ignore")),
        ("StandbyInstances", ("Terminate", "Ignore")),
    ):
        if given.get(name, "Wait") not in (*allowed, "Wait"):
            problems.append(f"{name} must be one of {', '.join((*allowed, 'Wait'))}")
    if problems:
        raise _error("ValidationError", "; ".join(problems))
    preferences = {
        "MinHealthyPercentage": 90,
        "MaxHealthyPercentage": 100,
        "InstanceWarmup": int(group.health_check_grace_period or 0),
        "SkipMatching": False,
        "AutoRollback": False,
        "ScaleInProtectedInstances": "Wait",
        "StandbyInstances": "Wait",
    } | given
    if checkpoints:
        preferences["CheckpointPercentages"] = checkpoints
        preferences.setdefault("CheckpointDelay", 3600)
    return preferences


def start(backend: Any, group_name: str, strategy: str | None, desired: dict[str, Any] | None, given: Any) -> str:
    group = backend.autoscaling_groups.get(group_name)
    if group is None:
        raise _error("ValidationError", f"AutoScalingGroup name not found - AutoScalingGroup '{group_name}' not found")
    if (strategy or "Rolling") != "Rolling":
        raise _error("ValidationError", f"Strategy {strategy} is not supported by the emulator (Rolling only)")
    preferences = preferences_of(given, group)
    if group.ec2_launch_template is None:
        raise _error("ValidationError", "The emulator refreshes groups with a launch template only")
    spec = (desired or {}).get("LaunchTemplate")
    if desired and not spec:
        raise _error("ValidationError", "The emulator models a DesiredConfiguration with a LaunchTemplate only")
    template = group.ec2_launch_template
    if spec:
        ec2 = group.ec2_backend
        template = (
            ec2.get_launch_template(spec["LaunchTemplateId"])
            if spec.get("LaunchTemplateId")
            else ec2.get_launch_template_by_name(spec.get("LaunchTemplateName"))
        )
    wanted = spec.get("Version", "$Default") if spec else group.launch_template_version
    try:
        version = str(template.get_version(wanted).number)
    except (IndexError, ValueError):
        raise _error("ValidationError", f"Launch template {template.name} has no version {wanted}") from None
    cloudwatch = _cloudwatch(group)
    missing = [name for name in _alarms(preferences) if name not in cloudwatch.alarms]
    if missing:
        raise _error("ValidationError", f"Alarms not found: {', '.join(missing)}")
    group_version = str(group.provided_launch_template_version or "")
    previous = group_version if group_version.isdigit() else None
    if preferences["AutoRollback"] and (not spec or previous is None):
        raise _error(
            "ValidationError",
            "AutoRollback needs a DesiredConfiguration and a group on a numbered launch template version",
        )
    with _lock:
        if active(group) is not None:
            raise _error("InstanceRefreshInProgress", IN_PROGRESS_MESSAGE)
        old, skipped = _to_replace(group, preferences, template.id, version)
        refresh = Refresh(
            id=str(uuid.uuid4()),
            group=group.name,
            preferences=preferences,
            desired=dict(desired) if spec else None,
            template_id=template.id,
            version=version,
            previous=previous,
            started=clock(),
            old=old,
            skipped=skipped,
            total=len(old),
            need=max(0, min(len(old), int(group.desired_capacity or 0) - skipped)),
            explicit_max=given is not None and "MaxHealthyPercentage" in given,
        )
        refreshes(group).insert(0, refresh)
        advance(group)
        return refresh.id


def _to_replace(group: Any, preferences: dict[str, Any], template_id: str, version: str) -> tuple[list[str], int]:
    """The instances a refresh replaces, and how many it leaves as they are."""
    old = []
    for state in group.instance_states:
        if state.lifecycle_state == "Standby" and preferences["StandbyInstances"] == "Ignore":
            continue
        if state.protected_from_scale_in and preferences["ScaleInProtectedInstances"] == "Ignore":
            continue
        if preferences["SkipMatching"] and instance_version(state.instance) == (template_id, version):
            continue
        old.append(state.instance.id)
    return old, len(group.instance_states) - len(old)


def _cloudwatch(group: Any) -> Any:
    from moto.cloudwatch.models import cloudwatch_backends

    return cloudwatch_backends[group.account_id][group.region]


def _alarms(preferences: dict[str, Any]) -> list[str]:
    return list((preferences.get("AlarmSpecification") or {}).get("Alarms") or [])


# --- the progression -------------------------------------------------------------------------------


def advance(group: Any, now: float | None = None) -> None:
    """Do everything the group's active refresh has due at ``now``."""
    with _lock:
        refresh = active(group)
        if refresh is None:
            return
        now = clock() if now is None else now
        if refresh.status == "Pending":
            refresh.status = "InProgress"
        for _unused in range(4 * len(group.instance_states) + 16):  # each step launches, promotes or ends one
            if refresh.status not in ACTIVE or not _step(group, refresh, now):
                break


def _step(group: Any, refresh: Refresh, now: float) -> bool:
    """One change due at ``now`` (True), or nothing more to do until later (False)."""
    states = {state.instance.id: state for state in group.instance_states}
    refresh.old = [instance_id for instance_id in refresh.old if instance_id in states]
    for instance_id in [instance_id for instance_id in refresh.launched if instance_id not in states]:
        del refresh.launched[instance_id]  # gone by other means (a scale-in): replaced again
    preferences = refresh.preferences
    rolling_back = refresh.rollback is not None
    problem = None if rolling_back else _alarm_problem(group, refresh)
    warming = [instance_id for instance_id in refresh.launched if instance_id not in refresh.updated]
    for instance_id in warming:
        health, why = _health(group, states[instance_id])
        if health == "unhealthy" and now >= refresh.launched[instance_id] + scaled(
            group.health_check_grace_period or 0
        ):
            problem = problem or f"Instance refresh failed: the new instance {instance_id} is unhealthy ({why})"
        elif health == "healthy":
            since = refresh.healthy_since.setdefault(instance_id, now)
            if now >= since + scaled(preferences["InstanceWarmup"]):
                refresh.updated.append(instance_id)
                return True
    waiting = [instance_id for instance_id in refresh.old if not _replaceable(states[instance_id], preferences)]
    if not problem and waiting and now >= refresh.started + scaled(WAIT_SECONDS):
        problem = f"Instance refresh failed: {waiting[0]} is protected from scale in or in Standby (Wait)"
    if problem and refresh.status != "Cancelling":
        _fail(group, refresh, problem, now)
        return True
    desired = int(group.desired_capacity or 0)
    minimum = math.ceil(desired * int(preferences["MinHealthyPercentage"]) / 100)
    maximum = max(desired, math.floor(desired * int(preferences["MaxHealthyPercentage"]) / 100))
    candidates = [instance_id for instance_id in refresh.old if instance_id not in waiting]
    in_service = len(refresh.old) + len(refresh.updated) + refresh.skipped
    replaced = refresh.total - len(refresh.old)
    # An old instance goes when a new one is ready to take its place, or to make room for a launch
    # due now (terminate first), never below the minimum healthy.
    paired = len(refresh.updated) - replaced
    if refresh.status == "Cancelling":  # the replacements in flight finish; no new one starts
        if paired > 0 and candidates:
            _terminate(group, candidates[:paired])
        elif not warming or problem:
            _finish(refresh, "Cancelled", CANCELLED, now)
        else:
            return False
        return True
    checkpoint = _at_checkpoint(refresh, warming, now) if not paired else False
    wanted = refresh.need - len(refresh.launched)
    due = 0 if checkpoint else min(wanted, _checkpoint_room(refresh))
    going = len(candidates) if not wanted and not warming else max(paired, due - (maximum - len(states)))
    removable = min(len(candidates), in_service - minimum, going)
    if removable > 0:
        _terminate(group, candidates[:removable])
        return True
    if checkpoint:
        return False
    if not wanted and not warming and not refresh.old:
        return _finish_batches(group, refresh, now)
    launches = min(maximum - len(states), due)
    if launches > 0:
        _launch(group, refresh, launches, now)
        return True
    if not warming and candidates and due:  # no room within both bounds: AWS goes one past them
        if not refresh.explicit_max:
            _terminate(group, candidates[:1])
        _launch(group, refresh, 1, now)
        return True
    refresh.reason = WARMING.format(warming[0]) if warming else refresh.reason
    return False


def _replaceable(state: Any, preferences: dict[str, Any]) -> bool:
    if state.lifecycle_state == "Standby" and preferences["StandbyInstances"] == "Wait":
        return False
    return not (state.protected_from_scale_in and preferences["ScaleInProtectedInstances"] == "Wait")


def _health(group: Any, state: Any) -> tuple[str, str]:
    """("healthy" | "unhealthy" | "waiting", why) of a new instance, as the group and its target groups see it."""
    view = next((shown for shown in group.instances if shown.instance.id == state.instance.id), state)
    if view.health_status == "Unhealthy":
        return "unhealthy", "HealthStatus Unhealthy"
    if view.lifecycle_state != "InService":
        return "waiting", view.lifecycle_state
    if "ELB" not in (group.health_check_type or ""):
        return "healthy", ""
    elbv2 = group.autoscaling_backend.elbv2_backend
    with latency.on_behalf_of_aws():  # AWS's own looks: no poll of a staged schedule
        for arn in [arn for arn in group.target_group_arns if arn in elbv2.target_groups]:
            for status in elbv2.describe_target_health(arn, [{"Id": state.instance.id}]):
                if status.status == "unhealthy":
                    return "unhealthy", f"target of {arn.split(':')[-1]}: unhealthy, {status.reason}"
                if status.status != "healthy":
                    return "waiting", status.status
    return "healthy", ""


def _alarm_problem(group: Any, refresh: Refresh) -> str | None:
    alarms = _cloudwatch(group).alarms
    for name in _alarms(refresh.preferences):
        if name in alarms and alarms[name].state_value == "ALARM":
            return f"Instance refresh failed: the alarm {name} is in ALARM state"
    return None


def _at_checkpoint(refresh: Refresh, warming: list[str], now: float) -> bool:
    """Whether the refresh waits at a checkpoint now (reaching one when every launched instance is updated)."""
    checkpoints = [] if refresh.rollback else refresh.preferences.get("CheckpointPercentages") or []
    if refresh.checkpoint_at is not None:
        if now < refresh.checkpoint_at + scaled(refresh.preferences["CheckpointDelay"]):
            return True
        refresh.checkpoint_at = None
        return False
    reached = [value for value in checkpoints if value <= refresh.percentage()]
    if warming or len(reached) <= refresh.checkpoints_passed:
        return False
    refresh.checkpoints_passed = len(reached)
    refresh.checkpoint_at = now
    refresh.reason = WAITING_FOR_CHECKPOINT
    return True


def _checkpoint_room(refresh: Refresh) -> int:
    """How many more instances may be launched before the next checkpoint (never past it)."""
    checkpoints = [] if refresh.rollback else refresh.preferences.get("CheckpointPercentages") or []
    upcoming = [value for value in checkpoints if value > refresh.percentage()]
    if not upcoming:
        return refresh.need
    whole = refresh.skipped + refresh.need
    return max(0, math.ceil(upcoming[0] * whole / 100) - refresh.skipped - len(refresh.launched))


def _finish_batches(group: Any, refresh: Refresh, now: float) -> bool:
    if refresh.rollback is not None:
        _finish(refresh, "RollbackSuccessful", refresh.rollback["RollbackReason"], now)
        return True
    refresh.done_at = refresh.done_at or now
    if now < refresh.done_at + scaled(refresh.preferences.get("BakeTime", 0)):
        refresh.status, refresh.reason = "Baking", "Waiting for the bake time to pass"
        return False
    if refresh.desired:
        group._set_launch_configuration(None, refresh.desired["LaunchTemplate"], None)
    _finish(refresh, "Successful", "", now)
    return True


def _launch(group: Any, refresh: Refresh, count: int, now: float) -> None:
    """Launch ``count`` instances from the refresh's launch template version and register them."""
    saved = group.ec2_launch_template, group.launch_template_version
    group.ec2_launch_template = group.ec2_backend.get_launch_template(refresh.template_id)
    group.launch_template_version = refresh.version
    before = {state.instance.id for state in group.instance_states}
    try:
        group.replace_autoscaling_group_instances(count, group.get_propagated_tags())
    finally:
        group.ec2_launch_template, group.launch_template_version = saved
    for state in group.instance_states:
        if state.instance.id not in before:
            refresh.launched[state.instance.id] = now
    group.autoscaling_backend.update_attached_target_groups(group.name)


def _terminate(group: Any, instance_ids: list[str]) -> None:
    """Deregister old instances from the group's target groups and terminate them."""
    elbv2 = group.autoscaling_backend.elbv2_backend
    for arn in group.target_group_arns:
        target_group = elbv2.target_groups.get(arn)
        registered = [{"Id": i} for i in instance_ids if target_group is not None and i in target_group.targets]
        if registered:
            elbv2.deregister_targets(arn, registered)
    group.ec2_backend.terminate_instances(instance_ids)
    group.instance_states = [state for state in group.instance_states if state.instance.id not in instance_ids]


def _fail(group: Any, refresh: Refresh, reason: str, now: float) -> None:
    if refresh.rollback is not None:
        _finish(refresh, "RollbackFailed", reason, now)
    elif refresh.preferences["AutoRollback"] and refresh.previous is not None:
        roll_back(group, refresh, reason, now)
    else:
        _finish(refresh, "Failed", reason, now)


def _finish(refresh: Refresh, status: str, reason: str, now: float) -> None:
    refresh.status, refresh.reason, refresh.ended = status, reason, now


def roll_back(group: Any, refresh: Refresh, why: str, now: float) -> None:
    """Turn an active refresh into its rollback: replace what is not on the group's own version."""
    refresh.rollback = {
        "RollbackReason": why,
        "RollbackStartTime": now,
        "PercentageCompleteOnRollback": refresh.percentage(),
        "InstancesToUpdateOnRollback": refresh.to_update(),
    }
    refresh.status, refresh.reason = "RollbackInProgress", why
    refresh.template_id, refresh.version = group.ec2_launch_template.id, refresh.previous
    keep = (refresh.template_id, refresh.version)
    refresh.old = [state.instance.id for state in group.instance_states if instance_version(state.instance) != keep]
    refresh.skipped, refresh.total = len(group.instance_states) - len(refresh.old), len(refresh.old)
    refresh.need = max(0, min(refresh.total, int(group.desired_capacity or 0) - refresh.skipped))
    refresh.launched, refresh.healthy_since, refresh.updated = {}, {}, []
    refresh.checkpoint_at, refresh.done_at = None, None


# --- the API ---------------------------------------------------------------------------------------


def _group(backend: Any, group_name: str) -> Any:
    group = backend.autoscaling_groups.get(group_name)
    if group is None:
        raise _error("ValidationError", f"AutoScalingGroup name not found - AutoScalingGroup '{group_name}' not found")
    return group


def _active_or_refuse(group: Any) -> Refresh:
    refresh = active(group)
    if refresh is None:
        raise _error(
            "ActiveInstanceRefreshNotFound",
            f"No in progress or pending Instance Refresh found for Auto Scaling group {group.name}",
        )
    return refresh


def cancel(backend: Any, group_name: str) -> str:
    group = _group(backend, group_name)
    with _lock:
        advance(group)
        refresh = _active_or_refuse(group)
        refresh.status, refresh.reason = "Cancelling", "Cancelling the instance refresh"
        return refresh.id


def rollback(backend: Any, group_name: str) -> str:
    group = _group(backend, group_name)
    with _lock:
        advance(group)
        refresh = _active_or_refuse(group)
        if refresh.desired is None or refresh.previous is None or refresh.rollback is not None:
            raise _error(
                "IrreversibleInstanceRefresh",
                "The request failed because a desired configuration was not found or an incompatible launch "
                "template (uses a Systems Manager parameter instead of an AMI ID) or launch template version "
                "($Latest or $Default) is present on the Auto Scaling group.",
            )
        if refresh.status == "Cancelling":
            raise _error("ActiveInstanceRefreshNotFound", f"The instance refresh of {group.name} is being cancelled")
        roll_back(group, refresh, "Rollback requested by a RollbackInstanceRefresh request", clock())
        advance(group)
        return refresh.id


def _time(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, tz=UTC)


def described(refresh: Refresh) -> dict[str, Any]:
    """A refresh as DescribeInstanceRefreshes returns it (API_InstanceRefresh)."""
    progress = {"PercentageComplete": refresh.percentage(), "InstancesToUpdate": refresh.to_update()}
    result: dict[str, Any] = {
        "InstanceRefreshId": refresh.id,
        "AutoScalingGroupName": refresh.group,
        "Status": refresh.status,
        "StartTime": _time(refresh.started),
        **progress,
        "ProgressDetails": {"LivePoolProgress": progress},
        "Preferences": refresh.preferences,
        "Strategy": "Rolling",
    }
    if refresh.reason:
        result["StatusReason"] = refresh.reason
    if refresh.ended is not None:
        result["EndTime"] = _time(refresh.ended)
    if refresh.desired:
        result["DesiredConfiguration"] = refresh.desired
    if refresh.rollback is not None:
        result["RollbackDetails"] = refresh.rollback | {
            "RollbackStartTime": _time(refresh.rollback["RollbackStartTime"]),
            "ProgressDetailsOnRollback": {
                "LivePoolProgress": {
                    "PercentageComplete": refresh.rollback["PercentageCompleteOnRollback"],
                    "InstancesToUpdate": refresh.rollback["InstancesToUpdateOnRollback"],
                }
            },
        }
    return result


def describe(backend: Any, group_name: str, refresh_ids: list[str] | None) -> list[dict[str, Any]]:
    group = backend.autoscaling_groups.get(group_name)
    if group is None:
        return []
    with _lock:
        advance(group)
        return [described(r) for r in refreshes(group) if not refresh_ids or r.id in refresh_ids]


def apply() -> None:
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup, InstanceState
    from moto.autoscaling.responses import AutoScalingResponse
    from moto.core.responses import ActionResult

    if getattr(AutoScalingBackend, _MARK, False):
        return
    original_replace = FakeAutoScalingGroup.replace_autoscaling_group_instances
    original_launch_template = InstanceState.launch_template.fget
    original_describe_groups = AutoScalingBackend.describe_auto_scaling_groups
    original_describe_instances = AutoScalingBackend.describe_auto_scaling_instances

    # moto tags every instance with the template's default version: tag the version it launched from.
    def replace_autoscaling_group_instances(self: Any, count: int, tags: dict[str, str]) -> None:
        before = {state.instance.id for state in self.instance_states}
        original_replace(self, count, tags)
        if self.ec2_launch_template is None:
            return
        number = str(self.ec2_launch_template.get_version(self.launch_template_version).number)
        for state in self.instance_states:
            if state.instance.id not in before:
                self.ec2_backend.tags[state.instance.id][VERSION_TAG] = number

    def launch_template(self: Any) -> dict[str, Any] | None:
        template_id, version = instance_version(self.instance)
        if template_id is None or version is None:
            return original_launch_template(self)
        name = self.instance.ec2_backend.get_launch_template(template_id).name
        return {"LaunchTemplateId": template_id, "LaunchTemplateName": name, "Version": version}

    def describe_auto_scaling_groups(self: Any, names: list[str], filters: Any = None) -> Any:
        for group in list(self.autoscaling_groups.values()):
            if not names or group.name in names:
                advance(group)
        return original_describe_groups(self, names, filters)

    def describe_auto_scaling_instances(self: Any, instance_ids: list[str]) -> list[Any]:
        for group in list(self.autoscaling_groups.values()):
            advance(group)
        return original_describe_instances(self, instance_ids)

    def response(action: Callable[..., Any], *names: str) -> Callable[[Any], Any]:
        def handler(self: Any) -> Any:
            answer = action(self.autoscaling_backend, *(self._get_param(name) for name in names))
            if isinstance(answer, list):
                return ActionResult({"InstanceRefreshes": answer})
            return ActionResult({"InstanceRefreshId": answer})

        return handler

    FakeAutoScalingGroup.replace_autoscaling_group_instances = replace_autoscaling_group_instances
    InstanceState.launch_template = property(launch_template)  # type: ignore[assignment,method-assign]
    AutoScalingBackend.describe_auto_scaling_groups = describe_auto_scaling_groups  # type: ignore[method-assign]
    AutoScalingBackend.describe_auto_scaling_instances = describe_auto_scaling_instances  # type: ignore[method-assign]
    AutoScalingResponse.start_instance_refresh = response(
        start, "AutoScalingGroupName", "Strategy", "DesiredConfiguration", "Preferences"
    )
    AutoScalingResponse.describe_instance_refreshes = response(describe, "AutoScalingGroupName", "InstanceRefreshIds")
    AutoScalingResponse.cancel_instance_refresh = response(cancel, "AutoScalingGroupName")
    AutoScalingResponse.rollback_instance_refresh = response(rollback, "AutoScalingGroupName")
    setattr(AutoScalingBackend, _MARK, True)
