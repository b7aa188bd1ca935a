# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 address planning for the networking role: derive subnet CIDR blocks.

The derivation is the preflight's own (plugins/module_utils/rules/network.py), which checks
explicit blocks; this filter adds the errors a template needs.

Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.module_utils.rules.network import derived_subnet_cidrs
from ansible_collections.muejam.infra.plugins.module_utils.state import networking as networking_part

SPLIT_BITS = 4  # 16 blocks: 8 public (bottom half), 8 private (top half)
BLOCKS_PER_TIER = 2**SPLIT_BITS // 2
SMALLEST_SUBNET_PREFIX = 28  # AWS: a subnet is between /16 and /28
TIERS = ("public", "private")


def _network(cidr: object) -> ipaddress.IPv4Network:
    """Parse a strict IPv4 network (no host bits set) or raise ValueError."""
    if not isinstance(cidr, str) or "/" not in cidr:
        raise ValueError(f"{cidr!r} is not an IPv4 CIDR block like 10.0.0.0/16")
    network = ipaddress.ip_network(cidr, strict=True)
    if not isinstance(network, ipaddress.IPv4Network):
        raise ValueError(f"{cidr!r} is not an IPv4 CIDR block")
    return network


def subnet_cidrs(vpc_cidr: str, count: int, tier: str = "public") -> list[str]:
    """Return `count` subnet CIDR blocks of the given tier carved out of `vpc_cidr`."""
    if tier not in TIERS:
        raise AnsibleFilterError(f"subnet_cidrs: tier must be one of {', '.join(TIERS)}, got {tier!r}")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= BLOCKS_PER_TIER:
        raise AnsibleFilterError(f"subnet_cidrs: count must be an integer from 1 to {BLOCKS_PER_TIER}, got {count!r}")
    try:
        vpc = _network(vpc_cidr)
    except ValueError as error:
        raise AnsibleFilterError(f"subnet_cidrs: {error}") from error
    new_prefix = vpc.prefixlen + SPLIT_BITS
    if new_prefix > SMALLEST_SUBNET_PREFIX:
        raise AnsibleFilterError(
            f"subnet_cidrs: {vpc_cidr} is too small to derive subnets: they would be /{new_prefix}, "
            f"and AWS subnets are /{SMALLEST_SUBNET_PREFIX} or larger (use a VPC of /24 or larger)"
        )
    return derived_subnet_cidrs(str(vpc), count, tier)


def nat_zones(inputs: Mapping[str, Any]) -> list[str]:
    """The zones that get a NAT gateway (state/networking.py's rule, the one muejam.infra.stack_state compares)."""
    return networking_part.nat_zones(inputs)


def route_tables(inputs: Mapping[str, Any], *ids: Any) -> list[dict[str, Any]]:
    """The route tables for muejam.infra.ec2_route_tables: state/networking.py's route_tables (its arguments)."""
    try:
        return networking_part.route_tables(inputs, *ids)
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError(f"route_tables: {error}") from error


def subnets(inputs: Mapping[str, Any], names: Mapping[str, Any], tier: str) -> list[dict[str, Any]]:
    """The tier's subnets for muejam.infra.ec2_vpc_subnets: state/networking.py's subnets (its arguments)."""
    if tier not in TIERS:
        raise AnsibleFilterError(f"subnets: tier must be one of {', '.join(TIERS)}, got {tier!r}")
    try:
        return networking_part.subnets(inputs, names, tier)
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError(f"subnets: {error}") from error


def edge_outputs(inputs: Mapping[str, Any], found: Mapping[str, Any], *ids: Any) -> dict[str, Any]:
    """networking_outputs after edge.yml's changes: state/networking.py's edge_outputs (its arguments)."""
    try:
        return networking_part.edge_outputs(inputs, found, *ids)
    except (KeyError, TypeError, ValueError) as error:
        raise AnsibleFilterError(f"edge_outputs: {error}") from error


class FilterModule:
    """The networking role's planning filters: subnet blocks, subnets, NAT zones, route tables, the edge's outputs."""

    def filters(self) -> dict[str, object]:
        return {
            "subnet_cidrs": subnet_cidrs,
            "nat_zones": nat_zones,
            "route_tables": route_tables,
            "subnets": subnets,
            "edge_outputs": edge_outputs,
        }
