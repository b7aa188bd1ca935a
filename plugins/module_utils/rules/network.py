# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the networking role's inputs: the VPC, the zones, the subnets and the NAT gateways."""

from __future__ import annotations

import ipaddress
import math
import re
from itertools import combinations, islice

from ansible_collections.muejam.infra.plugins.module_utils.rules import stack
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import Inputs, describe, ipv4_network

ROLE = "networking"
SUBNET_RESERVED_ADDRESSES = 5  # AWS keeps the first four and the last address of every subnet
ALB_FREE_ADDRESSES = 8  # an ALB needs at least 8 free addresses in each of its subnets
AZ = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)(?:-[a-z]+-\d+)?[a-z]$")


def derived_subnet_cidrs(vpc_cidr: str, count: int, tier: str) -> list[str]:
    """The subnets the networking role derives when none are given (muejam.infra.subnet_cidrs).

    The VPC is split in 16 blocks; public subnets take the first ones of the bottom half,
    private subnets the first ones of the top half.
    """
    vpc = ipaddress.ip_network(vpc_cidr, strict=True)
    first = 0 if tier == "public" else 8
    return [str(block) for block in islice(vpc.subnets(prefixlen_diff=4), first, first + count)]


def usable_addresses(cidr: str) -> int:
    """Addresses a subnet offers its resources: AWS reserves five in every subnet."""
    return ipaddress.ip_network(cidr).num_addresses - SUBNET_RESERVED_ADDRESSES


def subnet_plan(inputs: Inputs) -> dict[str, list[str]] | None:
    """The public and private subnets the role will create, or None when the inputs are bad."""
    vpc = ipv4_network(inputs.get("networking_vpc_cidr", "str"))
    zones = inputs.get("networking_availability_zones", "list", "str")
    if vpc is None or zones is None or "networking_vpc_cidr" in inputs.bad:
        return None
    plans = {}
    for tier in ("public", "private"):
        cidrs = inputs.get(f"networking_{tier}_subnet_cidrs", "list", "str")
        if cidrs is None:
            return None
        plans[tier] = list(cidrs) if cidrs else derived_subnet_cidrs(str(vpc), len(zones), tier)
    return plans


def check(inputs: Inputs) -> None:
    zones = inputs.get("networking_availability_zones", "list", "str")
    explicit_log_group = inputs.get("networking_flow_logs_log_group_name", "str")
    stack.check_identity(inputs, ROLE, zones=zones, skip=("flow_logs_log_group",) if explicit_log_group else ())
    _check_flow_logs(inputs)
    _check_layout(inputs)


def _check_layout(inputs: Inputs) -> None:
    """The VPC, the zones and the subnets: valid, inside the VPC, disjoint, large enough."""
    vpc_cidr = inputs.get("networking_vpc_cidr", "str")
    vpc = ipv4_network(vpc_cidr)
    if vpc_cidr is not None and (vpc is None or not 16 <= vpc.prefixlen <= 28):
        inputs.add(
            "networking_vpc_cidr",
            "must be an IPv4 CIDR block from /16 to /28 with no host bits set, such as 10.0.0.0/16",
        )
        vpc = None

    zones = inputs.get("networking_availability_zones", "list", "str")
    region = inputs.get("aws_region", "str")
    if zones is not None:
        issues = []
        if len(zones) < 2:
            issues.append("at least two availability zones (the ALB needs two; the seed uses three)")
        if len(set(zones)) != len(zones):
            issues.append("distinct availability zones")
        malformed = [zone for zone in zones if not AZ.match(zone)]
        if malformed:
            issues.append(f"availability zone names such as us-east-1a (not {describe(malformed)})")
        elif region is not None and "aws_region" not in inputs.bad:
            elsewhere = [zone for zone in zones if AZ.match(zone).group(1) != region]  # type: ignore[union-attr]
            if elsewhere:
                issues.append(f"zones of aws_region {region} (not {describe(elsewhere)})")
        if issues:
            inputs.add("networking_availability_zones", "must name " + " and ".join(issues))
            zones = None

    mode = inputs.get("networking_nat_gateway_mode", "str")
    if mode is not None and mode not in ("per_az", "single", "none"):
        inputs.add("networking_nat_gateway_mode", "must be one of: per_az, single, none")
        mode = None
    inputs.in_range("networking_wait_timeout", 1, None, "seconds")

    if vpc is None or zones is None:
        return
    plans: dict[str, list[str]] = {}
    for tier in ("public", "private"):
        name = f"networking_{tier}_subnet_cidrs"
        cidrs = inputs.get(name, "list", "str")
        if cidrs is None:
            return
        if not cidrs:
            if vpc.prefixlen > 24 or len(zones) > 8:
                inputs.add(
                    name,
                    f"must be set, one block per zone: it is derived from networking_vpc_cidr only for a VPC of /24 "
                    f"or larger over at most 8 zones (the VPC is /{vpc.prefixlen}, the zones are {len(zones)})",
                )
                return
            plans[name] = derived_subnet_cidrs(str(vpc), len(zones), tier)
            continue
        issues = []
        if len(cidrs) != len(zones):
            issues.append(
                f"one block per availability zone ({len(zones)}, in the order of networking_availability_zones)"
            )
        networks = [ipv4_network(cidr) for cidr in cidrs]
        invalid = [cidr for cidr, network in zip(cidrs, networks, strict=True) if network is None]
        if invalid:
            issues.append(f"IPv4 CIDR blocks with no host bits set (not {describe(invalid)})")
        sizes = [
            cidr for cidr, network in zip(cidrs, networks, strict=True) if network and not 16 <= network.prefixlen <= 28
        ]
        if sizes:
            issues.append(f"blocks from /16 to /28 (not {describe(sizes)})")
        outside = [
            cidr for cidr, network in zip(cidrs, networks, strict=True) if network and not network.subnet_of(vpc)
        ]
        if outside:
            issues.append(f"blocks inside networking_vpc_cidr {vpc} (not {describe(outside)})")
        if issues:
            inputs.add(name, "must hold " + " and ".join(issues) + ", or be empty to derive them")
            return
        plans[name] = [str(network) for network in networks if network is not None]

    public = plans["networking_public_subnet_cidrs"]
    private = plans["networking_private_subnet_cidrs"]
    labelled = [("networking_public_subnet_cidrs", cidr) for cidr in public] + [
        ("networking_private_subnet_cidrs", cidr) for cidr in private
    ]
    overlaps = [
        (left, right)
        for left, right in combinations(labelled, 2)
        if ipaddress.ip_network(left[1]).overlaps(ipaddress.ip_network(right[1]))
    ]
    if overlaps:
        (left_name, left_cidr), (right_name, right_cidr) = overlaps[0]
        given = [name for name in (right_name, left_name) if inputs.values.get(name)]
        inputs.add(
            given[0] if given else "networking_vpc_cidr",
            f"no two subnets may overlap: {left_cidr} ({left_name}) overlaps {right_cidr} ({right_name})",
        )
        return

    # Sizes: every public subnet holds an ALB node (8 free addresses) and, where there is one,
    # the zone's NAT gateway; every private subnet holds its zone's share of the ASG's maximum
    # when one zone is lost (the group rebalances into the others), plus one instance that
    # rebalancing may launch before it terminates one.
    public_name = (
        "networking_public_subnet_cidrs"
        if inputs.values.get("networking_public_subnet_cidrs")
        else "networking_vpc_cidr"
    )
    for index, cidr in enumerate(public):
        nat = 1 if mode == "per_az" or (mode == "single" and index == 0) else 0
        needed = ALB_FREE_ADDRESSES + nat
        if usable_addresses(cidr) < needed:
            inputs.add(
                public_name,
                f"the public subnet {cidr} has {usable_addresses(cidr)} usable addresses; it needs {needed} "
                f"(8 for the ALB{', 1 for the NAT gateway' if nat else ''})",
            )
            break


def check_across(inputs: Inputs) -> None:
    """The private subnets hold the scaling group's maximum when one zone is lost."""
    plan = subnet_plan(inputs)
    zones = inputs.get("networking_availability_zones", "list", "str")
    if (
        plan is None
        or zones is None
        or {"networking_public_subnet_cidrs", "networking_private_subnet_cidrs"} & inputs.bad
    ):
        return
    private = plan["private"]
    max_size = inputs.get("scaling_group_max_size", "int")
    if max_size is None or max_size < 1:
        return
    spread = max(len(zones) - 1, 1)
    needed = math.ceil(max_size / spread) + 1
    private_name = (
        "networking_private_subnet_cidrs"
        if inputs.values.get("networking_private_subnet_cidrs")
        else "networking_vpc_cidr"
    )
    for cidr in private:
        if usable_addresses(cidr) < needed:
            inputs.add(
                private_name,
                f"the private subnet {cidr} has {usable_addresses(cidr)} usable addresses; scaling_group_max_size "
                f"{max_size} over {len(zones)} zones needs {needed} in each (the maximum over the zones left when one "
                "fails, plus one for rebalancing): use larger subnets or a smaller maximum",
            )
            break


def _check_flow_logs(inputs: Inputs) -> None:
    name = inputs.get("networking_flow_logs_log_group_name", "str")
    if name and (len(name) > 512 or not re.match(r"^[\w.\-/#]+$", name)):
        inputs.add(
            "networking_flow_logs_log_group_name",
            "must be empty or a log group name: at most 512 letters, digits and _ . - / #",
        )
