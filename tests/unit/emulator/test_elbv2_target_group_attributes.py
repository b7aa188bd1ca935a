"""The target group attribute correction: every HTTP attribute described, modifications kept."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import elbv2_target_group_attributes as patch

REGION = "us-east-1"


@pytest.fixture
def elbv2() -> Iterator[tuple[Any, str]]:
    patch.apply()
    with mock_aws():
        vpc_id = boto3.client("ec2", region_name=REGION).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        client = boto3.client("elbv2", region_name=REGION)
        arn = client.create_target_group(
            Name="test-tg", Protocol="HTTP", Port=8000, VpcId=vpc_id, TargetType="instance"
        )["TargetGroups"][0]["TargetGroupArn"]
        yield client, arn


def described(client: Any, arn: str) -> dict[str, str]:
    attributes = client.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"]
    return {attribute["Key"]: attribute["Value"] for attribute in attributes}


class TestDescribeTargetGroupAttributes:
    def test_describes_the_stickiness_durations_with_aws_defaults(self, elbv2: tuple[Any, str]) -> None:
        client, arn = elbv2
        attributes = described(client, arn)
        assert attributes["stickiness.lb_cookie.duration_seconds"] == "86400"
        assert attributes["stickiness.app_cookie.duration_seconds"] == "86400"
        assert attributes["stickiness.app_cookie.cookie_name"] == ""

    def test_describes_every_http_attribute(self, elbv2: tuple[Any, str]) -> None:
        client, arn = elbv2
        attributes = described(client, arn)
        assert set(patch.HTTP_DEFAULTS) <= set(attributes)
        assert attributes["stickiness.type"] == "lb_cookie"
        assert attributes["stickiness.enabled"] == "false"
        assert attributes["deregistration_delay.timeout_seconds"] == "300"

    def test_keeps_modified_values(self, elbv2: tuple[Any, str]) -> None:
        client, arn = elbv2
        client.modify_target_group_attributes(
            TargetGroupArn=arn,
            Attributes=[
                {"Key": "stickiness.enabled", "Value": "true"},
                {"Key": "stickiness.lb_cookie.duration_seconds", "Value": "3600"},
                {"Key": "deregistration_delay.timeout_seconds", "Value": "60"},
            ],
        )
        attributes = described(client, arn)
        assert attributes["stickiness.enabled"] == "true"
        assert attributes["stickiness.lb_cookie.duration_seconds"] == "3600"
        assert attributes["deregistration_delay.timeout_seconds"] == "60"
        assert attributes["stickiness.app_cookie.duration_seconds"] == "86400"


class TestApply:
    def test_is_idempotent(self) -> None:
        from moto.elbv2.models import FakeTargetGroup

        patch.apply()
        init = FakeTargetGroup.__init__
        patch.apply()
        assert FakeTargetGroup.__init__ is init
