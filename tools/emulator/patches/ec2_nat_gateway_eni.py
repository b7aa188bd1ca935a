"""EC2 DeleteNatGateway: delete the NAT gateway's network interface and free its Elastic IP.

What moto does: ``DeleteNatGateway`` only marks the NAT gateway ``deleted``. The network
interface that moto created for it stays in the subnet, still associated with the NAT's
Elastic IP, so the VPC is left with an orphaned ENI and the address still looks in use.

What AWS does: deleting a NAT gateway disassociates its Elastic IP address (which stays
allocated to the account until released) and deletes the NAT gateway's network interface
(https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html#nat-gateway-deleting,
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteNatGateway.html).

Why the stack needs it: teardown must leave nothing behind (no NAT gateway, EIP or ENI), and
the networking role's teardown waits until the NAT gateways' network interfaces are gone
before it deletes the subnets, as it must on AWS.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.nat_gateways import NatGateway, NatGatewayBackend

_MARKER = "_muejam_deletes_eni"


def _delete_nat_gateway(original: Any) -> Any:
    def delete_nat_gateway(self: Any, nat_gateway_id: str) -> NatGateway:
        nat_gateway = original(self, nat_gateway_id)
        eni = getattr(nat_gateway, "_eni", None)
        if eni is not None and eni.id in self.enis:
            for address in self.addresses:
                if address.eni is not None and address.eni.id == eni.id:
                    self.disassociate_address(association_id=address.association_id)
            self.delete_network_interface(eni.id)
        return nat_gateway

    setattr(delete_nat_gateway, _MARKER, True)
    return delete_nat_gateway


def apply() -> None:
    """Wrap NatGatewayBackend.delete_nat_gateway once."""
    current = NatGatewayBackend.delete_nat_gateway
    if getattr(current, _MARKER, False):
        return
    NatGatewayBackend.delete_nat_gateway = _delete_nat_gateway(current)  # type: ignore[method-assign]
