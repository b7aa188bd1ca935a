"""The networking part of muejam.infra.stack_state: how it reads and normalises the network, and
that it sees every attribute it compares drift.

The first classes are pure (a tiny fake client). The drift tests change one attribute of the shared
converged stack behind its back with boto3, check that the part's plan names that resource and
attribute, put it back and check that the part is in sync again; they are the drift report's tests.

What the emulator (and AWS) cannot change in place is changed the way it drifts in practice:
- a VPC's CIDR block and tenancy, a subnet's CIDR block and zone, a NAT gateway's subnet,
  address and connectivity, an Elastic IP's domain and a flow log's settings cannot be modified:
  another resource takes the name (the VPC's, a subnet's, a NAT gateway's or its address's
  ``Name`` tag moves, or a flow log is replaced), which is what the part reports on;
- the options that say *which* resource (``vpc_id``, ``route_table_id``, ``group_id``, a flow log's
  ``resource_id``, ...) are the part's lookup, not attributes: a detached internet gateway is
  reported missing (``exists``), as ec2_vpc_igw would create one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import quote

import pytest
from conftest import Converged

from ansible_collections.muejam.infra.plugins.module_utils import names, security_groups, state
from ansible_collections.muejam.infra.plugins.module_utils.state import networking

PART = "networking"
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]
INPUTS: dict[str, Any] = {
    "state": "present",
    "name": "muejam-local",
    "tags": {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"},
    "vpc_cidr": "10.0.0.0/16",
    "availability_zones": ZONES,
    "public_subnet_cidrs": [],
    "private_subnet_cidrs": [],
    "nat_gateway_mode": "per_az",
    "wait_timeout": 600,
    "restrict_default_security_group": True,
    "flow_logs_enabled": True,
    "flow_logs_traffic_type": "ALL",
    "flow_logs_log_group_name": "",
    "flow_logs_retention_days": 90,
    "flow_logs_max_aggregation_interval": 600,
}
EMPTY: dict[str, Any] = {"resources": {}, "ids": {}}


def inputs_with(**changes: Any) -> dict[str, Any]:
    return {**INPUTS, **changes}


def names_of(inputs: dict[str, Any]) -> dict[str, Any]:
    return names.role_names(PART, inputs)


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


# --- a tiny fake AWS --------------------------------------------------------------------------


class NotFound(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


class FakeService:
    """Answers each method with a canned response (or a function of the request); records calls."""

    def __init__(self, answers: dict[str, Any], calls: list[tuple[str, dict[str, Any]]]) -> None:
        self._answers = answers
        self._calls = calls

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def answer(**request: Any) -> Any:
            self._calls.append((method, dict(request)))
            reply = self._answers.get(method, {})
            if callable(reply):
                reply = reply(**request)
            if isinstance(reply, Exception):
                raise reply
            return reply

        return answer


def fake_client(
    ec2: dict[str, Any], logs: dict[str, Any] | None = None, iam: dict[str, Any] | None = None
) -> tuple[Callable[[str], Any], list[tuple[str, dict[str, Any]]]]:
    calls: list[tuple[str, dict[str, Any]]] = []
    services = {
        "ec2": FakeService(ec2, calls),
        "logs": FakeService(logs or {"describe_log_groups": {"logGroups": []}}, calls),
        "iam": FakeService(iam or {"get_role": NotFound("NoSuchEntity")}, calls),
    }
    return services.__getitem__, calls


def a_vpc(**extra: Any) -> dict[str, Any]:
    return {
        "VpcId": "vpc-1",
        "CidrBlock": "10.0.0.0/16",
        "InstanceTenancy": "default",
        "Tags": tag_list({**INPUTS["tags"], "Name": "muejam-local-vpc"}),
        **extra,
    }


def vpc_only(**ec2: Any) -> dict[str, Any]:
    """An EC2 that has the stack's VPC and whatever ``ec2`` adds."""
    return {
        "describe_vpcs": {"Vpcs": [a_vpc()]},
        "describe_vpc_attribute": lambda Attribute, **_kwargs: {
            "EnableDnsSupport" if Attribute == "enableDnsSupport" else "EnableDnsHostnames": {"Value": True}
        },
        **ec2,
    }


def subnets_answer() -> dict[str, Any]:
    subnets = []
    for tier, cidrs in (("public", ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]), ("private", ["10.0.128.0/20"])):
        for zone, cidr in zip(ZONES, cidrs, strict=False):
            subnets.append(
                {
                    "SubnetId": f"subnet-{tier}-{zone[-1]}",
                    "CidrBlock": cidr,
                    "AvailabilityZone": zone,
                    "MapPublicIpOnLaunch": False,
                    "Tags": tag_list({"Name": f"muejam-local-{tier}-{zone}"}),
                }
            )
    return {"Subnets": subnets}


def nat(nat_id: str, subnet: str, name: str | None, state_: str = "available", allocation: str = "") -> dict[str, Any]:
    return {
        "NatGatewayId": nat_id,
        "SubnetId": subnet,
        "State": state_,
        "ConnectivityType": "public",
        "NatGatewayAddresses": [{"AllocationId": allocation or f"eipalloc-{nat_id}", "IsPrimary": True}],
        "Tags": tag_list({"Name": name}) if name else [],
    }


# --- wanted -----------------------------------------------------------------------------------


class TestWanted:
    def test_works_with_nothing_found(self) -> None:
        wanted = networking.wanted(INPUTS, names_of(INPUTS), EMPTY)
        assert wanted["vpc"]["cidr"] == "10.0.0.0/16"
        assert wanted["public_subnet[us-east-1b]"]["cidr"] == "10.0.16.0/20"
        assert wanted["private_subnet[us-east-1a]"]["cidr"] == "10.0.128.0/20"
        assert wanted["private_subnet[us-east-1a]"]["tags"]["Tier"] == "private"
        assert wanted["nat_gateway[us-east-1c]"]["subnet"] == "public_subnet[us-east-1c]"
        assert wanted["private_route_table[us-east-1c]"]["routes"] == [
            {"dest": "0.0.0.0/0", "target": "nat_gateway[us-east-1c]"}
        ]

    def test_takes_the_given_subnet_blocks(self) -> None:
        inputs = inputs_with(public_subnet_cidrs=["10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"])
        assert networking.wanted(inputs, names_of(inputs), EMPTY)["public_subnet[us-east-1c]"]["cidr"] == "10.0.3.0/24"

    def test_single_routes_every_private_subnet_through_the_first_zone(self) -> None:
        inputs = inputs_with(nat_gateway_mode="single")
        wanted = networking.wanted(inputs, names_of(inputs), EMPTY)
        assert wanted["nat_gateway[us-east-1b]"] is None
        assert "nat_eip[us-east-1b]" not in wanted
        assert wanted["private_route_table[us-east-1c]"]["routes"] == [
            {"dest": "0.0.0.0/0", "target": "nat_gateway[us-east-1a]"}
        ]

    def test_none_wants_no_nat_gateway_and_no_default_route(self) -> None:
        inputs = inputs_with(nat_gateway_mode="none")
        wanted = networking.wanted(inputs, names_of(inputs), EMPTY)
        assert [key for key, value in wanted.items() if key.startswith("nat_") and value is not None] == []
        assert wanted["private_route_table[us-east-1a]"]["routes"] == []

    def test_the_stacks_other_nat_gateways_must_not_exist(self) -> None:
        found = {"resources": {"nat_gateway[nat-9]": {"tags": {}}}, "ids": {}}
        assert networking.wanted(INPUTS, names_of(INPUTS), found)["nat_gateway[nat-9]"] is None

    def test_leaves_out_what_the_inputs_turn_off(self) -> None:
        inputs = inputs_with(flow_logs_enabled=False, restrict_default_security_group=False)
        wanted = networking.wanted(inputs, names_of(inputs), EMPTY)
        assert not {"flow_log", "flow_logs_role", "flow_logs_policy", "default_security_group"} & set(wanted)

    def test_the_flow_logs_group_defaults_to_the_names_table(self) -> None:
        wanted = networking.wanted(INPUTS, names_of(INPUTS), EMPTY)
        assert wanted["flow_log"]["log_group"] == "/muejam/local/vpc-flow-logs"
        inputs = inputs_with(flow_logs_log_group_name="/mine")
        assert networking.wanted(inputs, names_of(inputs), EMPTY)["flow_log"]["log_group"] == "/mine"


class TestRouteTables:
    """The tables the role hands muejam.infra.ec2_route_tables (filter muejam.infra.route_tables) are, by
    ids, the ones wanted() compares: what a run creates and what a re-run checks cannot differ."""

    IDS: ClassVar[dict[str, str]] = {
        "internet_gateway": "igw-1",
        **{f"public_subnet[{zone}]": f"subnet-public-{zone}" for zone in ZONES},
        **{f"private_subnet[{zone}]": f"subnet-private-{zone}" for zone in ZONES},
        **{f"nat_gateway[{zone}]": f"nat-{zone}" for zone in ZONES},
    }

    def made(self, inputs: dict[str, Any]) -> dict[str, Any]:
        tables = networking.route_tables(
            inputs,
            names_of(inputs),
            self.IDS["internet_gateway"],
            [self.IDS[f"public_subnet[{zone}]"] for zone in ZONES],
            [self.IDS[f"nat_gateway[{zone}]"] for zone in networking.nat_zones(inputs)],
            [self.IDS[f"private_subnet[{zone}]"] for zone in ZONES],
        )
        return {
            table["name"]: {
                "routes": [
                    (route["dest"], route.get("gateway_id") or route["nat_gateway_id"]) for route in table["routes"]
                ],
                "subnets": sorted(table["subnets"]),
                "tags": table["tags"],
            }
            for table in tables
        }

    def compared(self, inputs: dict[str, Any]) -> dict[str, Any]:
        table_names = names_of(inputs)
        wanted = networking.wanted(inputs, table_names, EMPTY)
        keys = {"public_route_table": table_names["public_route_table"]}
        keys |= {f"private_route_table[{zone}]": table_names["private_route_table"][zone] for zone in ZONES}
        return {
            name: {
                "routes": [(route["dest"], self.IDS[route["target"]]) for route in wanted[key]["routes"]],
                "subnets": sorted(self.IDS[subnet] for subnet in wanted[key]["subnets"]),
                "tags": wanted[key]["tags"],
            }
            for key, name in keys.items()
        }

    @pytest.mark.parametrize("mode", ["per_az", "single", "none"])
    def test_what_the_role_makes_is_what_the_part_compares(self, mode: str) -> None:
        inputs = inputs_with(nat_gateway_mode=mode)
        assert self.made(inputs) == self.compared(inputs)

    def test_per_az_routes_each_zone_through_its_own_nat_gateway(self) -> None:
        made = self.made(INPUTS)
        table = names_of(INPUTS)["private_route_table"]["us-east-1b"]
        assert made[table]["routes"] == [("0.0.0.0/0", "nat-us-east-1b")]

    def test_ids_that_do_not_match_the_zones_are_refused(self) -> None:
        with pytest.raises(ValueError, match="1 NAT gateway ids for 3 NAT zones"):
            networking.route_tables(INPUTS, names_of(INPUTS), "igw-1", [], ["nat-1"], ["s1", "s2", "s3"])


class TestPolicyDocument:
    def test_one_item_lists_and_order_do_not_matter(self) -> None:
        one = {"Statement": [{"Action": ["b", "a"], "Resource": ["*"]}], "Version": "2012-10-17"}
        other = {"Version": "2012-10-17", "Statement": {"Resource": "*", "Action": ["a", "b"]}}
        assert networking.policy_document(one) == networking.policy_document(other)

    def test_reads_a_url_encoded_document(self) -> None:
        document = networking.trust_policy()
        encoded = quote(json.dumps(document))
        assert networking.policy_document(encoded) == networking.policy_document(document)

    def test_a_changed_action_differs(self) -> None:
        changed = networking.delivery_policy("/g")
        changed["Statement"][1]["Action"] = "logs:*"
        assert networking.policy_document(changed) != networking.policy_document(networking.delivery_policy("/g"))


# --- read -------------------------------------------------------------------------------------


class TestRead:
    def test_reads_nothing_more_when_there_is_no_vpc(self) -> None:
        client, calls = fake_client({"describe_vpcs": {"Vpcs": []}})
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["resources"] == {}
        assert [method for method, _unused in calls] == ["describe_vpcs", "describe_log_groups", "get_role"]

    def test_outputs_are_empty_ids_when_nothing_exists(self) -> None:
        outputs = networking.outputs(INPUTS, names_of(INPUTS), EMPTY)
        assert outputs["vpc_id"] == "" and outputs["nat_gateway_ids"] == [] and outputs["flow_log_id"] == ""
        assert outputs["vpc_cidr"] == "10.0.0.0/16" and outputs["availability_zones"] == ZONES
        assert outputs["flow_log_group_name"] == "/muejam/local/vpc-flow-logs"

    def test_passes_aws_retry_on_every_call_when_asked(self) -> None:
        client, calls = fake_client(vpc_only())
        networking.read(client, INPUTS, names_of(INPUTS), retry=True)
        assert calls and all(request.get("aws_retry") is True for _unused, request in calls)

    def test_follows_next_tokens(self) -> None:
        pages = {
            None: {"Subnets": subnets_answer()["Subnets"][:2], "NextToken": "two"},
            "two": {"Subnets": subnets_answer()["Subnets"][2:]},
        }
        client, _unused = fake_client(vpc_only(describe_subnets=lambda NextToken=None, **_kwargs: pages[NextToken]))
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["ids"]["public_subnet[us-east-1c]"] == "subnet-public-c"

    def test_refuses_two_vpcs_naming_them(self) -> None:
        client, _unused = fake_client({"describe_vpcs": {"Vpcs": [a_vpc(), a_vpc(VpcId="vpc-2")]}})
        with pytest.raises(state.StateError, match=r"vpc-1.*vpc-2"):
            networking.read(client, INPUTS, names_of(INPUTS), retry=False)

    def test_refuses_two_route_tables_of_one_name(self) -> None:
        tables = [
            {"RouteTableId": rtb, "Tags": tag_list({"Name": "muejam-local-public-rt"})} for rtb in ("rtb-1", "rtb-2")
        ]
        client, _unused = fake_client(vpc_only(describe_route_tables={"RouteTables": tables}))
        with pytest.raises(state.StateError, match=r"rtb-1.*rtb-2"):
            networking.read(client, INPUTS, names_of(INPUTS), retry=False)

    def test_a_subnet_without_its_name_is_found_by_its_block(self) -> None:
        subnets = subnets_answer()
        subnets["Subnets"][0]["Tags"] = []
        client, _unused = fake_client(vpc_only(describe_subnets=subnets))
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["resources"]["public_subnet[us-east-1a]"]["tags"] == {}

    def test_compares_only_the_routes_the_module_manages(self) -> None:
        table = {
            "RouteTableId": "rtb-1",
            "Tags": tag_list({"Name": "muejam-local-public-rt"}),
            "Routes": [
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"},
                {"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"},
                {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "Origin": "CreateRoute"},
                {"DestinationCidrBlock": "10.9.0.0/16", "NatGatewayId": "nat-x", "Origin": "CreateRoute"},
            ],
            "Associations": [
                {"Main": True, "RouteTableId": "rtb-1"},
                {"Main": False, "SubnetId": "subnet-public-b"},
                {"Main": False, "SubnetId": "subnet-public-a"},
            ],
        }
        client, _unused = fake_client(
            vpc_only(
                describe_subnets=subnets_answer(),
                describe_internet_gateways={"InternetGateways": [{"InternetGatewayId": "igw-1"}]},
                describe_route_tables={"RouteTables": [table]},
            )
        )
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)["resources"]["public_route_table"]
        assert found["routes"] == [
            {"dest": "0.0.0.0/0", "target": "internet_gateway"},
            {"dest": "10.9.0.0/16", "target": "nat-x"},
        ]
        assert found["subnets"] == ["public_subnet[us-east-1a]", "public_subnet[us-east-1b]"]

    def test_a_pending_nat_gateway_counts_and_the_stacks_duplicates_must_go(self) -> None:
        gateways = [
            nat("nat-a", "subnet-public-a", "muejam-local-nat-us-east-1a", "pending"),
            nat("nat-dup", "subnet-public-a", "muejam-local-nat-us-east-1a"),
            nat("nat-gone", "subnet-public-b", "muejam-local-nat-us-east-1b", "failed"),
            nat("nat-foreign", "subnet-public-c", "someone-else"),
        ]
        client, calls = fake_client(
            vpc_only(describe_subnets=subnets_answer(), describe_nat_gateways={"NatGateways": gateways})
        )
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["ids"]["nat_gateway[us-east-1a]"] in ("nat-a", "nat-dup")
        assert "nat_gateway[us-east-1b]" not in found["resources"]  # failed does not count
        # Another's name in the zone's subnet: the module would adopt (and retag) it, so it is compared.
        assert found["ids"]["nat_gateway[us-east-1c]"] == "nat-foreign"
        extra = [key for key in found["resources"] if key.startswith("nat_gateway[nat-")]
        assert len(extra) == 1
        assert networking.wanted(INPUTS, names_of(INPUTS), found)[extra[0]] is None
        request = next(request for method, request in calls if method == "describe_nat_gateways")
        assert {"Name": "state", "Values": ["pending", "available"]} in request["Filters"]

    def test_an_unnamed_nat_gateway_in_the_subnet_is_adopted_with_its_address(self) -> None:
        gateways = [nat("nat-a", "subnet-public-a", None, allocation="eipalloc-own")]
        address = {"AllocationId": "eipalloc-own", "PublicIp": "203.0.113.7", "Domain": "vpc", "AssociationId": "x"}
        client, _unused = fake_client(
            vpc_only(
                describe_subnets=subnets_answer(),
                describe_nat_gateways={"NatGateways": gateways},
                describe_addresses=lambda Filters=None, AllocationIds=None: {
                    "Addresses": [address] if AllocationIds else []
                },
            )
        )
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["resources"]["nat_gateway[us-east-1a]"]["allocation"] == "nat_eip[us-east-1a]"
        assert found["resources"]["nat_gateway[us-east-1a]"]["subnet"] == "public_subnet[us-east-1a]"
        assert found["resources"]["nat_eip[us-east-1a]"] == {"domain": "vpc", "tags": {}}
        assert networking.outputs(INPUTS, names_of(INPUTS), found)["nat_public_ips"] == ["203.0.113.7"]

    def test_prefers_the_named_address_its_gateway_uses(self) -> None:
        name = {"Name": "muejam-local-nat-us-east-1a"}
        addresses = [
            {"AllocationId": "eipalloc-0free", "Domain": "vpc", "Tags": tag_list(name)},
            {"AllocationId": "eipalloc-1used", "Domain": "vpc", "AssociationId": "a", "Tags": tag_list(name)},
        ]
        gateways = [nat("nat-a", "subnet-public-a", name["Name"], allocation="eipalloc-1used")]
        client, _unused = fake_client(
            vpc_only(
                describe_subnets=subnets_answer(),
                describe_nat_gateways={"NatGateways": gateways},
                describe_addresses={"Addresses": addresses},
            )
        )
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["ids"]["nat_eip[us-east-1a]"] == "eipalloc-1used"

    def test_an_address_of_another_domain_differs(self) -> None:
        name = {"Name": "muejam-local-nat-us-east-1a"}
        addresses = [{"AllocationId": "eipalloc-1", "Domain": "standard", "Tags": tag_list(name)}]
        client, _unused = fake_client(vpc_only(describe_addresses={"Addresses": addresses}))
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        differences = state.compare(networking.wanted(INPUTS, names_of(INPUTS), found), found["resources"])
        assert ("nat_eip[us-east-1a]", "domain") in {(row.resource, row.attribute) for row in differences}

    def test_security_group_rules_are_one_row_per_source(self) -> None:
        group = {
            "GroupId": "sg-1",
            "IpPermissions": [
                {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]},
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "b"}, {"CidrIp": "a"}]},
            ],
            "IpPermissionsEgress": [],
        }
        client, _unused = fake_client(vpc_only(describe_security_groups={"SecurityGroups": [group]}))
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)["resources"]["default_security_group"]
        assert sorted(row["source"] for row in found["ingress"]) == ["a", "b", "sg-1"]
        assert found["ingress"] == security_groups.sorted_rules(found["ingress"])
        assert found["egress"] == []

    def test_the_flow_logs_role_and_policy_documents_are_canonical(self) -> None:
        inputs = INPUTS
        role = {
            "Arn": "arn:aws:iam::1:role/muejam-local-flow-logs",
            "Description": "d",
            "AssumeRolePolicyDocument": quote(json.dumps(networking.trust_policy())),
            "Tags": [],
        }
        iam = {
            "get_role": {"Role": role},
            "list_attached_role_policies": {"AttachedPolicies": [{"PolicyArn": "arn:b"}, {"PolicyArn": "arn:a"}]},
            "get_role_policy": NotFound("NoSuchEntity"),
        }
        client, _unused = fake_client({"describe_vpcs": {"Vpcs": []}}, iam=iam)
        found = networking.read(client, inputs, names_of(inputs), retry=False)
        wanted = networking.wanted(inputs, names_of(inputs), found)
        assert found["resources"]["flow_logs_role"]["trust_policy"] == wanted["flow_logs_role"]["trust_policy"]
        assert found["resources"]["flow_logs_role"]["managed_policies"] == ["arn:a", "arn:b"]
        assert "flow_logs_policy" not in found["resources"]

    def test_the_flow_log_to_another_group_is_reported_as_such(self) -> None:
        flow_logs = [
            {
                "FlowLogId": "fl-1",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": "/elsewhere",
                "TrafficType": "ALL",
                "MaxAggregationInterval": 600,
            }
        ]
        client, _unused = fake_client(vpc_only(describe_flow_logs={"FlowLogs": flow_logs}))
        found = networking.read(client, INPUTS, names_of(INPUTS), retry=False)
        assert found["resources"]["flow_log"]["log_group"] == "/elsewhere"


# --- drift on the converged stack ---------------------------------------------------------------


def plan(converged: Converged, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    inputs = inputs or converged.inputs(PART)
    return state.plan(networking, converged.client, inputs, names.role_names(PART, inputs))


Undo = Callable[[], None]


def retag(ec2: Any, resource_id: str, tags: dict[str, str]) -> Undo:
    """Set tags on a resource; undo puts the old values back (or removes keys it did not have)."""
    before = {
        item["Key"]: item["Value"]
        for item in ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [resource_id]}])["Tags"]
    }
    ec2.create_tags(Resources=[resource_id], Tags=tag_list(tags))

    def undo() -> None:
        restore = {key: before[key] for key in tags if key in before}
        gone = [key for key in tags if key not in before]
        if restore:
            ec2.create_tags(Resources=[resource_id], Tags=tag_list(restore))
        if gone:
            ec2.delete_tags(Resources=[resource_id], Tags=[{"Key": key} for key in gone])

    return undo


def swap_names(ec2: Any, first: str, second: str) -> Undo:
    names_ = {
        item["ResourceId"]: item["Value"]
        for item in ec2.describe_tags(
            Filters=[{"Name": "resource-id", "Values": [first, second]}, {"Name": "key", "Values": ["Name"]}]
        )["Tags"]
    }
    undo_first = retag(ec2, first, {"Name": names_[second]})
    undo_second = retag(ec2, second, {"Name": names_[first]})
    return lambda: (undo_first(), undo_second())


def rename_away(ec2: Any, resource_id: str) -> Undo:
    """Take the resource's Name tag off (another resource is about to carry it)."""
    tags = ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [resource_id]}, {"Name": "key", "Values": ["Name"]}]
    )["Tags"]
    ec2.delete_tags(Resources=[resource_id], Tags=[{"Key": "Name"}])
    return lambda: ec2.create_tags(Resources=[resource_id], Tags=[{"Key": "Name", "Value": tags[0]["Value"]}])


def replacement_vpc(converged: Converged, ids: dict[str, str], **create: Any) -> Undo:
    """Another VPC takes the stack's VPC's name and tags."""
    ec2 = converged.client("ec2")
    tags = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids["vpc"]]}])["Tags"]
    undo_name = rename_away(ec2, ids["vpc"])
    other = ec2.create_vpc(
        **create,
        TagSpecifications=[
            {"ResourceType": "vpc", "Tags": [{"Key": item["Key"], "Value": item["Value"]} for item in tags]}
        ],
    )["Vpc"]["VpcId"]

    def undo() -> None:
        ec2.delete_vpc(VpcId=other)
        undo_name()

    return undo


def vpc_attribute(converged: Converged, ids: dict[str, str], attribute: str) -> Undo:
    ec2 = converged.client("ec2")
    ec2.modify_vpc_attribute(VpcId=ids["vpc"], **{attribute: {"Value": False}})
    return lambda: ec2.modify_vpc_attribute(VpcId=ids["vpc"], **{attribute: {"Value": True}})


def private_nat(converged: Converged, ids: dict[str, str], zone: str) -> Undo:
    """A private NAT gateway takes the name of the zone's NAT gateway, in its subnet."""
    ec2 = converged.client("ec2")
    key = f"nat_gateway[{zone}]"
    tags = ec2.describe_nat_gateways(NatGatewayIds=[ids[key]])["NatGateways"][0]["Tags"]
    undo_name = rename_away(ec2, ids[key])
    other = ec2.create_nat_gateway(
        SubnetId=ids[f"public_subnet[{zone}]"],
        ConnectivityType="private",
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": tags}],
    )["NatGateway"]["NatGatewayId"]

    def undo() -> None:
        ec2.delete_nat_gateway(NatGatewayId=other)
        undo_name()

    return undo


def route_to(converged: Converged, ids: dict[str, str], table: str, target: dict[str, str]) -> Undo:
    ec2 = converged.client("ec2")
    route = next(
        route
        for route in ec2.describe_route_tables(RouteTableIds=[ids[table]])["RouteTables"][0]["Routes"]
        if route.get("DestinationCidrBlock") == "0.0.0.0/0"
    )
    before = {key: route[key] for key in ("GatewayId", "NatGatewayId") if route.get(key)}
    ec2.replace_route(RouteTableId=ids[table], DestinationCidrBlock="0.0.0.0/0", **target)
    return lambda: ec2.replace_route(RouteTableId=ids[table], DestinationCidrBlock="0.0.0.0/0", **before)


def no_route(converged: Converged, ids: dict[str, str]) -> Undo:
    ec2 = converged.client("ec2")
    ec2.delete_route(RouteTableId=ids["public_route_table"], DestinationCidrBlock="0.0.0.0/0")
    return lambda: ec2.create_route(
        RouteTableId=ids["public_route_table"], DestinationCidrBlock="0.0.0.0/0", GatewayId=ids["internet_gateway"]
    )


def disassociated(converged: Converged, ids: dict[str, str], table: str, subnet: str) -> Undo:
    ec2 = converged.client("ec2")
    found = ec2.describe_route_tables(RouteTableIds=[ids[table]])["RouteTables"][0]
    association = next(item for item in found["Associations"] if item.get("SubnetId") == ids[subnet])
    ec2.disassociate_route_table(AssociationId=association["RouteTableAssociationId"])
    return lambda: ec2.associate_route_table(RouteTableId=ids[table], SubnetId=ids[subnet])


def public_ips_on_launch(converged: Converged, ids: dict[str, str], subnet: str) -> Undo:
    ec2 = converged.client("ec2")
    ec2.modify_subnet_attribute(SubnetId=ids[subnet], MapPublicIpOnLaunch={"Value": True})
    return lambda: ec2.modify_subnet_attribute(SubnetId=ids[subnet], MapPublicIpOnLaunch={"Value": False})


def swapped(first: str, second: str) -> Callable[[Converged, dict[str, str]], Undo]:
    """Two resources swap their Name tags."""
    return lambda converged, ids: swap_names(converged.client("ec2"), ids[first], ids[second])


def detached(converged: Converged, ids: dict[str, str]) -> Undo:
    ec2 = converged.client("ec2")
    ec2.detach_internet_gateway(InternetGatewayId=ids["internet_gateway"], VpcId=ids["vpc"])
    return lambda: ec2.attach_internet_gateway(InternetGatewayId=ids["internet_gateway"], VpcId=ids["vpc"])


def default_group_rule(converged: Converged, ids: dict[str, str], direction: str) -> Undo:
    ec2 = converged.client("ec2")
    permission = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    group = ids["default_security_group"]
    if direction == "ingress":
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=permission)
        return lambda: ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=permission)
    ec2.authorize_security_group_egress(GroupId=group, IpPermissions=permission)
    return lambda: ec2.revoke_security_group_egress(GroupId=group, IpPermissions=permission)


def log_group_change(converged: Converged, ids: dict[str, str], attribute: str) -> Undo:
    logs = converged.client("logs")
    group = ids["flow_logs_log_group"]
    if attribute == "retention":
        before = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"][0]["retentionInDays"]
        logs.put_retention_policy(logGroupName=group, retentionInDays=30)
        return lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=before)
    logs.tag_log_group(logGroupName=group, tags={"Drift": "yes"})
    return lambda: logs.untag_log_group(logGroupName=group, tags=["Drift"])


def role_change(converged: Converged, ids: dict[str, str], attribute: str) -> Undo:
    iam = converged.client("iam")
    role_name = ids["flow_logs_role"].rsplit("/", 1)[1]
    role = iam.get_role(RoleName=role_name)["Role"]
    if attribute == "description":
        iam.update_role(RoleName=role_name, Description="changed by hand")
        return lambda: iam.update_role(RoleName=role_name, Description=role["Description"])
    if attribute == "trust_policy":
        document = networking.trust_policy()
        document["Statement"][0]["Principal"] = {"Service": ["vpc-flow-logs.amazonaws.com", "ec2.amazonaws.com"]}
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(document))
        return lambda: iam.update_assume_role_policy(
            RoleName=role_name, PolicyDocument=json.dumps(networking.trust_policy())
        )
    if attribute == "managed_policies":
        arn = iam.create_policy(
            PolicyName="drift-extra",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
            ),
        )["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)

        def undo() -> None:
            iam.detach_role_policy(RoleName=role_name, PolicyArn=arn)
            iam.delete_policy(PolicyArn=arn)

        return undo
    iam.tag_role(RoleName=role_name, Tags=[{"Key": "Drift", "Value": "yes"}])
    return lambda: iam.untag_role(RoleName=role_name, TagKeys=["Drift"])


def policy_change(converged: Converged, ids: dict[str, str]) -> Undo:
    iam = converged.client("iam")
    role_name, policy_name = ids["flow_logs_policy"].split(":")
    before = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}
    iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(document))
    return lambda: iam.put_role_policy(
        RoleName=role_name,
        PolicyName=policy_name,
        PolicyDocument=before if isinstance(before, str) else json.dumps(before),
    )


def replaced_flow_log(converged: Converged, ids: dict[str, str], **changes: Any) -> Undo:
    """The VPC's flow log replaced by one that differs in ``changes`` (a flow log cannot be modified)."""
    ec2 = converged.client("ec2")
    original = ec2.describe_flow_logs(FlowLogIds=[ids["flow_log"]])["FlowLogs"][0]

    def request(flow_log: dict[str, Any]) -> dict[str, Any]:
        made = {
            "ResourceIds": [ids["vpc"]],
            "ResourceType": "VPC",
            "TrafficType": flow_log["TrafficType"],
            "LogDestinationType": flow_log.get("LogDestinationType", "cloud-watch-logs"),
            "MaxAggregationInterval": flow_log.get("MaxAggregationInterval", 600),
        }
        if made["LogDestinationType"] == "s3":
            made["LogDestination"] = flow_log["LogDestination"]
        else:
            made["LogGroupName"] = flow_log["LogGroupName"]
            made["DeliverLogsPermissionArn"] = flow_log["DeliverLogsPermissionArn"]
        if flow_log.get("Tags"):
            made["TagSpecifications"] = [{"ResourceType": "vpc-flow-log", "Tags": flow_log["Tags"]}]
        return made

    bucket = None
    if changes.get("LogDestinationType") == "s3":
        bucket = "muejam-drift-flow-logs"
        converged.client("s3").create_bucket(Bucket=bucket)
        changes["LogDestination"] = f"arn:aws:s3:::{bucket}"
    ec2.delete_flow_logs(FlowLogIds=[ids["flow_log"]])
    other = ec2.create_flow_logs(**request({**original, **changes}))["FlowLogIds"][0]

    def undo() -> None:
        ec2.delete_flow_logs(FlowLogIds=[other])
        ec2.create_flow_logs(**request(original))
        if bucket:
            converged.client("s3").delete_bucket(Bucket=bucket)

    return undo


def extra_tag(converged: Converged, ids: dict[str, str], key: str) -> Undo:
    return retag(converged.client("ec2"), ids[key], {"Drift": "yes"})


# resource, attribute, how to change it behind the stack's back (returns how to put it back)
DRIFTS: list[tuple[str, str, Callable[[Converged, dict[str, str]], Undo]]] = [
    ("vpc", "cidr", lambda c, i: replacement_vpc(c, i, CidrBlock="10.9.0.0/16")),
    ("vpc", "tenancy", lambda c, i: replacement_vpc(c, i, CidrBlock="10.0.0.0/16", InstanceTenancy="dedicated")),
    ("vpc", "dns_support", lambda c, i: vpc_attribute(c, i, "EnableDnsSupport")),
    ("vpc", "dns_hostnames", lambda c, i: vpc_attribute(c, i, "EnableDnsHostnames")),
    ("vpc", "tags", lambda c, i: extra_tag(c, i, "vpc")),
    ("public_subnet[us-east-1a]", "cidr", swapped("public_subnet[us-east-1a]", "public_subnet[us-east-1b]")),
    ("private_subnet[us-east-1a]", "cidr", swapped("private_subnet[us-east-1a]", "private_subnet[us-east-1b]")),
    ("public_subnet[us-east-1c]", "az", swapped("public_subnet[us-east-1c]", "public_subnet[us-east-1a]")),
    ("private_subnet[us-east-1c]", "az", swapped("private_subnet[us-east-1c]", "private_subnet[us-east-1a]")),
    ("public_subnet[us-east-1b]", "map_public", lambda c, i: public_ips_on_launch(c, i, "public_subnet[us-east-1b]")),
    ("private_subnet[us-east-1c]", "map_public", lambda c, i: public_ips_on_launch(c, i, "private_subnet[us-east-1c]")),
    (
        "public_subnet[us-east-1a]",
        "tags",
        lambda c, i: retag(c.client("ec2"), i["public_subnet[us-east-1a]"], {"Tier": "private"}),
    ),
    (
        "private_subnet[us-east-1b]",
        "tags",
        lambda c, i: retag(c.client("ec2"), i["private_subnet[us-east-1b]"], {"Tier": "public"}),
    ),
    ("internet_gateway", "tags", lambda c, i: extra_tag(c, i, "internet_gateway")),
    ("internet_gateway", "exists", detached),
    ("nat_eip[us-east-1a]", "tags", lambda c, i: rename_away(c.client("ec2"), i["nat_eip[us-east-1a]"])),
    ("nat_eip[us-east-1b]", "tags", lambda c, i: extra_tag(c, i, "nat_eip[us-east-1b]")),
    ("nat_gateway[us-east-1a]", "subnet", swapped("nat_gateway[us-east-1a]", "nat_gateway[us-east-1b]")),
    ("nat_gateway[us-east-1c]", "allocation", swapped("nat_eip[us-east-1c]", "nat_eip[us-east-1a]")),
    ("nat_gateway[us-east-1b]", "connectivity", lambda c, i: private_nat(c, i, "us-east-1b")),
    ("nat_gateway[us-east-1c]", "tags", lambda c, i: extra_tag(c, i, "nat_gateway[us-east-1c]")),
    ("public_route_table", "routes", no_route),
    (
        "private_route_table[us-east-1a]",
        "routes",
        lambda c, i: route_to(c, i, "private_route_table[us-east-1a]", {"NatGatewayId": i["nat_gateway[us-east-1b]"]}),
    ),
    (
        "public_route_table",
        "subnets",
        lambda c, i: disassociated(c, i, "public_route_table", "public_subnet[us-east-1c]"),
    ),
    (
        "private_route_table[us-east-1b]",
        "subnets",
        lambda c, i: disassociated(c, i, "private_route_table[us-east-1b]", "private_subnet[us-east-1b]"),
    ),
    ("public_route_table", "tags", lambda c, i: extra_tag(c, i, "public_route_table")),
    ("private_route_table[us-east-1c]", "tags", lambda c, i: extra_tag(c, i, "private_route_table[us-east-1c]")),
    ("default_security_group", "ingress", lambda c, i: default_group_rule(c, i, "ingress")),
    ("default_security_group", "egress", lambda c, i: default_group_rule(c, i, "egress")),
    ("flow_logs_log_group", "retention", lambda c, i: log_group_change(c, i, "retention")),
    ("flow_logs_log_group", "tags", lambda c, i: log_group_change(c, i, "tags")),
    ("flow_logs_role", "description", lambda c, i: role_change(c, i, "description")),
    ("flow_logs_role", "trust_policy", lambda c, i: role_change(c, i, "trust_policy")),
    ("flow_logs_role", "managed_policies", lambda c, i: role_change(c, i, "managed_policies")),
    ("flow_logs_role", "tags", lambda c, i: role_change(c, i, "tags")),
    ("flow_logs_policy", "document", policy_change),
    ("flow_log", "traffic_type", lambda c, i: replaced_flow_log(c, i, TrafficType="REJECT")),
    ("flow_log", "max_aggregation_interval", lambda c, i: replaced_flow_log(c, i, MaxAggregationInterval=60)),
    (
        "flow_log",
        "role",
        lambda c, i: replaced_flow_log(c, i, DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/someone-else"),
    ),
    ("flow_log", "log_group", lambda c, i: replaced_flow_log(c, i, LogGroupName="/elsewhere/flow-logs")),
    ("flow_log", "destination_type", lambda c, i: replaced_flow_log(c, i, LogDestinationType="s3")),
    ("flow_log", "tags", lambda c, i: extra_tag(c, i, "flow_log")),
]


@pytest.fixture
def converged_ids(converged: Converged) -> Iterator[dict[str, str]]:
    """The converged stack's ids, after checking it is in sync (a failed put-back shows here)."""
    before = plan(converged)
    assert before["differences"] == []
    yield before["ids"]


@pytest.mark.parametrize(
    ("resource", "attribute", "change"),
    DRIFTS,
    ids=[f"{resource}.{attribute}" for resource, attribute, _unused in DRIFTS],
)
def test_a_change_behind_the_stacks_back_is_a_difference(
    converged: Converged,
    converged_ids: dict[str, str],
    resource: str,
    attribute: str,
    change: Callable[[Converged, dict[str, str]], Undo],
) -> None:
    undo = change(converged, converged_ids)
    try:
        drifted = plan(converged)
        named = [(row["resource"], row["attribute"]) for row in drifted["differences"]]
        assert (resource, attribute) in named, named
        assert not drifted["in_sync"]
    finally:
        undo()
    assert plan(converged)["differences"] == []


# Attributes that cannot drift behind the stack's back, here or on AWS (tested with the fake client).
UNDRIFTABLE = {
    # Every address is a VPC address since EC2-Classic's end; the emulator's "standard" addresses
    # have no allocation id and take no tags, so none can carry a NAT gateway's name.
    ("nat_eip", "domain"): "TestRead::test_an_address_of_another_domain_differs",
}


def test_every_compared_attribute_has_a_drift_test() -> None:
    wanted = networking.wanted(INPUTS, names_of(INPUTS), EMPTY)
    compared = {
        (key.split("[", maxsplit=1)[0], attribute)
        for key, attributes in wanted.items()
        for attribute in (attributes or {})
    }
    drifted = {(resource.split("[", maxsplit=1)[0], attribute) for resource, attribute, _unused in DRIFTS}
    assert sorted(compared - drifted - set(UNDRIFTABLE)) == []


def test_a_nat_gateway_the_mode_no_longer_wants_must_not_exist(converged: Converged) -> None:
    inputs = {**converged.inputs(PART), "nat_gateway_mode": "single"}
    named = {(row["resource"], row["attribute"]) for row in plan(converged, inputs)["differences"]}
    assert {
        ("nat_gateway[us-east-1b]", "exists"),
        ("nat_gateway[us-east-1c]", "exists"),
        ("private_route_table[us-east-1b]", "routes"),
    } <= named


def test_the_part_reads_the_converged_network_in_15_calls(converged: Converged) -> None:
    from tools.emulator import request_counts

    request_counts.mark(converged.state_dir, "networking-read")
    assert plan(converged)["in_sync"]
    calls = request_counts.count(
        converged.state_dir, since=request_counts.since_mark(converged.state_dir, "networking-read")
    )
    per_action = {
        f"{service} {action}": row["calls"]
        for service, data in calls["services"].items()
        for action, row in data["actions"].items()
    }
    assert calls["total"] <= 15, per_action
    assert per_action["ec2 DescribeVpcAttribute"] == 2
    assert all(count == 1 for action, count in per_action.items() if action != "ec2 DescribeVpcAttribute")


def test_the_outputs_are_those_the_rerun_published(converged: Converged) -> None:
    """In sync, the re-run published its first read's outputs: the same as a read now (but the flow
    log's id: the drift tests replace the flow log)."""
    outputs = plan(converged)["outputs"]
    published = converged.plans()[PART]["outputs"]
    assert {**outputs, "flow_log_id": ""} == {**published, "flow_log_id": ""}
    assert len(outputs["nat_gateway_ids"]) == 3 and len(outputs["private_route_table_ids"]) == 3
    assert outputs["vpc_id"].startswith("vpc-") and outputs["flow_log_id"].startswith("fl-")


def edge_playbook(tmp_path: Any, variables: dict[str, Any], *after: dict[str, Any]) -> str:
    """A playbook that includes the networking role's edge.yml alone (as site.yml does), then AFTER."""
    playbook = tmp_path / "edge.yml"
    edge = {
        "name": "Provision the network's edge",
        "ansible.builtin.include_role": {"name": "muejam.infra.networking", "tasks_from": "edge.yml"},
        "vars": {"networking_state": "present", **variables},
    }
    defaults = {
        "region": "{{ aws_region }}",
        "endpoint_url": "{{ aws_endpoint_url }}",
        "access_key": "{{ aws_access_key }}",
        "secret_key": "{{ aws_secret_key }}",
    }
    play = {
        "name": "The network's edge alone",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {"group/muejam.infra.aws": defaults},
        "tasks": [edge, *after],
    }
    playbook.write_text(json.dumps([play]))
    return str(playbook)


def test_a_changed_vpc_cidr_stops_the_role_before_any_change(converged: Converged, tmp_path: Any) -> None:
    """site.yml's preflight refuses a changed networking_vpc_cidr first; the role, included on its own,
    refuses it too, from the comparison's finding (no second lookup of the VPC): the message names the
    VPC and both blocks, and no second VPC is created."""
    from stack_runs import ansible_playbook

    playbook = edge_playbook(
        tmp_path,
        {"networking_name": INPUTS["name"], "networking_tags": INPUTS["tags"], "networking_vpc_cidr": "10.1.0.0/16"},
    )
    ec2 = converged.client("ec2")
    before = sorted(vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"])
    code, output = ansible_playbook(converged.state_dir, converged.endpoint, playbook)
    assert code != 0, output[-3000:]
    vpc_id = converged.plans()[PART]["ids"]["vpc"]
    assert f"Found the VPC {vpc_id} with the CIDR block 10.0.0.0/16" in output, output[-3000:]
    assert "networking_vpc_cidr is '10.1.0.0/16'" in output
    assert sorted(vpc["VpcId"] for vpc in ec2.describe_vpcs()["Vpcs"]) == before


def test_the_edge_publishes_what_a_read_of_the_network_finds(converged: Converged, tmp_path: Any) -> None:
    """edge.yml publishes the edge's ids as its tasks returned them, without reading the network again
    (muejam.infra.edge_outputs): they are what a read right after finds, the VPC, the public subnets in
    the zones' order and the internet gateway; the rest is empty, as nothing inside exists yet. (A
    network of its own name and block beside the converged stack, removed at the end.)"""
    from stack_runs import ansible_playbook

    edge_inputs = inputs_with(
        name="muejam-edge", vpc_cidr="10.9.0.0/16", tags={**INPUTS["tags"], "Environment": "edge"}
    )
    published = tmp_path / "networking_outputs.json"
    write = {
        "name": "Write what the edge published",
        "ansible.builtin.copy": {
            "content": "{{ networking_outputs | to_json }}",
            "dest": str(published),
            "mode": "0600",
        },
    }
    variables = {
        "networking_name": edge_inputs["name"],
        "networking_tags": edge_inputs["tags"],
        "networking_vpc_cidr": edge_inputs["vpc_cidr"],
    }
    ec2 = converged.client("ec2")
    code, output = ansible_playbook(converged.state_dir, converged.endpoint, edge_playbook(tmp_path, variables, write))
    read = networking.outputs(
        edge_inputs,
        names_of(edge_inputs),
        networking.read(converged.client, edge_inputs, names_of(edge_inputs), retry=False),
    )
    try:
        assert code == 0, output[-3000:]
        outputs = json.loads(published.read_text())
        assert outputs == read
        assert outputs["vpc_id"].startswith("vpc-") and outputs["internet_gateway_id"].startswith("igw-")
        assert len(outputs["public_subnet_ids"]) == len(ZONES)
        assert outputs["private_subnet_ids"] == [] and outputs["nat_gateway_ids"] == []
        assert "Read the network as it now is" not in output
    finally:
        vpc_id = read["vpc_id"]
        for subnet in read["public_subnet_ids"]:
            ec2.delete_subnet(SubnetId=subnet)
        if read["internet_gateway_id"]:
            ec2.detach_internet_gateway(InternetGatewayId=read["internet_gateway_id"], VpcId=vpc_id)
            ec2.delete_internet_gateway(InternetGatewayId=read["internet_gateway_id"])
        if vpc_id:
            ec2.delete_vpc(VpcId=vpc_id)
