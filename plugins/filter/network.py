# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""IPv4 address planning for the networking role: derive and check subnet CIDR blocks.

Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

import ipaddress
from itertools import combinations, islice

from ansible.errors import AnsibleFilterError

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
    first = 0 if tier == "public" else BLOCKS_PER_TIER
    blocks = islice(vpc.subnets(prefixlen_diff=SPLIT_BITS), first, first + count)
    return [str(block) for block in blocks]


def cidr_valid(cidr: object) -> bool:
    """Whether `cidr` is a strict IPv4 CIDR block (10.0.0.0/16, not 10.0.0.1/16)."""
    try:
        _network(cidr)
    except ValueError:
        return False
    return True


def cidr_within(cidr: object, supernet: object) -> bool:
    """Whether the IPv4 block `cidr` lies inside `supernet`; False when either is invalid."""
    try:
        return _network(cidr).subnet_of(_network(supernet))
    except ValueError:
        return False


def cidrs_disjoint(cidrs: list[object]) -> bool:
    """Whether no two of the IPv4 blocks overlap; False when any block is invalid."""
    try:
        networks = [_network(cidr) for cidr in cidrs]
    except ValueError:
        return False
    return not any(left.overlaps(right) for left, right in combinations(networks, 2))


class FilterModule:
    """IPv4 subnet planning filters."""

    def filters(self) -> dict[str, object]:
        return {
            "subnet_cidrs": subnet_cidrs,
            "cidr_valid": cidr_valid,
            "cidr_within": cidr_within,
            "cidrs_disjoint": cidrs_disjoint,
        }
