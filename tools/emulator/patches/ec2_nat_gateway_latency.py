"""EC2 NAT gateways take AWS's time (latency model only): pending, deleting, and a held Elastic IP.

What moto does: a NAT gateway is ``available`` in the CreateNatGateway answer already and
``deleted`` in the DeleteNatGateway call; its Elastic IP can be disassociated or released at any
time, even while the gateway uses it. (Deleted gateways stay in DescribeNatGateways, ``deleted``,
as on AWS.)

What AWS does: a new NAT gateway is ``pending`` until it is ``available`` (1.5-2 minutes in
public Terraform logs); a deleted one is ``deleting`` until it is ``deleted``, and stays visible
as ``deleted`` for about an hour. While the gateway is not ``deleted`` its Elastic IP is
associated with the gateway's requester-managed network interface, and AWS refuses to let the
account disassociate or release it: ReleaseAddress and DisassociateAddress answer ``AuthFailure``
("You do not have permission to access the specified resource.", HTTP 400, the status in
those logs; moto's EC2 model files AuthFailure under 401, a credential failure's), not the
``InvalidIPAddress.InUse`` that ReleaseAddress gives for an address associated with an instance
(its API reference): the association is not the account's to change. That is what teardown
scripts meet when they release the address too early (kubernetes/kops#1604,
eformat/sno-for-100#5, hashicorp/terraform-provider-aws#3572 and #4675).
https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_NatGateway.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReleaseAddress.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html

Why the stack needs it: the networking role waits for its NAT gateways to be available, deletes
them, waits until they are deleted and their interfaces gone, and only then releases the
addresses and deletes the subnets; against moto none of those waits ever waits. With the latency
model on (tools/emulator/latency.py) ``NatGateway.state`` is computed on each read from when the
gateway was created and deleted (recorded by this patch when moto sets the state, in the
server's memory) against the configuration in force, so the State of every answer and the
``state`` filter of DescribeNatGateways agree; and the address refusal applies. With the model
off, or for a gateway created and deleted while it was off, the state is moto's.

The property keeps moto's own value in the object's ``__dict__``; the records are taken under a
lock (moto's server answers requests in threads).
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from xml.sax.saxutils import escape

from werkzeug.exceptions import HTTPException

from tools.emulator import latency

_MARK = "_muejam_nat_gateway_latency_patched"
AUTH_FAILURE = "AuthFailure"
AUTH_FAILURE_MESSAGE = "You do not have permission to access the specified resource."


class AddressHeldByNatGateway(HTTPException):
    """EC2's AuthFailure answer, HTTP 400, in the EC2 error shape botocore parses
    (``<Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>``).

    An HTTPException, which moto's ``call_action`` answers with its own status and body: a
    ``ServiceException`` would be given the 401 of moto's EC2 error model."""

    code = 400

    def __init__(self) -> None:
        super().__init__()
        self.description = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{AUTH_FAILURE}</Code><Message>{escape(AUTH_FAILURE_MESSAGE)}</Message>"
            f"</Error></Errors><RequestID>{uuid.uuid4()}</RequestID></Response>"
        )

    def get_headers(self, *args: Any, **kwargs: Any) -> list[tuple[str, str]]:
        return [("Content-Type", "text/xml")]


def state_of(nat_gateway: Any, now: float | None = None) -> str:
    """The State of a NAT gateway now: moto's, or the latency model's while it is on."""
    return latency.nat_gateway_state(
        vars(nat_gateway).get("state", "available"),
        latency.recorded(nat_gateway, "created"),
        latency.recorded(nat_gateway, "deleted"),
        time.time() if now is None else now,
        latency.current(),
    )


def holding_gateway(backend: Any, address: Any) -> Any:
    """The NAT gateway, not yet deleted, whose network interface holds ``address``; or None."""
    eni = getattr(address, "eni", None)
    if eni is None:
        return None
    for nat_gateway in list(backend.nat_gateways.values()):
        held = getattr(nat_gateway, "_eni", None)
        if held is not None and held.id == eni.id and state_of(nat_gateway) != "deleted":
            return nat_gateway
    return None


def _refuse_if_held(backend: Any, addresses: list[Any]) -> None:
    if latency.acting_for_aws() or latency.current() is None:
        return
    for address in addresses:
        if holding_gateway(backend, address) is not None:
            raise AddressHeldByNatGateway()


def _addresses(backend: Any, address: str | None, association_id: str | None, allocation_id: str | None) -> list[Any]:
    if address:
        return [a for a in backend.addresses if a.public_ip == address]
    if association_id:
        return [a for a in backend.addresses if a.association_id == association_id]
    if allocation_id:
        return [a for a in backend.addresses if a.allocation_id == allocation_id]
    return []


def apply() -> None:
    from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
    from moto.ec2.models.nat_gateways import NatGateway

    if getattr(NatGateway, _MARK, False):
        return

    # moto sets the state twice: "available" in NatGateway.__init__, "deleted" in delete_nat_gateway.
    # The setter records both moments (while the model is on), so no NatGatewayBackend method is
    # wrapped here (ec2_nat_gateway_eni.py and ec2_nat_gateway_tag_filters.py wrap them).
    def set_state(self: Any, value: str) -> None:
        previous = self.__dict__.get("state")
        self.__dict__["state"] = value
        if previous is None:
            latency.record_if_on(self, "created")
        elif value == "deleted" and previous != "deleted":
            latency.record_if_on(self, "deleted")  # the first deletion counts, as on AWS

    NatGateway.state = property(state_of, set_state)  # type: ignore[assignment,method-assign]

    original_disassociate = ElasticAddressBackend.disassociate_address

    def disassociate_address(self: Any, address: str | None = None, association_id: str | None = None) -> None:
        _refuse_if_held(self, _addresses(self, address, association_id, None))
        return original_disassociate(self, address=address, association_id=association_id)

    original_release = ElasticAddressBackend.release_address

    def release_address(self: Any, address: str | None = None, allocation_id: str | None = None) -> None:
        _refuse_if_held(self, _addresses(self, address, None, allocation_id))
        return original_release(self, address=address, allocation_id=allocation_id)

    ElasticAddressBackend.disassociate_address = disassociate_address  # type: ignore[method-assign]
    ElasticAddressBackend.release_address = release_address  # type: ignore[method-assign]
    setattr(NatGateway, _MARK, True)
