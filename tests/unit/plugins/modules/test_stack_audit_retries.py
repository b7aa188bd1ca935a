"""stack_audit's AWS reads retry throttling: direct calls through the client's retry wrapper
(``aws_retry=True``), paginations as a whole (paginators bypass the wrapper)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils import cloud
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

REGION = "us-east-1"
TAGS = {"Project": "audit", "Environment": "test"}


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off sleeps of amazon.aws's retries, recorded instead of slept."""
    sleeps: list[float] = []
    monkeypatch.setattr(cloud.time, "sleep", sleeps.append)
    return sleeps


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        yield


def clients(*services: str) -> tuple[Any, ...]:
    """Pairs of (boto3 client, the module's retrying client made from it), per service."""
    raw = [boto3.client(service, region_name=REGION) for service in services]
    return tuple(pair for client in raw for pair in (client, RetryingBotoClientWrapper(client, RETRY)))


def throttle(failures: list[str], client: Any, operation: str, code: str = "Throttling", times: int = 1) -> None:
    """Make an operation of a boto3 client fail ``times`` times with ``code``, noting each in ``failures``."""

    def fail(**_: Any) -> None:
        if failures.count(operation) < times:
            failures.append(operation)
            raise ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, operation)

    client.meta.events.register(f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}", fail)


@pytest.mark.usefixtures("aws")
class TestRetries:
    def test_retries_a_throttled_pagination(self, slept: list) -> None:
        raw_ec2, ec2 = clients("ec2")
        tags = [{"Key": "Name", "Value": "audit-vpc"}] + [{"Key": k, "Value": v} for k, v in TAGS.items()]
        raw_ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])
        failures: list[str] = []
        throttle(failures, raw_ec2, "DescribeVpcs", code="RequestLimitExceeded")
        vpc = find_vpc(ec2, "audit", TAGS)
        assert vpc is not None and vpc["CidrBlock"] == "10.0.0.0/16"
        assert failures == ["DescribeVpcs"] and len(slept) == 1

    def test_retries_throttled_direct_calls(self, slept: list) -> None:
        raw_ec2, ec2, raw_autoscaling, autoscaling = clients("ec2", "autoscaling")
        failures: list[str] = []
        throttle(failures, raw_autoscaling, "DescribeAutoScalingGroups")
        throttle(failures, raw_ec2, "DescribeLaunchTemplates", code="RequestLimitExceeded")
        throttle(failures, raw_ec2, "GetEbsEncryptionByDefault", code="RequestLimitExceeded")
        found = gather_compute(ec2, autoscaling, "audit")
        assert (found["autoscaling_group"], found["launch_template"]) == (None, None)
        assert found["ebs_encryption_by_default"] is False
        assert failures == ["DescribeAutoScalingGroups", "DescribeLaunchTemplates", "GetEbsEncryptionByDefault"]
        assert len(slept) == 3

    def test_retries_the_load_balancer_role_and_log_reads(self, slept: list) -> None:
        raw_elbv2, elbv2, raw_iam, iam, raw_logs, logs = clients("elbv2", "iam", "logs")
        raw_logs.create_log_group(logGroupName="/audit/test/app")
        failures: list[str] = []
        throttle(failures, raw_elbv2, "DescribeLoadBalancers")
        throttle(failures, raw_elbv2, "DescribeTargetGroups")
        throttle(failures, raw_iam, "GetRole")
        # CloudWatch Logs throttles as ThrottlingException, not one of AWSRetry's own codes.
        throttle(failures, raw_logs, "DescribeLogGroups", code="ThrottlingException")
        assert gather_load_balancer(elbv2, "audit")["load_balancer"] is None
        assert gather_role(iam, "audit") == {"role": None, "role_policies": []}
        assert [group["logGroupName"] for group in gather_log_groups(logs, "/audit/test/", [])] == ["/audit/test/app"]
        assert failures == ["DescribeLoadBalancers", "DescribeTargetGroups", "GetRole", "DescribeLogGroups"]
        assert len(slept) == 4

    def test_gives_up_after_the_clients_tries(self, slept: list) -> None:
        raw_ec2, ec2 = clients("ec2")
        failures: list[str] = []
        throttle(failures, raw_ec2, "DescribeVpcs", code="RequestLimitExceeded", times=100)
        with pytest.raises(ClientError, match="RequestLimitExceeded"):
            find_vpc(ec2, "audit", TAGS)
        assert len(failures) == 5
