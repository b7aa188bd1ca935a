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


def s3(key: str = "reader", endpoint: str | None = None) -> object:
    return boto3.client(
        "s3", region_name=REGION, endpoint_url=endpoint, aws_access_key_id=key, aws_secret_access_key="secret"
    )


def bucket_lifecycle(client: object, bucket: str) -> None:
    """The calls a bucket's role makes: create, tag, look, delete."""
    client.create_bucket(Bucket=bucket)
    client.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "Project", "Value": "muejam"}]})
    client.head_bucket(Bucket=bucket)
    client.delete_bucket(Bucket=bucket)


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


class TestS3RequestLog:
    def test_logs_s3_operations_by_their_api_names(self, logged: Path) -> None:
        bucket_lifecycle(s3("writer"), "muejam-logged")
        requests = request_log.read(logged)
        assert [(r.service, r.action, r.status, r.access_key_id) for r in requests] == [
            ("s3", "CreateBucket", 200, "writer"),
            ("s3", "PutBucketTagging", 204, "writer"),
            ("s3", "HeadBucket", 200, "writer"),
            ("s3", "DeleteBucket", 204, "writer"),
        ]
        assert [r.mutating for r in requests] == [True, True, False, True]

    def test_logs_object_and_listing_operations(self, logged: Path) -> None:
        client = s3()
        client.create_bucket(Bucket="muejam-objects")
        client.put_object(Bucket="muejam-objects", Key="logs/a.txt", Body=b"a")
        client.copy_object(Bucket="muejam-objects", Key="b.txt", CopySource="muejam-objects/logs/a.txt")
        client.get_object_tagging(Bucket="muejam-objects", Key="b.txt")
        client.list_objects_v2(Bucket="muejam-objects")
        client.list_objects(Bucket="muejam-objects")
        client.list_buckets()
        actions = [r.action for r in request_log.read(logged)]
        assert actions == [
            "CreateBucket",
            "PutObject",
            "CopyObject",
            "GetObjectTagging",
            "ListObjectsV2",
            "ListObjects",
            "ListBuckets",
        ]

    def test_logs_a_failed_s3_call_with_its_error_status(self, logged: Path) -> None:
        with pytest.raises(Exception, match="404"):
            s3().head_bucket(Bucket="muejam-missing")
        [request] = request_log.read(logged)
        assert (request.action, request.status, request.mutating) == ("HeadBucket", 404, False)

    def test_the_launchers_server_logs_s3_operations(self, emulator: dict) -> None:
        bucket_lifecycle(s3("s3-case", emulator["endpoint"]), "muejam-served")
        s3("s3-reader", emulator["endpoint"]).list_buckets()
        requests = request_log.read(emulator["state_dir"])
        case = [(r.service, r.action, r.status) for r in requests if r.access_key_id == "s3-case"]
        assert case == [
            ("s3", "CreateBucket", 200),
            ("s3", "PutBucketTagging", 204),
            ("s3", "HeadBucket", 200),
            ("s3", "DeleteBucket", 204),
        ]
        [listing] = [r for r in requests if r.access_key_id == "s3-reader"]
        assert (listing.action, listing.mutating) == ("ListBuckets", False)


class TestS3Operation:
    """The S3 operation a request calls, from botocore's model of S3."""

    @pytest.mark.parametrize(
        ("method", "target", "query", "headers", "operation"),
        [
            ("PUT", "bucket", {}, [], "CreateBucket"),
            ("PUT", "bucket", {"tagging": [""]}, [], "PutBucketTagging"),
            ("PUT", "bucket", {"policy": [""]}, [], "PutBucketPolicy"),
            ("PUT", "bucket", {"publicAccessBlock": [""]}, [], "PutPublicAccessBlock"),
            ("PUT", "bucket", {"lifecycle": [""]}, [], "PutBucketLifecycleConfiguration"),
            ("PUT", "bucket", {"encryption": [""]}, [], "PutBucketEncryption"),
            ("PUT", "bucket", {"ownershipControls": [""]}, [], "PutBucketOwnershipControls"),
            ("PUT", "bucket", {"versioning": [""]}, [], "PutBucketVersioning"),
            ("PUT", "bucket", {"acl": [""]}, [], "PutBucketAcl"),
            ("GET", "bucket", {"location": [""]}, [], "GetBucketLocation"),
            ("GET", "bucket", {"policyStatus": [""]}, [], "GetBucketPolicyStatus"),
            ("GET", "bucket", {"list-type": ["2"], "prefix": ["logs/"]}, [], "ListObjectsV2"),
            ("GET", "bucket", {"prefix": ["logs/"]}, [], "ListObjects"),
            ("GET", "bucket", {"inventory": [""], "id": ["daily"]}, [], "GetBucketInventoryConfiguration"),
            ("GET", "bucket", {"inventory": [""]}, [], "ListBucketInventoryConfigurations"),
            ("HEAD", "bucket", {}, [], "HeadBucket"),
            ("DELETE", "bucket", {}, [], "DeleteBucket"),
            ("DELETE", "bucket", {"tagging": [""]}, [], "DeleteBucketTagging"),
            ("POST", "bucket", {"delete": [""]}, [], "DeleteObjects"),
            ("GET", "service", {}, [], "ListBuckets"),
            ("PUT", "object", {}, ["Content-Length"], "PutObject"),
            ("PUT", "object", {}, ["X-Amz-Copy-Source"], "CopyObject"),
            ("PUT", "object", {"partNumber": ["1"], "uploadId": ["u"]}, [], "UploadPart"),
            ("GET", "object", {}, [], "GetObject"),
            ("GET", "object", {"uploadId": ["u"]}, [], "ListParts"),
            ("head", "object", {}, [], "HeadObject"),
        ],
    )
    def test_names_the_operation_botocore_models(
        self, method: str, target: str, query: dict, headers: list, operation: str
    ) -> None:
        assert request_log.s3_operation(method, target, query, headers) == operation

    def test_names_no_operation_for_a_request_s3_does_not_model(self) -> None:
        assert request_log.s3_operation("PATCH", "bucket", {}, []) == "?"


class TestClassification:
    @pytest.mark.parametrize(
        "action", ["DescribeVpcs", "ListCertificates", "GetPolicy", "HeadBucket", "ListObjectsV2", "GetBucketTagging"]
    )
    def test_reads_are_not_mutating(self, action: str) -> None:
        assert not request_log.is_mutating(action)

    @pytest.mark.parametrize(
        "action",
        [
            "CreateVpc",
            "CreateTags",
            "ModifyVpcAttribute",
            "DeleteVpc",
            "PutMetricAlarm",
            "CreateBucket",
            "PutBucketTagging",
            "DeleteBucket",
            "PutPublicAccessBlock",
        ],
    )
    def test_everything_else_is_mutating(self, action: str) -> None:
        assert request_log.is_mutating(action)

    def test_reads_the_access_key_of_a_sigv4_authorization(self) -> None:
        header = "AWS4-HMAC-SHA256 Credential=case-07/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host"
        assert request_log.access_key_id(header) == "case-07"
        assert request_log.access_key_id("") == "-"


class TestFaultedLines:
    """Lines of requests the fault injection answered (tools/emulator/faults.py): a sixth field."""

    def test_reads_lines_with_and_without_a_fault(self, tmp_path: Path) -> None:
        request_log.record(tmp_path, request_log.format_line("ec2", "DescribeVpcs", 200, "k", now=1.0))
        request_log.record(
            tmp_path, request_log.format_line("ec2", "DescribeVpcs", 400, "k", now=2.0, fault="throttle")
        )
        request_log.record(tmp_path, request_log.format_line("s3", "ListBuckets", 0, "k", now=3.0, fault="reset"))
        first, throttled, reset = request_log.read(tmp_path)
        assert (first.fault, first.faulted) == ("", False)
        assert (throttled.status, throttled.fault, throttled.faulted) == (400, "throttle", True)
        assert (reset.status, reset.fault) == (request_log.RESET_STATUS, "reset")
        assert log_lines(tmp_path)[1].split("\t") == ["2.000", "ec2", "DescribeVpcs", "400", "k", "throttle"]
        assert len(log_lines(tmp_path)[0].split("\t")) == 5  # moto's lines keep their five fields

    def test_reads_from_a_line_count_and_skips_a_line_still_being_written(self, tmp_path: Path) -> None:
        for action in ("CreateVpc", "CreateSubnet", "DescribeVpcs"):
            request_log.record(tmp_path, request_log.format_line("ec2", action, 200, "k"))
        with request_log.log_path(tmp_path).open("a") as handle:
            handle.write("1.000\tec2\tCreateT")  # half a line: its writer has not finished it
        assert request_log.line_count(tmp_path) == 3
        assert [r.action for r in request_log.read(tmp_path, since=1)] == ["CreateSubnet", "DescribeVpcs"]
        assert request_log.line_count(tmp_path / "none") == 0

    @pytest.mark.parametrize(
        ("path", "target"),
        [("/", "service"), ("/b", "bucket"), ("/b/", "bucket"), ("/b/k", "object"), ("/b/logs/a.txt", "object")],
    )
    def test_names_what_a_path_style_s3_request_addresses(self, path: str, target: str) -> None:
        assert request_log.s3_target(path) == target


def log_lines(state_dir: Path) -> list[str]:
    return request_log.log_path(state_dir).read_text().splitlines()
