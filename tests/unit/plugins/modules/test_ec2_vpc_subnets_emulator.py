"""ec2_vpc_subnets against the real emulator, run as users run it: ansible-playbook with
module_defaults pointing at the emulator. The tests of the class run in order on one VPC."""

from __future__ import annotations

from typing import Any

import pytest

ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]


@pytest.fixture(scope="module")
def vpc_id(emulator: dict[str, Any]) -> str:
    return emulator["client"]("ec2").create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]


def args_for(vpc_id: str, **tags: str) -> dict[str, Any]:
    return {
        "vpc_id": vpc_id,
        "subnets": [
            {"cidr": f"10.50.{index * 16}.0/20", "az": zone, "tags": {"Name": f"sn-{zone}", "Tier": "public", **tags}}
            for index, zone in enumerate(ZONES)
        ],
    }


def run_module(emulator: dict[str, Any], args: dict[str, Any], check: bool = False) -> dict[str, Any]:
    return emulator["run_module"]("muejam.infra.ec2_vpc_subnets", args, check)


def subnets_of(emulator: dict[str, Any], vpc_id: str) -> dict[str, dict[str, Any]]:
    found = emulator["client"]("ec2").describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    return {subnet["CidrBlock"]: subnet for subnet in found}


class TestSubnets:
    def test_check_mode_reports_the_subnets_to_create_and_creates_nothing(
        self, emulator: dict[str, Any], vpc_id: str
    ) -> None:
        result = run_module(emulator, args_for(vpc_id), check=True)
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert [item["id"] for item in result["subnets"]] == [None, None, None]
        assert subnets_of(emulator, vpc_id) == {}

    def test_creates_every_subnet_in_one_call_in_the_order_given(self, emulator: dict[str, Any], vpc_id: str) -> None:
        emulator["mark"]("create")
        result = run_module(emulator, args_for(vpc_id))
        assert not result.get("failed"), result.get("msg")
        # One read, the three creations with their tags, one read of the new subnets (available at once here).
        assert emulator["actions_since"]("create") == [
            "DescribeSubnets",
            "CreateSubnet",
            "CreateSubnet",
            "CreateSubnet",
            "DescribeSubnets",
        ]
        found = subnets_of(emulator, vpc_id)
        assert [item["id"] for item in result["subnets"]] == [
            found[f"10.50.{i * 16}.0/20"]["SubnetId"] for i in range(3)
        ]
        assert [found[f"10.50.{i * 16}.0/20"]["AvailabilityZone"] for i in range(3)] == ZONES
        assert {tag["Key"]: tag["Value"] for tag in found["10.50.0.0/20"]["Tags"]} == {
            "Name": "sn-us-east-1a",
            "Tier": "public",
        }
        assert not found["10.50.0.0/20"]["MapPublicIpOnLaunch"]
        assert all(item["state"] == "available" for item in result["subnets"])

    def test_a_second_run_changes_nothing_in_one_call(self, emulator: dict[str, Any], vpc_id: str) -> None:
        emulator["mark"]("again")
        result = run_module(emulator, args_for(vpc_id))
        assert not result.get("failed"), result.get("msg")
        assert (result["changed"], result["changes"]) == (False, [])
        assert emulator["actions_since"]("again") == ["DescribeSubnets"]

    def test_tags_and_the_public_ip_setting_are_made_exact(self, emulator: dict[str, Any], vpc_id: str) -> None:
        args = args_for(vpc_id, Owner="web")
        args["subnets"][0]["map_public"] = True
        result = run_module(emulator, args)
        assert not result.get("failed"), result.get("msg")
        assert sorted({step["action"] for step in result["changes"]}) == ["set_map_public", "set_tags"]
        found = subnets_of(emulator, vpc_id)
        assert found["10.50.0.0/20"]["MapPublicIpOnLaunch"] is True
        assert {tag["Key"]: tag["Value"] for tag in found["10.50.16.0/20"]["Tags"]}["Owner"] == "web"
        back = run_module(emulator, args_for(vpc_id))
        assert sorted({step["action"] for step in back["changes"]}) == ["remove_tags", "set_map_public"]
        assert run_module(emulator, args_for(vpc_id))["changed"] is False

    def test_a_subnet_in_another_zone_is_refused_before_any_change(self, emulator: dict[str, Any], vpc_id: str) -> None:
        args = args_for(vpc_id)
        args["subnets"][0]["az"] = "us-east-1b"
        emulator["mark"]("refused")
        result = run_module(emulator, args)
        assert result.get("failed") is True
        assert "10.50.0.0/20 is in us-east-1a" in result["msg"] and "cannot move" in result["msg"]
        assert emulator["actions_since"]("refused") == ["DescribeSubnets"]
