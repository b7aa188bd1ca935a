# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find the stack's network for a downstream role: its VPC and one tier's subnets, and whether the
private subnets have egress yet (the NAT gateway their default route targets is available).

Pure functions over a boto3-like EC2 client (calls made with ``aws_retry=True`` when ``retry`` is
set, as amazon.aws's retry-wrapped clients take it), used by ``muejam.infra.stack_network_info``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

try:
    from botocore.exceptions import WaiterError
    from botocore.waiter import WaiterModel, create_waiter_with_client
except ImportError:
    pass  # AnsibleAWSModule fails with the missing requirement (HAS_BOTO3) before any waiter is made

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


# --- Egress: the private subnets' default routes and the NAT gateways they go through ---------------

DEFAULT_ROUTE = "0.0.0.0/0"
NAT_READY = "available"
GONE = ("failed", "deleting", "deleted")  # states a NAT gateway never leaves for available

# botocore's NatGatewayAvailable (ec2 waiters-2.json) plus retries on throttling: one throttled poll
# must not end a wait of minutes. It polls every second, not botocore's 15 s, which would lose 7.5 s
# on average on the critical path (the Auto Scaling group waits on it; 5 s lost 2.5 s, 2 s 1 s); 60 describes
# a minute, for the minute or two a NAT gateway takes, are far within EC2's request limits (describe
# calls: a bucket of 100, refilled at 20 a second). The delay and the attempts are set per wait from its timeout
# (waiter_for).
WAITERS: dict[str, Any] = {
    "version": 2,
    "waiters": {
        "NatGatewaysAvailable": {
            "operation": "DescribeNatGateways",
            "delay": 1,
            "maxAttempts": 120,
            "acceptors": [
                {"state": "success", "matcher": "pathAll", "argument": "NatGateways[].State", "expected": "available"},
                *(
                    {"state": "failure", "matcher": "pathAny", "argument": "NatGateways[].State", "expected": state}
                    for state in GONE
                ),
                *(
                    {"state": "retry", "matcher": "error", "expected": code}
                    for code in ("NatGatewayNotFound", "RequestLimitExceeded", "Throttling", "InternalError")
                ),
            ],
        }
    },
}


class EgressNotReady(Exception):
    """A private subnet's NAT gateway failed, is going away, or was not available in time (the message names it)."""


def waiter_for(client: Any, name: str, timeout: int, delay: int | None = None) -> tuple[Any, dict[str, int]]:
    """The waiter ``name`` of :data:`WAITERS` on ``client`` and the ``WaiterConfig`` that ends it after ``timeout`` s.

    ``delay``: seconds between polls (the model's by default, never more than the timeout; 0 polls at
    once, ``timeout`` more times).
    """
    if delay is None:
        delay = min(WAITERS["waiters"][name]["delay"], max(1, int(timeout)))
    attempts = 1 + (math.ceil(timeout / delay) if delay else int(timeout))
    return create_waiter_with_client(name, WaiterModel(WAITERS), client), {"Delay": delay, "MaxAttempts": attempts}


def _pages(method: Any, key: str, retry: bool, **request: Any) -> list[dict[str, Any]]:
    """Every item under ``key`` of an EC2 describe call, all pages (NextToken)."""
    kwargs: dict[str, Any] = {"aws_retry": True} if retry else {}
    items: list[dict[str, Any]] = []
    while True:
        response = method(**request, **kwargs)
        items.extend(response.get(key, []))
        if not response.get("NextToken"):
            return items
        request["NextToken"] = response["NextToken"]


def subnet_nat_gateways(route_tables: list[Mapping[str, Any]], subnet_ids: list[str]) -> dict[str, str]:
    """subnet -> the NAT gateway its default route (0.0.0.0/0) targets, or "" for none.

    A subnet's route table is the one associated with it explicitly, else the VPC's main one (AWS's rule).
    """
    explicit: dict[str, Mapping[str, Any]] = {}
    main: Mapping[str, Any] = {}
    for table in route_tables:
        for association in table.get("Associations") or []:
            if association.get("Main"):
                main = table
            elif association.get("SubnetId"):
                explicit[association["SubnetId"]] = table
    gateways = {}
    for subnet in subnet_ids:
        table = explicit.get(subnet, main)
        gateways[subnet] = next(
            (
                route["NatGatewayId"]
                for route in table.get("Routes") or []
                if route.get("DestinationCidrBlock") == DEFAULT_ROUTE and route.get("NatGatewayId")
            ),
            "",
        )
    return gateways


def read_egress(ec2: Any, vpc_id: str, subnet_ids: list[str], retry: bool = False) -> dict[str, dict[str, str]]:
    """subnet -> {"nat_gateway_id", "state", "failure"} of the NAT gateway its default route targets.

    Two calls at most (DescribeRouteTables of the VPC, DescribeNatGateways of the gateways routed to);
    a subnet without a NAT route has an empty id and state; a gateway that is not there is ``missing``.
    """
    tables = _pages(ec2.describe_route_tables, "RouteTables", retry, Filters=_filters({"vpc-id": vpc_id}))
    routed = subnet_nat_gateways(tables, subnet_ids)
    ids = sorted({gateway for gateway in routed.values() if gateway})
    found: dict[str, Mapping[str, Any]] = {}
    if ids:
        request = {"Filters": [{"Name": "nat-gateway-id", "Values": ids}]}
        found = {
            gateway["NatGatewayId"]: gateway
            for gateway in _pages(ec2.describe_nat_gateways, "NatGateways", retry, **request)
        }
    return {subnet: _egress(gateway, found.get(gateway)) for subnet, gateway in routed.items()}


def _egress(gateway_id: str, gateway: Mapping[str, Any] | None) -> dict[str, str]:
    if not gateway_id:
        return {"nat_gateway_id": "", "state": "", "failure": ""}
    if gateway is None:
        return {"nat_gateway_id": gateway_id, "state": "missing", "failure": ""}
    failure = " ".join(part for part in (gateway.get("FailureCode"), gateway.get("FailureMessage")) if part)
    return {"nat_gateway_id": gateway_id, "state": gateway.get("State", ""), "failure": failure}


def pending_nat_gateway(egress: Mapping[str, str]) -> str:
    """What a subnet waits for before its instances have egress: "" for nothing, else ``<nat id> (<state>)``."""
    if not egress.get("nat_gateway_id") or egress.get("state") == NAT_READY:
        return ""
    return f"{egress['nat_gateway_id']} ({egress.get('state') or 'unknown'})"


def wait_for_egress(
    ec2: Any, vpc_id: str, subnet_ids: list[str], timeout: int, retry: bool = False, delay: int | None = None
) -> dict[str, str]:
    """Wait until the NAT gateway of each subnet's default route is ``available``; subnet -> NAT gateway id.

    A subnet without a NAT route has nothing to wait for (""). Raises :class:`EgressNotReady` at once
    when a gateway failed (with AWS's failure message), is deleting/deleted or is not there (a route to
    nothing), and after ``timeout`` s naming the gateways still pending.
    """
    egress = read_egress(ec2, vpc_id, subnet_ids, retry=retry)
    waiting = {subnet: row for subnet, row in egress.items() if pending_nat_gateway(row)}
    gateways = sorted({row["nat_gateway_id"] for row in waiting.values()})
    if any(row["state"] in (*GONE, "missing") for row in waiting.values()):
        raise EgressNotReady(_not_ready(None, waiting, timeout))
    if gateways:
        waiter, config = waiter_for(ec2, "NatGatewaysAvailable", timeout, delay)
        try:
            waiter.wait(Filters=[{"Name": "nat-gateway-id", "Values": gateways}], WaiterConfig=config)
        except WaiterError as error:
            raise EgressNotReady(_not_ready(error, waiting, timeout)) from error
    return {subnet: row["nat_gateway_id"] for subnet, row in egress.items()}


def _not_ready(error: Exception | None, waiting: Mapping[str, Mapping[str, str]], timeout: int) -> str:
    """The message of a wait that ended without every gateway available: what each gateway was last."""
    last = {
        gateway["NatGatewayId"]: gateway
        for gateway in (getattr(error, "last_response", None) or {}).get("NatGateways") or []
    }
    subnets_of: dict[str, list[str]] = {}
    for subnet, row in waiting.items():
        subnets_of.setdefault(row["nat_gateway_id"], []).append(subnet)
    rows = {
        gateway: _egress(gateway, last[gateway]) if gateway in last else dict(waiting[subnets[0]])
        for gateway, subnets in sorted(subnets_of.items())
    }
    not_ready = [
        f"{gateway} ({row['state']}{': ' + row['failure'] if row['failure'] else ''}), "
        f"the default route of {', '.join(sorted(subnets_of[gateway]))}"
        for gateway, row in rows.items()
        if row["state"] != NAT_READY
    ]
    if any(row["state"] in (*GONE, "missing") for row in rows.values()):
        return "The private subnets' NAT gateways will not become available: " + "; ".join(not_ready)
    return f"The private subnets' NAT gateways were not available after {timeout} s: " + "; ".join(not_ready)
