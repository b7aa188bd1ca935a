# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retries of the errors AWS answers for a resource it does not show yet.

The collection's modules make their clients with amazon.aws's retry wrapper
(``module.client(..., retry_decorator=AWSRetry.jittered_backoff())``), each call passing
``aws_retry=True``: that retries throttling and 5xx errors. A resource created a moment ago may
still be unknown to the next call (``InvalidGroup.NotFound``, ``InvalidRouteTableID.NotFound``,
...); a call decorated with ``NotYetVisibleRetry.jittered_backoff(catch_extra_error_codes=[...])``
retries those codes only, so a throttled call is not retried twice over.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.cloud import CloudRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class NotYetVisibleRetry(AWSRetry):
    """Retries only the error codes it is given: throttling is the client's to retry
    (``aws_retry=True``), so a throttled call is not retried twice over."""

    found = staticmethod(CloudRetry.found)


def not_yet_visible_caller(codes: list[str]) -> Any:
    """``call(method, **request)``: one call with ``aws_retry=True`` (the client's retries of throttling
    and 5xx errors), retried also on ``codes`` while AWS does not show a new resource yet."""

    @NotYetVisibleRetry.jittered_backoff(catch_extra_error_codes=codes)
    def call(method: Any, **request: Any) -> Any:
        return method(**request, aws_retry=True)

    return call
