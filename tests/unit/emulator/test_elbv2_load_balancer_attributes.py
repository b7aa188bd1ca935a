"""The ALB attribute correction: every attribute described, with AWS's defaults, modifications kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import elbv2_load_balancer_attributes as patch

REGION = "us-east-1"


@pytest.fixture
def elbv2() -> Iterator[tuple[Any, str]]:
    patch.apply()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
                "Subnet"
            ]["SubnetId"]
            for index, zone in enumerate("ab")
        ]
        client = boto3.client("elbv2", region_name=REGION)
        arn = client.create_load_balancer(Name="test-alb", Subnets=subnets, Type="application")["LoadBalancers"][0][
            "LoadBalancerArn"
        ]
        yield client, arn


def described(client: Any, arn: str) -> dict[str, str]:
    attributes = client.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]
    return {attribute["Key"]: attribute["Value"] for attribute in attributes}


class TestDescribeLoadBalancerAttributes:
    def test_describes_every_application_attribute(self, elbv2: tuple[Any, str]) -> None:
        client, arn = elbv2
        assert described(client, arn) == patch.APPLICATION_DEFAULTS

    def test_describes_the_keys_the_alb_module_reads(self, elbv2: tuple[Any, str]) -> None:
        client, arn = elbv2
        attributes = described(client, arn)
        assert attributes["idle_timeout.timeout_seconds"] == "60"
        assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "false"
        assert attributes["routing.http2.enabled"] == "true"
        assert attributes["routing.http.desync_mitigation_mode"] == "defensive"
        assert attributes["load_balancing.cross_zone.enabled"] == "true"

    def test_keeps_modified_values(self, elbv2: tuple[Any, str]) -> None:
        client, arn = elbv2
        client.modify_load_balancer_attributes(
            LoadBalancerArn=arn,
            Attributes=[
                {"Key": "idle_timeout.timeout_seconds", "Value": "3600"},
                {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
            ],
        )
        attributes = described(client, arn)
        assert attributes["idle_timeout.timeout_seconds"] == "3600"
        assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
        assert attributes["routing.http2.enabled"] == "true"


class TestApply:
    def test_is_idempotent(self) -> None:
        from moto.elbv2.models import FakeLoadBalancer

        patch.apply()
        init = FakeLoadBalancer.__init__
        patch.apply()
        assert FakeLoadBalancer.__init__ is init
