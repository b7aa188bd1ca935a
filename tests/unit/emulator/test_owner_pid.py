"""An emulator started with `--owner-pid PID` exits by itself once PID is gone (tools/emulator/owner.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tools.emulator import owner

ROOT = Path(__file__).resolve().parents[3]
WAIT = 60.0  # a bound on the wait, not a claim about how quick it is


def launcher(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])


def test_the_server_exits_once_its_owner_is_gone(tmp_path: Path) -> None:
    child = sleeper()
    try:
        started = launcher("start", "--port", "0", "--state-dir", str(tmp_path), "--owner-pid", str(child.pid))
        assert started.returncode == 0, started.stderr
        server_pid = int((tmp_path / "pid").read_text())
        assert owner.alive(server_pid)
        assert launcher("status", "--state-dir", str(tmp_path)).returncode == 0
    finally:
        child.kill()
        child.wait()
    try:
        deadline = time.monotonic() + WAIT
        while owner.alive(server_pid):
            assert time.monotonic() < deadline, f"the server outlived its owner by {WAIT:.0f} s"
            time.sleep(0.1)
        # it went cleanly: its own files removed, nothing left for `status` to find
        assert not (tmp_path / "pid").exists()
        assert not (tmp_path / "endpoint").exists()
        assert f"owner process {child.pid} is gone; exiting" in (tmp_path / "server.log").read_text()
        assert launcher("status", "--state-dir", str(tmp_path)).returncode != 0
    finally:
        launcher("stop", "--state-dir", str(tmp_path))


def test_start_refuses_an_owner_that_is_already_gone(tmp_path: Path) -> None:
    child = sleeper()
    child.kill()
    child.wait()
    started = launcher("start", "--port", "0", "--state-dir", str(tmp_path), "--owner-pid", str(child.pid))
    assert started.returncode != 0
    assert f"--owner-pid {child.pid}: no such process" in started.stderr
    assert not (tmp_path / "pid").exists()


class TestAlive:
    def test_this_process_is_alive_and_a_reaped_child_is_not(self) -> None:
        assert owner.alive(os.getpid())
        child = sleeper()
        child.kill()
        child.wait()
        assert not owner.alive(child.pid)

    @pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to tell a zombie")
    def test_a_zombie_is_gone_and_so_is_a_reused_pid(self) -> None:
        child = sleeper()
        started = owner.start_time(child.pid)
        assert owner.alive(child.pid, started)
        assert not owner.alive(child.pid, "0")  # another process than the one that started then
        child.kill()
        deadline = time.monotonic() + WAIT
        while owner._proc_stat(child.pid)[0] != "Z":  # dead, not reaped yet
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert not owner.alive(child.pid)
        child.wait()
