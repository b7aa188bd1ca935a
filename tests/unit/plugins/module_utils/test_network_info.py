"""The private subnets' egress (plugins/module_utils/network_info.py): which NAT gateway each subnet's
default route targets, and the wait until those gateways are available (botocore's Stubber: no AWS)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ansible_collections.muejam.infra.plugins.module_utils import network_info

VPC = "vpc-0123456789abcdef0"
SUBNETS = ["subnet-a", "subnet-b", "subnet-c"]


def table(subnets: list[str], nat: str = "", main: bool = False) -> dict[str, Any]:
    associations: list[dict[str, Any]] = [{"SubnetId": subnet, "Main": False} for subnet in subnets]
    if main:
        associations.append({"Main": True})
    routes: list[dict[str, Any]] = [{"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local"}]
    if nat:
        routes.append({"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat})
    return {"RouteTableId": f"rtb-{nat or 'none'}", "Associations": associations, "Routes": routes}


def gateway(nat: str, state: str, **extra: Any) -> dict[str, Any]:
    return {"NatGatewayId": nat, "State": state, **extra}


@pytest.fixture
def ec2() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def describe_tables(stubber: Stubber, tables: list[dict[str, Any]]) -> None:
    stubber.add_response(
        "describe_route_tables", {"RouteTables": tables}, {"Filters": [{"Name": "vpc-id", "Values": [VPC]}]}
    )


def describe_gateways(stubber: Stubber, ids: list[str], gateways: list[dict[str, Any]]) -> None:
    stubber.add_response(
        "describe_nat_gateways",
        {"NatGateways": gateways},
        {"Filters": [{"Name": "nat-gateway-id", "Values": ids}]},
    )


class TestSubnetNatGateways:
    def test_uses_the_table_associated_with_each_subnet(self) -> None:
        tables = [table(["subnet-a"], "nat-a"), table(["subnet-b"], "nat-b"), table([], "", main=True)]
        assert network_info.subnet_nat_gateways(tables, ["subnet-a", "subnet-b"]) == {
            "subnet-a": "nat-a",
            "subnet-b": "nat-b",
        }

    def test_falls_back_to_the_main_table_for_a_subnet_without_one(self) -> None:
        tables = [table(["subnet-a"], ""), table([], "nat-main", main=True)]
        assert network_info.subnet_nat_gateways(tables, ["subnet-a", "subnet-b"]) == {
            "subnet-a": "",
            "subnet-b": "nat-main",
        }

    def test_a_default_route_to_an_internet_gateway_is_no_nat(self) -> None:
        igw = {
            "Associations": [{"SubnetId": "subnet-a"}],
            "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}],
        }
        assert network_info.subnet_nat_gateways([igw], ["subnet-a"]) == {"subnet-a": ""}

    def test_a_vpc_without_tables_has_no_nat(self) -> None:
        assert network_info.subnet_nat_gateways([], ["subnet-a"]) == {"subnet-a": ""}


class TestReadEgress:
    def test_describes_the_gateways_routed_to_once(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a", "subnet-b"], "nat-1"), table(["subnet-c"], "nat-2")])
        describe_gateways(stubber, ["nat-1", "nat-2"], [gateway("nat-1", "available"), gateway("nat-2", "pending")])
        egress = network_info.read_egress(client, VPC, SUBNETS)
        assert {subnet: network_info.pending_nat_gateway(row) for subnet, row in egress.items()} == {
            "subnet-a": "",
            "subnet-b": "",
            "subnet-c": "nat-2 (pending)",
        }

    def test_makes_one_call_without_nat_routes(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(SUBNETS)])
        assert network_info.read_egress(client, VPC, SUBNETS)["subnet-a"] == {
            "nat_gateway_id": "",
            "state": "",
            "failure": "",
        }

    def test_reports_a_gateway_that_is_not_there_as_missing(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a"], "nat-gone")])
        describe_gateways(stubber, ["nat-gone"], [])
        egress = network_info.read_egress(client, VPC, ["subnet-a"])
        assert network_info.pending_nat_gateway(egress["subnet-a"]) == "nat-gone (missing)"

    def test_follows_every_page(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        filters = [{"Name": "vpc-id", "Values": [VPC]}]
        stubber.add_response(
            "describe_route_tables", {"RouteTables": [table(["subnet-a"])], "NextToken": "2"}, {"Filters": filters}
        )
        stubber.add_response(
            "describe_route_tables",
            {"RouteTables": [table(["subnet-b"], "nat-b")]},
            {"Filters": filters, "NextToken": "2"},
        )
        describe_gateways(stubber, ["nat-b"], [gateway("nat-b", "available")])
        assert network_info.read_egress(client, VPC, ["subnet-a", "subnet-b"])["subnet-b"]["nat_gateway_id"] == "nat-b"


class TestWaitForEgress:
    def test_waits_until_the_pending_gateway_is_available(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a"], "nat-1"), table(["subnet-b"], "nat-2")])
        describe_gateways(stubber, ["nat-1", "nat-2"], [gateway("nat-1", "available"), gateway("nat-2", "pending")])
        describe_gateways(stubber, ["nat-2"], [gateway("nat-2", "pending")])
        describe_gateways(stubber, ["nat-2"], [gateway("nat-2", "available")])
        found = network_info.wait_for_egress(client, VPC, ["subnet-a", "subnet-b"], timeout=5, delay=0)
        assert found == {"subnet-a": "nat-1", "subnet-b": "nat-2"}

    def test_does_not_poll_when_every_gateway_is_available(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(SUBNETS, "nat-1")])
        describe_gateways(stubber, ["nat-1"], [gateway("nat-1", "available")])
        assert network_info.wait_for_egress(client, VPC, SUBNETS, timeout=5, delay=0) == dict.fromkeys(SUBNETS, "nat-1")

    def test_has_nothing_to_wait_for_without_a_nat_route(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(SUBNETS)])
        assert network_info.wait_for_egress(client, VPC, SUBNETS, timeout=5, delay=0) == dict.fromkeys(SUBNETS, "")

    def test_fails_with_the_failure_message_of_a_failed_gateway(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a"], "nat-1")])
        describe_gateways(stubber, ["nat-1"], [gateway("nat-1", "pending")])
        failed = gateway(
            "nat-1", "failed", FailureCode="Gateway.NotAttached", FailureMessage="Network vpc-1 has no IGW"
        )
        describe_gateways(stubber, ["nat-1"], [failed])
        with pytest.raises(network_info.EgressNotReady) as error:
            network_info.wait_for_egress(client, VPC, ["subnet-a"], timeout=60, delay=0)
        assert str(error.value) == (
            "The private subnets' NAT gateways will not become available: "
            "nat-1 (failed: Gateway.NotAttached Network vpc-1 has no IGW), the default route of subnet-a"
        )

    def test_fails_after_the_timeout_naming_the_gateways_still_pending(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a", "subnet-b"], "nat-1"), table(["subnet-c"], "nat-2")])
        describe_gateways(stubber, ["nat-1", "nat-2"], [gateway("nat-1", "pending"), gateway("nat-2", "available")])
        for _unused in range(3):  # the first poll and one per delay within the timeout (2 with delay 0)
            describe_gateways(stubber, ["nat-1"], [gateway("nat-1", "pending")])
        with pytest.raises(network_info.EgressNotReady) as error:
            network_info.wait_for_egress(client, VPC, SUBNETS, timeout=2, delay=0)
        assert str(error.value) == (
            "The private subnets' NAT gateways were not available after 2 s: "
            "nat-1 (pending), the default route of subnet-a, subnet-b"
        )

    def test_fails_at_once_on_a_route_to_a_gateway_that_is_not_there(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a"], "nat-gone")])
        describe_gateways(stubber, ["nat-gone"], [gateway("nat-gone", "deleted")])
        with pytest.raises(network_info.EgressNotReady, match=r"will not become available: nat-gone \(deleted\)"):
            network_info.wait_for_egress(client, VPC, ["subnet-a"], timeout=60, delay=0)

    def test_retries_a_throttled_poll(self, ec2: tuple[Any, Stubber]) -> None:
        client, stubber = ec2
        describe_tables(stubber, [table(["subnet-a"], "nat-1")])
        describe_gateways(stubber, ["nat-1"], [gateway("nat-1", "pending")])
        stubber.add_client_error("describe_nat_gateways", "RequestLimitExceeded", http_status_code=503)
        describe_gateways(stubber, ["nat-1"], [gateway("nat-1", "available")])
        assert network_info.wait_for_egress(client, VPC, ["subnet-a"], timeout=5, delay=0) == {"subnet-a": "nat-1"}


class TestWaiterFor:
    DELAY = network_info.WAITERS["waiters"]["NatGatewaysAvailable"]["delay"]

    def test_polls_for_the_whole_timeout(self) -> None:
        client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        _unused, config = network_info.waiter_for(client, "NatGatewaysAvailable", timeout=600)
        assert config == {"Delay": self.DELAY, "MaxAttempts": 1 + math.ceil(600 / self.DELAY)}
        _unused, config = network_info.waiter_for(client, "NatGatewaysAvailable", timeout=12)
        assert config == {"Delay": self.DELAY, "MaxAttempts": 1 + math.ceil(12 / self.DELAY)}

    def test_polls_often_enough_for_the_critical_path(self) -> None:
        """The Auto Scaling group waits on it: each second between polls is on average half a second lost."""
        assert self.DELAY <= 1

    def test_never_sleeps_past_a_short_timeout(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setitem(network_info.WAITERS["waiters"]["NatGatewaysAvailable"], "delay", 5)
        client = boto3.client("ec2", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
        _unused, config = network_info.waiter_for(client, "NatGatewaysAvailable", timeout=2)
        assert config == {"Delay": 2, "MaxAttempts": 2}
