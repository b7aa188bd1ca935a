"""ELBv2 load balancers take AWS's time (latency model only): provisioning, then active.

What moto does: CreateLoadBalancer answers ``provisioning``, and the first DescribeLoadBalancers
makes every load balancer ``active`` (``FakeLoadBalancer.activate``), however soon it comes.

What AWS does: a new load balancer is ``provisioning`` until it is ``active``, usually within a
few minutes, occasionally much longer; only then does it route traffic and check its targets'
health. botocore's ``load_balancer_available`` waiter polls DescribeLoadBalancers until every
``State.Code`` is ``active``, retrying on ``provisioning``.
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerState.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_DescribeLoadBalancers.html

Why the stack needs it: the load balancer role waits for the ALB to be active, and the targets'
health (elbv2_target_health_latency.py) starts only then; against moto that wait never waits.
With the latency model on (tools/emulator/latency.py) ``FakeLoadBalancer.state`` is computed on
each read from when the load balancer was created (recorded by this patch, in the server's
memory) against the configuration in force: ``provisioning`` for ``load_balancer_provisioning``
seconds (scaled), then ``active``. Every type (application, network, gateway) is modelled alike.
With the model off, or for a load balancer created while it was off, the state is moto's
(``__dict__["state"]``, which ``activate`` still updates).
"""

from __future__ import annotations

import time
from typing import Any

from tools.emulator import latency

_MARK = "_muejam_load_balancer_latency_patched"


def state_of(load_balancer: Any, now: float | None = None) -> str:
    """The State.Code of a load balancer now: moto's, or the latency model's while it is on."""
    return latency.load_balancer_state(
        vars(load_balancer).get("state", "active"),
        latency.recorded(load_balancer, "created"),
        time.time() if now is None else now,
        latency.current(),
    )


def apply() -> None:
    from moto.elbv2.models import FakeLoadBalancer

    if getattr(FakeLoadBalancer, _MARK, False):
        return

    # moto sets the state in FakeLoadBalancer.__init__ ("provisioning") and in activate(): the
    # first setting is the creation, recorded while the model is on.
    def set_state(self: Any, value: str) -> None:
        first = "state" not in self.__dict__
        self.__dict__["state"] = value
        if first:
            latency.record_if_on(self, "created")

    FakeLoadBalancer.state = property(state_of, set_state)  # type: ignore[assignment,method-assign]
    setattr(FakeLoadBalancer, _MARK, True)
