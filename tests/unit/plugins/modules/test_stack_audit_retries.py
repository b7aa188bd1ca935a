"""stack_audit's AWS reads retry throttling: direct calls through the client's retry wrapper
(``aws_retry=True``), paginations as a whole (paginators bypass the wrapper)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.modules.stack_audit import (
    RETRY,
    find_vpc,
    gather_compute,
    gather_load_balancer,
    gather_log_groups,
    gather_role,
)
from ansible_collections.muejam.infra.tests.unit.aws_faults import throttle

REGION = "us-east-1"
TAGS = {"Project": "audit", "Environment": "test"}


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def clients(*services: str) -> tuple[Any, ...]:
    """Pairs of (boto3 client, the module's retrying client made from it), per service."""
    raw = [boto3.client(service, region_name=REGION) for service in services]
    return tuple(pair for client in raw for pair in (client, RetryingBotoClientWrapper(client, RETRY)))


@pytest.mark.usefixtures("aws")
class TestRetries:
    def test_retries_a_throttled_pagination(self, slept: list) -> None:
        raw_ec2, ec2 = clients("ec2")
        tags = [{"Key": "Name", "Value": "audit-vpc"}] + [{"Key": k, "Value": v} for k, v in TAGS.items()]
        raw_ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
        failures: list[str] = []
        throttle(raw_ec2, "DescribeVpcs", failures=failures, code="RequestLimitExceeded")
        vpc = find_vpc(ec2, "audit", TAGS)
        assert vpc is not None and vpc["CidrBlock"] == "10.0.0.0/16"
        assert failures == ["DescribeVpcs"] and len(slept) == 1

    def test_retries_throttled_direct_calls(self, slept: list) -> None:
        raw_ec2, ec2, raw_autoscaling, autoscaling = clients("ec2", "autoscaling")
        failures: list[str] = []
        throttle(raw_autoscaling, "DescribeAutoScalingGroups", failures=failures)
        throttle(raw_ec2, "DescribeLaunchTemplates", failures=failures, code="RequestLimitExceeded")
        throttle(raw_ec2, "GetEbsEncryptionByDefault", failures=failures, code="RequestLimitExceeded")
        found = gather_compute(ec2, autoscaling, "audit")
        assert (found["autoscaling_group"], found["launch_template"]) == (None, None)
        assert found["ebs_encryption_by_default"] is False
        assert failures == ["DescribeAutoScalingGroups", "DescribeLaunchTemplates", "GetEbsEncryptionByDefault"]
        assert len(slept) == 3

    def test_retries_the_load_balancer_role_and_log_reads(self, slept: list) -> None:
        raw_elbv2, elbv2, raw_iam, iam, raw_logs, logs = clients("elbv2", "iam", "logs")
        raw_logs.create_log_group(logGroupName="/audit/test/app")
        failures: list[str] = []
        throttle(raw_elbv2, "DescribeLoadBalancers", failures=failures)
        throttle(raw_elbv2, "DescribeTargetGroups", failures=failures)
        throttle(raw_iam, "GetRole", failures=failures)
        # CloudWatch Logs throttles as ThrottlingException, not one of AWSRetry's own codes.
        throttle(raw_logs, "DescribeLogGroups", failures=failures, code="ThrottlingException")
        assert gather_load_balancer(elbv2, "audit")["load_balancer"] is None
        assert gather_role(iam, "audit") == {"role": None, "role_policies": []}
        assert [group["logGroupName"] for group in gather_log_groups(logs, "/audit/test/", [])] == ["/audit/test/app"]
        assert failures == ["DescribeLoadBalancers", "DescribeTargetGroups", "GetRole", "DescribeLogGroups"]
        assert len(slept) == 4

    def test_gives_up_after_the_clients_tries(self, slept: list) -> None:
        raw_ec2, ec2 = clients("ec2")
        failures: list[str] = []
        throttle(raw_ec2, "DescribeVpcs", failures=failures, code="RequestLimitExceeded", times=100)
        with pytest.raises(ClientError, match="RequestLimitExceeded"):
            find_vpc(ec2, "audit", TAGS)
        assert len(failures) == 5
