"""EC2 DeleteNatGateway: delete the NAT gateway's network interface and free its Elastic IP.

What moto does: ``DeleteNatGateway`` only marks the NAT gateway ``deleted``. The network
interface that moto created for it stays in the subnet, still associated with the NAT's
Elastic IP, so the VPC is left with an orphaned ENI and the address still looks in use.

What AWS does: deleting a NAT gateway disassociates its Elastic IP address (which stays
allocated to the account until released) and deletes the NAT gateway's network interface
(https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html#nat-gateway-deleting,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html), once the
gateway is ``deleted``: while it is ``deleting`` both are still held.

Why the stack needs it: teardown must leave nothing behind (no NAT gateway, EIP or ENI), and
the networking role's teardown waits until the NAT gateways' network interfaces are gone
before it deletes the subnets, as it must on AWS.

With the latency model on (tools/emulator/latency.py) the interface and the address are released
only when the gateway reaches ``deleted`` (``nat_gateway_deleting`` seconds, scaled, after the
call; see ec2_nat_gateway_latency.py): the release is deferred (``latency.defer``) and carried
out before the first API call after that (core_latency_transitions.py). With the model off they
go in the DeleteNatGateway call itself, as before.
"""

from __future__ import annotations

import time
from typing import Any

from moto.ec2.models.nat_gateways import NatGateway, NatGatewayBackend

from tools.emulator import latency

_MARKER = "_muejam_deletes_eni"


def release(backend: Any, nat_gateway: NatGateway) -> None:
    """Disassociate the NAT gateway's Elastic IP and delete its network interface (if still there)."""
    eni = getattr(nat_gateway, "_eni", None)
    if eni is not None and eni.id in backend.enis:
        for address in backend.addresses:
            if address.eni is not None and address.eni.id == eni.id:
                backend.disassociate_address(association_id=address.association_id)
        backend.delete_network_interface(eni.id)


def is_deleted(nat_gateway: NatGateway) -> bool:
    """Whether the gateway is ``deleted`` under the latency configuration in force now."""
    state = latency.nat_gateway_state(
        vars(nat_gateway).get("state", "deleted"),
        latency.recorded(nat_gateway, "created"),
        latency.recorded(nat_gateway, "deleted"),
        time.time(),
        latency.current(),
    )
    return state == "deleted"


def _delete_nat_gateway(original: Any) -> Any:
    def delete_nat_gateway(self: Any, nat_gateway_id: str) -> NatGateway:
        nat_gateway = original(self, nat_gateway_id)
        if latency.record_if_on(nat_gateway, "deleted") is not None:
            latency.defer(
                ("nat-gateway-release", id(nat_gateway)),
                lambda: is_deleted(nat_gateway),
                lambda: release(self, nat_gateway),
            )
        elif not latency.pending(("nat-gateway-release", id(nat_gateway))):
            release(self, nat_gateway)
        return nat_gateway

    setattr(delete_nat_gateway, _MARKER, True)
    return delete_nat_gateway


def apply() -> None:
    """Wrap NatGatewayBackend.delete_nat_gateway once."""
    current = NatGatewayBackend.delete_nat_gateway
    if getattr(current, _MARKER, False):
        return
    NatGatewayBackend.delete_nat_gateway = _delete_nat_gateway(current)  # type: ignore[method-assign]
