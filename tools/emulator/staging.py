"""Staging of what AWS does over time: target health and Auto Scaling instance states.

moto reports every registered target ``healthy`` and every Auto Scaling instance
``InService``/``Healthy`` the moment it exists. AWS takes a while: a new target is ``initial``
(``Elb.RegistrationInProgress``, then ``Elb.InitialHealthChecking``) until it passes the target
group's healthy threshold, may turn ``unhealthy`` (``Target.Timeout``, ...), and a new instance is
``Pending`` before it is ``InService``. Tests and demos that wait for readiness need that, so the
emulator can be told what to report, and when, through a *stage file*::

    <state-dir>/stage.json
    {
      "version": 1,
      "target_health": {
        "<target group ARN>": {
          "default": {"from": <epoch s>, "steps": [<target step>, ...]},   # every target
          "<target id>": {"from": <epoch s>, "steps": [<target step>, ...]}  # this one only
        }
      },
      "autoscaling_instances": {
        "<group name>": {"from": <epoch s>, "steps": [<instance step>, ...]}
      },
      "release_health": {
        "<launch template name or id>:<version>": {"from": <epoch s>, "steps": [<target step>, ...]},
        "<AMI id>": {"from": <epoch s>, "steps": [<target step>, ...]}
      }
    }

    target step:   {"after": s, "state": "initial", "reason": "Elb.InitialHealthChecking",
                    "description": "Initial health checks in progress"}
                   or, instead of "after", {"polls": N, "state": ..., ...}
    instance step: {"after": s, "in_service": N | null, "healthy": N | null}

``from`` is when the schedule was written (``time.time()``); the stage in force at a moment is
the last step whose ``after`` is at most the seconds elapsed since ``from``. Before the first step,
and for targets and groups without a schedule, the emulator answers as moto does.

A target step may count polls instead of seconds: ``"polls": N`` (``STATE...#N`` on the command
line, next to ``STATE...@SECONDS``) is in force from the (N+1)-th DescribeTargetHealth call of the
target group after the schedule was written, that is once N calls have been seen before it, however
long they took. A step has ``after`` or ``polls``, never both. The server counts the calls per
target group and schedule (its ARN and the schedule's ``from``): one per API call whatever the
number of targets it describes (``Targets`` given or not), counted when moto answers it (a call
answered by fault injection, or refused for an unknown target group, is not counted). Re-staging
writes a new ``from`` and so restarts the count; the counts live in the server's memory. Each
call's step is then the last step whose ``after`` is at most the seconds elapsed or whose
``polls`` is at most the number of calls seen before this one. Steps of one kind are taken in
the order of their ``after`` (or ``polls``); a schedule mixing both kinds is taken in the order
written. A test that must see a state should stage it by polls (``initial#0,healthy#3``: three
polls see ``initial``, the fourth ``healthy``): a busy machine can take any number of seconds to
reach its first poll, but never makes polls that did not happen. A target
schedule applies only where moto itself would say ``healthy`` (a registered target of a running
instance): moto's ``unused``/``draining`` answers for deregistered or stopped targets are kept.
A *release* schedule (``release_health``; ``stage release-health``) stages the targets of the
instances launched from one launch template version, or from one AMI, in every target group:
"this release is bad" (``unhealthy#0``) while the instances of the previous version stay healthy.
A target's own schedule comes first, then a release schedule of its instance (the launch template
version, from the ``aws:ec2launchtemplate:id``/``:version`` tags AWS puts on the instances it
launches from a template, then its AMI), then its target group's default. Its polls are counted
per target group like the others. A DescribeTargetHealth made by the emulator itself (the instance
refresh model judging a new instance, inside ``latency.on_behalf_of_aws()``) sees the step due
without counting a poll, so it never moves a schedule on.
An instance step makes the group's InService instances after the first ``in_service`` ones
``Pending``, and its Healthy instances after the first ``healthy`` ones ``Unhealthy`` (null: no
limit), in moto's order of the group's instances.

The stage file is written atomically (``os.replace``) by this module, through
``python -m tools.emulator stage ...`` or the functions below. The server reads it on every
DescribeTargetHealth / DescribeAutoScalingGroups / DescribeAutoScalingInstances call, so a new
schedule takes effect at once, without a restart (``start`` of a new server removes an old
server's stage file: its schedules name resources the new server does not have).

It is a staging facility for tests and demos: without a stage file (or in a process that never
called :func:`configure`, such as a plain ``mock_aws`` test) the emulator behaves exactly as
before.

AWS references:
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetHealth.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tools.emulator import files

STAGE_FILE = "stage.json"
VERSION = 1
DEFAULT_TARGET = "default"

# TargetHealth.State and the reason codes AWS gives with each (API_TargetHealth). A healthy target
# has neither reason nor description. AWS documents no reason list for unhealthy.draining: the
# unhealthy ones and the deregistration one are accepted.
_UNHEALTHY_REASONS = (
    "Target.ResponseCodeMismatch",
    "Target.Timeout",
    "Target.FailedHealthChecks",
    "Elb.InternalError",
)
REASONS_BY_STATE: dict[str, tuple[str, ...]] = {
    "initial": ("Elb.RegistrationInProgress", "Elb.InitialHealthChecking"),
    "healthy": (),
    "unhealthy": _UNHEALTHY_REASONS,
    "unhealthy.draining": (*_UNHEALTHY_REASONS, "Target.DeregistrationInProgress"),
    "unused": ("Target.NotRegistered", "Target.NotInUse", "Target.InvalidState", "Target.IpUnusable"),
    "draining": ("Target.DeregistrationInProgress",),
    "unavailable": ("Target.HealthCheckDisabled", "Elb.InternalError"),
}
STATES = tuple(REASONS_BY_STATE)

# The reason a step gets when it names a state only.
DEFAULT_REASON: dict[str, str | None] = {
    "initial": "Elb.InitialHealthChecking",
    "healthy": None,
    "unhealthy": "Target.FailedHealthChecks",
    "unhealthy.draining": "Target.FailedHealthChecks",
    "unused": "Target.NotInUse",
    "draining": "Target.DeregistrationInProgress",
    "unavailable": "Target.HealthCheckDisabled",
}

# The description a step gets when it names none, worded as AWS's API reference describes each
# reason. Readiness code should decide on State and Reason, never on the Description text.
DESCRIPTIONS: dict[str, str] = {
    "Elb.RegistrationInProgress": "Target registration is in progress",
    "Elb.InitialHealthChecking": "Initial health checks in progress",
    "Target.ResponseCodeMismatch": "Health checks failed with these codes: [502]",
    "Target.Timeout": "Request timed out",
    "Target.FailedHealthChecks": "Health checks failed",
    "Elb.InternalError": "Health checks failed due to an internal error",
    "Target.NotRegistered": "Target is not registered to the target group",
    "Target.NotInUse": "Target group is not configured to receive traffic from the load balancer",
    "Target.InvalidState": "Target is in the stopped state",
    "Target.IpUnusable": "The target IP address is reserved for use by a load balancer",
    "Target.DeregistrationInProgress": "Target deregistration is in progress",
    "Target.HealthCheckDisabled": "Health checks disabled",
}

_active_state_dir: Path | None = None


# --- the server side --------------------------------------------------------------------------


def configure(state_dir: Path | str | None) -> None:
    """Make this process's patched moto follow ``<state_dir>/stage.json`` (None: stop staging)."""
    global _active_state_dir
    _active_state_dir = Path(state_dir) if state_dir is not None else None


def active_state_dir() -> Path | None:
    """The state directory this process stages from, or None (set by :func:`configure`)."""
    return _active_state_dir


def release_keys(
    template_id: str | None, template_name: str | None, version: str | None, image_id: str | None
) -> list[str]:
    """The ``release_health`` keys an instance answers to, in order: its template and version, its AMI."""
    keys = [f"{template}:{version}" for template in (template_id, template_name) if template and version]
    return keys + ([image_id] if image_id else [])


def active_stage() -> dict[str, Any]:
    """The stage file of the configured state directory; empty when none is configured or written."""
    if _active_state_dir is None:
        return {}
    return read(_active_state_dir)


def _ordered(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Steps of one kind by their ``after`` (or ``polls``); a mix of both kinds as written."""
    if all("polls" not in step for step in steps):
        return sorted(steps, key=lambda step: float(step["after"]))
    if all("polls" in step for step in steps):
        return sorted(steps, key=lambda step: int(step["polls"]))
    return list(steps)


def step_at(schedule: dict[str, Any] | None, now: float, poll: int | None = None) -> dict[str, Any] | None:
    """The step of ``schedule`` in force at ``now`` and, for steps counting polls, at ``poll``.

    ``poll`` is how many DescribeTargetHealth calls of the schedule were seen before this one
    (None: not a poll; no ``polls`` step is due). None when no step is due yet.
    """
    if not schedule:
        return None
    elapsed = now - float(schedule["from"])
    current = None
    for step in _ordered(schedule["steps"]):
        if "polls" not in step:
            if float(step["after"]) <= elapsed:
                current = step
        elif poll is not None and int(step["polls"]) <= poll:
            current = step
    return current


def target_schedule(
    stage: dict[str, Any], target_group_arn: str, target_id: str, releases: Sequence[str] = ()
) -> dict[str, Any] | None:
    """The schedule of a target: its own, else that of its instance's release (``releases``, from
    :func:`release_keys`), else its target group's default, else None."""
    schedules = stage.get("target_health", {}).get(target_group_arn) or {}
    if target_id in schedules:
        return schedules[target_id]
    by_release = stage.get("release_health", {})
    for key in releases:
        if key in by_release:
            return by_release[key]
    return schedules.get(DEFAULT_TARGET)


def target_health_at(
    stage: dict[str, Any], target_group_arn: str, target_id: str, now: float, poll: int | None = None
) -> dict[str, Any] | None:
    """The staged step ``{"state", "reason", "description"}`` of a target at ``now``, or None (moto's).

    ``poll``: the DescribeTargetHealth calls of the target's schedule seen before this one.
    """
    return step_at(target_schedule(stage, target_group_arn, target_id), now, poll)


def asg_instances_at(stage: dict[str, Any], group_name: str, now: float) -> dict[str, Any] | None:
    """The staged step ``{"in_service", "healthy"}`` of an Auto Scaling group at ``now``, or None."""
    return step_at(stage.get("autoscaling_instances", {}).get(group_name), now)


def limit_instance_states(
    lifecycle_health: list[tuple[str, str]], step: dict[str, Any] | None
) -> list[tuple[str, str]]:
    """Apply an instance step to ``[(LifecycleState, HealthStatus), ...]`` in the group's order.

    InService instances after the first ``in_service`` ones become Pending; Healthy instances after
    the first ``healthy`` ones become Unhealthy. Other states (Standby, Terminating, ...) are kept.
    """
    if step is None:
        return list(lifecycle_health)
    in_service_left = step.get("in_service")
    healthy_left = step.get("healthy")
    result = []
    for lifecycle, health in lifecycle_health:
        if lifecycle == "InService" and in_service_left is not None:
            if in_service_left > 0:
                in_service_left -= 1
            else:
                lifecycle = "Pending"
        if health == "Healthy" and healthy_left is not None:
            if healthy_left > 0:
                healthy_left -= 1
            else:
                health = "Unhealthy"
        result.append((lifecycle, health))
    return result


# --- the stage file ---------------------------------------------------------------------------


def stage_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / STAGE_FILE


def read(state_dir: Path | str) -> dict[str, Any]:
    """The stage of a state directory (``{}`` when no stage file exists)."""
    try:
        text = stage_path(state_dir).read_text()
    except FileNotFoundError:
        return {}
    stage = json.loads(text)
    if not isinstance(stage, dict) or stage.get("version") != VERSION:
        raise ValueError(f"{stage_path(state_dir)}: not a version {VERSION} stage file")
    return stage


def write(state_dir: Path | str, stage: dict[str, Any]) -> None:
    """Write the stage file atomically (a reader sees the old file or the new one, never half)."""
    files.write_json(stage_path(state_dir), {**stage, "version": VERSION})


def target_step(
    state: str,
    reason: str | None = None,
    description: str | None = None,
    after: float | None = None,
    polls: int | None = None,
) -> dict[str, Any]:
    """A validated target step; the reason and description default to AWS's for the state.

    The step is due ``after`` seconds after the schedule was written, or once ``polls``
    DescribeTargetHealth calls of the target group were seen (one or the other; neither: after 0).
    """
    if state not in REASONS_BY_STATE:
        raise ValueError(f"target state {state!r}: must be one of {', '.join(STATES)}")
    if after is not None and polls is not None:
        raise ValueError(f"step {state!r}: give after (seconds) or polls, not both")
    if polls is None:
        after = 0.0 if after is None else _non_negative_seconds(after)
        when: dict[str, Any] = {"after": after}
    else:
        if isinstance(polls, bool) or not isinstance(polls, int) or polls < 0:
            raise ValueError(f"step polls {polls!r}: must be an integer >= 0")
        when = {"polls": polls}
    if state == "healthy":
        if reason or description:
            raise ValueError("a healthy target has no reason or description (AWS gives none)")
        return {**when, "state": state, "reason": None, "description": None}
    reason = reason or DEFAULT_REASON[state]
    if reason not in REASONS_BY_STATE[state]:
        raise ValueError(f"reason {reason!r} for state {state!r}: must be one of {', '.join(REASONS_BY_STATE[state])}")
    return {
        **when,
        "state": state,
        "reason": reason,
        "description": description or DESCRIPTIONS[reason],
    }


def _target_step_of(step: Any) -> dict[str, Any]:
    """A validated target step from a step object (JSON, or a step returned by :func:`target_step`)."""
    if not isinstance(step, dict) or "state" not in step:
        raise ValueError(f"target step {step!r}: must be an object with a state")
    return target_step(step["state"], step.get("reason"), step.get("description"), step.get("after"), step.get("polls"))


def _non_negative_seconds(after: Any) -> float:
    try:
        seconds = float(after)
    except (TypeError, ValueError):
        raise ValueError(f"step after {after!r}: not a number of seconds") from None
    if seconds < 0:
        raise ValueError(f"step after {after!r}: must be >= 0 seconds")
    return seconds


def instance_step(in_service: int | None = None, healthy: int | None = None, after: float = 0) -> dict[str, Any]:
    """A validated Auto Scaling instance step (None: no limit)."""
    for name, value in (("in_service", in_service), ("healthy", healthy)):
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ValueError(f"{name} {value!r}: must be an integer >= 0 or None")
    if float(after) < 0:
        raise ValueError(f"step after {after!r}: must be >= 0 seconds")
    return {"after": float(after), "in_service": in_service, "healthy": healthy}


def parse_target_steps(text: str) -> list[dict[str, Any]]:
    """Parse ``STATE[:REASON[:DESCRIPTION]][@AFTER|#POLLS],...`` (or a JSON list of step objects).

    Examples: ``initial:Elb.RegistrationInProgress@0,initial@2,healthy@6`` (seconds after the
    staging) and ``initial#0,healthy#3`` (DescribeTargetHealth calls seen before: the first three
    see initial). Without either, a step is due at once (``@0``). A description containing a
    comma, ``@`` or ``#`` needs the JSON form, whose step objects have ``"after"`` or ``"polls"``.
    """
    text = text.strip()
    if text.startswith("["):
        try:
            objects = json.loads(text)
        except ValueError as error:
            raise ValueError(f"steps are not valid JSON ({error})") from None
        if not isinstance(objects, list):
            raise ValueError("JSON steps must be a list of step objects")
        steps = [_target_step_of(step) for step in objects]
    else:
        steps = []
        for token in filter(None, (part.strip() for part in text.split(","))):
            marker = max(token.rfind("@"), token.rfind("#"))
            body, when = (token[:marker], token[marker:]) if marker >= 0 else (token, "@0")
            state, _unused, rest = body.partition(":")
            reason, _unused, description = rest.partition(":")
            if when.startswith("#"):
                steps.append(target_step(state, reason or None, description or None, polls=_polls(when[1:], token)))
            else:
                steps.append(target_step(state, reason or None, description or None, _seconds(when[1:], token)))
    if not steps:
        raise ValueError("no steps given")
    return steps


def parse_instance_steps(text: str) -> list[dict[str, Any]]:
    """Parse ``IN_SERVICE[/HEALTHY][@AFTER],...``; ``*`` is no limit. Example: ``0@0,2/1@4,*@8``."""
    steps = []
    for token in filter(None, (part.strip() for part in text.split(","))):
        body, _unused, after = token.rpartition("@") if "@" in token else (token, "", "0")
        in_service, _unused, healthy = body.partition("/")
        steps.append(instance_step(_count(in_service, token), _count(healthy or "*", token), _seconds(after, token)))
    if not steps:
        raise ValueError("no steps given")
    return steps


def _seconds(text: str, token: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"step {token!r}: {text!r} is not a number of seconds") from None


def _polls(text: str, token: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise ValueError(f"step {token!r}: {text!r} is not a number of polls (an integer >= 0)") from None


def _count(text: str, token: str) -> int | None:
    text = text.strip()
    if text in ("*", ""):
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"step {token!r}: {text!r} is not a count (an integer or *)") from None


def stage_target_health(
    state_dir: Path | str,
    target_group_arn: str,
    steps: list[dict[str, Any]] | str,
    target: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Stage the health of one target (or, target None, of every target) of a target group.

    ``steps`` is a list of :func:`target_step` dicts or the text form of :func:`parse_target_steps`.
    The schedule's clock and its count of polls start now; it replaces an earlier schedule of the
    same target. Returns the written stage.
    """
    steps = parse_target_steps(steps) if isinstance(steps, str) else [_target_step_of(step) for step in steps]
    if not steps:
        raise ValueError("no steps given")
    stage = read(state_dir)
    schedules = stage.setdefault("target_health", {}).setdefault(target_group_arn, {})
    schedules[target or DEFAULT_TARGET] = {"from": time.time() if now is None else now, "steps": steps}
    write(state_dir, stage)
    return stage


def stage_release_health(
    state_dir: Path | str,
    steps: list[dict[str, Any]] | str,
    launch_template: str | None = None,
    version: str | int | None = None,
    image_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Stage the targets of every instance launched from ``launch_template`` (name or id) ``version``,
    or from the AMI ``image_id``, in every target group. Replaces an earlier schedule of that release."""
    if bool(image_id) == bool(launch_template) or (launch_template and not str(version or "").isdigit()):
        raise ValueError("a release is a launch template (name or id) with a version number, or an AMI id")
    steps = parse_target_steps(steps) if isinstance(steps, str) else [_target_step_of(step) for step in steps]
    key = image_id or f"{launch_template}:{version}"
    stage = read(state_dir)
    stage.setdefault("release_health", {})[key] = {"from": time.time() if now is None else now, "steps": steps}
    write(state_dir, stage)
    return stage


def stage_asg_instances(
    state_dir: Path | str,
    group_name: str,
    in_service: int | None = None,
    healthy: int | None = None,
    steps: list[dict[str, Any]] | str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Stage the instances of an Auto Scaling group: ``in_service``/``healthy`` at once, or ``steps``.

    ``steps`` is a list of :func:`instance_step` dicts or the text form of
    :func:`parse_instance_steps`. Replaces an earlier schedule of the group. Returns the written stage.
    """
    if steps is None:
        steps = [instance_step(in_service, healthy)]
    elif isinstance(steps, str):
        steps = parse_instance_steps(steps)
    else:
        steps = [instance_step(s.get("in_service"), s.get("healthy"), s.get("after", 0)) for s in steps]
    if not steps:
        raise ValueError("no steps given")
    stage = read(state_dir)
    stage.setdefault("autoscaling_instances", {})[group_name] = {
        "from": time.time() if now is None else now,
        "steps": steps,
    }
    write(state_dir, stage)
    return stage


def clear(
    state_dir: Path | str,
    target_group_arn: str | None = None,
    target: str | None = None,
    group_name: str | None = None,
    release: str | None = None,
) -> None:
    """Remove schedules: all of them (no argument), or those of a target group / target / group /
    release (``TEMPLATE:VERSION`` or an AMI id)."""
    if target_group_arn is None and group_name is None and release is None:
        stage_path(state_dir).unlink(missing_ok=True)
        return
    stage = read(state_dir)
    if not stage:
        return
    if target_group_arn is not None:
        schedules = stage.get("target_health", {})
        if target is None:
            schedules.pop(target_group_arn, None)
        else:
            schedules.get(target_group_arn, {}).pop(target, None)
    if group_name is not None:
        stage.get("autoscaling_instances", {}).pop(group_name, None)
    if release is not None:
        stage.get("release_health", {}).pop(release, None)
    write(state_dir, stage)


# --- python -m tools.emulator stage ... -------------------------------------------------------

USAGE = """\
python -m tools.emulator stage [--state-dir DIR] ACTION ...
  target-health --target-group-arn ARN [--target ID] --steps STEPS
  asg-instances --group NAME (--in-service N [--healthy N] | --steps STEPS)
  release-health (--launch-template NAME|ID --version N | --image-id AMI) --steps STEPS
  clear [--target-group-arn ARN [--target ID]] [--group NAME] [--release TEMPLATE:VERSION|AMI]
  show
"""


def cli(argv: list[str], default_state_dir: Path) -> None:
    """The ``stage`` sub-command of ``python -m tools.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.emulator stage",
        usage=USAGE,
        description="Stage target health and Auto Scaling instance states in a running emulator.",
    )
    late = files.state_dir_option(parser, default_state_dir)
    actions = parser.add_subparsers(dest="action", required=True)

    health = actions.add_parser("target-health", parents=[late], help="stage the health of targets")
    health.add_argument("--target-group-arn", required=True)
    health.add_argument("--target", help="a target id (instance id or IP); default: every target of the group")
    health.add_argument(
        "--steps",
        required=True,
        help="STATE[:REASON[:DESCRIPTION]][@SECONDS|#POLLS],... e.g. 'initial:Elb.InitialHealthChecking@0,healthy@6' "
        "(seconds after the staging) or 'initial#0,healthy#3' (DescribeTargetHealth calls seen before: "
        f"the 4th call is healthy) (states: {', '.join(STATES)}), or a JSON list of steps",
    )

    instances = actions.add_parser("asg-instances", parents=[late], help="stage the instances of a group")
    instances.add_argument("--group", required=True, help="the Auto Scaling group name")
    instances.add_argument("--in-service", type=int, help="how many instances are InService (others Pending)")
    instances.add_argument("--healthy", type=int, help="how many instances are Healthy (others Unhealthy)")
    instances.add_argument("--steps", help="IN_SERVICE[/HEALTHY][@AFTER],... ('*': no limit), e.g. '0@0,2/1@4,*@8'")

    release = actions.add_parser(
        "release-health", parents=[late], help="stage the targets of the instances of one launch template version"
    )
    release.add_argument("--launch-template", help="the launch template's name or id (with --version)")
    release.add_argument("--version", help="the launch template version number")
    release.add_argument("--image-id", help="instead: the AMI the instances were launched from")
    release.add_argument("--steps", required=True, help="as for target-health, e.g. 'unhealthy#0'")

    remove = actions.add_parser("clear", parents=[late], help="remove all schedules, or those named")
    remove.add_argument("--target-group-arn")
    remove.add_argument("--target")
    remove.add_argument("--group")
    remove.add_argument("--release", help="TEMPLATE:VERSION or an AMI id")

    actions.add_parser("show", parents=[late], help="print the stage file")

    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    try:
        if args.action == "target-health":
            stage_target_health(state_dir, args.target_group_arn, args.steps, target=args.target)
        elif args.action == "asg-instances":
            if args.steps is not None and (args.in_service is not None or args.healthy is not None):
                parser.error("asg-instances: give --steps or --in-service/--healthy, not both")
            if args.steps is None and args.in_service is None and args.healthy is None:
                parser.error("asg-instances: give --in-service (and/or --healthy) or --steps")
            stage_asg_instances(state_dir, args.group, args.in_service, args.healthy, steps=args.steps)
        elif args.action == "release-health":
            stage_release_health(state_dir, args.steps, args.launch_template, args.version, args.image_id)
        elif args.action == "clear":
            if args.target is not None and args.target_group_arn is None:
                parser.error("clear: --target needs --target-group-arn")
            clear(state_dir, args.target_group_arn, args.target, args.group, args.release)
        print(json.dumps(read(state_dir), indent=2, sort_keys=True))
    except ValueError as error:
        raise SystemExit(f"emulator stage: {error}") from None
