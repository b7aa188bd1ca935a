"""Every AWS action the emulator serves, one line each, in ``<state-dir>/requests.log``.

What moto does: its server logs one werkzeug line per HTTP request (``"POST / HTTP/1.1" 200``).
The EC2, Auto Scaling, IAM and ELBv2 query APIs carry the action in the form body and the JSON
APIs (ACM, CloudWatch Logs) in the ``X-Amz-Target`` header, so ``server.log`` cannot tell a
``DescribeVpcs`` from a ``CreateVpc``.

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
:func:`read` parses the file and :func:`is_mutating` classifies an
action the way CloudTrail's ``readOnly`` does for these APIs (Describe/List/Get are read-only).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.emulator import staging

LOG_FILE = "requests.log"
READ_ONLY_PREFIXES = ("Describe", "List", "Get")

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

    @property
    def mutating(self) -> bool:
        return is_mutating(self.action)


def is_mutating(action: str) -> bool:
    """Whether an action may change something (anything but Describe*, List*, Get*)."""
    return not action.startswith(READ_ONLY_PREFIXES)


def access_key_id(authorization: str) -> str:
    """The access key id of a SigV4 ``Authorization`` header, or ``-``."""
    match = _CREDENTIAL.search(authorization or "")
    return match.group(1) if match else "-"


def log_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / LOG_FILE


def format_line(service: str, action: str, status: int, key_id: str, now: float | None = None) -> str:
    stamp = time.time() if now is None else now
    return f"{stamp:.3f}\t{service}\t{action}\t{status}\t{key_id}\n"


def read(state_dir: Path | str) -> list[Request]:
    """The requests logged so far in ``state_dir`` (empty when none was)."""
    try:
        text = log_path(state_dir).read_text()
    except FileNotFoundError:
        return []
    requests = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) != 5:
            continue
        stamp, service, action, status, key_id = fields
        requests.append(Request(float(stamp), service, action, int(status), key_id))
    return requests


def record(state_dir: Path | str, line: str) -> None:
    # One write of one short line to a file opened for appending: whole lines, even from the
    # server's concurrent request threads; the lock keeps them in order within this process.
    with _LOCK, log_path(state_dir).open("a") as log:
        log.write(line)


def _log(response: Any, state_dir: Path, status: int) -> None:
    try:
        action = response._get_action()
    except Exception:  # an action moto cannot name is not one the log can name either
        action = "?"
    headers = getattr(response, "headers", None) or {}
    line = format_line(response.service_name or "?", action, status, access_key_id(headers.get("Authorization", "")))
    record(state_dir, line)


def apply() -> None:
    from moto.core.responses import BaseResponse

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
