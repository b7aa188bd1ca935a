"""The latency model: AWS's time in the emulator, switched on and off at runtime (off by default).

moto makes everything ready at once: a NAT gateway is ``available`` and an ALB ``active`` as soon
as they exist, an instance is ``running``, every target ``healthy``, and whatever is deleted is
gone with its network interfaces in the same call. AWS takes its time, and code that waits
(waiters, readiness, teardown in dependency order) only runs for real when the emulator does too.
With the model on, the emulator answers as AWS does while things change state::

    NAT gateway       pending        nat_gateway_pending       then available
                      deleting       nat_gateway_deleting      then deleted (kept visible, as AWS
                                                                does for about an hour); until then
                                                                its network interface stays and its
                                                                Elastic IP cannot be released or
                                                                disassociated (AuthFailure)
    load balancer     provisioning   load_balancer_provisioning then active
    EC2 instance      pending        instance_pending          then running
                      shutting-down  instance_shutting_down    then terminated; its network
                                                                interfaces go only then
    Auto Scaling      Pending        instance_pending + instance_in_service, then InService;
    instance          Terminating    until its EC2 instance is terminated (scale-in, delete)
    Auto Scaling      "Delete in progress" (DeleteAutoScalingGroup) until its instances terminated
    group                            (instances are terminated at once: unlike AWS, the group
                                     does not wait for its targets to drain first)
    target            initial        Elb.RegistrationInProgress until its instance is running and
                                     a load balancer of the target group active; then
                                     Elb.InitialHealthChecking for HealthCheckIntervalSeconds x
                                     HealthyThresholdCount of the target group; then healthy.
                                     A target group no load balancer uses: unused, Target.NotInUse
                      draining       Target.DeregistrationInProgress for the target group's
                                     deregistration_delay.timeout_seconds after deregistration (or
                                     the instance's termination); then gone

Every duration is multiplied by one time-scale factor (``--scale 0.05``: 1/20 of AWS's time).
The defaults are AWS-like (the project's design notes, "AWS's time and limits"):
NAT gateway pending 100 s (public Terraform logs: 1.5-2 min), deleting 60 s (Terraform's
``aws_nat_gateway`` destroy typically completes in about a minute), ALB provisioning 150 s (most
ALBs are active within 2-3 minutes, some take 5), instance pending 30 s (under a minute),
InService 15 s after running (no lifecycle hooks), shutting-down 45 s. The target-health times
are the target group's own settings (AWS defaults: 30 s x 5 = 150 s, draining 300 s), scaled.

The model follows a *latency file* written atomically (``os.replace``) by this module, through
``python -m tools.emulator latency on [--scale F] [--set NAME=SECONDS ...]``::

    <state-dir>/latency.json
    {"version": 1, "scale": 0.05, "durations": {"nat_gateway_pending": 100.0, ...},
     "written_at": <epoch s>}

``latency off`` removes it; ``latency show [--json]`` prints every duration, real and scaled, and
whether the model is on; ``start --latency SCALE`` starts a server with it on, and ``start`` of a
new server removes an old one's file. The server checks the file (one ``stat``) once per API call
and parses it again only when it changed, so a change applies from the next call on, without a
restart, and one answer never mixes two configurations. ``on`` replaces the whole configuration:
the durations not ``--set`` are the defaults.

The state is lazy and event-stamped: the server records, in its memory, when each resource
entered a state (a NAT gateway's creation and deletion, an instance's launch and termination, a
target's registration and deregistration, ...), and every Describe computes the state from
``now - that time`` against the *current* configuration. A test can so turn the model on with
long durations, see ``pending`` and the refusals for as long as it likes, then ``latency on
--scale 0`` and see the transition on its next call: tests wait on events (poll until a state is
reached), never on wall-clock margins. Events are recorded only while the model is on: what was
created, deleted or registered while it was off keeps moto's at-once answers. With the model off,
and without a latency file (the default, and any process that never called
``staging.configure``, such as a plain ``mock_aws`` test), every answer is moto's, as before;
switching it off mid-way makes every pending transition complete at once, switching it on again
makes the recorded events count again.

What AWS does by itself between calls (a deleted NAT gateway's network interface going, a
terminated instance's interfaces going) is carried out before the next API call moto serves
(:func:`settle`, hooked into moto's ``BaseResponse.call_action``), once it is due.

Where a target group or an Auto Scaling group has a staged schedule (``stage.json``,
tools/emulator/staging.py), the staging answers for it as before and the model leaves it alone.

:func:`effective_durations` gives the durations in force (scaled; all 0 when the model is off), so
a benchmark can compute a critical path from them.

The corrections that follow the model are in tools/emulator/patches/ (``*_latency.py``,
``core_latency_transitions.py``, ``ec2_network_interface_dependencies.py``, and the deferral in
``ec2_nat_gateway_eni.py``).

AWS references:
https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html#deregistration-delay
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tools.emulator import files, staging

LATENCY_FILE = "latency.json"
VERSION = 1
DEFAULT_SCALE = 1.0

# name -> (AWS-like default seconds, what it is)
DURATIONS: dict[str, tuple[float, str]] = {
    "nat_gateway_pending": (100.0, "NAT gateway pending -> available"),
    "nat_gateway_deleting": (60.0, "NAT gateway deleting -> deleted (its ENI and EIP held until then)"),
    "load_balancer_provisioning": (150.0, "load balancer provisioning -> active"),
    "instance_pending": (30.0, "EC2 instance pending -> running"),
    "instance_in_service": (15.0, "Auto Scaling instance Pending, after its instance is running -> InService"),
    "instance_shutting_down": (45.0, "EC2 instance shutting-down -> terminated (its ENIs held until then)"),
}
NAMES = tuple(DURATIONS)
DEFAULTS: dict[str, float] = {name: seconds for name, (seconds, _unused) in DURATIONS.items()}

# AWS's defaults for a new HTTP target group (CreateTargetGroup, ModifyTargetGroupAttributes).
AWS_HEALTH_CHECK_INTERVAL = 30
AWS_HEALTHY_THRESHOLD = 5
AWS_DEREGISTRATION_DELAY = 300

# The reasons a target of the model has (API_TargetHealth).
REGISTRATION_IN_PROGRESS = "Elb.RegistrationInProgress"
INITIAL_HEALTH_CHECKING = "Elb.InitialHealthChecking"
DEREGISTRATION_IN_PROGRESS = "Target.DeregistrationInProgress"
NOT_IN_USE = "Target.NotInUse"
NOT_REGISTERED = "Target.NotRegistered"


# --- the latency file -------------------------------------------------------------------------


def latency_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / LATENCY_FILE


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{name} {value!r}: not a number of seconds")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} {value!r}: not a number of seconds") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"{name} {value!r}: must be a finite number >= 0")
    return seconds


def config(scale: float = DEFAULT_SCALE, durations: Mapping[str, float] | None = None) -> dict[str, Any]:
    """A validated configuration: the defaults, with ``durations`` (by name, seconds) overriding them."""
    unknown = sorted(set(durations or {}) - set(NAMES))
    if unknown:
        raise ValueError(f"unknown duration {', '.join(unknown)}: must be among {', '.join(NAMES)}")
    merged = {name: _seconds(name, (durations or {}).get(name, DEFAULTS[name])) for name in NAMES}
    return {"version": VERSION, "scale": _seconds("scale", scale), "durations": merged, "written_at": time.time()}


def parse_setting(text: str) -> tuple[str, float]:
    """``NAME=SECONDS`` (``nat_gateway_pending=5``) as ``(name, seconds)``."""
    name, separator, value = text.partition("=")
    name = name.strip()
    if not separator or not name:
        raise ValueError(f"--set {text!r}: must be NAME=SECONDS, e.g. nat_gateway_pending=5")
    if name not in DURATIONS:
        raise ValueError(f"--set {text!r}: unknown duration {name!r}; must be among {', '.join(NAMES)}")
    return name, _seconds(name, value.strip())


def _parse(text: str, path: Path) -> dict[str, Any]:
    loaded = json.loads(text)
    if not isinstance(loaded, dict) or loaded.get("version") != VERSION:
        raise ValueError(f"{path}: not a version {VERSION} latency file")
    return config(loaded.get("scale", DEFAULT_SCALE), loaded.get("durations") or {}) | {
        "written_at": loaded.get("written_at")
    }


def read(state_dir: Path | str) -> dict[str, Any]:
    """The configuration of a state directory's latency file; ``{}`` when there is none (model off)."""
    try:
        text = latency_path(state_dir).read_text()
    except FileNotFoundError:
        return {}
    return _parse(text, latency_path(state_dir))


def write(state_dir: Path | str, configuration: dict[str, Any]) -> None:
    """Write the latency file atomically (a reader sees the old file or the new one, never half)."""
    files.write_json(latency_path(state_dir), {**configuration, "version": VERSION})


def turn_on(
    state_dir: Path | str, scale: float = DEFAULT_SCALE, durations: Mapping[str, float] | None = None
) -> dict[str, Any]:
    """Switch the model on (replacing any configuration set before); return the configuration."""
    configuration = config(scale, durations)
    write(state_dir, configuration)
    return configuration


def turn_off(state_dir: Path | str) -> None:
    """Switch the model off (remove the latency file): every answer is moto's again."""
    latency_path(state_dir).unlink(missing_ok=True)


clear = turn_off


# --- durations --------------------------------------------------------------------------------


def duration(configuration: Mapping[str, Any] | None, name: str) -> float:
    """The scaled seconds of ``name`` under ``configuration`` (0 when the model is off)."""
    if not configuration:
        return 0.0
    return float(configuration["durations"][name]) * float(configuration["scale"])


def target_initial_seconds(configuration: Mapping[str, Any] | None, interval: float, healthy_threshold: float) -> float:
    """How long a target is ``initial`` once it can be checked: interval x healthy threshold, scaled."""
    if not configuration:
        return 0.0
    return float(interval) * float(healthy_threshold) * float(configuration["scale"])


def target_draining_seconds(configuration: Mapping[str, Any] | None, deregistration_delay: float) -> float:
    """How long a deregistered target is ``draining``: the target group's delay, scaled."""
    if not configuration:
        return 0.0
    return float(deregistration_delay) * float(configuration["scale"])


def effective_durations(
    state_dir: Path | str | None = None,
    configuration: Mapping[str, Any] | None = None,
    health_check_interval: float = AWS_HEALTH_CHECK_INTERVAL,
    healthy_threshold: float = AWS_HEALTHY_THRESHOLD,
    deregistration_delay: float = AWS_DEREGISTRATION_DELAY,
) -> dict[str, float]:
    """The seconds each transition takes now, scaled (all 0 when the model is off), by name.

    From ``configuration`` if given, else from ``state_dir``'s latency file. Besides the named
    durations: ``target_initial`` (a target group with ``health_check_interval`` and
    ``healthy_threshold``, AWS's defaults unless given), ``target_draining``
    (``deregistration_delay``) and ``asg_instance_in_service`` (launch to InService:
    ``instance_pending + instance_in_service``), for a benchmark's critical path.
    """
    if configuration is None and state_dir is not None:
        configuration = read(state_dir)
    result = {name: duration(configuration, name) for name in NAMES}
    result["asg_instance_in_service"] = result["instance_pending"] + result["instance_in_service"]
    result["target_initial"] = target_initial_seconds(configuration, health_check_interval, healthy_threshold)
    result["target_draining"] = target_draining_seconds(configuration, deregistration_delay)
    return result


def describe(state_dir: Path | str) -> dict[str, Any]:
    """What ``latency show --json`` prints: on or off, the scale, every duration real and scaled."""
    configuration = read(state_dir)
    shown = configuration or config()
    scale = float(shown["scale"])
    aws_initial = AWS_HEALTH_CHECK_INTERVAL * AWS_HEALTHY_THRESHOLD
    return {
        "on": bool(configuration),
        "file": str(latency_path(state_dir)),
        "scale": scale,
        "durations": {
            name: {
                "seconds": float(shown["durations"][name]),
                "scaled": float(shown["durations"][name]) * scale,
                "what": DURATIONS[name][1],
            }
            for name in NAMES
        },
        "target_health": {
            "target_initial": {
                "seconds": "HealthCheckIntervalSeconds x HealthyThresholdCount of the target group",
                "aws_default_seconds": float(aws_initial),
                "aws_default_scaled": aws_initial * scale,
            },
            "target_draining": {
                "seconds": "deregistration_delay.timeout_seconds of the target group",
                "aws_default_seconds": float(AWS_DEREGISTRATION_DELAY),
                "aws_default_scaled": AWS_DEREGISTRATION_DELAY * scale,
            },
        },
        "effective": effective_durations(configuration=configuration),
    }


# --- the states (pure: stamps are epoch seconds or None, "not recorded") --------------------------


def nat_gateway_state(
    raw: str, created_at: float | None, deleted_at: float | None, now: float, configuration: Mapping[str, Any] | None
) -> str:
    """A NAT gateway's State: moto's ``raw`` one, or the model's while a transition is under way."""
    if not configuration:
        return raw
    if deleted_at is not None:
        return "deleting" if now < deleted_at + duration(configuration, "nat_gateway_deleting") else "deleted"
    if raw == "available" and created_at is not None:
        return "pending" if now < created_at + duration(configuration, "nat_gateway_pending") else "available"
    return raw


def load_balancer_active_at(created_at: float | None, configuration: Mapping[str, Any] | None) -> float | None:
    """When a load balancer is (or was) active; None: since before anything was recorded."""
    if not configuration or created_at is None:
        return None
    return created_at + duration(configuration, "load_balancer_provisioning")


def load_balancer_state(raw: str, created_at: float | None, now: float, configuration: Mapping[str, Any] | None) -> str:
    """A load balancer's State.Code: ``provisioning`` until it is active, then moto's (active)."""
    active_at = load_balancer_active_at(created_at, configuration)
    if active_at is None:
        return raw
    return "provisioning" if now < active_at else "active"


INSTANCE_CODES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}


def instance_running_at(launched_at: float | None, configuration: Mapping[str, Any] | None) -> float | None:
    """When an instance is (or was) running; None: since before anything was recorded."""
    if not configuration or launched_at is None:
        return None
    return launched_at + duration(configuration, "instance_pending")


def instance_state(
    raw: str,
    launched_at: float | None,
    terminated_at: float | None,
    now: float,
    configuration: Mapping[str, Any] | None,
) -> str:
    """An instance's State.Name: moto's ``raw`` one (running, terminated, stopped, ...), or the
    model's ``pending`` / ``shutting-down`` while the transition is under way."""
    if not configuration:
        return raw
    if raw == "terminated" and terminated_at is not None:
        return "shutting-down" if now < terminated_at + duration(configuration, "instance_shutting_down") else raw
    running_at = instance_running_at(launched_at, configuration)
    if raw == "running" and running_at is not None and now < running_at:
        return "pending"
    return raw


def asg_lifecycle_state(
    raw: str, launched_at: float | None, now: float, configuration: Mapping[str, Any] | None
) -> str:
    """An Auto Scaling instance's LifecycleState: ``Pending`` for ``instance_in_service`` seconds
    after its instance is running, where moto says InService."""
    running_at = instance_running_at(launched_at, configuration)
    if raw != "InService" or running_at is None:
        return raw
    return "Pending" if now < running_at + duration(configuration, "instance_in_service") else raw


def target_health(
    registered_at: float | None,
    running_at: float | None,
    active_at: float | None,
    interval: float,
    healthy_threshold: float,
    now: float,
    configuration: Mapping[str, Any] | None,
) -> tuple[str, str | None]:
    """``(State, Reason)`` of a registered target that moto calls healthy.

    ``initial``/``Elb.RegistrationInProgress`` until its instance is running (``running_at``) and
    a load balancer of its target group active (``active_at``); then ``Elb.InitialHealthChecking``
    for ``interval x healthy_threshold`` (scaled) after the latest of registration, running and
    active; then ``healthy``. A None time was before anything was recorded.
    """
    if not configuration:
        return "healthy", None
    if (running_at is not None and now < running_at) or (active_at is not None and now < active_at):
        return "initial", REGISTRATION_IN_PROGRESS
    times = [when for when in (registered_at, running_at, active_at) if when is not None]
    if times and now < max(times) + target_initial_seconds(configuration, interval, healthy_threshold):
        return "initial", INITIAL_HEALTH_CHECKING
    return "healthy", None


def draining(
    deregistered_at: float | None, deregistration_delay: float, now: float, configuration: Mapping[str, Any] | None
) -> bool:
    """Whether a target deregistered at ``deregistered_at`` is still ``draining``."""
    if not configuration or deregistered_at is None:
        return False
    return now < deregistered_at + target_draining_seconds(configuration, deregistration_delay)


# --- the server side --------------------------------------------------------------------------


class _Follower:
    """The latency file of the configured state directory, read again only when it changed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._path: Path | None = None
        self._configuration: dict[str, Any] | None = None

    def current(self) -> dict[str, Any] | None:
        state_dir = staging.active_state_dir()
        if state_dir is None:
            return None
        path = latency_path(state_dir)
        with self._lock:
            try:
                stat = os.stat(path)
            except FileNotFoundError:
                self._stamp, self._path, self._configuration = None, path, None
                return None
            if self._path == path and self._stamp == _stamp(stat):
                return self._configuration
            try:
                with open(path) as handle:
                    stamp = _stamp(os.fstat(handle.fileno()))
                    configuration: dict[str, Any] | None = _parse(handle.read(), path)
            except FileNotFoundError:
                stamp, configuration = None, None
            except ValueError as problem:  # a hand-edited file gone wrong: the model is off, the log says why
                print(f"emulator: latency file ignored: {problem}", file=sys.stderr, flush=True)
                stamp, configuration = _stamp(stat), None
            self._stamp, self._path, self._configuration = stamp, path, configuration
            return configuration


def _stamp(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


_FOLLOWER = _Follower()
_call = threading.local()


def current() -> dict[str, Any] | None:
    """The configuration in force in this server, or None: the model is off.

    Within an API call (:func:`one_reading`) the configuration read when the call began, so that
    one answer never mixes two configurations; elsewhere the file as it is now."""
    if getattr(_call, "depth", 0):
        return _call.configuration
    return _FOLLOWER.current()


@contextlib.contextmanager
def one_reading() -> Iterator[dict[str, Any] | None]:
    """Read the latency file once for everything inside (one API call, in this thread)."""
    depth = getattr(_call, "depth", 0)
    if not depth:
        _call.configuration = _FOLLOWER.current()
    _call.depth = depth + 1
    try:
        yield _call.configuration
    finally:
        _call.depth = depth


_STAMPS = "_muejam_latency_stamps"
_stamps_lock = threading.Lock()


def record(resource: Any, event: str, now: float | None = None) -> float:
    """Record when ``resource`` entered a state (``created``, ``deleted``, ...), once; return the time.

    Kept on the moto object itself, so it goes with it (a moto reset drops both)."""
    with _stamps_lock:
        stamps = resource.__dict__.setdefault(_STAMPS, {})
        if event not in stamps:
            stamps[event] = time.time() if now is None else now
        return stamps[event]


def recorded(resource: Any, event: str) -> float | None:
    """When ``resource`` entered the state ``event``, or None (not recorded: the model was off)."""
    return getattr(resource, "__dict__", {}).get(_STAMPS, {}).get(event)


def forget(resource: Any, event: str) -> None:
    with _stamps_lock:
        resource.__dict__.get(_STAMPS, {}).pop(event, None)


def record_if_on(resource: Any, event: str) -> float | None:
    """:func:`record` while the model is on; None (nothing recorded) while it is off."""
    if current() is None:
        return None
    return record(resource, event)


_behalf = threading.local()


@contextlib.contextmanager
def on_behalf_of_aws() -> Iterator[None]:
    """What runs inside is AWS acting by itself (an Auto Scaling group registering its new
    instances, a deleted NAT gateway releasing its address), not a caller: the checks the model
    adds for callers (the instance must be running, the address is in use) do not apply, and
    instances are seen in moto's own state."""
    depth = getattr(_behalf, "depth", 0)
    _behalf.depth = depth + 1
    try:
        yield
    finally:
        _behalf.depth = depth


def acting_for_aws() -> bool:
    """Whether this thread is inside :func:`on_behalf_of_aws`."""
    return getattr(_behalf, "depth", 0) > 0


# What AWS does by itself once it is due: key -> (due, action).
_deferred: dict[Hashable, tuple[Callable[[], bool], Callable[[], None]]] = {}
_deferred_lock = threading.RLock()


def defer(key: Hashable, due: Callable[[], bool], action: Callable[[], None]) -> None:
    """Carry out ``action`` once ``due()`` (checked against the configuration then in force): at
    once if it already is, else before a later API call (:func:`settle`). One action per key."""
    with _deferred_lock:
        _deferred[key] = (due, action)
    settle()


def pending(key: Hashable) -> bool:
    """Whether an action deferred under ``key`` is still waiting."""
    with _deferred_lock:
        return key in _deferred


def settle() -> None:
    """Carry out the deferred actions that are due; each exactly once, whatever the threads."""
    if not _deferred:
        return
    with _deferred_lock:
        for key, (due, action) in list(_deferred.items()):
            try:
                if not due():
                    continue
                del _deferred[key]
                with on_behalf_of_aws():
                    action()
            except Exception as problem:  # AWS's own work never fails a caller's request
                _deferred.pop(key, None)
                print(f"emulator: latency: deferred {key!r} failed: {problem!r}", file=sys.stderr, flush=True)


def instance_state_now(instance: Any, now: float | None = None) -> str:
    """A moto Instance's State.Name now, from its recorded launch and termination: moto's own
    (``instance._state``) with the model off or inside :func:`on_behalf_of_aws`."""
    raw = instance._state.name
    if acting_for_aws():
        return raw
    return instance_state(
        raw,
        recorded(instance, "launched"),
        recorded(instance, "terminated"),
        time.time() if now is None else now,
        current(),
    )


def is_staged_target_group(target_group_arn: str) -> bool:
    """Whether the stage file has a schedule for this target group (staging answers for it)."""
    return bool(staging.active_stage().get("target_health", {}).get(target_group_arn))


def is_staged_group(group_name: str) -> bool:
    """Whether the stage file has a schedule for this Auto Scaling group (staging answers for it)."""
    return group_name in staging.active_stage().get("autoscaling_instances", {})


# --- python -m tools.emulator latency ... -----------------------------------------------------

USAGE = """\
python -m tools.emulator latency [--state-dir DIR] ACTION ...
  on [--scale F] [--set NAME=SECONDS ...]   switch the model on (replaces the configuration set before)
  off                                       switch it off: everything ready at once, as moto does
  show [--json]                             every duration, real and scaled, and whether it is on
"""


def format_show(shown: Mapping[str, Any]) -> str:
    """``latency show`` for people."""
    scale = shown["scale"]
    if shown["on"]:
        lines = [f"latency model: on, scale {scale:g} ({shown['file']})"]
    else:
        lines = [f"latency model: off ({shown['file']} absent): everything is ready at once; `on` would give:"]
    width = max(len(name) for name in shown["durations"])
    for name, entry in shown["durations"].items():
        lines.append(f"  {name:<{width}}  {entry['seconds']:>8g} s  -> {entry['scaled']:>8g} s   {entry['what']}")
    initial = shown["target_health"]["target_initial"]
    drain = shown["target_health"]["target_draining"]
    lines.append(
        f"  {'target_initial':<{width}}  HealthCheckIntervalSeconds x HealthyThresholdCount x {scale:g} "
        f"(AWS's defaults 30 x 5 = {initial['aws_default_seconds']:g} s -> {initial['aws_default_scaled']:g} s)"
    )
    lines.append(
        f"  {'target_draining':<{width}}  deregistration_delay.timeout_seconds x {scale:g} "
        f"(AWS's default {drain['aws_default_seconds']:g} s -> {drain['aws_default_scaled']:g} s)"
    )
    return "\n".join(lines)


def cli(argv: list[str], default_state_dir: Path) -> None:
    """The ``latency`` sub-command of ``python -m tools.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.emulator latency",
        usage=USAGE,
        description="Switch the emulator's latency model (AWS's time) on or off, at runtime.",
    )
    late = files.state_dir_option(parser, default_state_dir)
    actions = parser.add_subparsers(dest="action", required=True)

    switch_on = actions.add_parser("on", parents=[late], help="switch the model on")
    switch_on.add_argument(
        "--scale", type=float, default=DEFAULT_SCALE, help="the factor of every duration (default 1: AWS's time)"
    )
    switch_on.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=SECONDS",
        help=f"a duration in AWS's seconds, before scaling (repeatable): {', '.join(NAMES)}",
    )
    switch_on.add_argument("--json", action="store_true", help="print the result as JSON")
    switch_off = actions.add_parser("off", parents=[late], help="switch the model off")
    switch_off.add_argument("--json", action="store_true", help="print the result as JSON")
    show = actions.add_parser("show", parents=[late], help="print every duration and whether the model is on")
    show.add_argument("--json", action="store_true", help="print as JSON")

    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    try:
        if args.action == "on":
            turn_on(state_dir, args.scale, dict(parse_setting(setting) for setting in args.set))
        elif args.action == "off":
            turn_off(state_dir)
        shown = describe(state_dir)
    except ValueError as problem:
        raise SystemExit(f"emulator latency: {problem}") from None
    print(json.dumps(shown, indent=2, sort_keys=True) if args.json else format_show(shown))
