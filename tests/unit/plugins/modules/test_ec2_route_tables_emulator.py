"""ec2_route_tables against the real emulator, run as users run it: ansible-playbook with
module_defaults pointing at the emulator. The tests of the class run in order on one VPC."""

from __future__ import annotations

from typing import Any

import pytest

TAGS = {"Project": "muejam", "Environment": "test"}


@pytest.fixture(scope="module")
def network(emulator: dict[str, Any]) -> dict[str, Any]:
    ec2 = emulator["client"]("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc_id)
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.30.{index}.0/24")["Subnet"]["SubnetId"] for index in range(4)
    ]
    return {"vpc_id": vpc_id, "igw": igw, "subnets": subnets}


def args_for(network: dict[str, Any], private_subnets: list[str] | None = None) -> dict[str, Any]:
    public_a, public_b, private, _spare = network["subnets"]
    return {
        "vpc_id": network["vpc_id"],
        "route_tables": [
            {
                "name": "rt-test-public",
                "routes": [{"dest": "0.0.0.0/0", "gateway_id": network["igw"]}],
                "subnets": [public_a, public_b],
                "tags": TAGS,
            },
            {"name": "rt-test-private", "subnets": private_subnets or [private], "tags": TAGS},
        ],
    }


def run_module(emulator: dict[str, Any], args: dict[str, Any], check: bool = False) -> dict[str, Any]:
    """Run muejam.infra.ec2_route_tables in a playbook; return the task's result."""
    return emulator["run_module"]("muejam.infra.ec2_route_tables", args, check)


def tables_named(emulator: dict[str, Any], vpc_id: str, name: str) -> list[dict[str, Any]]:
    ec2 = emulator["client"]("ec2")
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "tag:Name", "Values": [name]}]
    return ec2.describe_route_tables(Filters=filters)["RouteTables"]


class TestRouteTables:
    def test_check_mode_reports_the_tables_to_create_and_creates_nothing(
        self, emulator: dict[str, Any], network: dict[str, Any]
    ) -> None:
        result = run_module(emulator, args_for(network), check=True)
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert [step["action"] for step in result["changes"]].count("create_route_table") == 2
        assert tables_named(emulator, network["vpc_id"], "rt-test-public") == []

    def test_converges_then_changes_nothing(self, emulator: dict[str, Any], network: dict[str, Any]) -> None:
        first = run_module(emulator, args_for(network))
        assert not first.get("failed"), first.get("msg")
        assert first["changed"] is True
        public = first["route_tables"]["rt-test-public"]
        assert sorted(a["subnet_id"] for a in public["associations"]) == sorted(network["subnets"][:2])
        assert [r["target"] for r in public["routes"] if r["dest"] == "0.0.0.0/0"] == [network["igw"]]
        assert public["tags"] == dict(TAGS, Name="rt-test-public")
        (found,) = tables_named(emulator, network["vpc_id"], "rt-test-public")
        assert found["RouteTableId"] == public["id"]

        second = run_module(emulator, args_for(network))
        assert not second.get("failed"), second.get("msg")
        assert second["changed"] is False
        assert second["changes"] == []
        assert second["route_tables"]["rt-test-public"]["id"] == public["id"]

    def test_moves_a_subnet_from_another_table(self, emulator: dict[str, Any], network: dict[str, Any]) -> None:
        ec2 = emulator["client"]("ec2")
        spare = network["subnets"][3]
        other = ec2.create_route_table(VpcId=network["vpc_id"])["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=other, SubnetId=spare)
        args = args_for(network, private_subnets=[network["subnets"][2], spare])

        result = run_module(emulator, args)
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert [(step["action"], step["subnet_id"]) for step in result["changes"]] == [("replace_association", spare)]
        (private,) = tables_named(emulator, network["vpc_id"], "rt-test-private")
        assert spare in {a.get("SubnetId") for a in private["Associations"]}
        assert ec2.describe_route_tables(RouteTableIds=[other])["RouteTables"][0]["Associations"] == []

        assert run_module(emulator, args)["changed"] is False

    def test_refuses_two_tables_with_one_name(self, emulator: dict[str, Any], network: dict[str, Any]) -> None:
        ec2 = emulator["client"]("ec2")
        duplicate = ec2.create_route_table(
            VpcId=network["vpc_id"],
            TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "rt-test-public"}]}],
        )["RouteTable"]["RouteTableId"]
        result = run_module(emulator, args_for(network))
        assert result.get("failed")
        assert network["vpc_id"] in result["msg"] and duplicate in result["msg"] and "rt-test-public" in result["msg"]
