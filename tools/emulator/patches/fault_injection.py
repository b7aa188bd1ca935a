"""Fault injection: the server answers some requests with AWS's throttling and 5xx errors (tests only).

What moto does: its server answers every request it can serve, at any rate; it never throttles
(``RequestLimitExceeded``, ``Throttling``, ``SlowDown``), never answers 500/503 for a transient
failure, and never drops a connection.

What AWS does: each service throttles callers over its request rate (EC2 with token buckets per
API) and now and then fails transiently; the SDKs retry both, with back-off.
https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html
https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html

Why the stack needs it: every AWS call of the roles retries throttling and 5xx; against moto those
retries never run. This is a *staging facility*, not a model of AWS's capacity: the server faults
what ``<state-dir>/faults.json`` (written by ``python -m tools.emulator faults set``) asks for, and
without that file every answer is moto's. What is faulted, how it is answered and why the hook is
``DomainDispatcherApplication.__call__`` (the WSGI application of moto's server: every request
passes it before moto reads it) is described in tools/emulator/faults.py.
"""

from __future__ import annotations

from tools.emulator import faults

_MARK = "_muejam_fault_injection_patched"


def apply() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    if getattr(DomainDispatcherApplication, _MARK, False):
        return
    DomainDispatcherApplication.__call__ = faults.wsgi(DomainDispatcherApplication.__call__)
    setattr(DomainDispatcherApplication, _MARK, True)
