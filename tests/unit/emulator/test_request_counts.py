"""Tests of tools/emulator/request_counts.py: `python -m tools.emulator requests`, marks included."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tools.emulator import faults, request_counts
from tools.emulator.__main__ import main
from tools.emulator.patches import request_log


def log(state_dir: Path, *lines: tuple[str, str, int, str] | tuple[str, str, int, str, str]) -> None:
    for service, action, status, key, *fault in lines:
        request_log.record(
            state_dir, request_log.format_line(service, action, status, key, fault=fault[0] if fault else None)
        )


class TestCounts:
    def test_totals_and_counts_per_service_and_action(self, tmp_path: Path) -> None:
        log(
            tmp_path,
            ("ec2", "DescribeVpcs", 200, "a"),
            ("ec2", "DescribeVpcs", 400, "a", "throttle"),
            ("ec2", "CreateVpc", 200, "a"),
            ("s3", "PutBucketTagging", 0, "b", "reset"),
            ("s3", "HeadBucket", 200, "b"),
        )
        counts = request_counts.count(tmp_path)
        assert (counts["total"], counts["mutating"], counts["faulted"]) == (5, 2, 2)
        assert counts["faults"] == {"reset": 1, "throttle": 1}
        assert (counts["since"], counts["lines"]) == (0, 5)
        assert counts["services"]["ec2"] == {
            "total": 3,
            "mutating": 1,
            "faulted": 1,
            "actions": {
                "CreateVpc": {"calls": 1, "mutating": True, "faulted": 0},
                "DescribeVpcs": {"calls": 2, "mutating": False, "faulted": 1},
            },
        }
        assert counts["services"]["s3"]["actions"]["PutBucketTagging"] == {"calls": 1, "mutating": True, "faulted": 1}
        assert request_counts.count(tmp_path, key="b")["total"] == 2

    def test_since_a_line_or_a_mark(self, tmp_path: Path) -> None:
        assert request_counts.mark(tmp_path, "empty") == 0
        log(tmp_path, ("ec2", "CreateVpc", 200, "a"), ("ec2", "CreateSubnet", 200, "a"))
        assert request_counts.mark(tmp_path, "before-rerun") == 2
        log(tmp_path, ("ec2", "DescribeVpcs", 200, "a"))
        assert request_counts.count(tmp_path, since=request_counts.since_mark(tmp_path, "before-rerun"))["total"] == 1
        assert request_counts.count(tmp_path, since=request_counts.since_mark(tmp_path, "empty"))["total"] == 3
        assert request_counts.count(tmp_path, since=1)["services"]["ec2"]["actions"].keys() == {
            "CreateSubnet",
            "DescribeVpcs",
        }
        with pytest.raises(ValueError, match="no mark 'later'"):
            request_counts.since_mark(tmp_path, "later")

    def test_the_cli_prints_a_table_or_json(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        log(tmp_path, ("ec2", "CreateVpc", 200, "a"))
        main(["requests", "--state-dir", str(tmp_path), "mark", "m"])
        assert capsys.readouterr().out.strip() == "1"
        log(tmp_path, ("ec2", "CreateVpc", 503, "a", "unavailable"), ("elbv2", "DescribeTargetGroups", 200, "a"))
        main(["requests", "--state-dir", str(tmp_path), "--since-mark", "m", "--json"])
        counts = json.loads(capsys.readouterr().out)
        assert (counts["total"], counts["mutating"], counts["faulted"], counts["since"]) == (2, 1, 1, 1)
        main(["requests", "--state-dir", str(tmp_path), "--since-mark", "m"])
        table = capsys.readouterr().out.splitlines()
        assert table[0].startswith("2 requests (1 mutating, 1 faulted: unavailable 1)")
        assert table[1].split() == ["SERVICE", "ACTION", "CALLS", "MUTATING", "FAULTED"]
        assert ["ec2", "CreateVpc", "1", "1", "1"] in [line.split() for line in table]
        assert ["elbv2", "DescribeTargetGroups", "1", "0", "0"] in [line.split() for line in table]

    def test_the_cli_reports_an_unknown_mark(self, tmp_path: Path) -> None:
        with pytest.raises(SystemExit, match="no mark 'nope'"):
            main(["requests", "--state-dir", str(tmp_path), "--since-mark", "nope"])


def test_counts_a_run_against_the_emulator_between_marks(emulator: dict[str, Any]) -> None:
    state_dir, launcher = str(emulator["state_dir"]), emulator["launcher"]
    ec2 = boto3.client(
        "ec2",
        region_name="us-east-1",
        endpoint_url=emulator["endpoint"],
        aws_access_key_id="counted",
        aws_secret_access_key="secret",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    ec2.create_vpc(CidrBlock="10.66.0.0/16")
    ec2.describe_vpcs()
    launcher("requests", "--state-dir", state_dir, "mark", "before-rerun")
    try:
        faults.set_faults(emulator["state_dir"], rate=1.0, kinds="throttle", actions="CreateVpc")
        with pytest.raises(ClientError, match="RequestLimitExceeded"):
            ec2.create_vpc(CidrBlock="10.67.0.0/16")
    finally:
        faults.clear(emulator["state_dir"])
    ec2.describe_vpcs()
    ec2.describe_subnets()

    counts = json.loads(launcher("requests", "--state-dir", state_dir, "--since-mark", "before-rerun", "--json").stdout)
    assert (counts["total"], counts["mutating"], counts["faulted"]) == (3, 1, 1)
    assert counts["services"]["ec2"]["actions"] == {
        "CreateVpc": {"calls": 1, "mutating": True, "faulted": 1},
        "DescribeSubnets": {"calls": 1, "mutating": False, "faulted": 0},
        "DescribeVpcs": {"calls": 1, "mutating": False, "faulted": 0},
    }
    everything = json.loads(launcher("requests", "--state-dir", state_dir, "--key", "counted", "--json").stdout)
    assert (everything["total"], everything["mutating"]) == (5, 2)
