"""ec2_vpc_flow_log against the real emulator, run as users run it: ansible-playbook with
module_defaults pointing at the emulator. The tests of the class run in order on one VPC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]
GROUP = "/muejam/test/vpc-flow-logs"
ROLE = "arn:aws:iam::123456789012:role/muejam-test-flow-logs"


@pytest.fixture(scope="module")
def vpc_id(emulator: dict[str, Any]) -> str:
    emulator["client"]("logs").create_log_group(logGroupName=GROUP)
    return emulator["client"]("ec2").create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]


def run_module(emulator: dict[str, Any], check: bool = False, **args: Any) -> dict[str, Any]:
    """Run muejam.infra.ec2_vpc_flow_log in a playbook; return the task's result."""
    return emulator["run_module"]("muejam.infra.ec2_vpc_flow_log", args, check)


def flow_logs_of(emulator: dict[str, Any], vpc_id: str) -> list[dict[str, Any]]:
    ec2 = emulator["client"]("ec2")
    return ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


class TestFlowLogLifecycle:
    def test_present_creates_then_changes_nothing(self, emulator: dict[str, Any], vpc_id: str) -> None:
        args = {
            "resource_id": vpc_id,
            "log_group_name": GROUP,
            "deliver_logs_permission_arn": ROLE,
            "tags": {"Project": "muejam", "Environment": "test"},
        }
        first = run_module(emulator, **args)
        assert not first.get("failed"), first.get("msg")
        assert first["changed"] is True
        assert first["flow_log"]["resource_id"] == vpc_id
        assert first["flow_log"]["traffic_type"] == "ALL"
        assert first["flow_log"]["deliver_logs_status"] == "SUCCESS"
        assert not first.get("warnings")
        assert first["flow_log"]["tags"] == {"Project": "muejam", "Environment": "test"}

        second = run_module(emulator, **args)
        assert not second.get("failed"), second.get("msg")
        assert second["changed"] is False
        assert second["flow_log"]["flow_log_id"] == first["flow_log"]["flow_log_id"]
        assert len(flow_logs_of(emulator, vpc_id)) == 1

    def test_check_mode_absent_reports_a_change_and_deletes_nothing(
        self, emulator: dict[str, Any], vpc_id: str
    ) -> None:
        result = run_module(emulator, check=True, resource_id=vpc_id, log_group_name=GROUP, state="absent")
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert len(result["deleted_flow_log_ids"]) == 1
        assert len(flow_logs_of(emulator, vpc_id)) == 1

    def test_absent_deletes_then_changes_nothing(self, emulator: dict[str, Any], vpc_id: str) -> None:
        result = run_module(emulator, resource_id=vpc_id, log_group_name=GROUP, state="absent")
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert flow_logs_of(emulator, vpc_id) == []

        again = run_module(emulator, resource_id=vpc_id, log_group_name=GROUP, state="absent")
        assert again["changed"] is False
