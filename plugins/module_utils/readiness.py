"""Readiness of a web tier: is it serving, for real, right now?

Plain Python with no Ansible import, used by the module ``muejam.infra.health_readiness``.
A poll reads three things and every one must pass:

- the Auto Scaling group: at least the desired number of instances InService and Healthy;
- the target group: every registered target ``healthy``, and at least a minimum of them
  (an ALB fails open, so a 200 through it proves nothing when every target is unhealthy);
- the application's health URL: 200, overall status healthy, every required component ok.

The gate passes after a number of consecutive passing polls, like a target group's healthy
threshold. Every failure is kept with its cause for one final message.
"""

from __future__ import annotations

import http.client
import json
import random
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PASS = "pass"
WARN = "warn"
FAIL = "fail"
UNKNOWN = "unknown"

# Status words of both body formats, normalised. The seed's endpoint says healthy/unhealthy and
# "ok" per check; the IETF draft (application/health+json) says pass/warn/fail and allows
# ok/up and error/down as synonyms.
STATUS_WORDS = {
    "pass": PASS,
    "ok": PASS,
    "up": PASS,
    "healthy": PASS,
    "warn": WARN,
    "degraded": WARN,
    "fail": FAIL,
    "error": FAIL,
    "down": FAIL,
    "unhealthy": FAIL,
}
_SEVERITY = {PASS: 0, WARN: 1, UNKNOWN: 2, FAIL: 3}

# Elastic Load Balancing target health reason codes (TargetHealth.Reason), explained.
TARGET_REASONS = {
    "Elb.RegistrationInProgress": "registration in progress",
    "Elb.InitialHealthChecking": "initial health checks in progress",
    "Elb.InternalError": "internal error in the load balancer",
    "Target.ResponseCodeMismatch": "health check answered with an unexpected HTTP code",
    "Target.Timeout": "health check timed out",
    "Target.FailedHealthChecks": "failed health checks",
    "Target.NotRegistered": "not registered with the target group",
    "Target.NotInUse": "not in use (its AZ is not enabled or no listener forwards to the group)",
    "Target.DeregistrationInProgress": "being deregistered (draining)",
    "Target.InvalidState": "instance is stopped or terminated",
    "Target.IpUnusable": "IP address is in use by the load balancer",
    "Target.HealthCheckDisabled": "health checks are disabled",
    "Elb.InitialHealthChecking.NotReady": "initial health checks in progress",
}

MAX_BODY = 65536
BODY_EXCERPT = 200


class ReadinessError(Exception):
    """A problem with the inputs that no amount of waiting fixes."""


@dataclass
class HealthReport:
    """The parsed body of a health endpoint."""

    status: str
    components: dict[str, str] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    body_format: str = "unknown"
    problem: str | None = None


@dataclass
class HttpResult:
    """One GET of the health URL. ``error`` is set when no HTTP answer came."""

    url: str
    status_code: int | None = None
    content_type: str = ""
    body: bytes = b""
    error: str | None = None
    location: str | None = None

    def excerpt(self) -> str:
        text = self.body.decode("utf-8", errors="replace").strip()
        return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "..."


def normalise_status(value: object) -> str:
    if isinstance(value, str):
        return STATUS_WORDS.get(value.strip().lower(), UNKNOWN)
    return UNKNOWN


def worst(statuses: list[str]) -> str:
    return max(statuses, key=lambda status: _SEVERITY[status]) if statuses else UNKNOWN


def parse_health_body(body: bytes | str, content_type: str = "") -> HealthReport:
    """Parse the seed's format or the IETF health+json draft into one report."""
    try:
        document = json.loads(body)
    except (TypeError, ValueError) as error:
        return HealthReport(status=UNKNOWN, problem=f"body is not JSON ({error})")
    if not isinstance(document, dict):
        return HealthReport(status=UNKNOWN, problem=f"body is JSON but not an object ({type(document).__name__})")
    overall = normalise_status(document.get("status"))
    checks = document.get("checks", {})
    if not isinstance(checks, dict):
        return HealthReport(status=overall, problem="'checks' is not an object")
    ietf = "health+json" in content_type or any(isinstance(value, list) for value in checks.values())
    report = HealthReport(status=overall, body_format="health+json" if ietf else "seed")
    for name, value in checks.items():
        if isinstance(value, list):
            statuses = [
                normalise_status(entry.get("status")) if isinstance(entry, dict) else UNKNOWN for entry in value
            ]
            outputs = [str(entry["output"]) for entry in value if isinstance(entry, dict) and entry.get("output")]
            report.components[name] = worst(statuses)
            raw = ", ".join(str(entry.get("status")) for entry in value if isinstance(entry, dict)) or "no status"
            report.details[name] = raw + (f": {'; '.join(outputs)}" if outputs else "")
        elif isinstance(value, dict):
            report.components[name] = normalise_status(value.get("status"))
            report.details[name] = str(value.get("output") or value.get("status"))
        else:
            # The seed's checks say "ok" or what went wrong ("error: connection refused").
            status = normalise_status(value)
            report.components[name] = FAIL if status == UNKNOWN and isinstance(value, str) else status
            report.details[name] = str(value)
    return report


def component_matches(required: str, reported: str) -> bool:
    """`database` matches `database` and the IETF keys `database:responseTime`, ..."""
    return reported == required or reported.split(":", 1)[0] == required


def evaluate_http(
    result: HttpResult, required: list[str] | None, warn_is_ready: bool = True
) -> tuple[list[str], HealthReport | None]:
    """Return (problems, report) of one GET. No problems means it passes."""
    where = f"GET {result.url}"
    if result.error:
        return [f"{where}: {result.error}"], None
    if result.status_code is not None and 300 <= result.status_code < 400:
        return [
            f"{where}: HTTP {result.status_code} redirect to {result.location or '(no Location)'}; "
            "the health URL must answer itself"
        ], None
    report = parse_health_body(result.body, result.content_type)
    problems = []
    if result.status_code != 200:
        problems.append(f"{where}: HTTP {result.status_code}")
    if report.problem:
        problems.append(f"{where}: {report.problem}; body starts: {result.excerpt()!r}")
        return problems, report
    acceptable = {PASS, WARN} if warn_is_ready else {PASS}
    if report.status not in acceptable:
        problems.append(f"{where}: overall status {report.status}")
    names = list(report.components) if required is None else required
    for name in names:
        matched = [reported for reported in report.components if component_matches(name, reported)]
        if not matched:
            problems.append(f"component {name}: not reported (reported: {', '.join(report.components) or 'none'})")
            continue
        for reported in matched:
            if report.components[reported] not in acceptable:
                problems.append(f"component {reported}: {report.components[reported]} ({report.details[reported]})")
    return problems, report


def describe_target(description: Mapping[str, Any]) -> dict[str, Any]:
    target = description.get("Target", {})
    health = description.get("TargetHealth", {})
    reason = health.get("Reason")
    return {
        "id": target.get("Id"),
        "port": target.get("Port"),
        "availability_zone": target.get("AvailabilityZone"),
        "state": health.get("State", UNKNOWN),
        "reason": reason,
        "description": health.get("Description") or TARGET_REASONS.get(reason or "", ""),
    }


def evaluate_targets(descriptions: list[Mapping[str, Any]], min_healthy: int) -> tuple[list[str], list[dict[str, Any]]]:
    """Return (problems, targets) for DescribeTargetHealth's TargetHealthDescriptions."""
    targets = [describe_target(description) for description in descriptions]
    problems = []
    for target in targets:
        if target["state"] != "healthy":
            reason = f" ({target['reason']}: {target['description']})" if target["reason"] else ""
            problems.append(f"target {target['id']}:{target['port']} {target['state']}{reason}")
    healthy = sum(1 for target in targets if target["state"] == "healthy")
    if healthy < min_healthy:
        problems.append(
            f"target group: {healthy} healthy target(s) of {len(targets)} registered, at least {min_healthy} required"
        )
    return problems, targets


def summarise_group(group: Mapping[str, Any]) -> dict[str, Any]:
    """Counts of an Auto Scaling group (DescribeAutoScalingGroups entry)."""
    instances = group.get("Instances", [])
    states: dict[str, int] = {}
    for instance in instances:
        states[instance.get("LifecycleState", UNKNOWN)] = states.get(instance.get("LifecycleState", UNKNOWN), 0) + 1
    return {
        "name": group.get("AutoScalingGroupName"),
        "desired_capacity": group.get("DesiredCapacity", 0),
        "min_size": group.get("MinSize"),
        "max_size": group.get("MaxSize"),
        "in_service_healthy": sum(
            1 for i in instances if i.get("LifecycleState") == "InService" and i.get("HealthStatus") == "Healthy"
        ),
        "unhealthy": sum(1 for i in instances if i.get("HealthStatus") != "Healthy"),
        "lifecycle_states": states,
    }


def evaluate_group(group: Mapping[str, Any] | None, name: str) -> tuple[list[str], dict[str, Any] | None]:
    if group is None:
        return [f"Auto Scaling group {name}: not found"], None
    summary = summarise_group(group)
    problems = []
    if summary["in_service_healthy"] < summary["desired_capacity"]:
        states = (
            ", ".join(f"{count} {state}" for state, count in sorted(summary["lifecycle_states"].items()))
            or "no instances"
        )
        problems.append(
            f"Auto Scaling group {name}: {summary['in_service_healthy']} of {summary['desired_capacity']} desired "
            f"instances InService and Healthy ({states}; {summary['unhealthy']} not Healthy)"
        )
    return problems, summary


@dataclass
class Poll:
    """The result of one poll of every check."""

    number: int
    elapsed: float
    problems: list[str] = field(default_factory=list)
    targets: list[dict[str, Any]] = field(default_factory=list)
    group: dict[str, Any] | None = None
    http_status: int | None = None
    components: dict[str, str] = field(default_factory=dict)
    body_excerpt: str = ""

    @property
    def ready(self) -> bool:
        return not self.problems

    @property
    def progress_key(self) -> tuple[Any, ...]:
        """What the stack's progress shows in: each target's state, the group's instance counts, the HTTP
        status and each component's status (not the text of a body, which may hold a timestamp)."""
        group = self.group or {}
        return (
            tuple(
                sorted(
                    (str(target.get("id")), str(target.get("port")), str(target.get("state")))
                    for target in self.targets
                )
            ),
            group.get("in_service_healthy"),
            tuple(sorted((group.get("lifecycle_states") or {}).items())),
            self.http_status,
            tuple(sorted(self.components.items())),
        )

    @property
    def in_progress(self) -> bool:
        """Whether AWS says it is bringing the stack up: a target in ``initial`` (its registration or its
        first health checks under way: it turns healthy or unhealthy within the target group's healthy or
        unhealthy threshold times its interval) or an instance ``Pending`` (launching). Then the gate
        polls at its interval, not backing off: the change comes by AWS's clock, not never. (An instance
        held in ``Pending:Wait`` by a lifecycle hook, which may wait an hour, is not counted.)"""
        targets = any(target.get("state") == "initial" for target in self.targets)
        return targets or bool(((self.group or {}).get("lifecycle_states") or {}).get("Pending"))

    def history_entry(self) -> dict[str, Any]:
        return {
            "poll": self.number,
            "elapsed": round(self.elapsed, 2),
            "ready": self.ready,
            "http_status": self.http_status,
            "healthy_targets": sum(1 for target in self.targets if target["state"] == "healthy"),
            "problems": self.problems[:5],
        }


@dataclass
class Outcome:
    ready: bool
    polls: int
    elapsed: float
    consecutive: int
    last: Poll
    history: list[dict[str, Any]]


class ReadinessGate:
    """Polls until ``consecutive`` polls in a row pass, or the timeout runs out.

    ``probe(number, elapsed)`` returns a Poll. The wait after a failing poll grows by half
    each time up to ``max_interval``, with jitter so many gates do not poll in step; after a
    passing poll it goes back to ``interval`` to confirm quickly, and so it does after a failing
    poll that shows progress (a target, the group's instances, the HTTP status or a component
    changed since the poll before: :attr:`Poll.progress_key`), as a stack coming up changes
    again soon, and it stays there while AWS says it is bringing the stack up (:attr:`Poll.in_progress`:
    a target's initial health checks, an instance launching): the backoff spares AWS's API while
    nothing moves, not while the stack comes up.
    """

    HISTORY = 10

    def __init__(
        self,
        probe: Callable[[int, float], Poll],
        consecutive: int = 2,
        timeout: float = 600.0,
        interval: float = 5.0,
        max_interval: float = 30.0,
        jitter: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        if consecutive < 1:
            raise ReadinessError(f"consecutive must be at least 1, got {consecutive}")
        if timeout <= 0 or interval <= 0:
            raise ReadinessError(f"timeout and interval must be positive, got {timeout} and {interval}")
        self.probe = probe
        self.consecutive = consecutive
        self.timeout = timeout
        self.interval = interval
        self.max_interval = max(max_interval, interval)
        self.jitter = jitter
        self.clock = clock
        self.sleep = sleep
        self.rng = rng

    def next_wait(self, wait: float, passed: bool) -> float:
        return self.interval if passed else min(wait * 1.5, self.max_interval)

    def run(self) -> Outcome:
        start = self.clock()
        history: list[dict[str, Any]] = []
        streak = 0
        number = 0
        wait = self.interval
        seen: tuple[Any, ...] | None = None
        while True:
            number += 1
            poll = self.probe(number, self.clock() - start)
            poll.elapsed = self.clock() - start
            history.append(poll.history_entry())
            streak = streak + 1 if poll.ready else 0
            if streak >= self.consecutive:
                return Outcome(True, number, poll.elapsed, streak, poll, history[-self.HISTORY :])
            progressed = seen is not None and poll.progress_key != seen
            seen = poll.progress_key
            wait = self.next_wait(wait, poll.ready or progressed or poll.in_progress)
            jittered = wait * (1 - self.jitter + 2 * self.jitter * self.rng())
            remaining = self.timeout - (self.clock() - start)
            if remaining <= 0:
                return Outcome(False, number, self.clock() - start, streak, poll, history[-self.HISTORY :])
            self.sleep(min(jittered, remaining))


def failure_message(outcome: Outcome, timeout: float) -> str:
    """One message naming everything that was not ready at the last poll."""
    last = outcome.last
    lines = [
        f"The stack was not ready after {timeout:g} s ({outcome.polls} polls; "
        f"{outcome.consecutive} of the required consecutive passes at the end). At the last poll:"
    ]
    lines += [f"- {problem}" for problem in last.problems] or ["- every check passed, but not often enough in a row"]
    if last.group is not None:
        group = last.group
        lines.append(
            f"Auto Scaling group {group['name']}: desired {group['desired_capacity']}, "
            f"InService and Healthy {group['in_service_healthy']}, states {group['lifecycle_states']}"
        )
    if last.http_status is not None or last.body_excerpt:
        lines.append(f"Last HTTP status {last.http_status}; body starts: {last.body_excerpt!r}")
    return "\n".join(lines)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def http_get(
    url: str,
    timeout: float = 10.0,
    validate_certs: bool = True,
    ca_path: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HttpResult:
    """GET url once, never following redirects; every failure becomes HttpResult.error."""
    context = ssl.create_default_context(cafile=ca_path)
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(_NoRedirect(), urllib.request.HTTPSHandler(context=context))
    request = urllib.request.Request(
        url, headers={"Accept": "application/health+json, application/json", **(headers or {})}
    )
    result = HttpResult(url=url)
    try:
        response = opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        result.status_code = error.code
        result.content_type = error.headers.get("Content-Type", "") if error.headers else ""
        result.location = error.headers.get("Location") if error.headers else None
        try:
            result.body = error.read(MAX_BODY)
        except (OSError, http.client.HTTPException):
            result.body = b""
        return result
    except urllib.error.URLError as error:
        reason = error.reason
        if isinstance(reason, ssl.SSLCertVerificationError):
            result.error = f"TLS certificate not trusted: {reason.verify_message or reason}"
        elif isinstance(reason, ssl.SSLError):
            result.error = f"TLS error: {reason}"
        elif isinstance(reason, TimeoutError):
            result.error = f"no answer within {timeout:g} s"
        else:
            result.error = f"connection failed: {reason}"
        return result
    except TimeoutError:
        result.error = f"no answer within {timeout:g} s"
        return result
    except (OSError, http.client.HTTPException, ValueError) as error:
        result.error = f"request failed: {error}"
        return result
    with response:
        result.status_code = response.status
        result.content_type = response.headers.get("Content-Type", "")
        try:
            result.body = response.read(MAX_BODY)
        except TimeoutError:
            result.error = f"body not read within {timeout:g} s"
        except (OSError, http.client.HTTPException) as error:
            result.error = f"body not read: {error}"
    return result


def make_probe(
    describe_targets: Callable[[], list[Mapping[str, Any]]],
    describe_group: Callable[[], Mapping[str, Any] | None] | None,
    fetch: Callable[[], HttpResult] | None,
    group_name: str | None = None,
    required_components: list[str] | None = None,
    min_healthy: int | None = None,
    warn_is_ready: bool = True,
) -> Callable[[int, float], Poll]:
    """Build the probe a ReadinessGate calls: one read of the group, the targets and the URL.

    ``min_healthy`` None means the group's desired capacity (at least 1), or 1 without a group.
    An exception of a describe call (throttling, a network error) fails that poll with its
    cause, like an unhealthy target: the gate keeps polling until its timeout.
    """

    def probe(number: int, elapsed: float) -> Poll:
        poll = Poll(number=number, elapsed=elapsed)
        floor = 1 if min_healthy is None else min_healthy
        if describe_group is not None:
            try:
                group_problems, poll.group = evaluate_group(describe_group(), group_name or "")
            except Exception as error:  # every AWS/network error is a cause, never a traceback
                group_problems = [f"Auto Scaling group {group_name}: not read ({error})"]
            poll.problems += group_problems
            if min_healthy is None and poll.group is not None:
                floor = max(1, int(poll.group["desired_capacity"]))
        try:
            target_problems, poll.targets = evaluate_targets(list(describe_targets()), floor)
        except Exception as error:
            target_problems = [f"target group: target health not read ({error})"]
        poll.problems += target_problems
        if fetch is not None:
            result = fetch()
            http_problems, report = evaluate_http(result, required_components, warn_is_ready)
            poll.problems += http_problems
            poll.http_status = result.status_code
            poll.body_excerpt = result.excerpt()
            if report is not None:
                poll.components = dict(report.components)
        return poll

    return probe


def outcome_result(outcome: Outcome) -> dict[str, Any]:
    """The module's return values for an outcome, ready or not."""
    last = outcome.last
    return {
        "ready": outcome.ready,
        "polls": outcome.polls,
        "elapsed": round(outcome.elapsed, 2),
        "targets": last.targets,
        "components": last.components,
        "autoscaling_group": last.group,
        "http_status": last.http_status,
        "history": outcome.history,
    }
