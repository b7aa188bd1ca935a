from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils import route_tables
from ansible_collections.muejam.infra.plugins.module_utils.route_tables import (
    RouteTableError,
    ensure_present,
    index_found,
    normalize_wanted,
    plan,
    predicted,
    subnets_to_look_up,
)
from ansible_collections.muejam.infra.tests.unit.aws_faults import throttle

VPC = "vpc-0123456789abcdef0"
IGW = "igw-0123456789abcdef0"
NAT_A = "nat-0aaaaaaaaaaaaaaaa"
NAT_B = "nat-0bbbbbbbbbbbbbbbb"
TAGS = {"Project": "muejam", "Environment": "test"}


def table(name: str, routes: list[dict[str, str]] | None = None, subnets: list[str] | None = None, **tags: str) -> dict:
    """One entry of the module's route_tables option."""
    return {"name": name, "routes": routes or [], "subnets": subnets or [], "tags": dict(TAGS, **tags)}


def found_table(
    table_id: str,
    name: str,
    routes: list[dict[str, Any]] = (),
    associations: list[tuple[str, str]] = (),
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A DescribeRouteTables entry: the local route, the given routes and subnet associations."""
    all_tags = dict(TAGS, Name=name) if tags is None else tags
    return {
        "RouteTableId": table_id,
        "VpcId": VPC,
        "Routes": [
            {
                "DestinationCidrBlock": "10.0.0.0/16",
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active",
            },
            *routes,
        ],
        "Associations": [
            {
                "RouteTableAssociationId": association_id,
                "RouteTableId": table_id,
                "SubnetId": subnet,
                "Main": False,
                "AssociationState": {"State": "associated"},
            }
            for association_id, subnet in associations
        ],
        "Tags": [{"Key": key, "Value": value} for key, value in all_tags.items()],
    }


def created_route(dest: str, **target: str) -> dict[str, Any]:
    return {"DestinationCidrBlock": dest, **target, "Origin": "CreateRoute", "State": "active"}


def steps_of(wanted_tables: list[dict], found: list[dict], elsewhere: list[dict] = (), **purge: bool) -> list[dict]:
    wanted = normalize_wanted(wanted_tables)
    return plan(VPC, wanted, index_found(VPC, wanted, found), elsewhere, **purge).steps


def actions(steps: list[dict]) -> list[tuple[str, str]]:
    return [(step["action"], step["route_table"]) for step in steps]


PUBLIC = table("public", [{"dest": "0.0.0.0/0", "gateway_id": IGW}], ["subnet-a", "subnet-b"])
PRIVATE = table("private-a", [{"dest": "0.0.0.0/0", "nat_gateway_id": NAT_A}], ["subnet-pa"])


def converged() -> list[dict[str, Any]]:
    return [
        found_table(
            "rtb-public",
            "public",
            [created_route("0.0.0.0/0", GatewayId=IGW)],
            [("rtbassoc-a", "subnet-a"), ("rtbassoc-b", "subnet-b")],
        ),
        found_table(
            "rtb-private", "private-a", [created_route("0.0.0.0/0", NatGatewayId=NAT_A)], [("rtbassoc-pa", "subnet-pa")]
        ),
    ]


class TestNormalizeWanted:
    def test_sets_the_name_tag_and_drops_repeated_subnets(self) -> None:
        wanted = normalize_wanted([table("public", subnets=["subnet-a", "subnet-a"], Name="other")])
        assert wanted["public"]["tags"] == dict(TAGS, Name="public")
        assert wanted["public"]["subnets"] == ["subnet-a"]

    def test_reads_a_nat_id_given_as_gateway_id_as_a_nat_gateway(self) -> None:
        wanted = normalize_wanted([table("private-a", [{"dest": "0.0.0.0/0", "gateway_id": NAT_A}])])
        assert wanted["private-a"]["routes"] == [{"dest": "0.0.0.0/0", "nat_gateway_id": NAT_A}]

    def test_refuses_a_name_given_twice(self) -> None:
        with pytest.raises(RouteTableError, match="route table public is given twice"):
            normalize_wanted([table("public"), table("public")])

    def test_refuses_a_subnet_under_two_tables(self) -> None:
        with pytest.raises(RouteTableError, match="subnet subnet-a is given for route tables public and private-a"):
            normalize_wanted([table("public", subnets=["subnet-a"]), table("private-a", subnets=["subnet-a"])])

    def test_allows_one_placeholder_under_two_tables_in_check_mode(self) -> None:
        placeholder = "subnet-check-mode-placeholder"
        wanted = normalize_wanted(
            [table("public", subnets=[placeholder]), table("private-a", subnets=[placeholder])], check_mode=True
        )
        assert wanted["private-a"]["subnets"] == [placeholder]

    def test_refuses_a_route_with_two_targets_or_none(self) -> None:
        with pytest.raises(RouteTableError, match="exactly one of gateway_id and nat_gateway_id"):
            normalize_wanted([table("public", [{"dest": "0.0.0.0/0", "gateway_id": IGW, "nat_gateway_id": NAT_A}])])
        with pytest.raises(RouteTableError, match="exactly one of gateway_id and nat_gateway_id"):
            normalize_wanted([table("public", [{"dest": "0.0.0.0/0"}])])

    def test_refuses_two_routes_to_one_destination(self) -> None:
        routes = [{"dest": "0.0.0.0/0", "gateway_id": IGW}, {"dest": "0.0.0.0/0", "nat_gateway_id": NAT_A}]
        with pytest.raises(RouteTableError, match=re.escape("several routes to 0.0.0.0/0")):
            normalize_wanted([table("public", routes)])


class TestIndexFound:
    def test_refuses_two_tables_with_one_name_naming_the_vpc_the_name_and_the_ids(self) -> None:
        found = [found_table("rtb-1", "public"), found_table("rtb-2", "public"), found_table("rtb-3", "private-a")]
        with pytest.raises(RouteTableError) as error:
            index_found(VPC, ["public", "private-a"], found)
        message = str(error.value)
        assert VPC in message
        assert '"public": ["rtb-1", "rtb-2"]' in message
        assert "rtb-3" not in message

    def test_ignores_tables_with_other_names(self) -> None:
        found = index_found(VPC, ["public"], [found_table("rtb-1", "public"), found_table("rtb-2", "somebody-else")])
        assert list(found) == ["public"]


class TestPlan:
    def test_creates_a_missing_table_with_its_tags_routes_and_subnets(self) -> None:
        steps = steps_of([PUBLIC], [])
        assert steps[0] == {"action": "create_route_table", "route_table": "public", "tags": dict(TAGS, Name="public")}
        assert steps[1] == {
            "action": "create_route",
            "route_table": "public",
            "route_table_id": None,
            "dest": "0.0.0.0/0",
            "gateway_id": IGW,
        }
        assert [(step["action"], step["subnet_id"]) for step in steps[2:]] == [
            ("associate", "subnet-a"),
            ("associate", "subnet-b"),
        ]
        # Tags go with CreateRouteTable (TagSpecifications): no separate tag step.
        assert not any(step["action"] == "set_tags" for step in steps)

    def test_changes_nothing_on_converged_tables(self) -> None:
        steps = steps_of([PUBLIC, PRIVATE], converged())
        assert steps == []

    def test_replaces_a_route_through_another_target(self) -> None:
        wanted = table("private-a", [{"dest": "0.0.0.0/0", "nat_gateway_id": NAT_B}], ["subnet-pa"])
        steps = steps_of([PUBLIC, wanted], converged())
        assert steps == [
            {
                "action": "replace_route",
                "route_table": "private-a",
                "route_table_id": "rtb-private",
                "dest": "0.0.0.0/0",
                "nat_gateway_id": NAT_B,
                "was": NAT_A,
            }
        ]

    def test_purges_a_route_not_wanted_unless_told_not_to(self) -> None:
        found = converged()
        found[0]["Routes"].append(created_route("192.168.0.0/16", GatewayId="vgw-0123"))
        assert steps_of([PUBLIC, PRIVATE], found) == [
            {
                "action": "delete_route",
                "route_table": "public",
                "route_table_id": "rtb-public",
                "dest": "192.168.0.0/16",
                "was": "vgw-0123",
            }
        ]
        assert steps_of([PUBLIC, PRIVATE], found, purge_routes=False) == []

    def test_the_none_mode_deletes_the_default_route(self) -> None:
        steps = steps_of([PUBLIC, table("private-a", [], ["subnet-pa"])], converged())
        assert actions(steps) == [("delete_route", "private-a")]

    def test_keeps_the_local_propagated_and_prefix_list_routes(self) -> None:
        found = converged()
        found[0]["Routes"] += [
            {"DestinationCidrBlock": "172.16.0.0/16", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"},
            {"DestinationPrefixListId": "pl-63a5400a", "GatewayId": "vpce-1", "Origin": "CreateRoute"},
        ]
        assert steps_of([PUBLIC, PRIVATE], found) == []

    def test_refuses_to_replace_the_local_route(self) -> None:
        wanted = table("public", [{"dest": "10.0.0.0/16", "gateway_id": IGW}], ["subnet-a", "subnet-b"])
        with pytest.raises(
            RouteTableError, match=re.escape("the route to 10.0.0.0/16 is the CreateRouteTable route through local")
        ):
            steps_of([wanted], converged())

    def test_moves_a_subnet_from_another_table_with_its_association(self) -> None:
        other = found_table("rtb-other", "other", associations=[("rtbassoc-x", "subnet-c")])
        wanted = table("public", [{"dest": "0.0.0.0/0", "gateway_id": IGW}], ["subnet-a", "subnet-b", "subnet-c"])
        steps = steps_of([wanted, PRIVATE], converged(), elsewhere=[other])
        assert steps == [
            {
                "action": "replace_association",
                "route_table": "public",
                "route_table_id": "rtb-public",
                "subnet_id": "subnet-c",
                "association_id": "rtbassoc-x",
                "from_route_table_id": "rtb-other",
            }
        ]

    def test_moves_a_subnet_between_two_of_its_tables_without_disassociating_it(self) -> None:
        public = table("public", [{"dest": "0.0.0.0/0", "gateway_id": IGW}], ["subnet-a"])
        private = table("private-a", [{"dest": "0.0.0.0/0", "nat_gateway_id": NAT_A}], ["subnet-pa", "subnet-b"])
        steps = steps_of([public, private], converged())
        assert [(step["action"], step["subnet_id"], step.get("association_id")) for step in steps] == [
            ("replace_association", "subnet-b", "rtbassoc-b")
        ]

    def test_moves_a_subnet_into_a_new_table(self) -> None:
        found = converged()[:1]
        wanted = table("private-a", [], ["subnet-b"])
        steps = steps_of([table("public", [{"dest": "0.0.0.0/0", "gateway_id": IGW}], ["subnet-a"]), wanted], found)
        assert actions(steps) == [("create_route_table", "private-a"), ("replace_association", "private-a")]
        assert steps[1]["route_table_id"] is None and steps[1]["association_id"] == "rtbassoc-b"

    def test_purges_an_association_not_wanted_unless_told_not_to(self) -> None:
        public = table("public", [{"dest": "0.0.0.0/0", "gateway_id": IGW}], ["subnet-a"])
        assert steps_of([public, PRIVATE], converged()) == [
            {
                "action": "disassociate",
                "route_table": "public",
                "route_table_id": "rtb-public",
                "subnet_id": "subnet-b",
                "association_id": "rtbassoc-b",
            }
        ]
        assert steps_of([public, PRIVATE], converged(), purge_subnets=False) == []

    def test_leaves_the_main_and_gateway_associations_alone(self) -> None:
        found = converged()
        found[0]["Associations"] += [
            {"RouteTableAssociationId": "rtbassoc-main", "RouteTableId": "rtb-public", "Main": True},
            {"RouteTableAssociationId": "rtbassoc-gw", "RouteTableId": "rtb-public", "GatewayId": "vgw-1"},
        ]
        assert steps_of([PUBLIC, PRIVATE], found) == []

    def test_sets_and_purges_tags(self) -> None:
        found = converged()
        found[0]["Tags"] = [
            {"Key": "Name", "Value": "public"},
            {"Key": "Project", "Value": "old"},
            {"Key": "x", "Value": "1"},
        ]
        steps = steps_of([PUBLIC, PRIVATE], found)
        assert steps == [
            {
                "action": "set_tags",
                "route_table": "public",
                "route_table_id": "rtb-public",
                "tags": {"Project": "muejam", "Environment": "test"},
            },
            {"action": "remove_tags", "route_table": "public", "route_table_id": "rtb-public", "keys": ["x"]},
        ]
        assert actions(steps_of([PUBLIC, PRIVATE], found, purge_tags=False)) == [("set_tags", "public")]

    def test_looks_up_only_the_subnets_none_of_its_tables_has(self) -> None:
        wanted = normalize_wanted([PUBLIC, table("private-a", subnets=["subnet-pa", "subnet-new"])])
        assert subnets_to_look_up(wanted, index_found(VPC, wanted, converged())) == ["subnet-new"]
        assert subnets_to_look_up(normalize_wanted([PUBLIC, PRIVATE]), index_found(VPC, ["public"], converged())) == [
            "subnet-pa"
        ]


class TestPredicted:
    def test_shows_the_tables_as_the_steps_leave_them(self) -> None:
        wanted = normalize_wanted([PUBLIC, table("private-a", [{"dest": "0.0.0.0/0", "nat_gateway_id": NAT_B}])])
        found = index_found(VPC, wanted, converged()[:1])
        tables = predicted(wanted, found, plan(VPC, wanted, found).steps)
        assert tables["public"]["id"] == "rtb-public"
        assert tables["private-a"] == {
            "id": None,
            "routes": [{"dest": "0.0.0.0/0", "target": NAT_B, "origin": "CreateRoute", "state": None}],
            "associations": [],
            "tags": dict(TAGS, Name="private-a"),
        }


# --- against moto, through the client the module makes ---------------------------------------


@pytest.fixture
def ec2() -> Iterator[Any]:
    """The client the module makes: module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())."""
    with mock_aws():
        yield RetryingBotoClientWrapper(boto3.client("ec2", region_name="us-east-1"), AWSRetry.jittered_backoff())


@pytest.fixture
def network(ec2: Any) -> dict[str, Any]:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24")["Subnet"]["SubnetId"] for index in range(3)
    ]
    return {"vpc_id": vpc_id, "igw": igw, "subnets": subnets}


def wanted_tables(network: dict[str, Any]) -> list[dict[str, Any]]:
    public, private, _spare = network["subnets"]
    return [
        table("public", [{"dest": "0.0.0.0/0", "gateway_id": network["igw"]}], [public]),
        table("private-a", [], [private]),
    ]


def record_calls(ec2: Any) -> list[str]:
    """The EC2 operations the client makes from now on, in order."""
    calls: list[str] = []
    ec2.client.meta.events.register("before-call.ec2.*", lambda model, **_kwargs: calls.append(model.name))
    return calls


def no_sleep(_seconds: float) -> None:
    raise AssertionError("slept: the module waits on AWS's state only")


class TestEnsurePresent:
    def test_check_mode_reports_the_plan_and_changes_nothing(self, ec2: Any, network: dict[str, Any]) -> None:
        calls = record_calls(ec2)
        result = ensure_present(ec2, network["vpc_id"], wanted_tables(network), check_mode=True)
        assert result["changed"] is True
        assert [step["action"] for step in result["changes"]] == [
            "create_route_table",
            "create_route_table",
            "create_route",
            "associate",
            "associate",
        ]
        assert result["route_tables"]["public"]["id"] is None
        assert set(calls) == {"DescribeRouteTables"}
        assert ec2.describe_route_tables(Filters=[{"Name": "tag:Name", "Values": ["public"]}])["RouteTables"] == []

    def test_converges_without_sleeping_then_changes_nothing_with_one_call(
        self, ec2: Any, network: dict[str, Any], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("time.sleep", no_sleep)
        first = ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        assert first["changed"] is True
        public = first["route_tables"]["public"]
        assert public["id"].startswith("rtb-")
        assert {"dest": "0.0.0.0/0", "target": network["igw"], "origin": "CreateRoute", "state": "active"} in public[
            "routes"
        ]
        assert [a["subnet_id"] for a in public["associations"]] == [network["subnets"][0]]
        assert public["tags"] == dict(TAGS, Name="public")
        # The create steps now carry the ids AWS gave.
        assert all(step["route_table_id"] for step in first["changes"])

        calls = record_calls(ec2)
        second = ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        assert second == {"changed": False, "changes": [], "route_tables": first["route_tables"]}
        assert calls == ["DescribeRouteTables"]

        check = ensure_present(ec2, network["vpc_id"], wanted_tables(network), check_mode=True)
        assert check["changed"] is False

    def test_moves_a_subnet_from_a_table_it_does_not_manage(self, ec2: Any, network: dict[str, Any]) -> None:
        ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        other = ec2.create_route_table(VpcId=network["vpc_id"])["RouteTable"]["RouteTableId"]
        spare = network["subnets"][2]
        ec2.associate_route_table(RouteTableId=other, SubnetId=spare)
        wanted = wanted_tables(network)
        wanted[1]["subnets"].append(spare)

        calls = record_calls(ec2)
        result = ensure_present(ec2, network["vpc_id"], wanted)
        assert [(step["action"], step.get("from_route_table_id")) for step in result["changes"]] == [
            ("replace_association", other)
        ]
        assert "ReplaceRouteTableAssociation" in calls and "DisassociateRouteTable" not in calls
        associated = {a["subnet_id"] for a in result["route_tables"]["private-a"]["associations"]}
        assert associated == {network["subnets"][1], spare}
        left = ec2.describe_route_tables(RouteTableIds=[other])["RouteTables"][0]["Associations"]
        assert left == []
        assert ensure_present(ec2, network["vpc_id"], wanted)["changed"] is False

    def test_creates_each_table_with_a_client_token_kept_across_retries(
        self, ec2: Any, network: dict[str, Any], slept: list[float]
    ) -> None:
        tokens: list[tuple[str, str]] = []
        ec2.client.meta.events.register(
            "provide-client-params.ec2.CreateRouteTable",
            lambda params, **_kwargs: tokens.append((params["TagSpecifications"][0]["Tags"], params["ClientToken"])),
        )
        throttle(ec2.client, "CreateRouteTable", code="InternalError")
        ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        assert len(tokens) == 3  # the first table's create failed once and was retried
        assert tokens[0][1] == tokens[1][1] != tokens[2][1]

    def test_refuses_a_second_table_with_a_wanted_name(self, ec2: Any, network: dict[str, Any]) -> None:
        first = ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        ec2.create_route_table(
            VpcId=network["vpc_id"],
            TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}],
        )
        with pytest.raises(RouteTableError, match=network["vpc_id"]) as error:
            ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        assert first["route_tables"]["public"]["id"] in str(error.value)

    def test_survives_throttling(self, ec2: Any, network: dict[str, Any], slept: list[float]) -> None:
        failed = throttle(
            ec2.client, "CreateRouteTable", "CreateRoute", "AssociateRouteTable", code="RequestLimitExceeded"
        )
        result = ensure_present(ec2, network["vpc_id"], wanted_tables(network))
        assert result["changed"] is True
        assert failed == ["CreateRouteTable", "CreateRoute", "AssociateRouteTable"]
        assert len(slept) == 3  # one back-off each, no fixed sleep
        assert ensure_present(ec2, network["vpc_id"], wanted_tables(network))["changed"] is False


def test_the_module_utils_has_no_fixed_sleep() -> None:
    assert not hasattr(route_tables, "sleep") and not hasattr(route_tables, "time")
