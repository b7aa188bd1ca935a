"""Fault injection against the real emulator: boto3 clients see AWS's errors, per service.

The server is a separate process started by the launcher; faults are set through
`python -m tools.emulator faults` (or the same file written by tools.emulator.faults), and every
faulted request is counted in requests.log. Retries are off unless a test says otherwise:
botocore's ``total_max_attempts`` 1 (its ``max_attempts`` counts the retries after the first).
"""

from __future__ import annotations

import json
import math
import os
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from tools.emulator import faults
from tools.emulator.patches import request_log

REGION = "us-east-1"
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})

# What each service answers, after its AWS Common Errors page (and, for S3, its error responses):
# service -> kind -> (HTTP status, the error code botocore reports).
EXPECTED: dict[str, dict[str, tuple[int, str]]] = {
    "ec2": {
        "throttle": (400, "RequestLimitExceeded"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "InternalError"),
    },
    "elbv2": {
        "throttle": (400, "Throttling"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "InternalFailure"),
    },
    "autoscaling": {
        "throttle": (400, "Throttling"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "InternalFailure"),
    },
    "iam": {
        "throttle": (400, "Throttling"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "ServiceFailure"),
    },
    "sts": {
        "throttle": (400, "Throttling"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "InternalFailure"),
    },
    "cloudwatch": {
        "throttle": (400, "Throttling"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "InternalServiceError"),
    },
    "logs": {
        "throttle": (400, "ThrottlingException"),
        "unavailable": (503, "ServiceUnavailableException"),
        "internal": (500, "InternalServerException"),
    },
    "acm": {
        "throttle": (400, "ThrottlingException"),
        "unavailable": (503, "ServiceUnavailableException"),
        "internal": (500, "InternalServerException"),
    },
    "s3": {
        "throttle": (503, "SlowDown"),
        "unavailable": (503, "ServiceUnavailable"),
        "internal": (500, "InternalError"),
    },
}

# One read-only call per service: (boto3 service name, call, the action requests.log names).
CALLS: dict[str, tuple[str, Callable[[Any], Any], str]] = {
    "ec2": ("ec2", lambda c: c.describe_vpcs(), "DescribeVpcs"),
    "elbv2": ("elbv2", lambda c: c.describe_load_balancers(), "DescribeLoadBalancers"),
    "autoscaling": ("autoscaling", lambda c: c.describe_auto_scaling_groups(), "DescribeAutoScalingGroups"),
    "iam": ("iam", lambda c: c.list_roles(), "ListRoles"),
    "sts": ("sts", lambda c: c.get_caller_identity(), "GetCallerIdentity"),
    "cloudwatch": ("cloudwatch", lambda c: c.list_metrics(), "ListMetrics"),
    "logs": ("logs", lambda c: c.describe_log_groups(), "DescribeLogGroups"),
    "acm": ("acm", lambda c: c.list_certificates(), "ListCertificates"),
    "s3": ("s3", lambda c: c.list_buckets(), "ListBuckets"),
}


def client(endpoint: str, service: str, key: str, config: Config = NO_RETRIES) -> Any:
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id=key,
        aws_secret_access_key="secret",
        config=config,
    )


def outcome(call: Callable[[], Any]) -> str | None:
    """None when the call succeeded, else the error code it got ("reset": no answer at all)."""
    try:
        call()
    except ClientError as error:
        return error.response["Error"]["Code"]
    except ConnectionClosedError:
        return "reset"
    return None


def logged(state_dir: Path, key: str) -> list[request_log.Request]:
    return [request for request in request_log.read(state_dir) if request.access_key_id == key]


@pytest.fixture(autouse=True)
def no_faults_after(emulator: dict[str, Any]) -> Iterator[None]:
    yield
    faults.clear(emulator["state_dir"])


@pytest.mark.parametrize("kind", ["throttle", "unavailable", "internal"])
@pytest.mark.parametrize("service", list(CALLS))
def test_each_service_answers_as_aws_does(emulator: dict[str, Any], service: str, kind: str) -> None:
    faults.set_faults(emulator["state_dir"], rate=1.0, kinds=kind)
    boto_name, call, action = CALLS[service]
    key = f"shape-{service}-{kind}"
    with pytest.raises(ClientError) as raised:
        call(client(emulator["endpoint"], boto_name, key))
    status, code = EXPECTED[service][kind]
    assert (raised.value.response["ResponseMetadata"]["HTTPStatusCode"], raised.value.response["Error"]["Code"]) == (
        status,
        code,
    )
    [request] = logged(emulator["state_dir"], key)
    assert (request.service, request.action, request.status, request.fault) == (service, action, status, kind)


def test_a_reset_closes_the_connection_without_an_answer(emulator: dict[str, Any]) -> None:
    faults.set_faults(emulator["state_dir"], rate=1.0, kinds="reset")
    with pytest.raises(ConnectionClosedError):
        client(emulator["endpoint"], "ec2", "reset-case").describe_vpcs()
    [request] = logged(emulator["state_dir"], "reset-case")
    assert (request.action, request.status, request.fault) == ("DescribeVpcs", request_log.RESET_STATUS, "reset")


def test_a_faulted_request_never_reaches_moto(emulator: dict[str, Any]) -> None:
    ec2 = client(emulator["endpoint"], "ec2", "never-reaches")
    faults.set_faults(emulator["state_dir"], rate=1.0, kinds="internal", actions="CreateVpc")
    assert outcome(lambda: ec2.create_vpc(CidrBlock="10.77.0.0/16")) == "InternalError"
    faults.clear(emulator["state_dir"])
    cidrs = [vpc["CidrBlock"] for vpc in ec2.describe_vpcs()["Vpcs"]]
    assert "10.77.0.0/16" not in cidrs


def test_moto_api_paths_are_never_faulted(emulator: dict[str, Any]) -> None:
    faults.set_faults(emulator["state_dir"], rate=1.0, kinds="internal")
    signed = "AWS4-HMAC-SHA256 Credential=moto-api/20260101/us-east-1/ec2/aws4_request, Signature=x"
    request = urllib.request.Request(f"{emulator['endpoint']}/moto-api/data.json", headers={"Authorization": signed})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        json.loads(response.read())
    assert logged(emulator["state_dir"], "moto-api") == []


def test_services_and_actions_limit_the_faults_and_clear_stops_them(emulator: dict[str, Any]) -> None:
    state_dir, endpoint, launcher = str(emulator["state_dir"]), emulator["endpoint"], emulator["launcher"]
    ec2, elbv2 = client(endpoint, "ec2", "limits"), client(endpoint, "elbv2", "limits")
    launcher("faults", "--state-dir", state_dir, "set", "--rate", "1", "--services", "elbv2", "--kinds", "throttle")
    assert [outcome(ec2.describe_vpcs) for _unused in range(5)] == [None] * 5
    assert [outcome(elbv2.describe_load_balancers) for _unused in range(5)] == ["Throttling"] * 5

    launcher(
        "faults", "set", "--state-dir", state_dir, "--rate", "1", "--actions", "DescribeVpcs", "--kinds", "throttle"
    )
    assert outcome(ec2.describe_vpcs) == "RequestLimitExceeded"
    assert outcome(ec2.describe_subnets) is None
    assert outcome(elbv2.describe_load_balancers) is None

    shown = json.loads(launcher("faults", "--state-dir", state_dir, "show").stdout)
    assert (shown["actions"], shown["rate"]) == (["DescribeVpcs"], 1.0)
    launcher("faults", "--state-dir", state_dir, "clear")
    assert json.loads(launcher("faults", "--state-dir", state_dir, "show").stdout) == {}
    assert [outcome(ec2.describe_vpcs) for _unused in range(5)] == [None] * 5
    assert [request.fault for request in logged(emulator["state_dir"], "limits")].count("throttle") == 6


def test_first_faults_the_first_calls_of_every_action_whatever_the_rate(emulator: dict[str, Any]) -> None:
    state_dir, endpoint, launcher = str(emulator["state_dir"]), emulator["endpoint"], emulator["launcher"]
    ec2, logs = client(endpoint, "ec2", "first"), client(endpoint, "logs", "first")
    launcher("faults", "--state-dir", state_dir, "set", "--first", "2", "--kinds", "throttle")
    assert [outcome(ec2.describe_vpcs) for _unused in range(4)] == ["RequestLimitExceeded"] * 2 + [None] * 2
    assert [outcome(ec2.describe_subnets) for _unused in range(3)] == ["RequestLimitExceeded"] * 2 + [None]
    assert [outcome(logs.describe_log_groups) for _unused in range(3)] == ["ThrottlingException"] * 2 + [None]
    launcher("faults", "--state-dir", state_dir, "set", "--first", "1", "--kinds", "throttle")
    assert outcome(ec2.describe_vpcs) == "RequestLimitExceeded"  # a new faults file counts afresh


def codes(service: str, drawn: list[str | None]) -> list[str | None]:
    """The outcomes (as :func:`outcome` gives them) of a sequence of drawn faults."""
    return [None if kind is None else "reset" if kind == "reset" else EXPECTED[service][kind][1] for kind in drawn]


def test_a_seeded_rate_faults_a_binomial_fraction_the_same_on_every_fresh_server(
    emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    calls, rate, seed, launcher = 200, 0.3, 7, emulator["launcher"]
    runs = []
    for run in range(2):
        state_dir = tmp_path_factory.mktemp(f"fresh-{run}")
        launcher("start", "--port", "0", "--state-dir", str(state_dir), "--owner-pid", str(os.getpid()))
        try:
            endpoint = (state_dir / "endpoint").read_text().strip()
            launcher("faults", "--state-dir", str(state_dir), "set", "--rate", str(rate), "--seed", str(seed))
            ec2 = client(endpoint, "ec2", "binomial")
            runs.append([outcome(ec2.describe_vpcs) for _unused in range(calls)])
            faulted = [request for request in logged(state_dir, "binomial") if request.faulted]
            assert len(faulted) == sum(result is not None for result in runs[-1])
        finally:
            launcher("stop", "--state-dir", str(state_dir))
    assert runs[0] == runs[1]
    # The count is Binomial(200, 0.3): mean 60, sigma sqrt(200 * 0.3 * 0.7) = 6.5; within 5 sigma.
    mean, sigma = calls * rate, math.sqrt(calls * rate * (1 - rate))
    count = sum(result is not None for result in runs[0])
    assert mean - 5 * sigma <= count <= mean + 5 * sigma
    # and it is the sequence the seed gives, as faults.sequence computes it in this process
    assert runs[0] == codes("ec2", faults.sequence(faults.config(rate=rate, seed=seed), calls))


def test_standard_retries_get_every_call_through_a_rate_of_one_fifth(
    emulator: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.retries.standard

    # The back-off is botocore's business; what is tested is that every fault is retried away.
    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    faults.set_faults(emulator["state_dir"], rate=0.2, seed=3)
    retrying = Config(retries={"total_max_attempts": 10, "mode": "standard"})
    ec2 = client(emulator["endpoint"], "ec2", "retrier", retrying)
    elbv2 = client(emulator["endpoint"], "elbv2", "retrier", retrying)
    for _unused in range(50):
        ec2.describe_vpcs()
        elbv2.describe_target_groups()
    requests = logged(emulator["state_dir"], "retrier")
    faulted = [request for request in requests if request.faulted]
    assert faulted, "no fault was injected"
    assert len(requests) == 100 + len(faulted)  # each fault cost one more attempt, and no call failed


def test_ec2_buckets_throttle_a_burst_of_mutating_calls_after_fifty(emulator: dict[str, Any]) -> None:
    ec2 = client(emulator["endpoint"], "ec2", "burst")
    vpc_id = ec2.create_vpc(CidrBlock="10.88.0.0/16")["Vpc"]["VpcId"]
    emulator["launcher"]("faults", "--state-dir", str(emulator["state_dir"]), "set", "--ec2-buckets")
    results = []
    started = time.monotonic()
    # CreateTags' bucket holds 50 tokens and gets 5 a second: the 51st call of a burst finds it empty
    # unless the calls were slower than 5 a second; keep calling (bounded) until one is throttled.
    while "RequestLimitExceeded" not in results and len(results) < 400:
        results.append(outcome(lambda: ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "n", "Value": "1"}])))
    elapsed = time.monotonic() - started
    assert results[:50] == [None] * 50
    assert results[-1] == "RequestLimitExceeded"
    assert set(results[:-1]) == {None}
    # no more calls got through than the bucket held plus what it refilled meanwhile
    assert len(results) - 1 <= 50 + 5 * elapsed
    # other actions have buckets of their own, and so has another access key
    assert outcome(ec2.describe_vpcs) is None
    other = client(emulator["endpoint"], "ec2", "burst-other")
    assert outcome(lambda: other.create_tags(Resources=[vpc_id], Tags=[{"Key": "n", "Value": "2"}])) is None
    [throttled] = [request for request in logged(emulator["state_dir"], "burst") if request.faulted]
    assert (throttled.action, throttled.status, throttled.fault) == ("CreateTags", 400, faults.BUCKET)
