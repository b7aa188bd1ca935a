# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The networking part of the stack (role muejam.infra.networking): the VPC and what is in it.

Every resource is found by its ``Name`` from the names table, and, when none carries the name, the
way its module looks for it (a subnet by its CIDR block, a NAT gateway by its subnet, a NAT
gateway's Elastic IP by its association): so an attribute that is a lookup key elsewhere (a
subnet's CIDR block, a NAT gateway's subnet) is compared here, and a resource the module would
adopt is compared, not reported missing. The internet gateway is the one attached to the VPC (what
``ec2_vpc_igw`` looks for); the route tables are found by ``Name`` (what the role looks for); the
flow log is the VPC's flow log to the wanted log group (what ``ec2_vpc_flow_log`` keeps), or
another of the VPC's flow logs to report how it differs.

References between resources are resource keys (``"public_subnet[us-east-1a]"``,
``"nat_gateway[us-east-1a]"``, ``"flow_logs_role"``); a reference to something the part does not
own stays the raw id. A NAT gateway counts while ``pending`` or ``available`` (the role creates
them without waiting; failed, deleting and deleted ones do not count).

On a converged stack with the defaults the part makes 15 calls: EC2 ``DescribeVpcs``,
``DescribeVpcAttribute`` (twice), ``DescribeSubnets``, ``DescribeInternetGateways``,
``DescribeNatGateways``, ``DescribeAddresses``, ``DescribeRouteTables``,
``DescribeSecurityGroups``, ``DescribeFlowLogs``; CloudWatch Logs ``DescribeLogGroups``,
``ListTagsLogGroup``; IAM ``GetRole``, ``ListAttachedRolePolicies``, ``GetRolePolicy``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import unquote

from ansible_collections.muejam.infra.plugins.module_utils import names as names_table
from ansible_collections.muejam.infra.plugins.module_utils import security_groups, state
from ansible_collections.muejam.infra.plugins.module_utils.rules.network import derived_subnet_cidrs

MANAGED: dict[str, dict[str, str | tuple[str, ...] | None]] = {
    "Create the VPC": {
        "name": "vpc.tags",  # the Name tag
        "vpc_id": None,  # which VPC: the one found by its Name, Project and Environment tags
        "cidr_block": "vpc.cidr",
        "tenancy": "vpc.tenancy",
        "dns_support": "vpc.dns_support",
        "dns_hostnames": "vpc.dns_hostnames",
        "tags": "vpc.tags",
        "purge_tags": "vpc.tags",
        "state": None,  # the direction (present)
    },
    "Remove every rule of the VPC's default security group": {
        "name": None,  # which group: the VPC's default one, found by vpc-id and its name
        "description": None,  # the default group's own description, as found (AWS's, immutable)
        "vpc_id": None,  # which VPC: the part reads only the found VPC's group
        "rules": "default_security_group.ingress",
        "rules_egress": "default_security_group.egress",
        "purge_rules": "default_security_group.ingress",
        "purge_rules_egress": "default_security_group.egress",
        "purge_tags": None,  # false: the default group's tags are left as they are
        "state": None,  # the direction (present)
    },
    "Create the flow logs' log group": {
        "log_group_name": None,  # which group: read by this name
        "retention": "flow_logs_log_group.retention",
        "tags": "flow_logs_log_group.tags",
        "purge_tags": "flow_logs_log_group.tags",
        "state": None,  # the direction (present)
    },
    "Create the role that delivers the flow logs": {
        "name": None,  # which role: read by this name
        "description": "flow_logs_role.description",
        "assume_role_policy_document": "flow_logs_role.trust_policy",
        "managed_policies": "flow_logs_role.managed_policies",
        "purge_policies": "flow_logs_role.managed_policies",
        "create_instance_profile": None,  # false: an existing role's instance profiles are neither made nor removed
        "tags": "flow_logs_role.tags",
        "purge_tags": "flow_logs_role.tags",
        "state": None,  # the direction (present)
    },
    "Allow the role to write to the flow logs' log group only": {
        "iam_type": None,  # which policy: the role's inline policy, read by role and policy name
        "iam_name": None,  # which policy: its role's name
        "policy_name": None,  # which policy: its name
        "policy_json": "flow_logs_policy.document",
        "state": None,  # the direction (present)
    },
    "Turn the VPC's flow logs on": {
        "resource_id": None,  # which flow log: the found VPC's
        "traffic_type": "flow_log.traffic_type",
        "log_destination_type": "flow_log.destination_type",
        "log_group_name": "flow_log.log_group",
        "deliver_logs_permission_arn": "flow_log.role",
        "max_aggregation_interval": "flow_log.max_aggregation_interval",
        "tags": "flow_log.tags",
        "purge_tags": "flow_log.tags",
        "state": None,  # the direction (present)
    },
    "Create the public subnets": {
        "vpc_id": None,  # which VPC: the part reads only the found VPC's subnets
        "subnets": (
            "public_subnet[*].cidr",
            "public_subnet[*].az",
            "public_subnet[*].map_public",
            "public_subnet[*].tags",
        ),
        "purge_tags": "public_subnet[*].tags",
        "wait_timeout": None,  # how long the module waits for a new subnet, not a setting
        "state": None,  # the direction (present)
    },
    "Create the private subnets": {
        "vpc_id": None,  # which VPC: the part reads only the found VPC's subnets
        "subnets": (
            "private_subnet[*].cidr",
            "private_subnet[*].az",
            "private_subnet[*].map_public",
            "private_subnet[*].tags",
        ),
        "purge_tags": "private_subnet[*].tags",
        "wait_timeout": None,  # how long the module waits for a new subnet, not a setting
        "state": None,  # the direction (present)
    },
    "Create the internet gateway": {
        "vpc_id": None,  # which gateway: the one attached to the VPC (detached, it is missing)
        "tags": "internet_gateway.tags",
        "purge_tags": "internet_gateway.tags",
        "state": None,  # the direction (present)
    },
    "Allocate the NAT gateways' Elastic IPs": {
        "public_ip": "nat_gateway[*].allocation",  # an existing NAT gateway keeps its address
        "in_vpc": "nat_eip[*].domain",
        "reuse_existing_ip_allowed": None,  # how a free address is found for reuse, not a setting
        "tag_name": None,  # the tag that lookup goes by (its value is compared in tags)
        "tag_value": None,  # the Name that lookup goes by (compared in tags)
        "tags": "nat_eip[*].tags",
        "purge_tags": "nat_eip[*].tags",
        "state": None,  # the direction (present)
    },
    "Create the NAT gateways": {
        "subnet_id": "nat_gateway[*].subnet",
        "allocation_id": "nat_gateway[*].allocation",
        "connectivity_type": "nat_gateway[*].connectivity",
        "if_exist_do_not_create": None,  # the module's lookup: keep the subnet's NAT gateway
        "wait": None,  # false: created at once, pending; scaling_group waits until they are available
        "tags": "nat_gateway[*].tags",
        "purge_tags": "nat_gateway[*].tags",
        "state": None,  # the direction (present)
    },
    "Create the route tables": {
        "vpc_id": None,  # which VPC: the part reads only the found VPC's route tables
        # Every table's name (its Name tag, compared in tags), routes, subnets and tags.
        "route_tables": (
            "public_route_table.routes",
            "public_route_table.subnets",
            "public_route_table.tags",
            "private_route_table[*].routes",
            "private_route_table[*].subnets",
            "private_route_table[*].tags",
        ),
        "purge_routes": ("public_route_table.routes", "private_route_table[*].routes"),
        "purge_subnets": ("public_route_table.subnets", "private_route_table[*].subnets"),
        "purge_tags": ("public_route_table.tags", "private_route_table[*].tags"),
        "state": None,  # the direction (present)
    },
    "Delete the NAT gateways that the NAT gateway mode no longer needs": {
        # Which ones: those tagged with the stack's NAT names that the mode does not want
        # (wanted None: they must not exist).
        "nat_gateway_id": None,
        "release_eip": None,  # part of the deletion: the address goes with its NAT gateway
        "wait": None,  # how the module waits for the deletion
        "wait_timeout": None,  # how long it waits
        "state": None,  # the direction (absent, for these)
    },
}

EXAMPLE_INPUTS: dict[str, Any] = {
    "name": "muejam-local",
    "tags": {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"},
}

NAT_STATES = ("pending", "available")  # a NAT gateway that counts as existing
TIERS = ("public", "private")
ANYWHERE = "0.0.0.0/0"
FLOW_LOGS_SERVICE = "vpc-flow-logs.amazonaws.com"


# --- what the inputs ask for --------------------------------------------------------------------


def subnet_cidrs(inputs: Mapping[str, Any], tier: str) -> list[str]:
    """The tier's CIDR blocks, one per zone: the given ones, else derived as the role derives them."""
    given = inputs.get(f"{tier}_subnet_cidrs") or []
    if given:
        return [str(cidr) for cidr in given]
    return derived_subnet_cidrs(str(inputs["vpc_cidr"]), len(inputs["availability_zones"]), tier)


def nat_zones(inputs: Mapping[str, Any]) -> list[str]:
    """The zones that get a NAT gateway: every zone (per_az), the first one (single) or none."""
    zones = list(inputs["availability_zones"])
    mode = inputs.get("nat_gateway_mode", "per_az")
    return zones if mode == "per_az" else zones[:1] if mode == "single" else []


def nat_route_zone(inputs: Mapping[str, Any], zone: str) -> str | None:
    """The zone whose NAT gateway the private subnet of ``zone`` routes through (None: no route)."""
    zones = nat_zones(inputs)
    if not zones:
        return None
    return zone if inputs.get("nat_gateway_mode", "per_az") == "per_az" else zones[0]


def route_tables(
    inputs: Mapping[str, Any],
    names: Mapping[str, Any],
    gateway_id: str,
    public_subnet_ids: list[str],
    nat_gateway_ids: list[str],
    private_subnet_ids: list[str],
) -> list[dict[str, Any]]:
    """The route tables as ``muejam.infra.ec2_route_tables`` takes them (filter ``muejam.infra.route_tables``):
    the public table (everywhere to the internet gateway ``gateway_id``, every public subnet), then each
    zone's private table (its one private subnet; everywhere to the NAT gateway :func:`nat_route_zone`
    names, or no route). ``nat_gateway_ids``: those of :func:`nat_zones`, in its order; the subnet ids, in
    the zones' order. What :func:`wanted` compares, by ids."""
    zones = list(inputs["availability_zones"])
    with_nat = nat_zones(inputs)
    if len(nat_gateway_ids) != len(with_nat) or len(private_subnet_ids) != len(zones):
        raise ValueError(
            f"route_tables: {len(nat_gateway_ids)} NAT gateway ids for {len(with_nat)} NAT zones and "
            f"{len(private_subnet_ids)} private subnet ids for {len(zones)} zones"
        )
    tables = [
        {
            "name": names["public_route_table"],
            "routes": [{"dest": ANYWHERE, "gateway_id": gateway_id}],
            "subnets": list(public_subnet_ids),
            "tags": _tags(inputs, names["public_route_table"]),
        }
    ]
    for zone, subnet_id in zip(zones, private_subnet_ids, strict=True):
        via = nat_route_zone(inputs, zone)
        name = names["private_route_table"][zone]
        tables.append(
            {
                "name": name,
                "routes": []
                if via is None
                else [{"dest": ANYWHERE, "nat_gateway_id": nat_gateway_ids[with_nat.index(via)]}],
                "subnets": [subnet_id],
                "tags": _tags(inputs, name),
            }
        )
    return tables


def flow_logs_group(inputs: Mapping[str, Any], names: Mapping[str, Any]) -> str:
    return str(inputs.get("flow_logs_log_group_name") or names["flow_logs_log_group"])


def nat_name_prefix(inputs: Mapping[str, Any]) -> str:
    """What the Name of every NAT gateway (and Elastic IP) of the stack begins with, whatever its zone."""
    return names_table.resource_name("nat_gateway", str(inputs["name"]), zone="")


def trust_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": FLOW_LOGS_SERVICE}, "Action": "sts:AssumeRole"}],
    }


def delivery_policy(group: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "WriteFlowLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
                "Resource": [f"arn:aws:logs:*:*:log-group:{group}", f"arn:aws:logs:*:*:log-group:{group}:*"],
            },
            {"Sid": "FindTheLogGroup", "Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"},
        ],
    }


def policy_document(document: Any) -> Any:
    """A policy in one canonical form: keys sorted, lists sorted, a one-item list as its item.

    AWS reads ``"Action": "x"`` and ``["x"]`` alike and does not order statements or actions;
    GetRole and GetRolePolicy may return the document URL-encoded.
    """
    if isinstance(document, str):
        document = json.loads(unquote(document))
    return _canonical(document)


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        items = sorted((_canonical(item) for item in value), key=lambda item: json.dumps(item, sort_keys=True))
        return items[0] if len(items) == 1 else items
    return value


def _tags(inputs: Mapping[str, Any], name: str, **extra: str) -> dict[str, str]:
    return state.string_tags({**(inputs.get("tags") or {}), "Name": name, **extra})


def subnets(inputs: Mapping[str, Any], names: Mapping[str, Any], tier: str) -> list[dict[str, Any]]:
    """The tier's subnets as ``muejam.infra.ec2_vpc_subnets`` takes them (filter ``muejam.infra.subnets``), in
    the zones' order: what :func:`wanted` compares. Nothing needs auto-assigned public IPs (the ALB and the
    NAT gateways get their own), so no subnet maps them."""
    zones = list(inputs["availability_zones"])
    return [
        {"cidr": cidr, "az": zone, "map_public": False, "tags": _tags(inputs, names[f"{tier}_subnet"][zone], Tier=tier)}
        for zone, cidr in zip(zones, subnet_cidrs(inputs, tier), strict=True)
    ]


def wanted(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    zones = list(inputs["availability_zones"])
    with_nat = nat_zones(inputs)
    resources: dict[str, Any] = {
        "vpc": {
            "cidr": str(inputs["vpc_cidr"]),
            "tenancy": "default",
            "dns_support": True,
            "dns_hostnames": True,
            "tags": _tags(inputs, names["vpc"]),
        }
    }
    if inputs.get("restrict_default_security_group", True):
        resources["default_security_group"] = {"ingress": [], "egress": []}
    group = flow_logs_group(inputs, names)
    if inputs.get("flow_logs_enabled", True):
        resources["flow_logs_log_group"] = {
            "retention": int(inputs["flow_logs_retention_days"]),
            "tags": _tags(inputs, names["flow_logs_log_group_tag"]),
        }
        resources["flow_logs_role"] = {
            "description": f"{inputs['name']}: VPC flow logs delivery to CloudWatch Logs",
            "trust_policy": policy_document(trust_policy()),
            "managed_policies": [],
            "tags": _tags(inputs, names["flow_logs_role"]),
        }
        resources["flow_logs_policy"] = {"document": policy_document(delivery_policy(group))}
        resources["flow_log"] = {
            "traffic_type": str(inputs["flow_logs_traffic_type"]),
            "destination_type": "cloud-watch-logs",
            "log_group": group,
            "role": "flow_logs_role",
            "max_aggregation_interval": int(inputs["flow_logs_max_aggregation_interval"]),
            "tags": _tags(inputs, names["flow_logs_log_group_tag"]),
        }
    for tier in TIERS:
        for subnet in subnets(inputs, names, tier):
            resources[f"{tier}_subnet[{subnet['az']}]"] = subnet
    resources["internet_gateway"] = {"tags": _tags(inputs, names["internet_gateway"])}
    for zone in zones:
        if zone in with_nat:
            resources[f"nat_eip[{zone}]"] = {"domain": "vpc", "tags": _tags(inputs, names["nat_gateway"][zone])}
            resources[f"nat_gateway[{zone}]"] = {
                "subnet": f"public_subnet[{zone}]",
                "allocation": f"nat_eip[{zone}]",
                "connectivity": "public",
                "tags": _tags(inputs, names["nat_gateway"][zone]),
            }
        else:
            resources[f"nat_gateway[{zone}]"] = None
    resources["public_route_table"] = {
        "routes": [{"dest": ANYWHERE, "target": "internet_gateway"}],
        "subnets": sorted(f"public_subnet[{zone}]" for zone in zones),
        "tags": _tags(inputs, names["public_route_table"]),
    }
    for zone in zones:
        via = nat_route_zone(inputs, zone)
        resources[f"private_route_table[{zone}]"] = {
            "routes": [] if via is None else [{"dest": ANYWHERE, "target": f"nat_gateway[{via}]"}],
            "subnets": [f"private_subnet[{zone}]"],
            "tags": _tags(inputs, names["private_route_table"][zone]),
        }
    # What was found and must not exist: the stack's other NAT gateways, second flow logs to the group.
    for key in found.get("resources", {}):
        if key.startswith(("nat_gateway[", "flow_log[")) and key not in resources:
            resources[key] = None
    return resources


# --- what exists --------------------------------------------------------------------------------


def _pages(
    call: Callable[..., Any], method: Callable[..., Any], key: str, token: str = "NextToken", **request: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated call (``token`` in the request and the response), each page retried."""
    items: list[dict[str, Any]] = []
    while True:
        response = call(method, **request)
        items.extend(response.get(key) or [])
        marker = response.get(token)
        if not marker or (token == "Marker" and not response.get("IsTruncated")):
            return items
        request[token] = marker


def _name(item: Mapping[str, Any]) -> str | None:
    return state.tags_of(item.get("Tags")).get("Name")


def _first(items: Iterable[dict[str, Any]], *preferences: Callable[[dict[str, Any]], bool], id_key: str) -> Any:
    """The item the preferences rank first (earlier preferences weigh more), ties by id."""
    ranked = sorted(items, key=lambda item: (*(not prefer(item) for prefer in preferences), str(item.get(id_key))))
    return ranked[0] if ranked else None


class _Found:
    """What read() collects: normalised attributes, ids, and the ids' resource keys."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.ids: dict[str, str] = {}
        self.keys: dict[str, str] = {}  # id -> resource key
        self.public_ips: dict[str, str] = {}

    def add(self, key: str, resource_id: str, attributes: dict[str, Any]) -> None:
        self.resources[key] = attributes
        self.ids[key] = resource_id
        self.keys[resource_id] = key

    def ref(self, resource_id: str | None) -> str | None:
        """A found resource's key for its id; an id the part does not know, as is."""
        return self.keys.get(resource_id, resource_id) if resource_id else resource_id

    def result(self) -> dict[str, Any]:
        return {"resources": self.resources, "ids": self.ids, "public_ips": self.public_ips}


def read(
    client: Callable[[str], Any], inputs: Mapping[str, Any], names: Mapping[str, Any], retry: bool
) -> dict[str, Any]:
    call = state.caller(retry)
    found = _Found()
    ec2 = client("ec2")
    tags = inputs.get("tags") or {}
    vpcs = _pages(
        call,
        ec2.describe_vpcs,
        "Vpcs",
        Filters=state.filters(
            {"tag:Name": names["vpc"], "tag:Project": tags.get("Project"), "tag:Environment": tags.get("Environment")}
        ),
    )
    if len(vpcs) > 1:
        raise state.StateError(
            f"Found {len(vpcs)} VPCs named {names['vpc']} and tagged Project={tags.get('Project')}, "
            f"Environment={tags.get('Environment')}: {sorted(vpc['VpcId'] for vpc in vpcs)}; the role will not "
            "guess which one is the stack's: delete the others or retag them"
        )
    vpc = vpcs[0] if vpcs else None
    if vpc is not None:
        vpc_id = vpc["VpcId"]
        _read_vpc(call, ec2, vpc, found)
        _read_subnets(call, ec2, vpc_id, inputs, names, found)
        _read_internet_gateway(call, ec2, vpc_id, found)
        _read_nat_gateways(call, ec2, vpc_id, inputs, names, found)
        _read_route_tables(call, ec2, vpc_id, inputs, names, found)
        if inputs.get("restrict_default_security_group", True):
            _read_default_security_group(call, ec2, vpc_id, found)
    if inputs.get("flow_logs_enabled", True):
        group = flow_logs_group(inputs, names)
        _read_log_group(call, client("logs"), group, found)
        _read_role(call, client("iam"), names, found)
        if vpc is not None:
            _read_flow_log(call, ec2, vpc["VpcId"], group, found)
    return found.result()


def _read_vpc(call: Callable[..., Any], ec2: Any, vpc: dict[str, Any], found: _Found) -> None:
    vpc_id = vpc["VpcId"]
    attributes = {
        "cidr": vpc.get("CidrBlock"),
        "tenancy": vpc.get("InstanceTenancy"),
        "tags": state.tags_of(vpc.get("Tags")),
    }
    for attribute, name, key in (
        ("dns_support", "enableDnsSupport", "EnableDnsSupport"),
        ("dns_hostnames", "enableDnsHostnames", "EnableDnsHostnames"),
    ):
        response = call(ec2.describe_vpc_attribute, VpcId=vpc_id, Attribute=name)
        attributes[attribute] = bool((response.get(key) or {}).get("Value"))
    found.add("vpc", vpc_id, attributes)


def _read_subnets(
    call: Callable[..., Any], ec2: Any, vpc_id: str, inputs: Mapping[str, Any], names: Mapping[str, Any], found: _Found
) -> None:
    subnets = _pages(call, ec2.describe_subnets, "Subnets", Filters=state.filters({"vpc-id": vpc_id}))
    for tier in TIERS:
        for zone, cidr in zip(inputs["availability_zones"], subnet_cidrs(inputs, tier), strict=True):
            name = names[f"{tier}_subnet"][zone]
            named = [subnet for subnet in subnets if _name(subnet) == name]
            by_cidr = [subnet for subnet in subnets if subnet.get("CidrBlock") == cidr]
            subnet = _first(named, lambda s, c=cidr: s.get("CidrBlock") == c, id_key="SubnetId") or _first(
                by_cidr, id_key="SubnetId"
            )
            if subnet is None:
                continue
            found.add(
                f"{tier}_subnet[{zone}]",
                subnet["SubnetId"],
                {
                    "cidr": subnet.get("CidrBlock"),
                    "az": subnet.get("AvailabilityZone"),
                    "map_public": bool(subnet.get("MapPublicIpOnLaunch")),
                    "tags": state.tags_of(subnet.get("Tags")),
                },
            )


def _read_internet_gateway(call: Callable[..., Any], ec2: Any, vpc_id: str, found: _Found) -> None:
    gateways = _pages(
        call,
        ec2.describe_internet_gateways,
        "InternetGateways",
        Filters=state.filters({"attachment.vpc-id": vpc_id}),
    )
    gateway = _first(gateways, id_key="InternetGatewayId")
    if gateway is not None:
        found.add("internet_gateway", gateway["InternetGatewayId"], {"tags": state.tags_of(gateway.get("Tags"))})


def _read_nat_gateways(
    call: Callable[..., Any], ec2: Any, vpc_id: str, inputs: Mapping[str, Any], names: Mapping[str, Any], found: _Found
) -> None:
    gateways = _pages(
        call,
        ec2.describe_nat_gateways,
        "NatGateways",
        Filters=state.filters({"vpc-id": vpc_id, "state": list(NAT_STATES)}),
    )
    gateways = [gateway for gateway in gateways if gateway.get("State") in NAT_STATES]
    prefix = nat_name_prefix(inputs)
    with_nat = nat_zones(inputs)
    chosen: dict[str, dict[str, Any]] = {}
    for zone in inputs["availability_zones"]:
        name = names["nat_gateway"][zone]
        subnet_id = found.ids.get(f"public_subnet[{zone}]")
        free = [
            gateway
            for gateway in gateways
            if gateway["NatGatewayId"] not in {g["NatGatewayId"] for g in chosen.values()}
        ]
        named = [gateway for gateway in free if _name(gateway) == name]
        gateway = _first(named, lambda g, s=subnet_id: g.get("SubnetId") == s, id_key="NatGatewayId")
        if gateway is None and zone in with_nat:
            # The subnet's NAT gateway that carries none of the stack's NAT names: the module adopts it.
            adoptable = [
                g for g in free if g.get("SubnetId") == subnet_id and not str(_name(g) or "").startswith(prefix)
            ]
            gateway = _first(adoptable, id_key="NatGatewayId")
        if gateway is not None:
            chosen[zone] = gateway
    chosen_ids = {gateway["NatGatewayId"] for gateway in chosen.values()}
    # Addresses before the gateways' attributes: a gateway refers to its address by key.
    _read_nat_addresses(call, ec2, inputs, names, chosen, found)
    for zone, gateway in chosen.items():
        _add_nat_gateway(f"nat_gateway[{zone}]", gateway, found)
    for gateway in gateways:
        if gateway["NatGatewayId"] not in chosen_ids and str(_name(gateway) or "").startswith(prefix):
            _add_nat_gateway(f"nat_gateway[{gateway['NatGatewayId']}]", gateway, found)


def _primary_address(gateway: Mapping[str, Any]) -> dict[str, Any]:
    addresses = gateway.get("NatGatewayAddresses") or []
    return next((a for a in addresses if a.get("IsPrimary")), addresses[0] if addresses else {})


def _add_nat_gateway(key: str, gateway: dict[str, Any], found: _Found) -> None:
    found.add(
        key,
        gateway["NatGatewayId"],
        {
            "subnet": found.ref(gateway.get("SubnetId")),
            "allocation": found.ref(_primary_address(gateway).get("AllocationId")),
            "connectivity": gateway.get("ConnectivityType"),
            "tags": state.tags_of(gateway.get("Tags")),
        },
    )


def _read_nat_addresses(
    call: Callable[..., Any],
    ec2: Any,
    inputs: Mapping[str, Any],
    names: Mapping[str, Any],
    chosen: Mapping[str, dict[str, Any]],
    found: _Found,
) -> None:
    """Each NAT zone's Elastic IP: the one named for it (its gateway's first, then a free one), else
    its gateway's own address (the role retags it)."""
    zones = nat_zones(inputs)
    if not zones:
        return
    named = call(
        ec2.describe_addresses,
        Filters=state.filters({"tag:Name": [names["nat_gateway"][zone] for zone in zones]}),
    ).get("Addresses", [])
    picks: dict[str, dict[str, Any]] = {}
    unnamed: dict[str, str] = {}  # zone -> its gateway's allocation id, when no address is named for it
    for zone in zones:
        own = _primary_address(chosen[zone]).get("AllocationId") if zone in chosen else None
        candidates = [address for address in named if _name(address) == names["nat_gateway"][zone]]
        address = _first(
            candidates,
            lambda a, o=own: bool(o) and a.get("AllocationId") == o,
            lambda a: not a.get("AssociationId"),
            id_key="AllocationId",
        )
        if address is not None:
            picks[zone] = address
        elif own:
            unnamed[zone] = own
    if unnamed:
        extra = call(ec2.describe_addresses, AllocationIds=sorted(set(unnamed.values()))).get("Addresses", [])
        by_id = {address["AllocationId"]: address for address in extra}
        picks.update({zone: by_id[own] for zone, own in unnamed.items() if own in by_id})
    for zone, address in picks.items():
        key = f"nat_eip[{zone}]"
        found.add(
            key, address["AllocationId"], {"domain": address.get("Domain"), "tags": state.tags_of(address.get("Tags"))}
        )
        found.public_ips[key] = address.get("PublicIp", "")


def _read_route_tables(
    call: Callable[..., Any], ec2: Any, vpc_id: str, inputs: Mapping[str, Any], names: Mapping[str, Any], found: _Found
) -> None:
    keys = {names["public_route_table"]: "public_route_table"}
    keys.update(
        {names["private_route_table"][zone]: f"private_route_table[{zone}]" for zone in inputs["availability_zones"]}
    )
    tables = _pages(
        call,
        ec2.describe_route_tables,
        "RouteTables",
        Filters=state.filters({"vpc-id": vpc_id, "tag:Name": list(keys)}),
    )
    by_name: dict[str, list[dict[str, Any]]] = {}
    for table in tables:
        by_name.setdefault(str(_name(table)), []).append(table)
    duplicates = {name: sorted(t["RouteTableId"] for t in group) for name, group in by_name.items() if len(group) > 1}
    if duplicates:
        raise state.StateError(
            f"The VPC {vpc_id} has several route tables with the same name: {json.dumps(duplicates, sort_keys=True)}; "
            "delete the duplicates, the role cannot tell which one to manage"
        )
    for name, (table,) in by_name.items():
        if name not in keys:
            continue
        # Only the routes the module creates and purges (not `local`, not propagated ones).
        routes = [
            {"dest": route["DestinationCidrBlock"], "target": found.ref(route_target(route))}
            for route in table.get("Routes") or []
            if route.get("Origin") == "CreateRoute" and route.get("DestinationCidrBlock")
        ]
        subnets = [
            found.ref(association["SubnetId"])
            for association in table.get("Associations") or []
            if not association.get("Main") and association.get("SubnetId")
        ]
        found.add(
            keys[name],
            table["RouteTableId"],
            {
                "routes": sorted(routes, key=lambda route: (route["dest"], str(route["target"]))),
                "subnets": sorted(str(subnet) for subnet in subnets),
                "tags": state.tags_of(table.get("Tags")),
            },
        )


# Every target key a route may carry (also muejam.infra.ec2_route_tables's, to report a route's target).
ROUTE_TARGET_KEYS = (
    "GatewayId",
    "NatGatewayId",
    "TransitGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcPeeringConnectionId",
    "CarrierGatewayId",
    "LocalGatewayId",
    "EgressOnlyInternetGatewayId",
    "CoreNetworkArn",
)


def route_target(route: Mapping[str, Any]) -> str | None:
    """What a DescribeRouteTables route points at (``local`` for the local route)."""
    return next((str(route[key]) for key in ROUTE_TARGET_KEYS if route.get(key)), None)


def _read_default_security_group(call: Callable[..., Any], ec2: Any, vpc_id: str, found: _Found) -> None:
    groups = _pages(
        call,
        ec2.describe_security_groups,
        "SecurityGroups",
        Filters=state.filters({"vpc-id": vpc_id, "group-name": "default"}),
    )
    group = _first(groups, id_key="GroupId")
    if group is not None:
        found.add(
            "default_security_group",
            group["GroupId"],
            {
                "ingress": security_groups.found_rules(group.get("IpPermissions")),
                "egress": security_groups.found_rules(group.get("IpPermissionsEgress")),
            },
        )


def _read_log_group(call: Callable[..., Any], logs: Any, group: str, found: _Found) -> None:
    groups = _pages(call, logs.describe_log_groups, "logGroups", token="nextToken", logGroupNamePrefix=group)
    log_group = next((item for item in groups if item.get("logGroupName") == group), None)
    if log_group is None:
        return
    tags = call(logs.list_tags_log_group, logGroupName=group).get("tags") or {}
    found.add(
        "flow_logs_log_group",
        group,
        {"retention": log_group.get("retentionInDays"), "tags": state.string_tags(tags)},
    )


def _read_role(call: Callable[..., Any], iam: Any, names: Mapping[str, Any], found: _Found) -> None:
    role_name = names["flow_logs_role"]
    try:
        role = call(iam.get_role, RoleName=role_name)["Role"]
    except Exception as error:  # botocore's ClientError
        if state.not_found(error, "NoSuchEntity"):
            return
        raise
    attached = _pages(call, iam.list_attached_role_policies, "AttachedPolicies", token="Marker", RoleName=role_name)
    found.add(
        "flow_logs_role",
        role["Arn"],
        {
            "description": role.get("Description"),
            "trust_policy": policy_document(role.get("AssumeRolePolicyDocument") or {}),
            "managed_policies": sorted(policy["PolicyArn"] for policy in attached),
            "tags": state.tags_of(role.get("Tags")),
        },
    )
    try:
        policy = call(iam.get_role_policy, RoleName=role_name, PolicyName=names["flow_logs_policy"])
    except Exception as error:  # botocore's ClientError
        if state.not_found(error, "NoSuchEntity"):
            return
        raise
    found.add(
        "flow_logs_policy",
        f"{role_name}:{policy['PolicyName']}",
        {"document": policy_document(policy.get("PolicyDocument") or {})},
    )


def _read_flow_log(call: Callable[..., Any], ec2: Any, vpc_id: str, group: str, found: _Found) -> None:
    flow_logs = _pages(call, ec2.describe_flow_logs, "FlowLogs", Filters=state.filters({"resource-id": vpc_id}))
    to_group = [item for item in flow_logs if item.get("LogGroupName") == group]
    flow_log = _first(to_group, id_key="FlowLogId") or _first(
        flow_logs,
        lambda item: item.get("LogDestinationType", "cloud-watch-logs") == "cloud-watch-logs",
        id_key="FlowLogId",
    )
    if flow_log is None:
        return
    for item in [flow_log] + [other for other in to_group if other is not flow_log]:
        found.add(
            "flow_log" if item is flow_log else f"flow_log[{item['FlowLogId']}]",
            item["FlowLogId"],
            {
                "traffic_type": item.get("TrafficType"),
                "destination_type": item.get("LogDestinationType", "cloud-watch-logs"),
                "log_group": item.get("LogGroupName"),
                "role": found.ref(item.get("DeliverLogsPermissionArn")),
                "max_aggregation_interval": item.get("MaxAggregationInterval", 600),
                "tags": state.tags_of(item.get("Tags")),
            },
        )


# --- the role's outputs -------------------------------------------------------------------------


def outputs(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    ids = found.get("ids", {})
    public_ips = found.get("public_ips", {})
    zones = list(inputs["availability_zones"])
    with_nat = nat_zones(inputs)
    flow_logs = bool(inputs.get("flow_logs_enabled", True))

    def each(kind: str, among: list[str]) -> list[str]:
        return [ids[f"{kind}[{zone}]"] for zone in among if f"{kind}[{zone}]" in ids]

    return {
        "vpc_id": ids.get("vpc", ""),
        "vpc_cidr": str(inputs["vpc_cidr"]),
        "availability_zones": zones,
        "public_subnet_ids": each("public_subnet", zones),
        "private_subnet_ids": each("private_subnet", zones),
        "internet_gateway_id": ids.get("internet_gateway", ""),
        "nat_gateway_ids": each("nat_gateway", with_nat),
        "nat_public_ips": [public_ips[f"nat_eip[{zone}]"] for zone in with_nat if public_ips.get(f"nat_eip[{zone}]")],
        "public_route_table_id": ids.get("public_route_table", ""),
        "private_route_table_ids": each("private_route_table", zones),
        "flow_log_id": ids.get("flow_log", "") if flow_logs else "",
        "flow_log_group_name": flow_logs_group(inputs, names) if flow_logs else "",
    }


def edge_outputs(
    inputs: Mapping[str, Any],
    found: Mapping[str, Any],
    vpc_id: str,
    public_subnet_ids: Iterable[str],
    internet_gateway_id: str,
) -> dict[str, Any]:
    """The outputs once edge.yml has created or updated the network's edge, without reading it again.

    ``found`` is the comparison's result (``outputs`` and ``ids``, what existed before the run);
    the VPC, the public subnets (in ``availability_zones`` order) and the internet gateway are the
    ids the edge's tasks returned. :func:`outputs` makes them, as after a read: the rest (NAT
    gateways, private subnets, route tables, flow logs) is what existed before, until inside.yml
    has made it and published what it read.
    """
    zones = list(inputs["availability_zones"])
    ids = {**(found.get("ids") or {}), "vpc": vpc_id, "internet_gateway": internet_gateway_id}
    ids.update({f"public_subnet[{zone}]": subnet for zone, subnet in zip(zones, public_subnet_ids, strict=True)})
    result = outputs(inputs, names_table.role_names("networking", inputs), {"ids": ids})
    # The NAT gateways' addresses are not ids: as found (the comparison reads them with the ids).
    return {**result, "nat_public_ips": list(found["outputs"]["nat_public_ips"])}
