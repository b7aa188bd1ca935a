# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance refresh of an Auto Scaling group, in plain Python (the autoscaling_instance_refresh module).

The parts, each testable with a fake client of AWS's documented answers:

- :func:`refresh_preferences`: the StartInstanceRefresh ``Preferences`` from the role's inputs;
- :func:`plan`: whether a refresh is needed (the group's wanted launch template version differs from
  what the group or its instances run) or one is active already (joined, never doubled);
- :class:`Refreshes`: the AWS calls (DescribeAutoScalingGroups, DescribeLaunchTemplates,
  DescribeInstanceRefreshes, Start/Rollback/CancelInstanceRefresh), each with ``aws_retry=True`` so a
  client made with amazon.aws's ``AWSRetry.jittered_backoff()`` survives throttling;
- :func:`wait`: polls DescribeInstanceRefreshes (no SDK waiter exists) until the refresh reaches the
  wanted status, or a checkpoint percentage when asked (the caller gates it), and raises
  :class:`RefreshFailed` on a terminal status with AWS's StatusReason and what the group runs now.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# DescribeInstanceRefreshes statuses (API_InstanceRefresh).
ACTIVE = ("Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking")
FAILED = ("Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed")
# What each state of the module waits for, and the terminal statuses that are not a failure for it.
DONE = {"started": ("Successful",), "rolled_back": ("RollbackSuccessful",), "cancelled": ("Cancelled",)}
SYMBOLIC_VERSIONS = ("$Latest", "$Default")


class RefreshError(Exception):
    """An instance refresh that cannot be started, joined or waited for; the message says why."""


class RefreshFailed(RefreshError):
    """A refresh ended in a status its caller did not want: ``refresh`` is its last description,
    ``result`` what the module returns with the failure (set by :func:`ensure`)."""

    def __init__(self, message: str, refresh: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.refresh = dict(refresh)
        self.result: dict[str, Any] = {}


class RefreshTimeout(RefreshFailed):
    """The wait ran out while the refresh was still active (it goes on in AWS: a re-run joins it)."""


def refresh_preferences(
    min_healthy_percentage: int | None = None,
    max_healthy_percentage: int | None = None,
    instance_warmup: int | None = None,
    checkpoint_percentages: list[int] | None = None,
    checkpoint_delay: int | None = None,
    skip_matching: bool | None = None,
    alarms: list[str] | None = None,
    auto_rollback: bool | None = None,
) -> dict[str, Any]:
    """The ``Preferences`` of StartInstanceRefresh; options left ``None`` (or empty) are AWS's defaults.

    The checkpoint delay only goes with checkpoint percentages (AWS refuses it alone), and the alarm
    specification only with alarms.
    """
    preferences: dict[str, Any] = {}
    for key, value in (
        ("MinHealthyPercentage", min_healthy_percentage),
        ("MaxHealthyPercentage", max_healthy_percentage),
        ("InstanceWarmup", instance_warmup),
        ("SkipMatching", skip_matching),
        ("AutoRollback", auto_rollback),
    ):
        if value is not None:
            preferences[key] = value
    if checkpoint_percentages:
        preferences["CheckpointPercentages"] = [int(percentage) for percentage in checkpoint_percentages]
        if checkpoint_delay is not None:
            preferences["CheckpointDelay"] = checkpoint_delay
    if alarms:
        preferences["AlarmSpecification"] = {"Alarms": list(alarms)}
    return preferences


def resolve_version(version: str | int | None, template: Mapping[str, Any]) -> str:
    """A launch template version as its number: ``$Latest``, ``latest`` and empty are the template's
    latest version, ``$Default`` and ``default`` its default one (AWS cannot roll back a refresh whose
    group uses a symbolic version, so the refresh is always given a number)."""
    text = str(version or "").strip()
    if text.lower() in ("", "latest", "$latest"):
        return str(template["LatestVersionNumber"])
    if text.lower() in ("default", "$default"):
        return str(template["DefaultVersionNumber"])
    return text


@dataclass
class GroupVersions:
    """What a group runs: its launch template and version, and each instance's version."""

    name: str
    template_name: str
    template_id: str
    version: str
    desired_capacity: int
    instances: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for version in self.instances.values():
            counts[version] = counts.get(version, 0) + 1
        running = ", ".join(f"{count} on version {version}" for version, count in sorted(counts.items())) or "none"
        return (
            f"the group {self.name} runs launch template {self.template_name} version {self.version} "
            f"(desired capacity {self.desired_capacity}; instances: {running})"
        )


def group_versions(group: Mapping[str, Any], latest: Mapping[str, Any] | None = None) -> GroupVersions:
    """Read a DescribeAutoScalingGroups entry. ``latest`` (the DescribeLaunchTemplates entry) resolves
    symbolic versions (``$Latest``/``$Default``) to numbers."""
    template = group.get("LaunchTemplate")
    if not template:
        raise RefreshError(
            f"autoscaling_group_name {group['AutoScalingGroupName']!r}: the group has no launch template "
            "(a mixed instances policy or a launch configuration); this module refreshes launch template groups"
        )

    def number(version: Any) -> str:
        text = str(version or "")
        return resolve_version(text, latest) if latest is not None and text in SYMBOLIC_VERSIONS else text

    instances = {
        instance["InstanceId"]: number((instance.get("LaunchTemplate") or {}).get("Version", ""))
        for instance in group.get("Instances", [])
        if instance.get("LifecycleState")
        not in ("Terminating", "Terminating:Wait", "Terminating:Proceed", "Terminated")
    }
    return GroupVersions(
        name=group["AutoScalingGroupName"],
        template_name=template.get("LaunchTemplateName", ""),
        template_id=template.get("LaunchTemplateId", ""),
        version=number(template.get("Version", "")),
        desired_capacity=int(group.get("DesiredCapacity", 0)),
        instances=instances,
    )


@dataclass
class Plan:
    """What ``state: started`` does: ``join`` an active refresh, ``start`` one, or ``none``."""

    action: str
    version: str
    outdated_instances: list[str]
    reason: str
    refresh: dict[str, Any] | None = None


def active_refresh(refreshes: list[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The group's active refresh, if any (AWS allows one at a time; it lists the newest first)."""
    for refresh in refreshes:
        if refresh.get("Status") in ACTIVE:
            return dict(refresh)
    return None


def plan(found: GroupVersions, wanted_version: str, refreshes: list[Mapping[str, Any]]) -> Plan:
    """Decide whether to start a refresh to ``wanted_version`` (a number), join the active one, or do nothing."""
    outdated = sorted(instance for instance, version in found.instances.items() if version != wanted_version)
    active = active_refresh(refreshes)
    if active is not None:
        return Plan(
            "join",
            wanted_version,
            outdated,
            f"instance refresh {active['InstanceRefreshId']} is {active['Status']} already: joined, not doubled",
            active,
        )
    if found.version != wanted_version or outdated:
        why = []
        if found.version != wanted_version:
            why.append(f"the group uses version {found.version}")
        if outdated:
            why.append(f"{len(outdated)} of {len(found.instances)} instances run another version")
        return Plan(
            "start",
            wanted_version,
            outdated,
            f"launch template {found.template_name} version {wanted_version} is wanted; {' and '.join(why)}",
        )
    return Plan(
        "none",
        wanted_version,
        [],
        f"the group and its {len(found.instances)} instances run launch template {found.template_name} "
        f"version {wanted_version} already",
    )


def progress(refresh: Mapping[str, Any]) -> dict[str, Any]:
    """One DescribeInstanceRefreshes entry as the module returns it (snake_case, every key present)."""
    desired = (refresh.get("DesiredConfiguration") or {}).get("LaunchTemplate") or {}
    rollback = refresh.get("RollbackDetails") or {}
    return {
        "instance_refresh_id": refresh.get("InstanceRefreshId", ""),
        "status": refresh.get("Status", ""),
        "status_reason": refresh.get("StatusReason", ""),
        "percentage_complete": refresh.get("PercentageComplete", 0),
        "instances_to_update": refresh.get("InstancesToUpdate", 0),
        "start_time": str(refresh.get("StartTime", "")),
        "end_time": str(refresh.get("EndTime", "")),
        "desired_version": str(desired.get("Version", "")),
        "rollback_reason": rollback.get("RollbackReason", ""),
        "preferences": dict(refresh.get("Preferences") or {}),
    }


class Refreshes:
    """The AWS calls of an instance refresh on one group (client: boto3's ``autoscaling``, and ``ec2``
    for the launch template), each retried on throttling by the client's ``AWSRetry`` wrapper."""

    def __init__(self, autoscaling: Any, ec2: Any, group_name: str) -> None:
        self.autoscaling = autoscaling
        self.ec2 = ec2
        self.group_name = group_name

    def group(self) -> dict[str, Any]:
        groups = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[self.group_name], aws_retry=True)[
            "AutoScalingGroups"
        ]
        if not groups:
            raise RefreshError(f"autoscaling_group_name {self.group_name!r}: no such Auto Scaling group in this region")
        return groups[0]

    def template(self, group: Mapping[str, Any]) -> dict[str, Any]:
        spec = group.get("LaunchTemplate") or {}
        request = (
            {"LaunchTemplateIds": [spec["LaunchTemplateId"]]}
            if spec.get("LaunchTemplateId")
            else {"LaunchTemplateNames": [spec.get("LaunchTemplateName", "")]}
        )
        return self.ec2.describe_launch_templates(**request, aws_retry=True)["LaunchTemplates"][0]

    def versions(self) -> tuple[GroupVersions, dict[str, Any]]:
        """What the group runs now, and its launch template (for the latest version)."""
        group = self.group()
        if not group.get("LaunchTemplate"):
            group_versions(group)  # raises the module's error for a group without a launch template
        template = self.template(group)
        return group_versions(group, template), template

    def now(self, template: Mapping[str, Any]) -> GroupVersions:
        """What the group runs now (one call; ``template`` resolves symbolic versions)."""
        return group_versions(self.group(), template)

    def refreshes(self, refresh_id: str | None = None) -> list[dict[str, Any]]:
        """The group's refreshes, newest first (one page: AWS lists the active one first)."""
        request: dict[str, Any] = {"AutoScalingGroupName": self.group_name}
        if refresh_id:
            request["InstanceRefreshIds"] = [refresh_id]
        return self.autoscaling.describe_instance_refreshes(**request, aws_retry=True)["InstanceRefreshes"]

    def refresh(self, refresh_id: str) -> dict[str, Any]:
        found = self.refreshes(refresh_id)
        if not found:
            raise RefreshError(f"instance refresh {refresh_id} of {self.group_name}: not found")
        return found[0]

    def start(self, template_id: str, version: str, preferences: Mapping[str, Any]) -> str:
        """StartInstanceRefresh to a launch template version (the desired configuration, which AWS
        needs for a rollback and sets on the group when the refresh succeeds)."""
        return self.autoscaling.start_instance_refresh(
            AutoScalingGroupName=self.group_name,
            Strategy="Rolling",
            DesiredConfiguration={"LaunchTemplate": {"LaunchTemplateId": template_id, "Version": version}},
            Preferences=dict(preferences),
            aws_retry=True,
        )["InstanceRefreshId"]

    def rollback(self) -> str:
        return self.autoscaling.rollback_instance_refresh(AutoScalingGroupName=self.group_name, aws_retry=True)[
            "InstanceRefreshId"
        ]

    def cancel(self) -> str:
        return self.autoscaling.cancel_instance_refresh(AutoScalingGroupName=self.group_name, aws_retry=True)[
            "InstanceRefreshId"
        ]


def failure_message(refresh: Mapping[str, Any], now: GroupVersions | None) -> str:
    """Why a refresh ended as it did (AWS's StatusReason) and what the group runs now."""
    status = refresh.get("Status", "")
    reason = refresh.get("StatusReason") or "AWS gave no status reason"
    rollback = (refresh.get("RollbackDetails") or {}).get("RollbackReason")
    where = now.name if now else "the group"
    parts = [f"Instance refresh {refresh.get('InstanceRefreshId', '')} of {where} is {status}: {reason}"]
    if rollback and rollback != reason:
        parts.append(f"rolled back because: {rollback}")
    complete, left = refresh.get("PercentageComplete", 0), refresh.get("InstancesToUpdate", 0)
    parts.append(f"{complete} % complete, {left} instances left to update")
    if now is not None:
        parts.append(f"now {now.summary()}")
    return "; ".join(parts)


@dataclass
class Waited:
    """The end of a wait: the last description, the progress seen (one entry per change) and
    whether it stopped at a checkpoint rather than at the end."""

    refresh: dict[str, Any]
    history: list[dict[str, Any]]
    checkpoint: int | None = None


def wait(
    describe: Callable[[], Mapping[str, Any]],
    done: tuple[str, ...],
    timeout: float,
    interval: float,
    stop_at_percentage: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_failure: Callable[[Mapping[str, Any]], str] | None = None,
) -> Waited:
    """Poll ``describe`` until the refresh's status is in ``done``; or, with ``stop_at_percentage``,
    until it is InProgress (or Baking) with at least that percentage complete, the checkpoint the caller
    gates (a checkpoint at 100 pauses the refresh with every instance new, before it ends: a gate there
    can still roll it back, which AWS refuses once the refresh is Successful).
    A terminal status not in ``done`` raises :class:`RefreshFailed` (message from ``on_failure``);
    the timeout raises :class:`RefreshTimeout`. Progress is kept each time it changes."""
    deadline = clock() + timeout
    history: list[dict[str, Any]] = []
    while True:
        refresh = dict(describe())
        seen = {key: refresh.get(key) for key in ("Status", "StatusReason", "PercentageComplete", "InstancesToUpdate")}
        if not history or {key: history[-1][key] for key in seen} != seen:
            history.append(dict(seen, Elapsed=round(timeout - (deadline - clock()), 2)))
        status = refresh.get("Status")
        if status in done:
            return Waited(refresh, history)
        if status in FAILED or (status not in ACTIVE and status not in done):
            message = on_failure(refresh) if on_failure else failure_message(refresh, None)
            raise RefreshFailed(message, refresh)
        if (
            stop_at_percentage is not None
            and status in ("InProgress", "Baking")
            and (refresh.get("PercentageComplete") or 0) >= stop_at_percentage
        ):
            return Waited(refresh, history, checkpoint=stop_at_percentage)
        remaining = deadline - clock()
        if remaining <= 0:
            raise RefreshTimeout(
                f"Instance refresh {refresh.get('InstanceRefreshId', '')} is still {status} after {timeout:g} s "
                f"({refresh.get('PercentageComplete', 0)} % complete, {refresh.get('InstancesToUpdate', 0)} "
                "instances left to update); it goes on in AWS, and a re-run joins it",
                refresh,
            )
        sleep(min(interval, remaining))


def history_items(history: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The wait's progress entries in snake_case (the module's ``progress`` return value)."""
    return [
        {
            "elapsed": entry.get("Elapsed", 0),
            "status": entry.get("Status") or "",
            "status_reason": entry.get("StatusReason") or "",
            "percentage_complete": entry.get("PercentageComplete") or 0,
            "instances_to_update": entry.get("InstancesToUpdate") or 0,
        }
        for entry in history
    ]


def ensure(
    calls: Refreshes,
    state: str,
    version: str | None = None,
    preferences: Mapping[str, Any] | None = None,
    wait_for_it: bool = True,
    timeout: float = 3600,
    interval: float = 15,
    stop_at_percentage: int | None = None,
    check_mode: bool = False,
    refresh_id: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> dict[str, Any]:
    """The module's whole job for one ``state``; returns its result (raises :class:`RefreshError`).

    ``started``: start a refresh to ``version`` when the group or an instance runs another one, join the
    active refresh otherwise (never a second), nothing when all is current; with ``refresh_id``, join that
    refresh whatever its status (never start one: the caller gates a refresh it knows). ``rolled_back`` and
    ``cancelled``: RollbackInstanceRefresh / CancelInstanceRefresh of the active refresh (nothing when none
    is active). Then, with ``wait_for_it``, wait until it is done (or at ``stop_at_percentage``).
    """
    found, template = calls.versions()
    wanted = resolve_version(version, template)
    refreshes = [calls.refresh(refresh_id)] if refresh_id and state == "started" else calls.refreshes()
    decision = plan(found, wanted, refreshes)
    if refresh_id and state == "started":
        decision = Plan("join", wanted, decision.outdated_instances, f"instance refresh {refresh_id}", refreshes[0])
    result: dict[str, Any] = {
        "changed": False,
        "action": decision.action,
        "reason": decision.reason,
        "launch_template": {"id": found.template_id, "name": found.template_name, "version": wanted},
        "outdated_instances": decision.outdated_instances,
        "checkpoint": None,
        "progress": [],
    }
    refresh: dict[str, Any] | None = decision.refresh
    if state == "started":
        if decision.action == "start":
            result["changed"] = True
            if not check_mode:
                refresh_id = _start(calls, found.template_id, wanted, preferences or {})
                refresh = {"InstanceRefreshId": refresh_id, "Status": "Pending"}
    else:
        active = active_refresh(refreshes)
        wanted_status = "RollbackInProgress" if state == "rolled_back" else "Cancelling"
        result["action"] = "none"
        result["reason"] = "no instance refresh is active"
        if active is not None and active.get("Status") == wanted_status:
            result["action"], result["reason"], refresh = (
                "join",
                f"{active['InstanceRefreshId']} is {wanted_status}",
                active,
            )
        elif active is not None:
            result["changed"] = True
            result["action"] = "rollback" if state == "rolled_back" else "cancel"
            result["reason"] = f"instance refresh {active['InstanceRefreshId']} was {active['Status']}"
            refresh = active
            if not check_mode:
                refresh_id = calls.rollback() if state == "rolled_back" else calls.cancel()
                refresh = {"InstanceRefreshId": refresh_id, "Status": wanted_status}
    if refresh is not None and wait_for_it and not check_mode:
        refresh_id = refresh["InstanceRefreshId"]

        def on_failure(last: Mapping[str, Any]) -> str:
            return failure_message(last, calls.now(template))

        try:
            waited = wait(
                lambda: calls.refresh(refresh_id),
                DONE[state],
                timeout,
                interval,
                stop_at_percentage if state == "started" else None,
                sleep=sleep,
                clock=clock,
                on_failure=on_failure,
            )
        except RefreshFailed as error:
            error.result = dict(
                result, instance_refresh=progress(error.refresh), group=_group_result(calls.now(template))
            )
            raise
        refresh = waited.refresh
        result["checkpoint"] = waited.checkpoint
        result["progress"] = history_items(waited.history)
    result["instance_refresh"] = progress(refresh) if refresh is not None else None
    waited_for = refresh is not None and wait_for_it and not check_mode
    result["group"] = _group_result(calls.now(template) if waited_for else found)
    return result


def _start(calls: Refreshes, template_id: str, version: str, preferences: Mapping[str, Any]) -> str:
    try:
        return calls.start(template_id, version, preferences)
    except Exception as error:  # botocore's ClientError, told apart by its code
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        if code != "InstanceRefreshInProgress":
            raise
    # Another run started one between our describe and our start: join it.
    active = active_refresh(calls.refreshes())
    if active is None:
        raise RefreshError(f"{calls.group_name}: AWS says a refresh is in progress, but none is listed")
    return active["InstanceRefreshId"]


def _group_result(found: GroupVersions) -> dict[str, Any]:
    return {
        "name": found.name,
        "launch_template_name": found.template_name,
        "launch_template_version": found.version,
        "desired_capacity": found.desired_capacity,
        "instances": dict(sorted(found.instances.items())),
        "summary": found.summary(),
    }
