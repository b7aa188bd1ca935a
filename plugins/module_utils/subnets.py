# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic of the ec2_vpc_subnets module: several subnets of a VPC in one call.

amazon.aws's ``ec2_vpc_subnet`` manages one subnet a call (a task loop of three is three module
starts, each with its own describes). Here the VPC's subnets are read with one
``DescribeSubnets`` (filtered by the VPC, every page); a wanted subnet is the one of its CIDR
block, as ``ec2_vpc_subnet`` finds it. :func:`plan` turns wanted and found into ordered steps (what
the module returns as ``changes``); :func:`apply` makes the calls through ``call(method,
**request)``, which the module gives (amazon.aws's retries of throttling and 5xx errors, and of
``InvalidSubnetID.NotFound`` while AWS does not show a new subnet yet), then reads the subnets once
for the result, again every second only while a new one is not ``available`` yet: a wait on AWS's
state, never for a fixed time.

What is managed: the subnets' existence (CIDR block and zone: a found subnet in another zone is
refused, as AWS cannot move one), ``MapPublicIpOnLaunch`` and the tags. Deleting subnets is a
teardown's work. Like the stack's parts, nothing here imports Ansible.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import state

# What AWS answers while it does not show a subnet created a moment ago (the module retries it).
NOT_YET_VISIBLE = ["InvalidSubnetID.NotFound"]
WAIT_DELAY = 1  # seconds between DescribeSubnets while new subnets are pending


class SubnetError(Exception):
    """A problem the module reports as its failure message."""


def _cidr(value: str) -> str:
    try:
        return str(ipaddress.ip_network(value, strict=True))
    except ValueError as error:
        raise SubnetError(f"The subnet CIDR block {value!r} is not a network address: {error}") from None


def normalize_wanted(subnets: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The wanted subnets in the order given; a CIDR block given twice is refused."""
    wanted: list[dict[str, Any]] = []
    for subnet in subnets:
        cidr = _cidr(str(subnet["cidr"]))
        if any(item["cidr"] == cidr for item in wanted):
            raise SubnetError(f"The CIDR block {cidr} is given for two subnets.")
        wanted.append(
            {
                "cidr": cidr,
                "az": str(subnet["az"]),
                "map_public": bool(subnet.get("map_public")),
                "tags": state.string_tags(subnet.get("tags") or {}),
            }
        )
    return wanted


def view(subnet: Mapping[str, Any]) -> dict[str, Any]:
    """A subnet from DescribeSubnets in the form plan() compares and the module returns."""
    return {
        "id": subnet["SubnetId"],
        "cidr": subnet.get("CidrBlock", ""),
        "az": subnet.get("AvailabilityZone", ""),
        "map_public": bool(subnet.get("MapPublicIpOnLaunch")),
        "state": subnet.get("State", ""),
        "tags": state.tags_of(subnet.get("Tags")),
    }


def plan(
    vpc_id: str, wanted: list[dict[str, Any]], found: Mapping[str, Mapping[str, Any]], purge_tags: bool = True
) -> list[dict[str, Any]]:
    """The steps from the found subnets (by CIDR block) to the wanted ones, subnet by subnet."""
    moved = [
        f"{item['cidr']} is in {found[item['cidr']]['az']} ({found[item['cidr']]['id']}), not {item['az']}"
        for item in wanted
        if item["cidr"] in found and found[item["cidr"]]["az"] != item["az"]
    ]
    if moved:
        raise SubnetError(
            f"Subnets of {vpc_id} are in another availability zone than wanted: {'; '.join(moved)}. AWS cannot move"
            " a subnet: delete it (tear the network down) or give the zone it is in."
        )
    steps: list[dict[str, Any]] = []
    for item in wanted:
        subnet = found.get(item["cidr"])
        if subnet is None:
            steps.append({"action": "create", "cidr": item["cidr"], "az": item["az"], "tags": item["tags"]})
            current = {"map_public": False, "tags": dict(item["tags"])}
        else:
            current = subnet
        if current["map_public"] != item["map_public"]:
            steps.append({"action": "set_map_public", "cidr": item["cidr"], "map_public": item["map_public"]})
        to_set, to_unset = state.tag_changes(current["tags"], item["tags"], purge_tags)
        if to_set:
            steps.append({"action": "set_tags", "cidr": item["cidr"], "tags": to_set})
        if to_unset:
            steps.append({"action": "remove_tags", "cidr": item["cidr"], "keys": to_unset})
    return steps


def predicted(
    wanted: list[dict[str, Any]], found: Mapping[str, Mapping[str, Any]], steps: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The subnets as the steps would leave them (check mode, or nothing to change), in the wanted order."""
    result = {}
    for item in wanted:
        base = found.get(item["cidr"]) or {"id": None, "cidr": item["cidr"], "az": item["az"], "state": None}
        result[item["cidr"]] = {"map_public": False, "tags": {}, **dict(base)}
    for step in steps:
        subnet = result[step["cidr"]]
        if step["action"] == "create":
            subnet["tags"] = dict(step["tags"])
        elif step["action"] == "set_map_public":
            subnet["map_public"] = step["map_public"]
        elif step["action"] == "set_tags":
            subnet["tags"] = {**subnet["tags"], **step["tags"]}
        elif step["action"] == "remove_tags":
            subnet["tags"] = {key: value for key, value in subnet["tags"].items() if key not in step["keys"]}
    return [result[item["cidr"]] for item in wanted]


def read(call: Callable[..., Any], client: Any, vpc_id: str) -> dict[str, dict[str, Any]]:
    """The VPC's subnets by CIDR block (every page of one filtered DescribeSubnets)."""
    found: dict[str, dict[str, Any]] = {}
    request: dict[str, Any] = {"Filters": state.filters({"vpc-id": vpc_id})}
    while True:
        page = call(client.describe_subnets, **request)
        for subnet in page.get("Subnets", []):
            found[subnet["CidrBlock"]] = view(subnet)
        if not page.get("NextToken"):
            return found
        request["NextToken"] = page["NextToken"]


def apply(call: Callable[..., Any], client: Any, vpc_id: str, ids: dict[str, Any], steps: list[dict[str, Any]]) -> None:
    """Make the steps' calls in order, noting the new subnets' ids in ``ids`` (by CIDR block)."""
    for step in steps:
        action = step["action"]
        if action == "create":
            request: dict[str, Any] = {"VpcId": vpc_id, "CidrBlock": step["cidr"], "AvailabilityZone": step["az"]}
            if step["tags"]:
                tags = [{"Key": key, "Value": value} for key, value in step["tags"].items()]
                request["TagSpecifications"] = [{"ResourceType": "subnet", "Tags": tags}]
            ids[step["cidr"]] = call(client.create_subnet, **request)["Subnet"]["SubnetId"]
        elif action == "set_map_public":
            call(
                client.modify_subnet_attribute,
                SubnetId=ids[step["cidr"]],
                MapPublicIpOnLaunch={"Value": step["map_public"]},
            )
        elif action == "set_tags":
            tags = [{"Key": key, "Value": value} for key, value in step["tags"].items()]
            call(client.create_tags, Resources=[ids[step["cidr"]]], Tags=tags)
        elif action == "remove_tags":
            call(client.delete_tags, Resources=[ids[step["cidr"]]], Tags=[{"Key": key} for key in step["keys"]])


def wait_until_available(
    call: Callable[..., Any],
    client: Any,
    subnet_ids: list[str],
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, dict[str, Any]]:
    """Poll AWS's state of the subnets every WAIT_DELAY s until each is ``available``; return them by id."""
    deadline = clock() + timeout
    while True:
        subnets = {item["SubnetId"]: item for item in call(client.describe_subnets, SubnetIds=subnet_ids)["Subnets"]}
        pending = [subnet_id for subnet_id in subnet_ids if subnets.get(subnet_id, {}).get("State") != "available"]
        if not pending:
            return subnets
        if clock() >= deadline:
            raise SubnetError(f"The subnets {', '.join(pending)} were not available after {timeout:g} s.")
        sleep(WAIT_DELAY)


def ensure_present(
    call: Callable[..., Any],
    client: Any,
    vpc_id: str,
    subnets: Iterable[Mapping[str, Any]],
    purge_tags: bool = True,
    wait_timeout: int = 300,
    check_mode: bool = False,
) -> dict[str, Any]:
    """Read, plan and (outside check mode) apply; return changed, changes and subnets (in the wanted order)."""
    wanted = normalize_wanted(subnets)
    found = read(call, client, vpc_id)
    steps = plan(vpc_id, wanted, found, purge_tags)
    if check_mode or not steps:
        return {"changed": bool(steps), "changes": steps, "subnets": predicted(wanted, found, steps)}
    ids = {cidr: subnet["id"] for cidr, subnet in found.items()}
    apply(call, client, vpc_id, ids, steps)
    # One read of the subnets for the result, repeated only while a new one is not available yet.
    now = wait_until_available(call, client, [ids[item["cidr"]] for item in wanted], wait_timeout)
    return {"changed": True, "changes": steps, "subnets": [view(now[ids[item["cidr"]]]) for item in wanted]}
