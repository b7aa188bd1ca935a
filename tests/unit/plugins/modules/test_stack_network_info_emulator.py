"""stack_network_info's egress wait against the real emulator with its latency model on: NAT gateways
stay ``pending`` for as long as the test sets, as AWS keeps them for 1.5-2 minutes.

The module runs as users run it (ansible-playbook, module_defaults pointing at the emulator); the
wait until a gateway becomes available runs in-process (network_info.wait_for_egress, polling every
second) so that it does not take the module's 15 s between polls.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import network_info

ROOT = Path(__file__).resolve().parents[4]
TAGS = {"Project": "egress", "Environment": "test"}


def latency(emulator: dict[str, Any], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.emulator", "latency", "--state-dir", str(emulator["state_dir"]), *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def network(emulator: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A VPC with a public subnet (internet gateway) and two private subnets, each with its own route table."""
    ec2 = emulator["client"]("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    private = []
    tables = []
    for index, zone in enumerate(("us-east-1a", "us-east-1b"), start=1):
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{index}.0/24", AvailabilityZone=zone)["Subnet"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet["SubnetId"])
        private.append(subnet["SubnetId"])
        tables.append(table)
    try:
        yield {"vpc_id": vpc, "public": public, "private": private, "tables": tables}
    finally:
        latency(emulator, "off")


def nat_gateway(emulator: dict[str, Any], network: dict[str, Any], table: str) -> str:
    """A new NAT gateway in the public subnet, the default route of ``table``."""
    ec2 = emulator["client"]("ec2")
    allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
    gateway = ec2.create_nat_gateway(SubnetId=network["public"], AllocationId=allocation)["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=gateway)
    return gateway


def run_module(emulator: dict[str, Any], network: dict[str, Any], **args: Any) -> dict[str, Any]:
    return emulator["run_module"](
        "muejam.infra.stack_network_info",
        {
            "name": "egress-test",
            "tags": TAGS,
            "tier": "private",
            "vpc_id": network["vpc_id"],
            "subnet_ids": network["private"],
            "wait_for_egress": True,
            **args,
        },
    )


class TestEgressWait:
    def test_fails_naming_the_gateway_still_pending_after_the_timeout(
        self, emulator: dict[str, Any], network: dict[str, Any]
    ) -> None:
        latency(emulator, "on", "--set", "nat_gateway_pending=3600")
        gateway = nat_gateway(emulator, network, network["tables"][0])
        result = run_module(emulator, network, wait_timeout=2)
        assert result.get("failed") is True
        assert result["msg"] == (
            "The private subnets' NAT gateways were not available after 2 s: "
            f"{gateway} (pending), the default route of {network['private'][0]}"
        )

    def test_returns_once_the_pending_gateway_is_available(
        self, emulator: dict[str, Any], network: dict[str, Any]
    ) -> None:
        latency(emulator, "on", "--set", "nat_gateway_pending=3600")
        gateway = nat_gateway(emulator, network, network["tables"][1])
        ec2 = emulator["client"]("ec2")
        egress = network_info.read_egress(ec2, network["vpc_id"], network["private"])
        assert network_info.pending_nat_gateway(egress[network["private"][1]]) == f"{gateway} (pending)"
        # The gateway becomes available while the wait polls (the model's time scaled to nothing).
        timer = threading.Timer(2, latency, (emulator, "on", "--scale", "0"))
        timer.start()
        try:
            found = network_info.wait_for_egress(ec2, network["vpc_id"], network["private"], timeout=60, delay=1)
        finally:
            timer.cancel()
        assert found[network["private"][1]] == gateway

    def test_has_nothing_to_wait_for_once_every_gateway_is_available(
        self, emulator: dict[str, Any], network: dict[str, Any]
    ) -> None:
        result = run_module(emulator, network, wait_timeout=5)
        assert result.get("failed") is not True, result
        assert result["egress"] == dict.fromkeys(network["private"], "")
