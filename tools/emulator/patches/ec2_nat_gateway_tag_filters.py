"""EC2 DescribeNatGateways: apply the tag filters (``tag:<key>``, ``tag-key``, ``tag-value``).

What moto does: ``describe_nat_gateways`` applies the ``nat-gateway-id``, ``vpc-id``,
``subnet-id`` and ``state`` filters and silently ignores every other one, so a lookup by the
stack's tags returns the NAT gateways of every stack in the account.

What AWS does: DescribeNatGateways takes ``tag:<key>`` (the value of a tag), ``tag-key`` (has a
tag of that key) and ``tag-value`` filters, ANDed with the others, values ORed within a filter
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeNatGateways.html).

Why the stack needs it: teardown's leftovers check finds the stack's NAT gateways by its
Project and Environment tags; with several stacks in one emulator (the tests build them side by
side) it reported the other stacks' NAT gateways as left behind.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.nat_gateways import NatGatewayBackend
from moto.ec2.utils import is_tag_filter, tag_filter_matches

_MARKER = "_muejam_tag_filters"


def _with_tag_filters(original: Any) -> Any:
    def describe_nat_gateways(self: Any, filters: Any, nat_gateway_ids: list[str] | None) -> list[Any]:
        found = original(self, filters, nat_gateway_ids)
        for name, values in (filters or {}).items():
            if is_tag_filter(name):
                found = [nat_gateway for nat_gateway in found if tag_filter_matches(nat_gateway, name, values)]
        return found

    setattr(describe_nat_gateways, _MARKER, True)
    return describe_nat_gateways


def apply() -> None:
    if not getattr(NatGatewayBackend.describe_nat_gateways, _MARKER, False):
        NatGatewayBackend.describe_nat_gateways = _with_tag_filters(NatGatewayBackend.describe_nat_gateways)
