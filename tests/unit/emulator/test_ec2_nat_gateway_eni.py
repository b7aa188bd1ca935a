"""DeleteNatGateway deletes the NAT's network interface and frees its EIP, as AWS does."""

from __future__ import annotations

import boto3
from moto import mock_aws

from tools.emulator.patches import ec2_nat_gateway_eni


def _nat_gateway(ec2) -> tuple[str, str, str]:
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.0.0/20")["Subnet"]["SubnetId"]
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_gateway_id = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"][
        "NatGatewayId"
    ]
    return vpc_id, nat_gateway_id, allocation_id


def _enis(ec2, vpc_id: str) -> list[dict]:
    return ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NetworkInterfaces"]


class TestApply:
    def test_deleting_a_nat_gateway_deletes_its_network_interface(self) -> None:
        ec2_nat_gateway_eni.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            vpc_id, nat_gateway_id, _unused = _nat_gateway(ec2)
            assert len(_enis(ec2, vpc_id)) == 1
            ec2.delete_nat_gateway(NatGatewayId=nat_gateway_id)
            assert _enis(ec2, vpc_id) == []

    def test_deleting_a_nat_gateway_disassociates_but_keeps_its_eip(self) -> None:
        ec2_nat_gateway_eni.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            _unused, nat_gateway_id, allocation_id = _nat_gateway(ec2)
            ec2.delete_nat_gateway(NatGatewayId=nat_gateway_id)
            [address] = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"]
            assert not address.get("AssociationId")
            assert not address.get("NetworkInterfaceId")
            ec2.release_address(AllocationId=allocation_id)
            assert ec2.describe_addresses()["Addresses"] == []

    def test_the_nat_gateway_is_still_reported_as_deleted(self) -> None:
        ec2_nat_gateway_eni.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            _unused, nat_gateway_id, _unused = _nat_gateway(ec2)
            ec2.delete_nat_gateway(NatGatewayId=nat_gateway_id)
            [nat_gateway] = ec2.describe_nat_gateways(NatGatewayIds=[nat_gateway_id])["NatGateways"]
            assert nat_gateway["State"] == "deleted"

    def test_is_idempotent_and_deleting_twice_does_not_fail(self) -> None:
        ec2_nat_gateway_eni.apply()
        ec2_nat_gateway_eni.apply()
        with mock_aws():
            ec2 = boto3.client("ec2", region_name="us-east-1")
            vpc_id, nat_gateway_id, _unused = _nat_gateway(ec2)
            ec2.delete_nat_gateway(NatGatewayId=nat_gateway_id)
            ec2.delete_nat_gateway(NatGatewayId=nat_gateway_id)
            assert _enis(ec2, vpc_id) == []
