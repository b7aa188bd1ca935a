"""DescribeNatGateways applies tag filters, as AWS does (moto ignored them)."""

from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws

from tools.emulator.patches import ec2_nat_gateway_tag_filters


def _nat_gateway(ec2: Any, environment: str) -> str:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    tags = [{"ResourceType": "natgateway", "Tags": [{"Key": "Environment", "Value": environment}]}]
    return ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id, TagSpecifications=tags)["NatGateway"][
        "NatGatewayId"
    ]


def _ids(ec2: Any, *filters: dict[str, Any]) -> set[str]:
    return {nat["NatGatewayId"] for nat in ec2.describe_nat_gateways(Filters=list(filters))["NatGateways"]}


class TestApply:
    def test_a_tag_filter_finds_only_the_tagged_nat_gateways(self) -> None:
        ec2_nat_gateway_tag_filters.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            staging, production = _nat_gateway(ec2, "staging"), _nat_gateway(ec2, "production")
            assert _ids(ec2, {"Name": "tag:Environment", "Values": ["staging"]}) == {staging}
            assert _ids(ec2, {"Name": "tag:Environment", "Values": ["staging", "production"]}) == {staging, production}
            assert _ids(ec2, {"Name": "tag:Environment", "Values": ["nowhere"]}) == set()

    def test_tag_key_and_value_filters_and_the_others_are_anded(self) -> None:
        ec2_nat_gateway_tag_filters.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            staging = _nat_gateway(ec2, "staging")
            assert _ids(ec2, {"Name": "tag-key", "Values": ["Environment"]}) == {staging}
            assert _ids(ec2, {"Name": "tag-key", "Values": ["Project"]}) == set()
            assert _ids(ec2, {"Name": "tag-value", "Values": ["staging"]}) == {staging}
            state = {"Name": "state", "Values": ["deleted"]}
            assert _ids(ec2, {"Name": "tag:Environment", "Values": ["staging"]}, state) == set()

    def test_applying_twice_patches_once(self) -> None:
        ec2_nat_gateway_tag_filters.apply()
        patched = ec2_nat_gateway_tag_filters.NatGatewayBackend.describe_nat_gateways
        ec2_nat_gateway_tag_filters.apply()
        assert ec2_nat_gateway_tag_filters.NatGatewayBackend.describe_nat_gateways is patched
