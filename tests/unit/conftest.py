"""Fixtures shared by the unit tests: a real emulator started through the project's launcher."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"


def launcher(*args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m tools.emulator ARGS` as a user would; fail the test when it fails."""
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", *args], cwd=ROOT, check=True, capture_output=True, text=True
    )


def run_module(endpoint: str, module: str, args: dict[str, Any], check: bool = False) -> dict[str, Any]:
    """Run one task of `module` with `args` through ansible-playbook, as users run it, with
    module_defaults pointing at the emulator; return the task's result."""
    play = {
        "name": f"Run {module}",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {
            "group/muejam.infra.aws": {
                "region": REGION,
                "endpoint_url": endpoint,
                "access_key": "testing",
                "secret_key": "testing",
            }
        },
        "tasks": [{"name": f"Run {module}", module: args}],
    }
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
        ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
        ANSIBLE_LOCALHOST_WARNING="false",
        ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
    )
    with tempfile.TemporaryDirectory() as scratch:
        playbook = Path(scratch) / "playbook.json"
        playbook.write_text(json.dumps([play]))
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local"]
        command += ["-e", f"ansible_python_interpreter={sys.executable}", str(playbook)]
        if check:
            command.append("--check")
        completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = json.loads(completed.stdout)
    return output["plays"][0]["tasks"][0]["hosts"]["localhost"]


def mark(state_dir: Path, name: str) -> None:
    """Mark the emulator's request log (``actions_since`` counts from here)."""
    from tools.emulator import request_counts  # see actions_since

    request_counts.mark(state_dir, name)


def actions_since(state_dir: Path, name: str) -> list[str]:
    """The AWS actions the emulator served since :func:`mark` ``name``, in order."""
    # Imported here: ansible-test units loads this file without tools/ on the path.
    from tools.emulator import request_counts
    from tools.emulator.patches import request_log

    return [request.action for request in request_log.read(state_dir, since=request_counts.since_mark(state_dir, name))]


@contextmanager
def started_emulator(state_dir: Path, *start_args: str) -> Iterator[dict[str, Any]]:
    """An emulator started by the launcher on a free port (``start ... START_ARGS``), stopped at
    the end whatever happens (and, should this test process be killed before it can stop it,
    exiting by itself: --owner-pid): its state directory, endpoint, a boto3 client factory, an AMI
    id, the launcher and a way to run one module against it."""
    launcher("start", "--port", "0", "--state-dir", str(state_dir), "--owner-pid", str(os.getpid()), *start_args)
    try:
        endpoint = (state_dir / "endpoint").read_text().strip()

        def client(service: str) -> Any:
            return boto3.client(
                service,
                region_name=REGION,
                endpoint_url=endpoint,
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )

        image_id = client("ec2").describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        yield {
            "state_dir": state_dir,
            "endpoint": endpoint,
            "client": client,
            "image_id": image_id,
            "launcher": launcher,
            "run_module": lambda module, args, check=False: run_module(endpoint, module, args, check),
            "mark": lambda name: mark(state_dir, name),
            "actions_since": lambda name: actions_since(state_dir, name),
        }
    finally:
        launcher("stop", "--state-dir", str(state_dir))


@pytest.fixture(scope="session")
def emulator_starter() -> Any:
    """:func:`started_emulator`, for a test module whose emulator starts with options of its own."""
    return started_emulator


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One emulator per test module (:func:`started_emulator`)."""
    with started_emulator(tmp_path_factory.mktemp("emulator")) as started:
        yield started


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The back-off sleeps of amazon.aws's retries, recorded instead of slept."""
    from ansible_collections.amazon.aws.plugins.module_utils import cloud

    sleeps: list[float] = []
    monkeypatch.setattr(cloud.time, "sleep", sleeps.append)
    return sleeps
