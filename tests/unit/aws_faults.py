"""Throttling and server errors staged on a boto3 client, for the retry tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError


def throttle(
    client: Any, *operations: str, code: str = "Throttling", times: int = 1, failures: list[str] | None = None
) -> list[str]:
    """Make each named operation of a boto3 client fail ``times`` times with ``code`` (as AWS's
    token buckets do), then succeed; return the failed calls in order (``failures`` if given)."""
    failed = [] if failures is None else failures
    service = client.meta.service_model.service_id.hyphenize()

    def failing(operation: str) -> Callable[..., None]:
        def fail(**_kwargs: Any) -> None:
            if failed.count(operation) < times:
                failed.append(operation)
                raise ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, operation)

        return fail

    for operation in operations:
        client.meta.events.register(f"before-call.{service}.{operation}", failing(operation))
    return failed
