"""health_readiness's AWS lookups retry throttling through the client's retry wrapper
(``aws_retry=True`` on a client made with ``retry_decorator=AWSRetry.jittered_backoff(...)``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils.readiness import ReadinessError
from ansible_collections.muejam.infra.plugins.modules.health_readiness import default_url, find_target_group
from ansible_collections.muejam.infra.tests.unit.aws_faults import throttle

REGION = "us-east-1"


@pytest.fixture
def raw_elbv2() -> Iterator[Any]:
    """An ALB forwarding to the target group muejam-local-tg, in moto."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        elbv2 = boto3.client("elbv2", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")
            for index, zone in enumerate("ab")
        ]
        balancer = elbv2.create_load_balancer(
            Name="muejam-local-alb", Subnets=[subnet["Subnet"]["SubnetId"] for subnet in subnets]
        )["LoadBalancers"][0]
        group = elbv2.create_target_group(
            Name="muejam-local-tg", Protocol="HTTP", Port=80, VpcId=vpc_id, HealthCheckPath="/health"
        )["TargetGroups"][0]
        elbv2.create_listener(
            LoadBalancerArn=balancer["LoadBalancerArn"],
            Protocol="HTTP",
            Port=80,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}],
        )
        yield elbv2


@pytest.fixture
def elbv2(raw_elbv2: Any) -> Any:
    """The client the module makes: module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff(...))."""
    return RetryingBotoClientWrapper(raw_elbv2, AWSRetry.jittered_backoff(retries=5))


class TestFindTargetGroup:
    def test_retries_a_throttled_lookup(self, raw_elbv2: Any, elbv2: Any, slept: list) -> None:
        failures = throttle(raw_elbv2, "DescribeTargetGroups")
        group = find_target_group(elbv2, "muejam-local-tg")
        assert group["TargetGroupName"] == "muejam-local-tg"
        assert failures == ["DescribeTargetGroups"] and len(slept) == 1

    def test_still_reports_a_missing_group_at_once(self, elbv2: Any, slept: list) -> None:
        with pytest.raises(ReadinessError, match="no such target group"):
            find_target_group(elbv2, "muejam-local-missing")
        assert slept == []


class TestDefaultUrl:
    def test_retries_a_throttled_load_balancer_lookup(self, raw_elbv2: Any, elbv2: Any, slept: list) -> None:
        group = find_target_group(elbv2, "muejam-local-tg")
        failures = throttle(raw_elbv2, "DescribeLoadBalancers")
        url = default_url(elbv2, group)
        assert url.startswith("https://muejam-local-alb") and url.endswith("/health")
        assert failures == ["DescribeLoadBalancers"] and len(slept) == 1

    def test_gives_up_after_the_clients_tries(self, raw_elbv2: Any, elbv2: Any, slept: list) -> None:
        group = find_target_group(elbv2, "muejam-local-tg")
        failures = throttle(raw_elbv2, "DescribeLoadBalancers", times=100)
        with pytest.raises(ClientError, match="Throttling"):
            default_url(elbv2, group)
        assert len(failures) == 5
