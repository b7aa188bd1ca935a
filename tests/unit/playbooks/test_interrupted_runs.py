"""Runs killed half-way — SIGKILL inside the NAT gateway tasks, SIGINT inside the scaling group
stage, SIGKILL inside teardown — leave a stack that the next run puts right.

Each case kills a run (its whole process group) once the emulator has served a given call (an
event, not a time), on an emulator of its own. The killed run leaves the stack's lock: the next
run refuses naming it, and playbooks/unlock.yml with the id it names breaks it (the documented
way out). Then, depending on the case, site.yml converges to exactly the stack (no duplicate NAT
gateway, Elastic IP, ...) and teardown.yml leaves nothing, or teardown.yml straight from the
partial state leaves nothing.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from stack_census import EXACTLY_THE_STACK, NOTHING, stack_counts

from tools.emulator.patches import request_log

ROOT = Path(__file__).resolve().parents[3]
EVENT_TIMEOUT = 900  # bound on the wait for the call a case kills after


@dataclass(frozen=True)
class Case:
    name: str
    playbook: str  # the run that is killed
    after: str  # the emulator has served this call (service action)
    signal: int
    then: str  # "converge": site.yml, then teardown.yml; "teardown": teardown.yml only


CASES = [
    Case("sigkill-inside-the-nat-gateways", "site.yml", "ec2 CreateNatGateway", signal.SIGKILL, "teardown"),
    Case("sigint-inside-the-scaling-group", "site.yml", "ec2 CreateLaunchTemplate", signal.SIGINT, "converge"),
    Case(
        "sigkill-after-the-auto-scaling-group",
        "site.yml",
        "autoscaling CreateAutoScalingGroup",
        signal.SIGKILL,
        "converge",
    ),
    Case("sigkill-inside-teardown", "teardown.yml", "ec2 DeleteNatGateway", signal.SIGKILL, "teardown"),
]


def environment(state_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "MUEJAM_AWS_ENDPOINT": (state_dir / "endpoint").read_text().strip(),
        "MUEJAM_EMULATOR_STATE": str(state_dir),
        "MUEJAM_OUTPUTS_DIR": str(state_dir / "outputs"),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }


def command(name: str, *extra: str) -> list[str]:
    confirm = ["-e", "teardown_confirm=local"] if name == "teardown.yml" else []
    return ["ansible-playbook", name, "-i", "inventories/local", *confirm, *extra]


def run(state_dir: Path, name: str, *extra: str) -> tuple[int, str]:
    completed = subprocess.run(
        command(name, *extra), cwd=ROOT, env=environment(state_dir), capture_output=True, text=True, timeout=1500
    )
    return completed.returncode, completed.stdout + completed.stderr


def ok(state_dir: Path, name: str, *extra: str) -> str:
    code, output = run(state_dir, name, *extra)
    assert code == 0, f"{name} failed:\n{output[-5000:]}"
    return output


def kill_after(state_dir: Path, case: Case) -> None:
    """Start the case's run and kill its process group once the emulator served ``case.after``."""
    service, action = case.after.split()
    seen = len(request_log.read(state_dir))
    log = (state_dir / f"{case.name}.log").open("w")
    process = subprocess.Popen(
        command(case.playbook),
        cwd=ROOT,
        env=environment(state_dir),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + EVENT_TIMEOUT
    try:
        while not any(r.service == service and r.action == action for r in request_log.read(state_dir, since=seen)):
            assert process.poll() is None, f"{case.playbook} ended before {case.after}: see {log.name}"
            assert time.monotonic() < deadline, f"{case.after} not served within {EVENT_TIMEOUT} s"
            time.sleep(0.1)
        os.killpg(process.pid, case.signal)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def recover(tmp: Path, case: Case) -> dict[str, Any]:
    state_dir = tmp / case.name
    subprocess.run(
        [
            sys.executable,
            "-m",
            "tools.emulator",
            "start",
            "--port",
            "0",
            "--state-dir",
            str(state_dir),
            "--owner-pid",
            str(os.getpid()),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [sys.executable, "-m", "tools.health_server", "start", "--port", "0", "--state-dir", str(state_dir / "health")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        if case.playbook == "teardown.yml":
            ok(state_dir, "site.yml")
        kill_after(state_dir, case)
        code, refused = run(state_dir, "site.yml" if case.then == "converge" else "teardown.yml")
        holder = re.search(r"-e unlock_id=(\w+)", refused)
        ok(state_dir, "playbooks/unlock.yml", "-e", f"unlock_id={holder.group(1) if holder else 'none'}")
        result: dict[str, Any] = {"refused_code": code, "refused": refused}
        endpoint = (state_dir / "endpoint").read_text().strip()
        if case.then == "converge":
            ok(state_dir, "site.yml")
            result["counts"] = stack_counts(endpoint)
        result["teardown"] = ok(state_dir, "teardown.yml")
        result["after_teardown"] = stack_counts(endpoint)
        return result
    finally:
        subprocess.run(
            [sys.executable, "-m", "tools.health_server", "stop", "--state-dir", str(state_dir / "health")],
            cwd=ROOT,
            capture_output=True,
        )
        subprocess.run(
            [sys.executable, "-m", "tools.emulator", "stop", "--state-dir", str(state_dir)],
            cwd=ROOT,
            capture_output=True,
        )


@pytest.fixture(scope="module")
def recoveries(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("interrupted")
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        futures = {case.name: pool.submit(recover, tmp, case) for case in CASES}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
class TestInterruptedRuns:
    def test_the_next_run_refuses_naming_the_killed_runs_lock(self, case: Case, recoveries: dict[str, Any]) -> None:
        refused = recoveries[case.name]
        assert refused["refused_code"] != 0
        assert f"of {case.playbook} by" in refused["refused"]
        assert "playbooks/unlock.yml -i <inventory> -e unlock_id=" in refused["refused"]

    def test_teardown_leaves_nothing(self, case: Case, recoveries: dict[str, Any]) -> None:
        assert "Nothing of the stack muejam-local is left." in recoveries[case.name]["teardown"]
        assert recoveries[case.name]["after_teardown"] == NOTHING


@pytest.mark.parametrize("case", [case for case in CASES if case.then == "converge"], ids=lambda case: case.name)
def test_a_killed_run_run_again_converges_with_no_duplicate(case: Case, recoveries: dict[str, Any]) -> None:
    assert recoveries[case.name]["counts"] == EXACTLY_THE_STACK
