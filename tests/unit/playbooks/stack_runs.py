"""Running the project's playbooks as a user runs them (``ansible-playbook ... -i inventories/local``)
against an emulator, and emulators of a test's own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.emulator.patches import request_log

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


def kill_when(
    state_dir: Path,
    endpoint: str,
    args: list[str],
    served: Callable[[list[request_log.Request]], bool],
    what: str,
    sig: int = signal.SIGKILL,
    timeout: float = 900,
) -> None:
    """Start ``ansible-playbook ARGS -i inventories/local`` (its output in <state_dir>/killed.log) and
    kill its process group with ``sig`` once ``served`` holds of the calls the emulator served since
    (an event, not a time); fail if the run ends first or nothing happens within ``timeout``."""
    seen = request_log.line_count(state_dir)
    log = (state_dir / "killed.log").open("w")
    process = subprocess.Popen(
        ["ansible-playbook", *args, "-i", "inventories/local"],
        cwd=ROOT,
        env=environment(state_dir, endpoint),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while not served(request_log.read(state_dir, since=seen)):
            assert process.poll() is None, f"{args[0]} ended before {what}: see {log.name}"
            assert time.monotonic() < deadline, f"{what} not within {timeout} s"
            time.sleep(0.1)
        # The run's modules may sit in sessions of their own (a polling module outlives a killed
        # ansible-playbook): each descendant of the run is killed by its id too.
        stragglers = descendants(process.pid)
        os.killpg(process.pid, sig)
        for pid in stragglers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc), children first."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def launch(*args: str, check: bool = True) -> None:
    """``python -m ARGS`` (the emulator's or the health server's launcher); a health server's
    ``start`` is given this process as its owner, so that it exits should the test die."""
    if args[:2] == ("tools.health_server", "start"):
        args = (*args, "--owner-pid", str(os.getpid()))
    subprocess.run([sys.executable, "-m", *args], cwd=ROOT, check=check, capture_output=True, text=True)


@contextmanager
def own_emulator(state_dir: Path, *start_args: str) -> Iterator[str]:
    """An emulator (``start ... START_ARGS``, such as ``--latency 0.02``) and a reference /health
    server of the caller's own (its endpoint), stopped at the end whatever happens, and exiting by
    themselves should this test process die."""
    launch(
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
        launch("tools.health_server", "start", "--port", "0", "--state-dir", str(state_dir / "health"))
        yield (state_dir / "endpoint").read_text().strip()
    finally:
        launch("tools.health_server", "stop", "--state-dir", str(state_dir / "health"), check=False)
        launch("tools.emulator", "stop", "--state-dir", str(state_dir), check=False)
