"""Fault injection: the emulator answers some requests as AWS does when it throttles or fails.

moto answers every request it can serve. AWS does not: it throttles a caller that exceeds a
request rate, and now and then answers 5xx or drops a connection; the SDKs retry these. Code that
is meant to survive them (amazon.aws's ``AWSRetry``, botocore's retry modes, the stack's own
retries) is only exercised when they happen, so the emulator can be told to make them happen,
through a *faults file* written by ``python -m tools.emulator faults set ...``::

    <state-dir>/faults.json
    {
      "version": 1,
      "rate": 0.2,            # the fraction of matching requests answered with a fault
      "seed": 7,              # the sequence of faults is a function of the seed
      "services": ["ec2"],    # null: every service (names as in requests.log; monitoring = cloudwatch)
      "actions": ["Describe*"],  # null: every action (names or fnmatch patterns, case-sensitive)
      "kinds": ["throttle", "unavailable", "internal", "reset"],
      "ec2_buckets": false,   # EC2's request token buckets (below), for every EC2 request
      "written_at": 1767225600.0
    }

A matching request is one of a listed service and action (a request whose service the emulator
cannot tell, unsigned, is never one; nor are moto's own ``/moto-api/`` paths). For each matching
request, in the order they arrive, the server draws from ``random.Random(seed)``: below ``rate``
it is faulted, and a second draw picks the kind, weighted ``throttle`` 1, ``unavailable`` 1,
``internal`` 1, ``reset`` 1/20 (a dropped connection is rarer than an error answer). So the same
seed and the same sequence of requests give the same faults on any server; a new ``faults set``
starts the sequence again from the seed. Sequential calls have a deterministic order; concurrent
ones draw in the order the server happens to take them.

A faulted request never reaches moto: nothing is created, changed or read. It is answered the way
the service answers (codes and statuses from each service's Common Errors page and its API
reference):

    service                      throttle                   unavailable              internal
    ec2                          400 RequestLimitExceeded   503 ServiceUnavailable   500 InternalError
    elbv2, elb, autoscaling, sts 400 Throttling (Sender)    503 ServiceUnavailable   500 InternalFailure
    iam                          400 Throttling (Sender)    503 ServiceUnavailable   500 ServiceFailure
    logs, acm                    400 ThrottlingException    503 ServiceUnavailable-  500 InternalServerException
                                                                Exception
    cloudwatch                   400 Throttling             503 ServiceUnavailable   500 InternalServiceError
    s3                           503 SlowDown               503 ServiceUnavailable   500 InternalError

The shapes are those botocore parses for each protocol. EC2:
``<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>``. The other
query APIs: ``<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>``, Type ``Sender``
for a throttle and ``Receiver`` for a 5xx. The JSON APIs (``X-Amz-Target`` requests):
``{"__type": ..., "message": ...}`` with ``x-amzn-RequestId``; CloudWatch is one of them for
botocore, which prefers CloudWatch's JSON protocol to its query one, and as AWS does for such a
query-compatible API its answer's ``__type`` is the JSON name (``ThrottlingException``,
``ServiceUnavailableException``, ``InternalServiceFault``) and its ``x-amzn-query-error`` header
names the query code of the table, which is what botocore reports. S3:
``<Error><Code/><Message/><RequestId/><HostId/></Error>``, and no body for a HEAD. ``reset`` shuts
the request's socket down (werkzeug's ``environ["werkzeug.socket"]``) without an answer: the client
sees the connection closed, as when a load balancer or NAT drops it.

``ec2_buckets`` adds EC2's request rate limiting (token buckets, on top of and before the random
faults, whatever ``services``/``actions`` say): each API has a bucket per access key (AWS: per
account and Region; the emulator accepts any key, so tests tell their runs apart by key), sized
by the API's category, and a request that finds its bucket empty is answered 400
``RequestLimitExceeded`` (logged as fault ``bucket``, and drawing no random fault):

    Describe*, List*, Search*, Get* (non-mutating)   100 tokens, refill 20 per second
    every other action (mutating)                      50 tokens, refill  5 per second
    CreateNatGateway, DeleteNatGateway                 10 tokens, refill  1 per second
    RunInstances                                        5 tokens, refill  2 per second

A bucket starts full; the emulator refills it continuously at the rate (AWS adds the tokens each
second). The non-mutating row is the DescribeHosts example of the page cited below (100 tokens,
20 a second); the other rows are the values this project adopted from its table, which AWS
revises: the page, not this module, is the authority.
The buckets start again with each ``faults set``. Time is injectable (:class:`TokenBucket`'s
``clock``), so the buckets are tested without sleeping.

Every faulted request is logged to ``requests.log`` (tools/emulator/patches/request_log.py) with
the status it was answered with (``0`` for a reset) and the kind of fault as a sixth field, so
``python -m tools.emulator requests`` counts them.

Where it hooks in: ``tools/emulator/patches/fault_injection.py`` wraps moto's
``DomainDispatcherApplication.__call__``, the WSGI application moto's server runs. That is the
first code each HTTP request reaches, before moto picks a backend (which for an unsigned request
reads the body) and before any backend or correction runs, and the one place where an answer can
be a raw status, headers and body, or no answer at all (the socket is in the WSGI environ). It is
patched on the class because ``moto.server.main`` builds the instance itself and offers no hook.
The server reads the faults file only when its launcher configured a state directory
(``tools.emulator.staging.configure``, as ``serve`` does); the file is checked with one ``stat``
per request and parsed again only when it changed. Without the file everything is moto's, byte
for byte (the body of a request is only buffered while faults are configured). ``start`` removes
an old server's faults file: a new server, and the launcher's seeding of it, starts unfaulted.

AWS references:
https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/CommonErrors.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/CommonErrors.html
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html
https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/CommonErrors.html
https://docs.aws.amazon.com/acm/latest/APIReference/CommonErrors.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
"""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import http
import io
import json
import os
import random
import re
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from tools.emulator import files, staging
from tools.emulator.patches import request_log

FAULTS_FILE = "faults.json"
VERSION = 1
KINDS = ("throttle", "unavailable", "internal", "reset")
WEIGHTS = {"throttle": 1.0, "unavailable": 1.0, "internal": 1.0, "reset": 1.0 / 20}
BUCKET = "bucket"  # the fault logged for a request an EC2 token bucket throttled

# The services of the error table, by the names requests.log gives them (moto's), and the
# signing names accepted for them.
SERVICES = ("acm", "autoscaling", "cloudwatch", "ec2", "elb", "elbv2", "iam", "logs", "s3", "sts")
ALIASES = {"monitoring": "cloudwatch"}

# EC2's request token buckets: (tokens, refill per second) by category.
EC2_BUCKETS: dict[str, tuple[float, float]] = {
    "non-mutating": (100, 20),
    "mutating": (50, 5),
    "nat-gateway": (10, 1),
    "run-instances": (5, 2),
}
_EC2_ACTION_BUCKETS = {
    "CreateNatGateway": "nat-gateway",
    "DeleteNatGateway": "nat-gateway",
    "RunInstances": "run-instances",
}
_NON_MUTATING_PREFIXES = ("Describe", "List", "Search", "Get")


# --- what a request is ----------------------------------------------------------------------

_SCOPE = re.compile(r"Credential=[^/,\s]+/[^/,\s]+/[^/,\s]+/([^/,\s]+)/aws4_request")
_ELBV2_VERSION = "2015-12-01"


@dataclass(frozen=True)
class Call:
    """One AWS request as the fault injection sees it."""

    service: str  # as requests.log names it: ec2, elbv2, cloudwatch, s3, ...
    action: str  # DescribeVpcs, ListBuckets, ... ("?" when it cannot be told)
    access_key_id: str
    protocol: str  # ec2, query, json, s3 or rest
    method: str = "POST"
    json_version: str = "1.1"


def _first(params: dict[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None


def _buffer_form_body(environ: dict[str, Any]) -> str:
    """A query API's form body, read and put back for moto (``wsgi.input`` can be read once)."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    if length <= 0:
        return ""
    body = environ["wsgi.input"].read(length)
    environ["wsgi.input"] = io.BytesIO(body)
    return body.decode("utf-8", "replace")


def _header_names(environ: dict[str, Any]) -> list[str]:
    names = [key[5:].replace("_", "-").lower() for key in environ if key.startswith("HTTP_")]
    return names + [key.replace("_", "-").lower() for key in ("CONTENT_TYPE", "CONTENT_LENGTH") if key in environ]


def identify(environ: dict[str, Any]) -> Call | None:
    """The service, action and access key of a request; None for one never to fault (moto's own
    ``/moto-api/`` paths, unsigned requests)."""
    path = environ.get("PATH_INFO", "")
    if isinstance(path, bytes):
        path = path.decode("utf-8", "replace")
    if path.startswith("/moto-api") or path == "/favicon.ico":
        return None
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    scope = _SCOPE.search(authorization)
    if scope is None:
        return None
    signing_name = scope.group(1).lower()
    key_id = request_log.access_key_id(authorization)
    method = environ.get("REQUEST_METHOD", "GET").upper()
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    if signing_name == "s3":
        if path.startswith("/v20180820/") or "s3-control" in environ.get("HTTP_HOST", ""):
            return Call("s3control", "?", key_id, "rest", method)
        action = request_log.s3_operation(method, request_log.s3_target(path), query, _header_names(environ))
        return Call("s3", action, key_id, "s3", method)
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        content_type = environ.get("CONTENT_TYPE", "")
        version = content_type.rpartition("json-")[2] if "x-amz-json-" in content_type else "1.1"
        return Call(ALIASES.get(signing_name, signing_name), target.rpartition(".")[2], key_id, "json", method, version)
    params = dict(query)
    if "Action" not in params:
        for name, values in parse_qs(_buffer_form_body(environ), keep_blank_values=True).items():
            params.setdefault(name, values)
    action = _first(params, "Action")
    service = ALIASES.get(signing_name, signing_name)
    if signing_name == "elasticloadbalancing":
        service = "elbv2" if _first(params, "Version") == _ELBV2_VERSION else "elb"
    if action is None:
        return Call(service, "?", key_id, "rest", method)
    return Call(service, action, key_id, "ec2" if service == "ec2" else "query", method)


# --- what AWS answers -------------------------------------------------------------------------

# kind -> (status, code, message); by protocol, with the services that name a code otherwise.
_EC2 = {
    "throttle": (400, "RequestLimitExceeded", "Request limit exceeded."),
    "unavailable": (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    "internal": (500, "InternalError", "An internal error has occurred."),
    BUCKET: (400, "RequestLimitExceeded", "Request limit exceeded."),
}
_QUERY = {
    "throttle": (400, "Throttling", "Rate exceeded"),
    "unavailable": (503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server."),
    "internal": (500, "InternalFailure", "The request processing has failed because of an unknown error."),
}
_QUERY_SERVICE = {"iam": {"internal": (500, "ServiceFailure", "The request processing has failed.")}}
_JSON = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "unavailable": (503, "ServiceUnavailableException", "The service is unavailable. Please try again later."),
    "internal": (500, "InternalFailure", "The request processing has failed because of an unknown error."),
}
_JSON_SERVICE = {
    "logs": {"internal": (500, "InternalServerException", "Internal server error.")},
    "acm": {"internal": (500, "InternalServerException", "An internal error has occurred.")},
    "cloudwatch": {"internal": (500, "InternalServiceFault", "Internal service error.")},
}
# CloudWatch's JSON protocol is query-compatible: AWS names the query code in x-amzn-query-error.
_QUERY_COMPATIBLE = {
    "cloudwatch": {
        "throttle": "Throttling;Sender",
        "unavailable": "ServiceUnavailable;Receiver",
        "internal": "InternalServiceError;Receiver",
    }
}
_S3 = {
    "throttle": (503, "SlowDown", "Please reduce your request rate."),
    "unavailable": (503, "ServiceUnavailable", "Service is unable to handle request."),
    "internal": (500, "InternalError", "We encountered an internal error. Please try again."),
}
_SENDER_KINDS = ("throttle", BUCKET)


@dataclass(frozen=True)
class Answer:
    status: int
    code: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def error(call: Call, kind: str) -> tuple[int, str, str]:
    """The status, error code and message the service of ``call`` answers a fault of ``kind`` with."""
    if call.protocol == "ec2":
        return _EC2[kind]
    kind = "throttle" if kind == BUCKET else kind
    if call.protocol == "s3":
        return _S3[kind]
    if call.protocol == "query":
        return _QUERY_SERVICE.get(call.service, {}).get(kind, _QUERY[kind])
    return _JSON_SERVICE.get(call.service, {}).get(kind, _JSON[kind])


def answer(call: Call, kind: str) -> Answer:
    """The HTTP answer AWS gives ``call`` for a fault of ``kind`` (not ``reset``: that has none)."""
    status, code, message = error(call, kind)
    request_id = str(uuid.uuid4())
    if call.protocol == "ec2":
        body = (
            f"<?xml version='1.0' encoding='UTF-8'?>\n<Response><Errors><Error><Code>{code}</Code>"
            f"<Message>{escape(message)}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        )
        headers = [("Content-Type", "text/xml;charset=UTF-8")]
    elif call.protocol == "query":
        side = "Sender" if kind in _SENDER_KINDS else "Receiver"
        body = (
            f"<ErrorResponse><Error><Type>{side}</Type><Code>{code}</Code><Message>{escape(message)}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        headers = [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)]
    elif call.protocol == "s3":
        host_id = uuid.uuid4().hex
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{escape(message)}</Message><RequestId>{request_id}</RequestId>"
            f"<HostId>{host_id}</HostId></Error>"
        )
        headers = [("Content-Type", "application/xml"), ("x-amz-request-id", request_id), ("x-amz-id-2", host_id)]
        if call.method == "HEAD":  # S3 answers a HEAD with the status and headers only
            body = ""
    else:
        body = json.dumps({"__type": code, "message": message})
        content_type = f"application/x-amz-json-{call.json_version}" if call.protocol == "json" else "application/json"
        headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id), ("x-amzn-ErrorType", code)]
        query_error = _QUERY_COMPATIBLE.get(call.service, {}).get("throttle" if kind == BUCKET else kind)
        if query_error:
            headers.append(("x-amzn-query-error", query_error))
    data = body.encode()
    headers.append(("Content-Length", str(len(data))))
    return Answer(status, code, tuple(headers), data)


# --- EC2's token buckets ----------------------------------------------------------------------


class TokenBucket:
    """A token bucket: starts full, refills continuously, one token per request."""

    def __init__(self, capacity: float, refill_per_second: float, clock: Callable[[], float] = time.monotonic):
        self.capacity = float(capacity)
        self.refill_per_second = float(refill_per_second)
        self._clock = clock
        self.tokens = self.capacity
        self._updated = clock()

    def take(self) -> bool:
        """Take a token if there is one (True), else leave the bucket as it is (False)."""
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self._updated) * self.refill_per_second)
        self._updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def ec2_bucket(action: str) -> str:
    """The category of an EC2 action's request token bucket (a key of :data:`EC2_BUCKETS`)."""
    if action in _EC2_ACTION_BUCKETS:
        return _EC2_ACTION_BUCKETS[action]
    return "non-mutating" if action.startswith(_NON_MUTATING_PREFIXES) else "mutating"


class Ec2Buckets:
    """EC2's request token buckets: one per access key and action, sized by the action's category."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def take(self, access_key_id: str, action: str) -> bool:
        bucket = self._buckets.get((access_key_id, action))
        if bucket is None:
            capacity, refill = EC2_BUCKETS[ec2_bucket(action)]
            bucket = self._buckets[(access_key_id, action)] = TokenBucket(capacity, refill, self._clock)
        return bucket.take()


# --- the faults file --------------------------------------------------------------------------


def faults_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / FAULTS_FILE


def _names(values: Iterable[str] | str | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = values.split(",")
    names = [value.strip() for value in values if value.strip()]
    return names or None


def config(
    rate: float = 0.0,
    seed: int = 0,
    services: Iterable[str] | str | None = None,
    actions: Iterable[str] | str | None = None,
    kinds: Iterable[str] | str | None = None,
    ec2_buckets: bool = False,
    first: int = 0,
) -> dict[str, Any]:
    """A validated faults configuration (``services``/``actions``/``kinds``: lists or comma lists).

    ``first``: the first ``first`` matching requests of every action of every service are faulted
    whatever the rate (so that every kind of call a run makes is shown to survive an error), the
    rest at ``rate``."""
    rate = float(rate)
    if not 0.0 <= rate <= 1.0:
        raise ValueError(f"rate {rate!r}: must be between 0 and 1")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed {seed!r}: must be an integer")
    service_names = _names(services)
    if service_names is not None:
        service_names = sorted({ALIASES.get(name.lower(), name.lower()) for name in service_names})
        unknown = [name for name in service_names if name not in SERVICES]
        if unknown:
            raise ValueError(f"services {', '.join(unknown)}: must be among {', '.join(SERVICES)} (or monitoring)")
    kind_names = _names(kinds) or list(KINDS)
    unknown = [kind for kind in kind_names if kind not in KINDS]
    if unknown:
        raise ValueError(f"kinds {', '.join(unknown)}: must be among {', '.join(KINDS)}")
    if isinstance(first, bool) or not isinstance(first, int) or first < 0:
        raise ValueError(f"first {first!r}: must be an integer >= 0")
    if rate == 0 and not ec2_buckets and not first:
        raise ValueError("nothing to inject: give a --rate above 0, --first above 0, or --ec2-buckets")
    return {
        "version": VERSION,
        "rate": rate,
        "seed": seed,
        "services": service_names,
        "actions": _names(actions),
        "kinds": [kind for kind in KINDS if kind in kind_names],
        "ec2_buckets": bool(ec2_buckets),
        "first": first,
        "written_at": time.time(),
    }


def read(state_dir: Path | str) -> dict[str, Any]:
    """The faults configuration of a state directory (``{}`` when none is written)."""
    try:
        text = faults_path(state_dir).read_text()
    except FileNotFoundError:
        return {}
    return _parse(text, faults_path(state_dir))


def _parse(text: str, path: Path) -> dict[str, Any]:
    faults = json.loads(text)
    if not isinstance(faults, dict) or faults.get("version") != VERSION:
        raise ValueError(f"{path}: not a version {VERSION} faults file")
    return faults


def write(state_dir: Path | str, faults: dict[str, Any]) -> None:
    """Write the faults file atomically (a reader sees the old file or the new one, never half)."""
    files.write_json(faults_path(state_dir), {**faults, "version": VERSION})


def set_faults(state_dir: Path | str, **options: Any) -> dict[str, Any]:
    """Validate ``options`` (those of :func:`config`), write them as the faults file; return them."""
    faults = config(**options)
    write(state_dir, faults)
    return faults


def clear(state_dir: Path | str) -> None:
    """Stop injecting faults (remove the faults file)."""
    faults_path(state_dir).unlink(missing_ok=True)


# --- the server side --------------------------------------------------------------------------


def matches(faults: dict[str, Any], call: Call) -> bool:
    """Whether ``call`` is one of the services and actions the random faults are for."""
    services, actions = faults.get("services"), faults.get("actions")
    if services is not None and call.service not in services:
        return False
    return actions is None or any(fnmatch.fnmatchcase(call.action, pattern) for pattern in actions)


def pick_kind(rng: random.Random, kinds: list[str]) -> str:
    """One of ``kinds``, drawn by :data:`WEIGHTS`."""
    total = sum(WEIGHTS[kind] for kind in kinds)
    point = rng.random() * total
    for kind in kinds:
        point -= WEIGHTS[kind]
        if point < 0:
            return kind
    return kinds[-1]


def sequence(faults: dict[str, Any], count: int) -> list[str | None]:
    """The faults (kind, or None for moto's answer) the first ``count`` matching requests get from
    the random faults of ``faults``: what a server does after ``faults set``."""
    rng = random.Random(faults["seed"])
    drawn: list[str | None] = []
    for _unused in range(count):
        drawn.append(pick_kind(rng, faults["kinds"]) if rng.random() < faults["rate"] else None)
    return drawn


class Injector:
    """The faults of one server: follows the faults file, draws faults, keeps the EC2 buckets."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._faults: dict[str, Any] = {}
        self._rng = random.Random(0)
        self._buckets = Ec2Buckets(clock)
        self._seen: Counter[tuple[str, str]] = Counter()

    def _refresh(self, path: Path) -> dict[str, Any]:
        """The faults file's configuration; read again (and the sequence and buckets started
        again) only when the file is another one than last time."""
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            self._stamp, self._faults = None, {}
            return {}
        if self._stamp == _stamp(stat):
            return self._faults
        try:
            with open(path) as handle:
                stamp = _stamp(os.fstat(handle.fileno()))  # the stamp of the file read, if replaced meanwhile
                faults = _parse(handle.read(), path)
        except FileNotFoundError:
            self._stamp, self._faults = None, {}
            return {}
        except ValueError as problem:  # a hand-edited file gone wrong: moto answers, the log says why
            print(f"emulator: faults file ignored: {problem}", file=sys.stderr, flush=True)
            faults = {}
        self._stamp, self._faults = stamp, faults
        self._rng = random.Random(faults.get("seed", 0))
        self._buckets = Ec2Buckets(self._clock)
        self._seen = Counter()
        return faults

    def decide(self, state_dir: Path, environ: dict[str, Any]) -> tuple[Call, str] | None:
        """The request and the fault to answer it with, or None: moto answers."""
        with self._lock:
            if not self._refresh(faults_path(state_dir)):
                return None
        call = identify(environ)  # may read the body: not while holding the lock
        if call is None:
            return None
        with self._lock:  # the draws, in the order the requests take the lock
            faults = self._faults
            bucketed = faults.get("ec2_buckets") and call.service == "ec2"
            if bucketed and not self._buckets.take(call.access_key_id, call.action):
                return call, BUCKET
            if not matches(faults, call):
                return None
            self._seen[call.service, call.action] += 1
            if self._seen[call.service, call.action] <= faults.get("first", 0):
                return call, pick_kind(self._rng, faults["kinds"])
            if faults.get("rate", 0) > 0 and self._rng.random() < faults["rate"]:
                return call, pick_kind(self._rng, faults["kinds"])
        return None


def _stamp(stat: os.stat_result) -> tuple[int, ...]:
    return (stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size)


INJECTOR = Injector()


def respond(state_dir: Path, environ: dict[str, Any], start_response: Any, call: Call, kind: str) -> list[bytes]:
    """Answer a faulted request as AWS would (or drop its connection), and log it."""
    if kind == "reset":
        request_log.record(
            state_dir,
            request_log.format_line(
                call.service, call.action, request_log.RESET_STATUS, call.access_key_id, fault=kind
            ),
        )
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            with contextlib.suppress(OSError):  # the client may have gone already
                connection.shutdown(socket.SHUT_RDWR)
        # werkzeug takes a ConnectionError from the application as a dropped connection: no answer.
        raise ConnectionResetError("fault injection: connection reset")
    reply = answer(call, kind)
    request_log.record(
        state_dir, request_log.format_line(call.service, call.action, reply.status, call.access_key_id, fault=kind)
    )
    start_response(f"{reply.status} {http.HTTPStatus(reply.status).phrase}", list(reply.headers))
    return [reply.body]


def wsgi(call_application: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a WSGI ``__call__(self, environ, start_response)`` with the fault injection."""

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        state_dir = staging.active_state_dir()
        if state_dir is not None:
            decision = INJECTOR.decide(state_dir, environ)
            if decision is not None:
                return respond(state_dir, environ, start_response, *decision)
        return call_application(self, environ, start_response)

    return __call__


# --- python -m tools.emulator faults ... ------------------------------------------------------

USAGE = """\
python -m tools.emulator faults [--state-dir DIR] ACTION ...
  set [--rate R] [--seed N] [--services S,...] [--actions A,...] [--kinds K,...] [--ec2-buckets]
  clear
  show
"""


def cli(argv: list[str], default_state_dir: Path) -> None:
    """The ``faults`` sub-command of ``python -m tools.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.emulator faults",
        usage=USAGE,
        description="Make a running emulator answer some requests as AWS does when it throttles or fails.",
    )
    late = files.state_dir_option(parser, default_state_dir)
    actions = parser.add_subparsers(dest="action", required=True)

    inject = actions.add_parser("set", parents=[late], help="inject faults (replaces the faults set before)")
    inject.add_argument("--rate", type=float, default=0.0, help="the fraction of matching requests faulted (0..1)")
    inject.add_argument("--seed", type=int, default=0, help="the seed of the sequence of faults (default 0)")
    inject.add_argument("--services", help=f"only these services: {','.join(SERVICES)} (monitoring = cloudwatch)")
    inject.add_argument("--actions", help="only these actions (names or fnmatch patterns, e.g. 'Describe*')")
    inject.add_argument("--kinds", help=f"the kinds of fault, default all: {','.join(KINDS)}")
    inject.add_argument(
        "--first",
        type=int,
        default=0,
        help="fault the first N requests of every action of every service (matching), whatever the rate",
    )
    inject.add_argument(
        "--ec2-buckets", action="store_true", help="throttle EC2 requests with AWS's token buckets (per key and action)"
    )
    actions.add_parser("clear", parents=[late], help="stop injecting faults")
    actions.add_parser("show", parents=[late], help="print the faults file")

    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    try:
        if args.action == "set":
            set_faults(
                state_dir,
                rate=args.rate,
                seed=args.seed,
                services=args.services,
                actions=args.actions,
                kinds=args.kinds,
                ec2_buckets=args.ec2_buckets,
                first=args.first,
            )
        elif args.action == "clear":
            clear(state_dir)
        print(json.dumps(read(state_dir), indent=2, sort_keys=True))
    except ValueError as problem:
        raise SystemExit(f"emulator faults: {problem}") from None
