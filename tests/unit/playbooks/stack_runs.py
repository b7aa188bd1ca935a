"""Running the project's playbooks as a user runs them (``ansible-playbook ... -i inventories/local``)
against an emulator, and emulators of a test's own."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def environment(state_dir: Path, endpoint: str, outputs: Path | None = None) -> dict[str, str]:
    """The environment ``make demo`` gives ansible-playbook: the emulator's endpoint and state."""
    return {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "MUEJAM_AWS_ENDPOINT": endpoint,
        "MUEJAM_EMULATOR_STATE": str(state_dir),
        "MUEJAM_OUTPUTS_DIR": str(outputs or state_dir / "outputs"),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }


def ansible_playbook(
    state_dir: Path, endpoint: str, *args: str, outputs: Path | None = None, timeout: int = 1500
) -> tuple[int, str]:
    """``ansible-playbook ARGS -i inventories/local`` against the emulator; the return code and
    everything it printed."""
    completed = subprocess.run(
        ["ansible-playbook", *args, "-i", "inventories/local"],
        cwd=ROOT,
        env=environment(state_dir, endpoint, outputs),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr


def _tool(*args: str, check: bool = True) -> None:
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=check, capture_output=True, text=True)


@contextmanager
def own_emulator(state_dir: Path, *start_args: str) -> Iterator[str]:
    """An emulator (``start ... START_ARGS``, such as ``--latency 0.02``) and a reference /health
    server of the caller's own (its endpoint), stopped at the end whatever happens, and exiting by
    themselves should this test process die."""
    _tool(
        "tools.emulator",
        *start_args,
        "start",
        "--port",
        "0",
        "--state-dir",
        str(state_dir),
        "--owner-pid",
        str(os.getpid()),
    )
    try:
        _tool("tools.health_server", "start", "--port", "0", "--state-dir", str(state_dir / "health"))
        yield (state_dir / "endpoint").read_text().strip()
    finally:
        _tool("tools.health_server", "stop", "--state-dir", str(state_dir / "health"), check=False)
        _tool("tools.emulator", "stop", "--state-dir", str(state_dir), check=False)
