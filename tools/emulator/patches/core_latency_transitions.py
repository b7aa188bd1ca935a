"""Latency model: what AWS finishes by itself between calls is carried out before the next one.

What moto does: nothing happens between two requests. Whatever a call starts is finished within
that call (a deleted NAT gateway's or a terminated instance's network interfaces go at once), so
nothing is ever left to do later.

What AWS does: a deletion or a termination goes on after the call returns. A NAT gateway is
``deleting`` and keeps its network interface and Elastic IP until it is ``deleted``; an instance
is ``shutting-down`` and keeps the network interfaces created with it until it is ``terminated``.
https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html#nat-gateway-deleting
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html

Why the stack needs it: with the latency model on (tools/emulator/latency.py), the corrections
that make these transitions take AWS's time defer the clean-up (``latency.defer``); this patch
wraps moto's ``BaseResponse.call_action``, the entry of every API action, so that the clean-up
that has become due (against the latency configuration then in force) is done before moto serves
the next call, whatever its service: DescribeNetworkInterfaces, DeleteSubnet, DeleteSecurityGroup
see the interfaces exactly until AWS would have removed them. ``latency.settle`` returns at once
when nothing is deferred, which is always the case with the model off. The call also reads the
latency file once (``latency.one_reading``): every state of one answer follows the same
configuration, and the file is checked once per call rather than once per resource described.
"""

from __future__ import annotations

from typing import Any

from tools.emulator import latency

_MARK = "_muejam_latency_transitions_patched"


def apply() -> None:
    from moto.core.responses import BaseResponse

    if getattr(BaseResponse, _MARK, False):
        return
    original_call_action = BaseResponse.call_action

    def call_action(self: Any) -> Any:
        with latency.one_reading():
            latency.settle()
            return original_call_action(self)

    BaseResponse.call_action = call_action
    setattr(BaseResponse, _MARK, True)
