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

import re
import signal
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from stack_census import EXACTLY_THE_STACK, NOTHING, stack_counts
from stack_runs import ansible_playbook, kill_when, own_emulator

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


def endpoint_of(state_dir: Path) -> str:
    return (state_dir / "endpoint").read_text().strip()


def command(name: str, *extra: str) -> list[str]:
    confirm = ["-e", "teardown_confirm=local"] if name == "teardown.yml" else []
    return [name, *confirm, *extra]


def ok(state_dir: Path, name: str, *extra: str) -> str:
    code, output = ansible_playbook(state_dir, endpoint_of(state_dir), *command(name, *extra))
    assert code == 0, f"{name} failed:\n{output[-5000:]}"
    return output


def kill_after(state_dir: Path, case: Case) -> None:
    """Start the case's run and kill its process group once the emulator served ``case.after``."""
    service, action = case.after.split()
    kill_when(
        state_dir,
        endpoint_of(state_dir),
        command(case.playbook),
        lambda served: any(r.service == service and r.action == action for r in served),
        f"{case.after} was served",
        case.signal,
        EVENT_TIMEOUT,
    )


def recover(tmp: Path, case: Case) -> dict[str, Any]:
    state_dir = tmp / case.name
    with own_emulator(state_dir) as endpoint:
        if case.playbook == "teardown.yml":
            ok(state_dir, "site.yml")
        kill_after(state_dir, case)
        code, refused = ansible_playbook(
            state_dir, endpoint, *command("site.yml" if case.then == "converge" else "teardown.yml")
        )
        holder = re.search(r"-e unlock_id=(\w+)", refused)
        ok(state_dir, "playbooks/unlock.yml", "-e", f"unlock_id={holder.group(1) if holder else 'none'}")
        result: dict[str, Any] = {"refused_code": code, "refused": refused}
        if case.then == "converge":
            ok(state_dir, "site.yml")
            result["counts"] = stack_counts(endpoint)
        result["teardown"] = ok(state_dir, "teardown.yml")
        result["after_teardown"] = stack_counts(endpoint)
        return result


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
