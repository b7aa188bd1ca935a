"""ec2_vpc_flow_log against the real emulator, run as users run it: ansible-playbook with
module_defaults pointing at the emulator. The tests of the class run in order on one VPC."""

from __future__ import annotations

import json
import os
import subprocess
import sys
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


def run_module(emulator: dict[str, Any], tmp_path: Path, check: bool = False, **args: Any) -> dict[str, Any]:
    """Run muejam.infra.ec2_vpc_flow_log in a playbook; return the task's result."""
    playbook = tmp_path / "flow_log.yml"
    play = {
        "name": "Manage a flow log",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {
            "group/muejam.infra.aws": {
                "region": "us-east-1",
                "endpoint_url": emulator["endpoint"],
                "access_key": "testing",
                "secret_key": "testing",
            }
        },
        "tasks": [{"name": "Manage the VPC flow log", "muejam.infra.ec2_vpc_flow_log": args}],
    }
    playbook.write_text(json.dumps([play]))
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", str(playbook)]
    if check:
        command.append("--check")
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    output = json.loads(completed.stdout)
    return output["plays"][0]["tasks"][0]["hosts"]["localhost"]


def flow_logs_of(emulator: dict[str, Any], vpc_id: str) -> list[dict[str, Any]]:
    ec2 = emulator["client"]("ec2")
    return ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


class TestFlowLogLifecycle:
    def test_present_creates_then_changes_nothing(self, emulator: dict[str, Any], vpc_id: str, tmp_path: Path) -> None:
        args = {
            "resource_id": vpc_id,
            "log_group_name": GROUP,
            "deliver_logs_permission_arn": ROLE,
            "tags": {"Project": "muejam", "Environment": "test"},
        }
        first = run_module(emulator, tmp_path, **args)
        assert not first.get("failed"), first.get("msg")
        assert first["changed"] is True
        assert first["flow_log"]["resource_id"] == vpc_id
        assert first["flow_log"]["traffic_type"] == "ALL"
        assert first["flow_log"]["deliver_logs_status"] == "SUCCESS"
        assert not first.get("warnings")
        assert first["flow_log"]["tags"] == {"Project": "muejam", "Environment": "test"}

        second = run_module(emulator, tmp_path, **args)
        assert not second.get("failed"), second.get("msg")
        assert second["changed"] is False
        assert second["flow_log"]["flow_log_id"] == first["flow_log"]["flow_log_id"]
        assert len(flow_logs_of(emulator, vpc_id)) == 1

    def test_check_mode_absent_reports_a_change_and_deletes_nothing(
        self, emulator: dict[str, Any], vpc_id: str, tmp_path: Path
    ) -> None:
        result = run_module(emulator, tmp_path, check=True, resource_id=vpc_id, log_group_name=GROUP, state="absent")
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert len(result["deleted_flow_log_ids"]) == 1
        assert len(flow_logs_of(emulator, vpc_id)) == 1

    def test_absent_deletes_then_changes_nothing(self, emulator: dict[str, Any], vpc_id: str, tmp_path: Path) -> None:
        result = run_module(emulator, tmp_path, resource_id=vpc_id, log_group_name=GROUP, state="absent")
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert flow_logs_of(emulator, vpc_id) == []

        again = run_module(emulator, tmp_path, resource_id=vpc_id, log_group_name=GROUP, state="absent")
        assert again["changed"] is False
