# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the stack's network for a downstream role: its VPC and one tier's subnets.

Pure functions over a boto3-like EC2 client (calls made with ``aws_retry=True`` when ``retry`` is
set, as amazon.aws's retry-wrapped clients take it), used by ``muejam.infra.stack_network_info``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import names


class NetworkNotFound(Exception):
    """The stack's network is not there as the role needs it (the message says what was looked for)."""


def _filters(mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"Name": key, "Values": [str(value)]} for key, value in mapping.items()]


def find_network(
    ec2: Any,
    name: str,
    tags: Mapping[str, Any],
    tier: str,
    vpc_id: str = "",
    subnet_ids: list[str] | None = None,
    min_subnets: int = 1,
    retry: bool = False,
) -> dict[str, Any]:
    """The VPC (with its CIDR block) and the ``tier`` subnets (sorted by zone); given subnets are used as they are.

    Raises :class:`NetworkNotFound` when the VPC is not exactly one, or fewer than ``min_subnets``
    subnets are found.
    """
    kwargs: dict[str, Any] = {"aws_retry": True} if retry else {}
    subnet_ids = list(subnet_ids or [])
    stack_tags = {f"tag:{key}": tags[key] for key in ("Project", "Environment") if key in tags}
    if vpc_id:
        wanted = {"vpc-id": vpc_id}
        looked_up = f"the VPC {vpc_id}"
    else:
        wanted = {"tag:Name": names.resource_name("vpc", name), **stack_tags}
        looked_up = f"the VPC named {names.resource_name('vpc', name)} with the stack's tags {dict(stack_tags)}"
    vpcs = ec2.describe_vpcs(Filters=_filters(wanted), **kwargs)["Vpcs"]
    if len(vpcs) != 1:
        raise NetworkNotFound(
            f"Found {len(vpcs)} VPCs looking for {looked_up}: exactly one must exist; "
            "run the networking stage first or set the role's vpc_id"
        )
    vpc = vpcs[0]
    if not subnet_ids:
        subnet_filters = {"vpc-id": vpc["VpcId"], "tag:Tier": tier, **stack_tags}
        subnets = ec2.describe_subnets(Filters=_filters(subnet_filters), **kwargs)["Subnets"]
        subnets.sort(key=lambda subnet: (subnet.get("AvailabilityZone", ""), subnet["SubnetId"]))
        subnet_ids = [subnet["SubnetId"] for subnet in subnets]
        if len(subnet_ids) < min_subnets:
            raise NetworkNotFound(
                f"Found {len(subnet_ids)} {tier} subnets in {vpc['VpcId']} (tagged Tier={tier} and the stack's tags "
                f"{dict(stack_tags)}): at least {min_subnets} must exist; run the networking stage first or set the "
                "role's subnet_ids"
            )
    return {"vpc_id": vpc["VpcId"], "vpc_cidr": vpc.get("CidrBlock", ""), "subnet_ids": subnet_ids, "found": True}
