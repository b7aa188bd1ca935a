"""One converged stack shared by the tests of muejam.infra.stack_state (they only read it, or
change one attribute behind the stack's back and put it back).

``converged``: an emulator of the tests' own, ``site.yml`` run on it from an empty account, then
run again with the JSON callback (the re-run's task results, the inputs every role handed to
``stack_state``, and the API calls the re-run made).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "playbooks"))

from stack_runs import ROOT, ansible_playbook, environment, own_emulator

from tools.emulator import request_counts

REGION = "us-east-1"
PARTS = ("networking", "load_balancer", "instance_bootstrap", "scaling_group")
STATE_TASK = "muejam.infra.stack_state"


@dataclass
class Converged:
    state_dir: Path
    endpoint: str
    rerun: dict[str, Any]  # ansible.builtin.json's output of the re-run
    rerun_calls: dict[str, Any]  # request_counts.count of the re-run

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def tasks(self) -> list[dict[str, Any]]:
        """Every task result of the re-run: {"name", "action", "result"}."""
        rows = []
        for play in self.rerun["plays"]:
            for task in play["tasks"]:
                result = task["hosts"].get("localhost", {})
                rows.append({"name": task["task"]["name"], "action": result.get("action", ""), "result": result})
        return rows

    def plans(self) -> dict[str, dict[str, Any]]:
        """The first stack_state result of each part in the re-run (its plan and the inputs it got)."""
        plans: dict[str, dict[str, Any]] = {}
        for task in self.tasks():
            result = task["result"]
            if task["action"] != STATE_TASK or result.get("skipped"):
                continue
            part = result["invocation"]["module_args"]["part"]
            plans.setdefault(part, result)
        return plans

    def inputs(self, part: str) -> dict[str, Any]:
        """The inputs the role handed to stack_state in the re-run (its checked ``<role>__in``)."""
        return dict(self.plans()[part]["invocation"]["module_args"]["inputs"])


def json_playbook(state_dir: Path, endpoint: str, *args: str) -> dict[str, Any]:
    """``ansible-playbook ARGS -i inventories/local`` with the JSON callback and each task's
    arguments in its result (asserted to succeed): its parsed output."""
    completed = subprocess.run(
        ["ansible-playbook", *args, "-i", "inventories/local"],
        cwd=ROOT,
        env={
            **environment(state_dir, endpoint),
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
            # ansible-core 2.19+ leaves a task's arguments out of its result unless asked: plans() reads them.
            "ANSIBLE_INJECT_INVOCATION": "true",
        },
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-6000:]
    return json.loads(completed.stdout)


@pytest.fixture(scope="session")
def converged(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Converged]:
    state_dir = tmp_path_factory.mktemp("converged")
    with own_emulator(state_dir) as endpoint:
        code, output = ansible_playbook(state_dir, endpoint, "site.yml")
        assert code == 0, output[-6000:]
        request_counts.mark(state_dir, "rerun")
        rerun = json_playbook(state_dir, endpoint, "site.yml")
        calls = request_counts.count(state_dir, since=request_counts.since_mark(state_dir, "rerun"))
        yield Converged(state_dir, endpoint, rerun, calls)
