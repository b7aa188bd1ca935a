"""The preflight's read-only AWS checks and the network lookup retry throttling and 5xx errors
through amazon.aws's retry-wrapped clients (the modules pass ``retry=True``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils import network_info, preflight
from ansible_collections.muejam.infra.tests.unit.aws_faults import throttle

REGION = "us-east-1"
TAGS = {"Project": "retry", "Environment": "test"}


@pytest.fixture
def ec2() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ec2", region_name=REGION)


def retrying(client: Any) -> Any:
    return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff())


class TestPreflightChecksRetry:
    @pytest.mark.parametrize("code", ["RequestLimitExceeded", "Throttling", "InternalError", "ServiceUnavailable"])
    def test_retries_describing_the_zones(self, ec2: Any, slept: list[float], code: str) -> None:
        failures = throttle(ec2, "DescribeAvailabilityZones", code)
        assert preflight.check_availability_zones(retrying(ec2), ["us-east-1a"], retry=True) == []
        assert failures == ["DescribeAvailabilityZones"]
        assert len(slept) == 1

    def test_retries_every_page_of_the_vpcs(self, ec2: Any, slept: list[float]) -> None:
        failures = throttle(ec2, "DescribeVpcs", code="RequestLimitExceeded", times=2)
        assert preflight.check_stack_vpc(retrying(ec2), TAGS, "10.0.0.0/16", retry=True) == []
        assert failures == ["DescribeVpcs", "DescribeVpcs"]
        assert len(slept) == 2

    def test_does_not_retry_a_plain_client_call(self, ec2: Any, slept: list[float]) -> None:
        throttle(ec2, "DescribeImages", code="RequestLimitExceeded")
        with pytest.raises(ClientError):
            preflight.check_image(ec2, "ami-12c6146b")
        assert slept == []


class TestNetworkLookupRetries:
    def test_retries_describing_the_subnets(self, ec2: Any, slept: list[float]) -> None:
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        tags = [{"Key": "Name", "Value": "retry-test-vpc"}] + [{"Key": k, "Value": v} for k, v in TAGS.items()]
        ec2.create_tags(Resources=[vpc], Tags=tags)
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        subnet_tags = [{"Key": "Tier", "Value": "public"}, *tags[1:]]
        ec2.create_tags(Resources=[subnet["SubnetId"]], Tags=subnet_tags)
        failures = throttle(ec2, "DescribeSubnets", code="Throttling")
        found = network_info.find_network(retrying(ec2), "retry-test", TAGS, "public", retry=True)
        assert found["subnet_ids"] == [subnet["SubnetId"]]
        assert failures == ["DescribeSubnets"]
