"""Tests of tools/emulator/patches/request_log.py (in-process moto, and the launcher's server)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tools.emulator import staging
from tools.emulator.patches import request_log

REGION = "us-east-1"


@pytest.fixture
def logged(tmp_path: Path) -> Iterator[Path]:
    request_log.apply()
    staging.configure(tmp_path)
    try:
        with mock_aws():
            yield tmp_path
    finally:
        staging.configure(None)


def ec2(key: str = "reader") -> object:
    return boto3.client("ec2", region_name=REGION, aws_access_key_id=key, aws_secret_access_key="secret")


class TestRequestLog:
    def test_logs_each_action_with_its_service_status_and_access_key(self, logged: Path) -> None:
        ec2("reader").describe_vpcs()
        ec2("writer").create_vpc(CidrBlock="10.9.0.0/16")
        requests = request_log.read(logged)
        assert [(r.service, r.action, r.status, r.access_key_id) for r in requests] == [
            ("ec2", "DescribeVpcs", 200, "reader"),
            ("ec2", "CreateVpc", 200, "writer"),
        ]
        assert [r.mutating for r in requests] == [False, True]

    def test_logs_a_failed_action_with_its_error_status(self, logged: Path) -> None:
        with pytest.raises(Exception, match="InvalidAMIID"):
            ec2().describe_images(ImageIds=["ami-0123456789abcdef0"])
        [request] = request_log.read(logged)
        assert (request.action, request.status) == ("DescribeImages", 400)

    def test_logs_nothing_without_a_configured_state_directory(self, tmp_path: Path) -> None:
        request_log.apply()
        staging.configure(None)
        with mock_aws():
            ec2().describe_vpcs()
        assert request_log.read(tmp_path) == []

    def test_the_launchers_server_logs_json_and_query_actions(self, emulator: dict) -> None:
        emulator["client"]("acm").list_certificates()
        emulator["client"]("ec2").describe_availability_zones()
        actions = [(r.service, r.action) for r in request_log.read(emulator["state_dir"])]
        assert ("acm", "ImportCertificate") in actions  # the launcher's seed
        assert actions[-2:] == [("acm", "ListCertificates"), ("ec2", "DescribeAvailabilityZones")]


class TestClassification:
    @pytest.mark.parametrize("action", ["DescribeVpcs", "ListCertificates", "GetPolicy"])
    def test_reads_are_not_mutating(self, action: str) -> None:
        assert not request_log.is_mutating(action)

    @pytest.mark.parametrize("action", ["CreateVpc", "CreateTags", "ModifyVpcAttribute", "DeleteVpc", "PutMetricAlarm"])
    def test_everything_else_is_mutating(self, action: str) -> None:
        assert request_log.is_mutating(action)

    def test_reads_the_access_key_of_a_sigv4_authorization(self) -> None:
        header = "AWS4-HMAC-SHA256 Credential=case-07/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host"
        assert request_log.access_key_id(header) == "case-07"
        assert request_log.access_key_id("") == "-"
