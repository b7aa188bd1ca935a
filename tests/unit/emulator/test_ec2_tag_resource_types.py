"""DescribeTags reports NAT gateways as ``natgateway`` and EIPs as ``elastic-ip``, as AWS does."""

from __future__ import annotations

import boto3
from moto import mock_aws

from tools.emulator.patches import ec2_tag_resource_types


def _tagged_nat_gateway_and_eip(ec2) -> tuple[str, str]:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    allocation_id = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "t-nat-a"}]}],
    )["AllocationId"]
    nat_gateway_id = ec2.create_nat_gateway(
        SubnetId=subnet_id,
        AllocationId=allocation_id,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "t-nat-a"}]}],
    )["NatGateway"]["NatGatewayId"]
    return nat_gateway_id, allocation_id


def _tags(ec2, resource_id: str, resource_type: str) -> list[dict]:
    return ec2.describe_tags(
        Filters=[
            {"Name": "resource-id", "Values": [resource_id]},
            {"Name": "resource-type", "Values": [resource_type]},
        ]
    )["Tags"]


class TestApply:
    def test_nat_gateway_tags_are_found_by_the_natgateway_resource_type(self) -> None:
        ec2_tag_resource_types.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            nat_gateway_id, _unused = _tagged_nat_gateway_and_eip(ec2)
            assert _tags(ec2, nat_gateway_id, "natgateway") == [
                {"Key": "Name", "ResourceId": nat_gateway_id, "ResourceType": "natgateway", "Value": "t-nat-a"}
            ]

    def test_eip_tags_are_found_by_the_elastic_ip_resource_type(self) -> None:
        ec2_tag_resource_types.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            _unused, allocation_id = _tagged_nat_gateway_and_eip(ec2)
            assert _tags(ec2, allocation_id, "elastic-ip") == [
                {"Key": "Name", "ResourceId": allocation_id, "ResourceType": "elastic-ip", "Value": "t-nat-a"}
            ]

    def test_other_resource_types_are_unchanged(self) -> None:
        ec2_tag_resource_types.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            vpc_id = ec2.create_vpc(
                CidrBlock="10.0.0.0/16",
                TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "t-vpc"}]}],
            )["Vpc"]["VpcId"]
            assert [tag["ResourceType"] for tag in _tags(ec2, vpc_id, "vpc")] == ["vpc"]

    def test_is_idempotent(self) -> None:
        ec2_tag_resource_types.apply()
        ec2_tag_resource_types.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            nat_gateway_id, _unused = _tagged_nat_gateway_and_eip(ec2)
            assert len(_tags(ec2, nat_gateway_id, "natgateway")) == 1
