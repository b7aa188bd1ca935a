# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A lock per stack, held in AWS, so that two runs against one environment never interleave.

Like Terraform's state lock, it lives where every run sees it: in the stack's account and
region, as the SSM parameter ``/muejam.infra/<stack>/lock``. Taking it is one atomic call
(PutParameter with Overwrite=false: AWS refuses it with ParameterAlreadyExists while another
run holds the lock); its value says who holds it (run id, holder, playbook, since when).
A run releases it at its end; a run killed before that leaves it, and the next run refuses
naming the holder and the command that breaks it (``playbooks/unlock.yml -e unlock_id=<id>``).

Pure functions over a boto3-like SSM client (``retry`` passes ``aws_retry=True`` for
amazon.aws's retry-wrapped clients).
"""

from __future__ import annotations

import getpass
import json
import socket
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any


class LockHeld(Exception):
    """Another run holds the lock; ``holder`` is what it wrote."""

    def __init__(self, stack: str, holder: Mapping[str, Any]) -> None:
        self.holder = dict(holder)
        super().__init__(
            f"The stack {stack} is locked by another run: {describe_holder(holder)}. Wait for it to finish; "
            f"if it was killed, break the lock with: ansible-playbook playbooks/unlock.yml -i <inventory> "
            f"-e unlock_id={holder.get('id', '?')}"
        )


class NotHolder(Exception):
    """The lock is not held under the id given."""


def default_holder() -> str:
    """Who takes the lock when the run does not say: ``<user>@<host>``."""
    return f"{getpass.getuser()}@{socket.gethostname()}"


def parameter_name(stack: str) -> str:
    return f"/muejam.infra/{stack}/lock"


def describe_holder(holder: Mapping[str, Any]) -> str:
    return (
        f"run {holder.get('id', '?')} of {holder.get('playbook', '?')} by {holder.get('holder', '?')}, "
        f"since {holder.get('since', '?')}"
    )


def _kwargs(retry: bool) -> dict[str, Any]:
    return {"aws_retry": True} if retry else {}


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    return (response.get("Error") or {}).get("Code") if isinstance(response, Mapping) else None


def read(ssm: Any, stack: str, retry: bool = False) -> dict[str, Any] | None:
    """Who holds the lock, or None."""
    try:
        value = ssm.get_parameter(Name=parameter_name(stack), **_kwargs(retry))["Parameter"]["Value"]
    except Exception as error:  # botocore's ClientError, duck-typed to stay free of imports
        if _error_code(error) == "ParameterNotFound":
            return None
        raise
    try:
        holder = json.loads(value)
    except ValueError:
        holder = {"id": "?", "holder": value}
    return holder if isinstance(holder, dict) else {"id": "?", "holder": str(holder)}


def acquire(ssm: Any, stack: str, holder: str, playbook: str, **options: Any) -> dict[str, Any]:
    """Take the lock; raise :class:`LockHeld` naming the holder when another run has it.

    Taking it again under the same ``run_id`` (a re-run of the acquiring task) is a no-op.
    ``options``: those of :func:`take` (``run_id``, ``now``, ``retry``).
    """
    return take(ssm, stack, holder, playbook, **options)[0]


def take(
    ssm: Any,
    stack: str,
    holder: str,
    playbook: str,
    run_id: str | None = None,
    now: datetime | None = None,
    retry: bool = False,
) -> tuple[dict[str, Any], bool]:
    """:func:`acquire`, and whether this call took the lock (False: the run held it already).

    One call when the lock is free: ``PutParameter`` without overwrite takes it or fails, atomically;
    only then is the parameter read, to name the holder (or to find the run's own lock).
    """
    record = {
        "id": run_id or uuid.uuid4().hex[:12],
        "holder": holder,
        "playbook": playbook,
        "since": (now or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    try:
        ssm.put_parameter(
            Name=parameter_name(stack),
            Value=json.dumps(record, sort_keys=True),
            Type="String",
            Overwrite=False,
            Description=f"muejam.infra: the run that is changing the stack {stack}",
            **_kwargs(retry),
        )
    except Exception as error:  # botocore's ClientError, duck-typed
        if _error_code(error) != "ParameterAlreadyExists":
            raise
        current = read(ssm, stack, retry) or {}
        if run_id and current.get("id") == run_id:
            return current, False
        raise LockHeld(stack, current) from None
    return record, True


_UNREAD: Any = object()


def release(ssm: Any, stack: str, run_id: str, retry: bool = False, current: Any = _UNREAD) -> bool:
    """Release the lock held under ``run_id``; False when there was none. Raise :class:`NotHolder`
    when another run holds it (it is never taken from under a running run by mistake).
    ``current``: the holder as the caller has just read it (:func:`read`), not to read it twice."""
    if current is _UNREAD:
        current = read(ssm, stack, retry)
    if current is None:
        return False
    if current.get("id") != run_id:
        raise NotHolder(
            f"The lock of the stack {stack} is held by {describe_holder(current)}, not by run {run_id}: "
            f"give unlock_id={current.get('id')} to break it"
        )
    try:
        ssm.delete_parameter(Name=parameter_name(stack), **_kwargs(retry))
    except Exception as error:  # botocore's ClientError, duck-typed
        if _error_code(error) != "ParameterNotFound":
            raise
        return False
    return True


def check(ssm: Any, stack: str, run_id: str | None = None, retry: bool = False) -> dict[str, Any] | None:
    """What a check-mode run does instead of taking the lock: raise :class:`LockHeld` when a run
    other than ``run_id`` holds it, else return the holder (None: free). Writes nothing."""
    current = read(ssm, stack, retry)
    if current is not None and current.get("id") != run_id:
        raise LockHeld(stack, current)
    return current


@contextmanager
def holding(
    ssm: Any, stack: str, holder: str, playbook: str, check_mode: bool = False, retry: bool = False
) -> Iterator[dict[str, Any]]:
    """Hold the lock for the ``with`` block: taken before it (:func:`take`, one call when free) and
    released after it, also when it raises (:func:`release`, which reads the lock first, so that a
    lock broken and taken by another run meanwhile is left to that run). In check mode nothing is
    taken: :func:`check` refuses when another run holds it. Yields the record (check mode: ``{}``)."""
    if check_mode:
        check(ssm, stack, retry=retry)
        yield {}
        return
    record, _taken = take(ssm, stack, holder, playbook, retry=retry)
    try:
        yield record
    finally:
        release(ssm, stack, record["id"], retry=retry)
