"""Tests of tools/emulator/faults.py in this process: the faults file, what a request is, the
draws, and EC2's token buckets on a fake clock (the server's answers: test_faults_server.py)."""

from __future__ import annotations

import functools
import io
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from werkzeug.test import EnvironBuilder

from tools.emulator import faults
from tools.emulator.__main__ import main

REGION = "us-east-1"


class Sent(Exception):
    """Raised by the before-send hook: carries the request botocore would have sent."""

    def __init__(self, request: Any) -> None:
        super().__init__("sent")
        self.request = request


def capture(request: Any, **_kwargs: Any) -> None:
    raise Sent(request)


@functools.cache
def client(service: str, key: str) -> Any:
    """A boto3 client whose requests are captured before they are sent."""
    created = boto3.client(
        service,
        region_name=REGION,
        endpoint_url="http://127.0.0.1:4566",
        aws_access_key_id=key,
        aws_secret_access_key="secret",
    )
    created.meta.events.register("before-send", capture)
    return created


def sent(service: str, operation: str, key: str = "unit-key", **params: Any) -> dict[str, Any]:
    """The WSGI environ of the request a boto3 client sends for ``operation`` (never sent)."""
    with pytest.raises(Sent) as caught:
        getattr(client(service, key), operation)(**params)
    request = caught.value.request
    path, _unused, query = request.url.partition("://")[2].partition("/")[2].partition("?")
    body = request.body
    if hasattr(body, "read"):
        body = body.read()
    body = body if isinstance(body, bytes) else (body or "").encode()
    headers = {name: value.decode() if isinstance(value, bytes) else value for name, value in request.headers.items()}
    builder = EnvironBuilder(method=request.method, path="/" + path, query_string=query, headers=headers, data=body)
    return builder.get_environ()


def fake_clock(start: float = 1000.0) -> tuple[list[float], Any]:
    now = [start]
    return now, lambda: now[0]


class TestIdentify:
    def test_an_ec2_query_request_by_its_form_body_which_stays_readable(self) -> None:
        environ = sent("ec2", "describe_vpcs")
        body = environ["wsgi.input"].read()
        environ["wsgi.input"] = io.BytesIO(body)
        call = faults.identify(environ)
        assert (call.service, call.action, call.access_key_id, call.protocol) == (
            "ec2",
            "DescribeVpcs",
            "unit-key",
            "ec2",
        )
        assert environ["wsgi.input"].read() == body  # put back for moto

    def test_elbv2_and_classic_elb_share_a_signing_name_and_differ_by_version(self) -> None:
        elbv2 = faults.identify(sent("elbv2", "describe_load_balancers"))
        elb = faults.identify(sent("elb", "describe_load_balancers"))
        assert (elbv2.service, elbv2.action, elbv2.protocol) == ("elbv2", "DescribeLoadBalancers", "query")
        assert (elb.service, elb.protocol) == ("elb", "query")

    def test_json_requests_by_their_target(self) -> None:
        logs = faults.identify(sent("logs", "describe_log_groups"))
        cloudwatch = faults.identify(sent("cloudwatch", "list_metrics"))
        assert (logs.service, logs.action, logs.protocol, logs.json_version) == (
            "logs",
            "DescribeLogGroups",
            "json",
            "1.1",
        )
        # botocore signs CloudWatch as "monitoring" and speaks its JSON 1.0 protocol
        assert (cloudwatch.service, cloudwatch.action, cloudwatch.protocol, cloudwatch.json_version) == (
            "cloudwatch",
            "ListMetrics",
            "json",
            "1.0",
        )

    @pytest.mark.parametrize(
        ("operation", "params", "action"),
        [
            ("list_buckets", {}, "ListBuckets"),
            ("create_bucket", {"Bucket": "b"}, "CreateBucket"),
            ("put_bucket_tagging", {"Bucket": "b", "Tagging": {"TagSet": []}}, "PutBucketTagging"),
            ("head_bucket", {"Bucket": "b"}, "HeadBucket"),
            ("put_object", {"Bucket": "b", "Key": "k/a.txt", "Body": b"a"}, "PutObject"),
            ("copy_object", {"Bucket": "b", "Key": "c", "CopySource": "b/k"}, "CopyObject"),
            ("list_objects_v2", {"Bucket": "b"}, "ListObjectsV2"),
        ],
    )
    def test_s3_requests_by_the_request_logs_operation_names(self, operation: str, params: dict, action: str) -> None:
        call = faults.identify(sent("s3", operation, **params))
        assert (call.service, call.action, call.protocol) == ("s3", action, "s3")

    def test_never_moto_api_paths_nor_unsigned_requests(self) -> None:
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=k/20260101/us-east-1/ec2/aws4_request, Signature=x"}
        assert faults.identify(EnvironBuilder(path="/moto-api/reset", headers=signed).get_environ()) is None
        assert (
            faults.identify(EnvironBuilder(path="/", method="POST", data="Action=DescribeVpcs").get_environ()) is None
        )


class TestConfig:
    def test_set_writes_the_file_and_clear_removes_it(self, tmp_path: Path) -> None:
        written = faults.set_faults(tmp_path, rate=0.2, seed=7, services="ec2, monitoring", kinds="throttle,reset")
        assert faults.read(tmp_path) == written
        assert written["services"] == ["cloudwatch", "ec2"]
        assert written["kinds"] == ["throttle", "reset"]
        assert (written["rate"], written["seed"], written["actions"], written["ec2_buckets"]) == (0.2, 7, None, False)
        faults.clear(tmp_path)
        assert faults.read(tmp_path) == {}
        assert list(tmp_path.iterdir()) == []  # no temporary file left behind

    @pytest.mark.parametrize(
        ("options", "message"),
        [
            ({"rate": 1.5}, "between 0 and 1"),
            ({"rate": -0.1}, "between 0 and 1"),
            ({"rate": 0.5, "kinds": "throttle,slow"}, "kinds slow"),
            ({"rate": 0.5, "services": "ec2,dynamo"}, "services dynamo"),
            ({"rate": 0.0}, "nothing to inject"),
        ],
    )
    def test_refuses_what_it_cannot_do(self, tmp_path: Path, options: dict, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            faults.set_faults(tmp_path, **options)
        assert not faults.faults_path(tmp_path).exists()

    def test_buckets_alone_are_something_to_inject(self) -> None:
        assert faults.config(ec2_buckets=True)["ec2_buckets"] is True

    def test_the_cli_takes_the_state_dir_before_or_after_the_action(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        main(["faults", "--state-dir", str(tmp_path), "set", "--rate", "0.3", "--seed", "7", "--actions", "Describe*"])
        assert json.loads(capsys.readouterr().out)["actions"] == ["Describe*"]
        main(["faults", "show", "--state-dir", str(tmp_path)])
        assert json.loads(capsys.readouterr().out)["rate"] == 0.3
        main(["faults", "clear", "--state-dir", str(tmp_path)])
        assert json.loads(capsys.readouterr().out) == {}

    def test_the_cli_reports_a_bad_value_without_a_traceback(self, tmp_path: Path) -> None:
        with pytest.raises(SystemExit, match=r"emulator faults: rate 2\.0"):
            main(["faults", "--state-dir", str(tmp_path), "set", "--rate", "2"])

    def test_faults_must_come_first_like_stage(self, tmp_path: Path) -> None:
        with pytest.raises(SystemExit):
            main(["--state-dir", str(tmp_path), "faults"])


class TestDraws:
    def test_matches_services_and_action_patterns(self) -> None:
        call = faults.Call("ec2", "DescribeVpcs", "k", "ec2")
        assert faults.matches({"services": None, "actions": None}, call)
        assert faults.matches({"services": ["ec2"], "actions": ["Describe*"]}, call)
        assert not faults.matches({"services": ["elbv2"], "actions": None}, call)
        assert not faults.matches({"services": None, "actions": ["Create*", "DescribeSubnets"]}, call)

    def test_the_server_draws_the_sequence_the_seed_gives(self, tmp_path: Path) -> None:
        written = faults.set_faults(tmp_path, rate=0.3, seed=11)
        injector = faults.Injector()
        drawn = []
        for _unused in range(300):
            decision = injector.decide(tmp_path, sent("ec2", "describe_vpcs"))
            drawn.append(decision[1] if decision else None)
        assert drawn == faults.sequence(written, 300)
        assert set(drawn) == {None, "throttle", "unavailable", "internal", "reset"}

    def test_reset_is_the_rare_kind(self) -> None:
        drawn = faults.sequence({"seed": 3, "rate": 1.0, "kinds": list(faults.KINDS)}, 6100)
        # weights 1:1:1:1/20 -> each error kind 2000 expected (sigma ~37), reset 100 (sigma ~10)
        assert all(1800 < drawn.count(kind) < 2200 for kind in ("throttle", "unavailable", "internal"))
        assert 50 < drawn.count("reset") < 150

    def test_a_new_faults_file_starts_the_sequence_again_an_unchanged_one_does_not(self, tmp_path: Path) -> None:
        written = faults.set_faults(tmp_path, rate=0.5, seed=5, kinds="throttle")
        expected = faults.sequence(written, 20)
        injector = faults.Injector()

        def draw(count: int) -> list[str | None]:
            return [
                (decision[1] if (decision := injector.decide(tmp_path, sent("ec2", "describe_vpcs"))) else None)
                for _unused in range(count)
            ]

        assert draw(10) + draw(10) == expected
        faults.set_faults(tmp_path, rate=0.5, seed=5, kinds="throttle")
        assert draw(20) == expected

    def test_only_matching_requests_draw(self, tmp_path: Path) -> None:
        written = faults.set_faults(tmp_path, rate=0.5, seed=5, services="elbv2")
        injector = faults.Injector()
        drawn = []
        for _unused in range(40):
            assert injector.decide(tmp_path, sent("ec2", "describe_vpcs")) is None
            decision = injector.decide(tmp_path, sent("elbv2", "describe_load_balancers"))
            drawn.append(decision[1] if decision else None)
        assert drawn == faults.sequence(written, 40)

    def test_inert_without_a_faults_file_and_leaves_the_body_alone(self, tmp_path: Path) -> None:
        environ = sent("ec2", "describe_vpcs")
        body_stream = environ["wsgi.input"]
        assert faults.Injector().decide(tmp_path, environ) is None
        assert environ["wsgi.input"] is body_stream

    def test_a_broken_faults_file_is_ignored(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        faults.faults_path(tmp_path).write_text("{not json")
        assert faults.Injector().decide(tmp_path, sent("ec2", "describe_vpcs")) is None
        assert "faults file ignored" in capsys.readouterr().err


class TestAnswers:
    def test_an_s3_head_gets_no_body(self) -> None:
        reply = faults.answer(faults.Call("s3", "HeadBucket", "k", "s3", "HEAD"), "throttle")
        assert (reply.status, reply.body, dict(reply.headers)["Content-Length"]) == (503, b"", "0")

    def test_cloudwatch_names_the_query_code_in_a_header(self) -> None:
        reply = faults.answer(faults.Call("cloudwatch", "ListMetrics", "k", "json", json_version="1.0"), "throttle")
        headers = dict(reply.headers)
        assert json.loads(reply.body) == {"__type": "ThrottlingException", "message": "Rate exceeded"}
        assert headers["x-amzn-query-error"] == "Throttling;Sender"
        assert headers["Content-Type"] == "application/x-amz-json-1.0"

    def test_a_bucket_throttle_answers_as_ec2_throttles(self) -> None:
        reply = faults.answer(faults.Call("ec2", "CreateTags", "k", "ec2"), faults.BUCKET)
        assert (reply.status, reply.code) == (400, "RequestLimitExceeded")
        assert b"<Response><Errors><Error><Code>RequestLimitExceeded</Code>" in reply.body


class TestTokenBuckets:
    def test_a_burst_of_capacity_then_the_refill_rate(self) -> None:
        now, clock = fake_clock()
        bucket = faults.TokenBucket(50, 5, clock)
        assert [bucket.take() for _unused in range(50)] == [True] * 50
        assert not bucket.take()
        now[0] += 0.1  # half a token
        assert not bucket.take()
        now[0] += 0.1  # one token
        assert bucket.take()
        assert not bucket.take()
        now[0] += 1.0  # five tokens
        assert [bucket.take() for _unused in range(6)] == [True] * 5 + [False]

    def test_never_holds_more_than_its_capacity(self) -> None:
        now, clock = fake_clock()
        bucket = faults.TokenBucket(5, 2, clock)
        assert all(bucket.take() for _unused in range(5))
        now[0] += 3600
        assert [bucket.take() for _unused in range(6)] == [True] * 5 + [False]

    @pytest.mark.parametrize(
        ("action", "category", "burst", "per_second"),
        [
            ("DescribeVpcs", "non-mutating", 100, 20),
            ("GetConsoleOutput", "non-mutating", 100, 20),
            ("CreateTags", "mutating", 50, 5),
            ("AuthorizeSecurityGroupIngress", "mutating", 50, 5),
            ("CreateNatGateway", "nat-gateway", 10, 1),
            ("DeleteNatGateway", "nat-gateway", 10, 1),
            ("RunInstances", "run-instances", 5, 2),
        ],
    )
    def test_each_action_gets_its_categorys_bucket(
        self, action: str, category: str, burst: int, per_second: int
    ) -> None:
        assert faults.ec2_bucket(action) == category
        now, clock = fake_clock()
        buckets = faults.Ec2Buckets(clock)
        assert [buckets.take("k", action) for _unused in range(burst + 1)] == [True] * burst + [False]
        now[0] += 1.0
        assert [buckets.take("k", action) for _unused in range(per_second + 1)] == [True] * per_second + [False]

    def test_a_bucket_per_access_key_and_action(self) -> None:
        _unused, clock = fake_clock()
        buckets = faults.Ec2Buckets(clock)
        assert all(buckets.take("a", "RunInstances") for _unused in range(5))
        assert not buckets.take("a", "RunInstances")
        assert buckets.take("b", "RunInstances")
        assert buckets.take("a", "CreateTags")

    def test_the_server_throttles_ec2_only_and_logs_it_as_a_bucket_fault(self, tmp_path: Path) -> None:
        faults.set_faults(tmp_path, ec2_buckets=True)
        now, clock = fake_clock()
        injector = faults.Injector(clock)
        decisions = [
            injector.decide(tmp_path, sent("ec2", "run_instances", ImageId="ami-1", MinCount=1, MaxCount=1))
            for _unused in range(6)
        ]
        assert decisions[:5] == [None] * 5
        assert decisions[5][1] == faults.BUCKET
        assert injector.decide(tmp_path, sent("elbv2", "describe_load_balancers")) is None  # rate 0: no random fault
        now[0] += 0.5  # one RunInstances token
        assert injector.decide(tmp_path, sent("ec2", "run_instances", ImageId="ami-1", MinCount=1, MaxCount=1)) is None
