"""site.yml and teardown.yml refuse to run while another run holds the stack's lock, before any
change, naming the holder; playbooks/unlock.yml breaks a killed run's lock by its id only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from stack_runs import ansible_playbook

from ansible_collections.muejam.infra.plugins.module_utils import lock
from tools.emulator.patches import request_log

STACK = "muejam-locked"


def playbook(emulator: dict[str, Any], tmp: Path, name: str, key: str, **extra: Any) -> tuple[int, str]:
    extra_file = tmp / f"{key}.json"
    extra_file.write_text(json.dumps({"stack_environment": "locked", "aws_access_key": key, **extra}))
    return ansible_playbook(emulator["state_dir"], emulator["endpoint"], name, "-e", f"@{extra_file}", timeout=600)


def calls(emulator: dict[str, Any], key: str) -> list[request_log.Request]:
    return [request for request in request_log.read(emulator["state_dir"]) if request.access_key_id == key]


@pytest.fixture
def held(emulator: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The lock of the stack, held by a run elsewhere (an AWX job, say)."""
    ssm = emulator["client"]("ssm")
    record = lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="awx42run0001")
    yield record
    lock.release(ssm, STACK, record["id"])


@pytest.mark.parametrize("name", ["site.yml", "teardown.yml"])
def test_a_run_refuses_while_another_holds_the_lock(
    name: str, held: dict[str, Any], emulator: dict[str, Any], tmp_path: Path
) -> None:
    key = f"locked-{name.split('.')[0]}"
    code, output = playbook(emulator, tmp_path, name, key, teardown_confirm="locked")
    assert code != 0
    assert "The stack muejam-locked is locked by another run: run awx42run0001 of site.yml by AWX job 42" in output
    assert "-e unlock_id=awx42run0001" in output
    # Its one attempt to take the lock (PutParameter without overwrite) was refused: nothing changed.
    made = calls(emulator, key)
    assert [(r.action, r.status) for r in made if r.mutating] == [("PutParameter", 400)]
    assert lock.read(emulator["client"]("ssm"), STACK)["id"] == "awx42run0001"


def test_a_run_that_skips_the_network_still_takes_the_lock(
    held: dict[str, Any], emulator: dict[str, Any], tmp_path: Path
) -> None:
    """--skip-tags networking still runs the load balancer and scaling group stages: the run takes the
    lock as any other (it is refused here, before any change), by ansible-core's own tag rule."""
    key = "locked-skip-network"
    extra_file = tmp_path / f"{key}.json"
    extra_file.write_text(json.dumps({"stack_environment": "locked", "aws_access_key": key}))
    code, output = ansible_playbook(
        emulator["state_dir"], emulator["endpoint"], "site.yml", "-e", f"@{extra_file}", "--skip-tags", "networking"
    )
    assert code != 0
    assert "The stack muejam-locked is locked by another run: run awx42run0001" in output, output[-3000:]
    assert [(r.action, r.status) for r in calls(emulator, key) if r.mutating] == [("PutParameter", 400)]


def test_unlock_breaks_the_lock_by_its_id_only(held: dict[str, Any], emulator: dict[str, Any], tmp_path: Path) -> None:
    code, output = playbook(emulator, tmp_path, "playbooks/unlock.yml", "unlock-wrong", unlock_id="not-the-id")
    assert code != 0
    assert "give unlock_id=awx42run0001 to break it" in output
    assert lock.read(emulator["client"]("ssm"), STACK) is not None
    code, output = playbook(emulator, tmp_path, "playbooks/unlock.yml", "unlock-right", unlock_id="awx42run0001")
    assert code == 0, output[-3000:]
    assert lock.read(emulator["client"]("ssm"), STACK) is None
