# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic of the ec2_route_tables module: several route tables of a VPC in one call.

amazon.aws's ``ec2_vpc_route_table`` manages one table a call, looks each subnet up with a
describe call of its own and sleeps 5 s after every change. Here the tables are read with one
``DescribeRouteTables`` (filtered by the VPC and the wanted ``Name`` tags, every page), plus, only
when a wanted subnet is associated with none of them, one more filtered by
``association.subnet-id``; :func:`plan` turns what was found into an ordered list of steps (plain
dicts, what the module returns as ``changes``); :func:`apply` makes the calls, each retried on
throttling, and waits only on AWS's state (the ``route_table_exists`` waiter after
``CreateRouteTable``, once for every new table), never for a fixed time.

What is managed, as ``ec2_vpc_route_table`` does with its purge options: the routes that
``CreateRoute`` made (the ``local`` route, which ``CreateRouteTable`` made, and the routes that
gateway propagation made are never replaced or purged; nor are routes to a prefix list, which VPC
endpoints manage), the subnet associations (a subnet associated with another table is moved with
``ReplaceRouteTableAssociation``; gateway associations and the main association are left alone),
and the tags (the ``Name`` tag is always the table's name: it is how a table is found).

The pure functions take and return plain dicts and raise RouteTableError; :func:`apply` and the
read functions take an EC2 client made with amazon.aws's retry wrapper
(``module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())``), every call passing
``aws_retry=True``.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    boto3_tag_specifications,
    compare_aws_tags,
)
from ansible_collections.amazon.aws.plugins.module_utils.waiters import get_waiter

from ansible_collections.muejam.infra.plugins.module_utils import state
from ansible_collections.muejam.infra.plugins.module_utils.retries import NotYetVisibleRetry
from ansible_collections.muejam.infra.plugins.module_utils.state.networking import route_target

# The route targets the module sets, option -> the key AWS uses in a route.
TARGETS = {"gateway_id": "GatewayId", "nat_gateway_id": "NatGatewayId"}
# The only origin of the routes the module replaces and purges (not CreateRouteTable: the local
# route; not EnableVgwRoutePropagation: propagated routes).
OWN_ROUTE_ORIGIN = "CreateRoute"
# Associations that count (AWS keeps a disassociated one visible for a while).
LIVE_ASSOCIATION_STATES = ("associated", "associating")
# How often and how long to look for new tables (DescribeRouteTables; AWS usually shows one at once).
WAIT_DELAY = 2
WAIT_ATTEMPTS = 60


class RouteTableError(Exception):
    """A problem the module reports as its failure message."""


@dataclass
class Plan:
    """The steps that take the found tables to the wanted ones, in the order they run."""

    vpc_id: str
    ids: dict[str, str | None] = field(default_factory=dict)  # name -> id (None: to create)
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.steps)


# --- pure functions -------------------------------------------------------------------------


def destination_key(dest: str) -> str:
    """The route key for a destination: IPv6 CIDR blocks have a key of their own."""
    return "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"


def normalize_route(route: Mapping[str, Any], table: str) -> dict[str, str]:
    """A wanted route as ``{"dest": ..., "gateway_id" | "nat_gateway_id": ...}``.

    A ``nat-`` id given as gateway_id is a NAT gateway's, as ``ec2_vpc_route_table`` reads it.
    """
    dest = route.get("dest")
    if not dest:
        raise RouteTableError(f"route table {table}: a route has no dest (its destination CIDR block)")
    targets = {option: route.get(option) for option in TARGETS if route.get(option)}
    if len(targets) != 1:
        raise RouteTableError(
            f"route table {table}, route to {dest}: give exactly one of gateway_id and nat_gateway_id "
            f"(given: {sorted(targets) or 'none'})"
        )
    option, target = next(iter(targets.items()))
    if option == "gateway_id" and str(target).startswith("nat-"):
        option = "nat_gateway_id"
    return {"dest": str(dest), option: str(target)}


def normalize_wanted(route_tables: Iterable[Mapping[str, Any]], check_mode: bool = False) -> dict[str, dict[str, Any]]:
    """The wanted tables by name: routes normalised, subnets without repeats, tags with ``Name``.

    Refused: a name given twice, two routes to one destination in a table, and (outside check
    mode, where ids not created yet may share one placeholder) a subnet under two tables, since a
    subnet has one route table and the runs would move it back and forth.
    """
    wanted: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}  # subnet -> the table that wants it
    for table in route_tables:
        name = table.get("name")
        if not name:
            raise RouteTableError("a route table has no name (its Name tag, how it is found)")
        name = str(name)
        if name in wanted:
            raise RouteTableError(f"route table {name} is given twice")
        routes = [normalize_route(route, name) for route in table.get("routes") or []]
        dests = [route["dest"] for route in routes]
        repeated = sorted({dest for dest in dests if dests.count(dest) > 1})
        if repeated:
            raise RouteTableError(f"route table {name}: several routes to {', '.join(repeated)}")
        subnets = list(dict.fromkeys(str(subnet) for subnet in table.get("subnets") or []))
        for subnet in subnets:
            if subnet in owner and not check_mode:
                raise RouteTableError(
                    f"subnet {subnet} is given for route tables {owner[subnet]} and {name}: "
                    "a subnet has one route table"
                )
            owner.setdefault(subnet, name)
        tags = state.string_tags({**(table.get("tags") or {}), "Name": name})
        wanted[name] = {"name": name, "routes": routes, "subnets": subnets, "tags": tags}
    return wanted


def describe_filters(vpc_id: str, names: Iterable[str]) -> list[dict[str, Any]]:
    """DescribeRouteTables filters for the VPC's tables with one of the names."""
    return state.filters({"vpc-id": vpc_id, "tag:Name": sorted(names)})


def association_filters(vpc_id: str, subnet_ids: Iterable[str]) -> list[dict[str, Any]]:
    """DescribeRouteTables filters for the VPC's tables associated with one of the subnets."""
    return state.filters({"vpc-id": vpc_id, "association.subnet-id": sorted(subnet_ids)})


def name_of(table: Mapping[str, Any]) -> str | None:
    return boto3_tag_list_to_ansible_dict(table.get("Tags") or []).get("Name")


def index_found(vpc_id: str, names: Iterable[str], tables: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The found tables by name (the wanted names only); two tables with one name are refused."""
    wanted_names = set(names)
    by_name: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        name = name_of(table)
        if name in wanted_names and table.get("VpcId", vpc_id) == vpc_id:
            by_name.setdefault(name, []).append(dict(table))
    duplicates = {name: sorted(t["RouteTableId"] for t in group) for name, group in by_name.items() if len(group) > 1}
    if duplicates:
        raise RouteTableError(
            f"The VPC {vpc_id} has several route tables with the same name: {json.dumps(duplicates, sort_keys=True)}; "
            "delete the duplicates, the module cannot tell which one to manage"
        )
    return {name: group[0] for name, group in by_name.items()}


def subnet_associations(table: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The table's live subnet associations (not the main one, not gateway associations)."""
    return [
        association
        for association in table.get("Associations") or []
        if association.get("SubnetId")
        and not association.get("Main")
        and (association.get("AssociationState") or {}).get("State", "associated") in LIVE_ASSOCIATION_STATES
    ]


def subnets_to_look_up(wanted: Mapping[str, Mapping[str, Any]], found: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """The wanted subnets associated with none of the found tables: where they are needs one more
    describe (by ``association.subnet-id``); none on a converged VPC."""
    associated = {association["SubnetId"] for table in found.values() for association in subnet_associations(table)}
    return sorted({subnet for table in wanted.values() for subnet in table["subnets"]} - associated)


def _route_dest(route: Mapping[str, Any]) -> str | None:
    return route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")


def _matches(wanted_route: Mapping[str, str], route: Mapping[str, Any]) -> bool:
    """Whether a found route goes to the wanted destination through the wanted target."""
    option = next(option for option in TARGETS if option in wanted_route)
    return _route_dest(route) == wanted_route["dest"] and route.get(TARGETS[option]) == wanted_route[option]


def _route_step(action: str, name: str, table_id: str | None, route: Mapping[str, str]) -> dict[str, Any]:
    return {"action": action, "route_table": name, "route_table_id": table_id, **route}


def _plan_routes(
    name: str, table_id: str | None, wanted: Mapping[str, Any], current: Mapping[str, Any] | None, purge: bool
) -> list[dict[str, Any]]:
    routes = list((current or {}).get("Routes") or [])
    by_dest = {_route_dest(route): route for route in routes if _route_dest(route)}
    creates, replaces = [], []
    kept: set[str] = set()
    for wanted_route in wanted["routes"]:
        dest = wanted_route["dest"]
        found = by_dest.get(dest)
        kept.add(dest)
        if found is None:
            creates.append(_route_step("create_route", name, table_id, wanted_route))
        elif _matches(wanted_route, found):
            continue
        elif found.get("Origin", OWN_ROUTE_ORIGIN) == OWN_ROUTE_ORIGIN:
            replaces.append(_route_step("replace_route", name, table_id, {**wanted_route, "was": route_target(found)}))
        else:
            raise RouteTableError(
                f"route table {name} ({table_id}): the route to {dest} is the {found.get('Origin')} route "
                f"through {route_target(found)}, which AWS does not let a route replace"
            )
    deletes = []
    if purge:
        for route in routes:
            dest = _route_dest(route)
            if dest and dest not in kept and route.get("Origin") == OWN_ROUTE_ORIGIN:
                deletes.append(_route_step("delete_route", name, table_id, {"dest": dest, "was": route_target(route)}))
    return deletes + replaces + creates


def plan(
    vpc_id: str,
    wanted: Mapping[str, Mapping[str, Any]],
    found: Mapping[str, Mapping[str, Any]],
    elsewhere: Iterable[Mapping[str, Any]] = (),
    purge_routes: bool = True,
    purge_subnets: bool = True,
    purge_tags: bool = True,
) -> Plan:
    """The steps from the found tables (``index_found``) to the wanted ones (``normalize_wanted``).

    ``elsewhere`` holds the other tables of the VPC that a wanted subnet is associated with
    (the ``association.subnet-id`` describe); a subnet found there is moved, with its association.
    The steps run in this order: create the tables (with their tags), the routes (delete, replace,
    create), the associations (move, add, remove), then the tags of the tables that existed.
    """
    result = Plan(vpc_id, ids={name: (found.get(name) or {}).get("RouteTableId") for name in wanted})
    association_of: dict[str, dict[str, Any]] = {}  # subnet -> {id, table id}
    for table in [*found.values(), *elsewhere]:
        for association in subnet_associations(table):
            association_of.setdefault(
                association["SubnetId"],
                {"id": association["RouteTableAssociationId"], "route_table_id": table["RouteTableId"]},
            )
    for name, table in wanted.items():
        if name not in found:
            result.steps.append({"action": "create_route_table", "route_table": name, "tags": dict(table["tags"])})
    for name, table in wanted.items():
        result.steps.extend(_plan_routes(name, result.ids[name], table, found.get(name), purge_routes))
    moved: set[str] = set()  # association ids that a move takes over
    removals = []
    for name, table in wanted.items():
        table_id = result.ids[name]
        for subnet in table["subnets"]:
            association = association_of.get(subnet)
            if association is None:
                result.steps.append(
                    {"action": "associate", "route_table": name, "route_table_id": table_id, "subnet_id": subnet}
                )
            elif table_id is None or association["route_table_id"] != table_id:
                moved.add(association["id"])
                result.steps.append(
                    {
                        "action": "replace_association",
                        "route_table": name,
                        "route_table_id": table_id,
                        "subnet_id": subnet,
                        "association_id": association["id"],
                        "from_route_table_id": association["route_table_id"],
                    }
                )
    if purge_subnets:
        for name, table in found.items():
            for association in subnet_associations(table):
                if (
                    association["SubnetId"] in wanted[name]["subnets"]
                    or association["RouteTableAssociationId"] in moved
                ):
                    continue
                removals.append(
                    {
                        "action": "disassociate",
                        "route_table": name,
                        "route_table_id": table["RouteTableId"],
                        "subnet_id": association["SubnetId"],
                        "association_id": association["RouteTableAssociationId"],
                    }
                )
    result.steps.extend(removals)
    for name, table in found.items():
        current_tags = boto3_tag_list_to_ansible_dict(table.get("Tags") or [])
        to_set, to_unset = compare_aws_tags(current_tags, wanted[name]["tags"], purge_tags)
        if to_set:
            result.steps.append(
                {"action": "set_tags", "route_table": name, "route_table_id": table["RouteTableId"], "tags": to_set}
            )
        if to_unset:
            result.steps.append(
                {
                    "action": "remove_tags",
                    "route_table": name,
                    "route_table_id": table["RouteTableId"],
                    "keys": sorted(to_unset),
                }
            )
    return result


def view(table: Mapping[str, Any]) -> dict[str, Any]:
    """A DescribeRouteTables entry as the module returns it."""
    return {
        "id": table.get("RouteTableId"),
        "routes": [
            {
                "dest": _route_dest(route) or route.get("DestinationPrefixListId"),
                "target": route_target(route),
                "origin": route.get("Origin"),
                "state": route.get("State"),
            }
            for route in table.get("Routes") or []
        ],
        "associations": sorted(
            ({"id": a["RouteTableAssociationId"], "subnet_id": a["SubnetId"]} for a in subnet_associations(table)),
            key=lambda association: association["subnet_id"],
        ),
        "tags": boto3_tag_list_to_ansible_dict(table.get("Tags") or []),
    }


def predicted(
    wanted: Mapping[str, Mapping[str, Any]], found: Mapping[str, Mapping[str, Any]], steps: Iterable[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The tables as the steps would leave them (check mode's result): a table to create has id
    null, as AWS has not named it yet; a route or association to make has a null id and state."""
    tables = {name: view(found[name]) if name in found else view({}) for name in wanted}
    for step in steps:
        table = tables[step["route_table"]]
        action = step["action"]
        target = step.get("gateway_id") or step.get("nat_gateway_id")
        if action == "create_route_table":
            table["tags"] = dict(step["tags"])
            table["routes"] = []  # the local route's CIDR is the VPC's, not known here
        elif action in ("delete_route", "replace_route"):
            table["routes"] = [route for route in table["routes"] if route["dest"] != step["dest"]]
        if action in ("create_route", "replace_route"):
            table["routes"].append({"dest": step["dest"], "target": target, "origin": OWN_ROUTE_ORIGIN, "state": None})
        elif action in ("associate", "replace_association"):
            for other in tables.values():
                other["associations"] = [a for a in other["associations"] if a["subnet_id"] != step["subnet_id"]]
            # AWS names the new association (a move makes a new one too).
            table["associations"].append({"id": None, "subnet_id": step["subnet_id"]})
        elif action == "disassociate":
            table["associations"] = [a for a in table["associations"] if a["id"] != step["association_id"]]
        elif action == "set_tags":
            table["tags"].update(step["tags"])
        elif action == "remove_tags":
            table["tags"] = {key: value for key, value in table["tags"].items() if key not in step["keys"]}
    for table in tables.values():
        table["associations"].sort(key=lambda association: association["subnet_id"])
    return tables


# --- AWS calls (retried on throttling) ------------------------------------------------------


# A table, NAT gateway or internet gateway created a moment ago may not be visible to every call yet.
NOT_YET_VISIBLE = [
    "InvalidRouteTableID.NotFound",
    "InvalidNatGatewayID.NotFound",
    "InvalidGatewayID.NotFound",
    "InvalidSubnetID.NotFound",
]


# Paginators bypass the client's retry wrapper (amazon.aws never wraps get_paginator): the whole
# pagination is retried on throttling instead, as amazon.aws's own describe helpers do.
@AWSRetry.jittered_backoff()
def describe_route_tables(client: Any, **request: Any) -> list[dict[str, Any]]:
    paginator = client.get_paginator("describe_route_tables")
    return paginator.paginate(**request).build_full_result()["RouteTables"]


@NotYetVisibleRetry.jittered_backoff(catch_extra_error_codes=NOT_YET_VISIBLE)
def _call(method: Any, **request: Any) -> Any:
    return method(**request, aws_retry=True)


def read(client: Any, vpc_id: str, wanted: Mapping[str, Mapping[str, Any]]) -> tuple[dict[str, Any], list[Any]]:
    """The found tables by name, and the other tables that wanted subnets are associated with."""
    found = index_found(vpc_id, wanted, describe_route_tables(client, Filters=describe_filters(vpc_id, wanted)))
    missing = subnets_to_look_up(wanted, found)
    elsewhere = []
    if missing:
        known = {table["RouteTableId"] for table in found.values()}
        elsewhere = [
            table
            for table in describe_route_tables(client, Filters=association_filters(vpc_id, missing))
            if table["RouteTableId"] not in known
        ]
    return found, elsewhere


def _route_request(table_id: str, step: Mapping[str, Any]) -> dict[str, Any]:
    request = {"RouteTableId": table_id, destination_key(step["dest"]): step["dest"]}
    for option, key in TARGETS.items():
        if step.get(option):
            request[key] = step[option]
    return request


def _wait_until_visible(client: Any, table_ids: list[str]) -> None:
    waiter = get_waiter(client, "route_table_exists")
    try:
        waiter.wait(RouteTableIds=table_ids, WaiterConfig={"Delay": WAIT_DELAY, "MaxAttempts": WAIT_ATTEMPTS})
    except Exception as error:  # botocore's WaiterError
        if type(error).__name__ != "WaiterError":
            raise
        raise RouteTableError(
            f"The new route tables {', '.join(table_ids)} were not visible "
            f"after {WAIT_DELAY * WAIT_ATTEMPTS} s: {error}"
        ) from error


def apply(client: Any, result: Plan) -> dict[str, str]:
    """Make the plan's calls in order; return every wanted table's id."""
    ids = dict(result.ids)
    created = []
    for step in result.steps:
        if step["action"] == "create_route_table":
            # One token for every try of this create: a retry after an error whose request AWS
            # carried out (a 500, a lost connection) returns that table instead of a second one
            # with the same name, which the next run would refuse.
            response = _call(
                client.create_route_table,
                VpcId=result.vpc_id,
                TagSpecifications=boto3_tag_specifications(step["tags"], ["route-table"]),
                ClientToken=str(uuid.uuid4()),
            )
            ids[step["route_table"]] = response["RouteTable"]["RouteTableId"]
            created.append(ids[step["route_table"]])
    if created:
        _wait_until_visible(client, created)
    for step in result.steps:
        action = step["action"]
        table_id = ids[step["route_table"]]
        step["route_table_id"] = table_id
        if action == "create_route":
            _call(client.create_route, **_route_request(table_id, step))
        elif action == "replace_route":
            _call(client.replace_route, **_route_request(table_id, step))
        elif action == "delete_route":
            request = {"RouteTableId": table_id, destination_key(step["dest"]): step["dest"]}
            _call(client.delete_route, **request)
        elif action == "associate":
            response = _call(client.associate_route_table, RouteTableId=table_id, SubnetId=step["subnet_id"])
            step["association_id"] = response.get("AssociationId")
        elif action == "replace_association":
            response = _call(
                client.replace_route_table_association, AssociationId=step["association_id"], RouteTableId=table_id
            )
            step["association_id"] = response.get("NewAssociationId", step["association_id"])
        elif action == "disassociate":
            _call(client.disassociate_route_table, AssociationId=step["association_id"])
        elif action == "set_tags":
            tags = [{"Key": key, "Value": value} for key, value in step["tags"].items()]
            _call(client.create_tags, Resources=[table_id], Tags=tags)
        elif action == "remove_tags":
            _call(client.delete_tags, Resources=[table_id], Tags=[{"Key": key} for key in step["keys"]])
    return {name: str(table_id) for name, table_id in ids.items()}


def ensure_present(
    client: Any,
    vpc_id: str,
    route_tables: Iterable[Mapping[str, Any]],
    purge_routes: bool = True,
    purge_subnets: bool = True,
    purge_tags: bool = True,
    check_mode: bool = False,
) -> dict[str, Any]:
    """Read, plan and (outside check mode) apply; return changed, changes and route_tables."""
    wanted = normalize_wanted(route_tables, check_mode)
    found, elsewhere = read(client, vpc_id, wanted)
    result = plan(vpc_id, wanted, found, elsewhere, purge_routes, purge_subnets, purge_tags)
    if check_mode or not result.changed:
        tables = predicted(wanted, found, result.steps)
    else:
        ids = apply(client, result)
        # One read of what AWS now has, for the result.
        now = {
            table["RouteTableId"]: table for table in describe_route_tables(client, RouteTableIds=list(ids.values()))
        }
        tables = {name: view(now.get(table_id, {"RouteTableId": table_id})) for name, table_id in ids.items()}
    return {"changed": result.changed, "changes": result.steps, "route_tables": tables}
