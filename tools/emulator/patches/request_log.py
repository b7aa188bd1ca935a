"""Every AWS action the emulator serves, one line each, in ``<state-dir>/requests.log``.

What moto does: its server logs one werkzeug line per HTTP request (``"POST / HTTP/1.1" 200``).
The EC2, Auto Scaling, IAM and ELBv2 query APIs carry the action in the form body and the JSON
APIs (ACM, CloudWatch Logs) in the ``X-Amz-Target`` header, so ``server.log`` cannot tell a
``DescribeVpcs`` from a ``CreateVpc``. S3 is a REST API: the operation is the HTTP method, the
path (the service, a bucket or an object), the query string's sub-resource (``?tagging``,
``?policy``, ``?list-type=2``) and a few required parameters or headers (``uploadId``,
``x-amz-copy-source``); moto serves it outside ``BaseResponse.call_action``, through
``S3Response.bucket_response`` and ``key_response``, and names no operation.

What AWS does: CloudTrail records each API call by service and action (``eventSource``,
``eventName``) and whether it only reads (``readOnly``).
https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html

Why the stack needs it: the preflight (stage 0 of site.yml, docs/preflight.md) promises that a
bad input fails before any change in AWS, and its tests count the mutating calls the emulator
received during a run. This is an observation facility, not a change of behaviour: the answer
of every action is moto's, unchanged. The log is written only by a server whose launcher
configured a state directory (``tools.emulator.staging.configure``, as ``serve`` does), never in
a plain ``mock_aws`` test.

A line is tab-separated: epoch seconds, service (``ec2``, ``acm``, ...), action
(``DescribeVpcs``), HTTP status, and the access key id of the request's signature (``-`` when it
is unsigned): the emulator accepts any key, so a test can tell its runs apart by giving each its
own key (amazon.aws replaces botocore's User-Agent, so an application id would not reach here).
An S3 request is named by :func:`s3_operation` after botocore's model of S3 (each operation's
``http.method`` and ``requestUri``, and its required query-string and header members), the names
CloudTrail gives S3 calls (``CreateBucket``, ``PutBucketTagging``, ``HeadBucket``,
``ListObjectsV2``). :func:`read` parses the file and :func:`is_mutating` classifies an action the
way CloudTrail's ``readOnly`` does for these APIs (Describe/List/Get/Head are read-only).

A request the emulator's fault injection answered itself (``tools/emulator/faults.py``: moto never
saw it) has a sixth field, the kind of fault (``throttle``, ``unavailable``, ``internal``,
``reset``, ``bucket``), and the HTTP status it was answered with; a ``reset`` connection got no
answer and is logged with status ``0`` (:data:`RESET_STATUS`). Lines without the sixth field are
requests moto served; :func:`read` reads both (``Request.fault`` is ``""`` for the latter).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tools.emulator import staging

LOG_FILE = "requests.log"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head")
RESET_STATUS = 0  # the status of a faulted request whose connection was closed without an answer

_MARK = "_muejam_request_log_patched"
_LOCK = threading.Lock()
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


@dataclass(frozen=True)
class Request:
    """One logged AWS action."""

    time: float
    service: str
    action: str
    status: int
    access_key_id: str
    fault: str = ""  # the kind of fault injected instead of moto's answer ("" when moto answered)

    @property
    def mutating(self) -> bool:
        return is_mutating(self.action)

    @property
    def faulted(self) -> bool:
        return bool(self.fault)


def is_mutating(action: str) -> bool:
    """Whether an action may change something (anything but Describe*, List*, Get*, Head*)."""
    return not action.startswith(READ_ONLY_PREFIXES)


def access_key_id(authorization: str) -> str:
    """The access key id of a SigV4 ``Authorization`` header, or ``-``."""
    match = _CREDENTIAL.search(authorization or "")
    return match.group(1) if match else "-"


def log_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / LOG_FILE


def format_line(
    service: str, action: str, status: int, key_id: str, now: float | None = None, fault: str | None = None
) -> str:
    """One line of the log; ``fault`` (the sixth field) only for a request the fault injection answered."""
    stamp = time.time() if now is None else now
    line = f"{stamp:.3f}\t{service}\t{action}\t{status}\t{key_id}"
    return f"{line}\t{fault}\n" if fault else f"{line}\n"


def _lines(state_dir: Path | str) -> list[str]:
    """The complete lines of the log (a line still being appended has no newline yet)."""
    try:
        text = log_path(state_dir).read_text()
    except FileNotFoundError:
        return []
    return text.split("\n")[:-1]


def line_count(state_dir: Path | str) -> int:
    """How many complete lines the log has now: a position to :func:`read` from later."""
    return len(_lines(state_dir))


def read(state_dir: Path | str, since: int = 0) -> list[Request]:
    """The requests logged so far in ``state_dir`` (empty when none was), after its first
    ``since`` lines (a :func:`line_count` taken earlier)."""
    requests = []
    for line in _lines(state_dir)[since:]:
        fields = line.split("\t")
        if len(fields) not in (5, 6):
            continue
        stamp, service, action, status, key_id = fields[:5]
        fault = fields[5] if len(fields) == 6 else ""
        requests.append(Request(float(stamp), service, action, int(status), key_id, fault))
    return requests


def record(state_dir: Path | str, line: str) -> None:
    # One write of one short line to a file opened for appending: whole lines, even from the
    # server's concurrent request threads; the lock keeps them in order within this process.
    with _LOCK, log_path(state_dir).open("a") as log:
        log.write(line)


# S3's operations as botocore models them: where the request goes (the service's root, a bucket,
# an object) and what else tells it apart from the operations sharing its method and path.
S3_SERVICE, S3_BUCKET, S3_OBJECT = "service", "bucket", "object"
_S3_TARGETS = {"/": S3_SERVICE, "/{Bucket}": S3_BUCKET, "/{Bucket}/{Key+}": S3_OBJECT}


@dataclass(frozen=True)
class S3Operation:
    """One S3 operation of botocore's model, as a request that calls it looks."""

    name: str
    method: str
    target: str
    query: tuple[tuple[str, str | None], ...]  # the requestUri's sub-resources (value or None)
    required_query: frozenset[str]  # required members sent in the query string
    required_headers: frozenset[str]  # required members sent as headers (lower case)
    deprecated: bool

    @property
    def specificity(self) -> int:
        return len(self.query) + len(self.required_query) + len(self.required_headers)

    def matches(self, method: str, target: str, query: Mapping[str, list[str]], headers: Collection[str]) -> bool:
        return (
            method == self.method
            and target == self.target
            and all(key in query and (value is None or value in query[key]) for key, value in self.query)
            and self.required_query <= query.keys()
            and self.required_headers <= set(headers)
        )


@functools.cache
def s3_operations() -> tuple[S3Operation, ...]:
    """S3's operations from botocore's service model (those on the service, a bucket or an object)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("s3")
    operations = []
    for name in model.operation_names:
        operation = model.operation_model(name)
        path, _unused, query = operation.http["requestUri"].partition("?")
        target = _S3_TARGETS.get(path)
        if target is None:  # WriteGetObjectResponse: Object Lambda's endpoint, not S3's
            continue
        sub_resources = tuple(
            (key, value if separator else None)
            for key, separator, value in (part.partition("=") for part in query.split("&") if part)
        )
        required_query, required_headers = set(), set()
        shape = operation.input_shape
        for member_name in shape.required_members if shape is not None else ():
            serialization = shape.members[member_name].serialization
            if serialization.get("location") == "querystring":
                required_query.add(serialization["name"])
            elif serialization.get("location") == "header":
                required_headers.add(serialization["name"].lower())
        operations.append(
            S3Operation(
                name,
                operation.http["method"],
                target,
                sub_resources,
                frozenset(required_query),
                frozenset(required_headers),
                bool(operation.deprecated),
            )
        )
    return tuple(operations)


def s3_target(path: str) -> str:
    """What a path-style S3 request addresses: the service (``/``), a bucket (``/b``, ``/b/``) or an
    object (``/b/key``). botocore sends path-style requests to an endpoint that is an IP address."""
    bucket, _unused, key = path.lstrip("/").partition("/")
    if not bucket:
        return S3_SERVICE
    return S3_OBJECT if key else S3_BUCKET


def s3_operation(method: str, target: str, query: Mapping[str, list[str]], headers: Collection[str]) -> str:
    """The S3 operation a request calls: of the operations it matches, the most specific one
    (``?list-type=2`` is ``ListObjectsV2``, not ``ListObjects``), not a deprecated one when a
    current one matches as well (``GetBucketLifecycleConfiguration``, not ``GetBucketLifecycle``),
    then the first by name (``ListBuckets``, whose request S3 Express's ``ListDirectoryBuckets``
    shares on another endpoint); ``?`` when none matches."""
    lowered = {header.lower() for header in headers}
    candidates = [op for op in s3_operations() if op.matches(method.upper(), target, query, lowered)]
    if not candidates:
        return "?"
    return min(candidates, key=lambda op: (-op.specificity, op.deprecated, op.name)).name


def _log(response: Any, state_dir: Path, status: int) -> None:
    try:
        action = response._get_action()
    except Exception:  # an action moto cannot name is not one the log can name either
        action = "?"
    headers = getattr(response, "headers", None) or {}
    line = format_line(response.service_name or "?", action, status, access_key_id(headers.get("Authorization", "")))
    record(state_dir, line)


def _status(response: Any) -> int:
    try:
        return int(response[0])
    except (TypeError, ValueError, IndexError, KeyError):
        return 200


def _log_s3(request: Any, full_url: str, target: str, state_dir: Path, status: int) -> None:
    try:
        query = parse_qs(urlparse(full_url).query, keep_blank_values=True)
        headers = request.headers
        action = s3_operation(request.method, target, query, list(headers.keys()))
        key_id = access_key_id(headers.get("Authorization", ""))
    except Exception:  # a request the log cannot read is still a request served
        action, key_id = "?", "-"
    record(state_dir, format_line("s3", action, status, key_id))


def _logged_s3(respond: Any, object_level: bool) -> Any:
    """Wrap ``S3Response.bucket_response`` or ``key_response`` (moto's two S3 entry points)."""

    def logged(self: Any, request: Any, full_url: str, headers: Any) -> Any:
        status = 500
        try:
            response = respond(self, request, full_url, headers)
            status = _status(response)
            return response
        except Exception as error:
            code = getattr(error, "code", 500)
            status = code if isinstance(code, int) else 500
            raise
        finally:
            state_dir = staging.active_state_dir()
            if state_dir is not None:
                # bucket_response without a bucket name is the service's root (ListBuckets).
                target = S3_OBJECT if object_level else S3_BUCKET if getattr(self, "bucket_name", "") else S3_SERVICE
                _log_s3(request, full_url, target, state_dir, status)

    return logged


def _apply_s3() -> None:
    from moto.s3.responses import S3Response

    if _MARK in vars(S3Response):  # its own mark, not the one it inherits from BaseResponse
        return
    S3Response.bucket_response = _logged_s3(S3Response.bucket_response, object_level=False)
    S3Response.key_response = _logged_s3(S3Response.key_response, object_level=True)
    setattr(S3Response, _MARK, True)


def apply() -> None:
    from moto.core.responses import BaseResponse

    _apply_s3()

    if getattr(BaseResponse, _MARK, False):
        return
    original_call_action = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        status = 500
        try:
            response = original_call_action(self)
            if isinstance(response, tuple) and isinstance(response[0], int):
                status = response[0]
            return response
        except Exception as error:  # moto's errors leave here as exceptions carrying their HTTP code
            code = getattr(error, "code", 500)
            status = code if isinstance(code, int) else 500
            raise
        finally:
            state_dir = staging.active_state_dir()
            if state_dir is not None:
                _log(self, state_dir, status)

    BaseResponse.call_action = call_action
    setattr(BaseResponse, _MARK, True)
