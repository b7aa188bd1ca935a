"""`python -m tools.health_server start|status|stop` as a user runs it: real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from health_fakes import FakeServer

ROOT = Path(__file__).resolve().parents[3]
ENV_VARS = ("MUEJAM_HEALTH_DATABASE", "MUEJAM_HEALTH_CACHE", "MUEJAM_HEALTH_PORT", "MUEJAM_HEALTH_STATE")


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {key: value for key, value in os.environ.items() if key not in ENV_VARS}
    return subprocess.run(
        [sys.executable, "-m", "tools.health_server", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie is not a leftover server: it only waits for its parent (not us) to reap it.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def fetch(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def state_dir(tmp_path: Path) -> Iterator[Path]:
    state = tmp_path / "state"
    yield state
    cli("stop", "--state-dir", str(state))  # never leave a server behind, even when a test fails


def wait_gone(pids: list[int], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


class TestStartStop:
    def test_start_with_demo_defaults_then_stop_leaves_no_process(self, state_dir: Path) -> None:
        started = cli("start", "--port", "0", "--state-dir", str(state_dir))
        assert started.returncode == 0, started.stderr
        assert "stand-in" in started.stdout
        url = (state_dir / "url").read_text().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/health")
        server_pid = int((state_dir / "pid").read_text())
        stand_in_pid = int((state_dir / "cache-stand-in.pid").read_text())
        assert alive(server_pid) and alive(stand_in_pid)

        status, body = fetch(url)
        assert status == 200
        assert body["checks"] == {"database": "ok", "cache": "ok"}
        assert (state_dir / "demo.sqlite3").is_file()
        assert cli("status", "--state-dir", str(state_dir)).returncode == 0

        stopped = cli("stop", "--state-dir", str(state_dir))
        assert stopped.returncode == 0, stopped.stderr
        wait_gone([server_pid, stand_in_pid])
        assert not alive(server_pid)
        assert not alive(stand_in_pid)
        assert not (state_dir / "pid").exists()
        assert not (state_dir / "url").exists()
        with pytest.raises(urllib.error.URLError):
            urllib.request.urlopen(url, timeout=2)
        assert cli("status", "--state-dir", str(state_dir)).returncode != 0

    def test_start_twice_keeps_the_running_server(self, state_dir: Path) -> None:
        assert cli("start", "--port", "0", "--state-dir", str(state_dir)).returncode == 0
        pid = (state_dir / "pid").read_text()
        again = cli("start", "--port", "0", "--state-dir", str(state_dir))
        assert again.returncode == 0
        assert "already running" in again.stdout
        assert (state_dir / "pid").read_text() == pid

    def test_stopping_the_cache_stand_in_turns_health_to_503(self, state_dir: Path) -> None:
        assert cli("start", "--port", "0", "--state-dir", str(state_dir)).returncode == 0
        stand_in_pid = int((state_dir / "cache-stand-in.pid").read_text())
        os.kill(stand_in_pid, 15)
        wait_gone([stand_in_pid])
        status, body = fetch((state_dir / "url").read_text().strip())
        assert status == 503
        assert body["checks"]["cache"] == "error: connection refused"

    def test_environment_variables_choose_the_components(
        self, state_dir: Path, fake_redis: FakeServer, sqlite_database: Path
    ) -> None:
        env = {
            "MUEJAM_HEALTH_DATABASE": f"sqlite://{sqlite_database}",
            "MUEJAM_HEALTH_CACHE": f"redis://127.0.0.1:{fake_redis.port}",
        }
        started = cli("start", "--port", "0", "--state-dir", str(state_dir), env=env)
        assert started.returncode == 0, started.stderr
        assert not (state_dir / "cache-stand-in.pid").exists()
        assert not (state_dir / "demo.sqlite3").exists()
        assert fetch((state_dir / "url").read_text().strip())[0] == 200
        fake_redis.close()
        assert fetch((state_dir / "url").read_text().strip())[0] == 503

    def test_start_refuses_an_unsupported_url_and_leaves_nothing_running(self, state_dir: Path) -> None:
        started = cli("start", "--port", "0", "--state-dir", str(state_dir), "--database", "mysql://db:3306")
        assert started.returncode != 0
        assert "unsupported scheme" in started.stderr
        assert not (state_dir / "pid").exists()
        assert not (state_dir / "cache-stand-in.pid").exists()


class TestServe:
    def test_requires_the_database_and_the_cache(self) -> None:
        result = cli("serve", "--port", "0")
        assert result.returncode == 2
        assert "MUEJAM_HEALTH_DATABASE" in result.stderr


class TestOwnerPid:
    """`start --owner-pid PID`: the server and its cache stand-in exit by themselves once PID is gone."""

    def test_both_exit_once_their_owner_is_gone(self, state_dir: Path) -> None:
        owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        try:
            started = cli("start", "--port", "0", "--state-dir", str(state_dir), "--owner-pid", str(owner.pid))
            assert started.returncode == 0, started.stderr
            pids = [int((state_dir / name).read_text()) for name in ("pid", "cache-stand-in.pid")]
            assert all(alive(pid) for pid in pids)
            status, _body = fetch((state_dir / "url").read_text().strip())
            assert status == 200
        finally:
            owner.kill()
            owner.wait()
        wait_gone(pids, seconds=60.0)  # a bound on the wait, not a claim about how quick it is
        assert [pid for pid in pids if alive(pid)] == []
        assert f"owner process {owner.pid} is gone; exiting" in (state_dir / "server.log").read_text()

    def test_an_owner_that_is_already_gone_is_refused(self, state_dir: Path) -> None:
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        started = cli("start", "--port", "0", "--state-dir", str(state_dir), "--owner-pid", str(gone.pid))
        assert started.returncode != 0
        assert f"--owner-pid {gone.pid}: no such process" in started.stderr
        assert not (state_dir / "url").exists()
