"""Run the reference `/health` server.

    python -m tools.health_server serve  [--port 8000] --database URL --cache URL [--service NAME] [--timeout 2]
    python -m tools.health_server start  [--port 8000|0] [--state-dir .health-server] [--database URL] [--cache URL]
                                         [--service NAME] [--timeout 2] [--owner-pid PID]
    python -m tools.health_server stop   [--state-dir .health-server]
    python -m tools.health_server status [--state-dir .health-server]
    python -m tools.health_server redis-stand-in --port N     # foreground, used by start

`serve` runs in the foreground on 127.0.0.1. `start` runs it in the background, waits until it
answers and writes the state directory: `url` (the full health URL), `pid`, `server.log`. Port 0
picks a free port. Every flag has an environment variable: MUEJAM_HEALTH_PORT,
MUEJAM_HEALTH_STATE, MUEJAM_HEALTH_DATABASE, MUEJAM_HEALTH_CACHE, MUEJAM_HEALTH_SERVICE,
MUEJAM_HEALTH_TIMEOUT; a flag wins over its variable.

The demo defaults of `start` when neither a flag nor a variable names them:
database `sqlite:///DIR/demo.sqlite3` (created by start), cache a Redis stand-in that answers
PING only (see stand_in.py; its pid in `DIR/cache-stand-in.pid`, stopped with the server).

With `--owner-pid PID` (start, serve, redis-stand-in) the server and its stand-in exit by
themselves once PID is gone, as the emulator's do (tools/emulator/owner.py): a test or a
launcher that dies cannot leave them serving.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tools.emulator import owner
from tools.health_server.checks import DEFAULT_TIMEOUT, CheckFailed, Target, check_redis, parse_target
from tools.health_server.server import DEFAULT_SERVICE, HEALTH_PATH, HOST, HealthConfig, serve, serve_until_signalled

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 8000
DEFAULT_STATE_DIR = ROOT / ".health-server"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
ENV = {
    "port": "MUEJAM_HEALTH_PORT",
    "state_dir": "MUEJAM_HEALTH_STATE",
    "database": "MUEJAM_HEALTH_DATABASE",
    "cache": "MUEJAM_HEALTH_CACHE",
    "service": "MUEJAM_HEALTH_SERVICE",
    "timeout": "MUEJAM_HEALTH_TIMEOUT",
}
SERVER_PID = "pid"
STAND_IN_PID = "cache-stand-in.pid"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def answers(url: str, check_timeout: float = DEFAULT_TIMEOUT) -> int | None:
    """The HTTP status of GET url (503 included), or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=check_timeout + 3) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (OSError, ValueError):
        return None


def alive(pid: int) -> bool:
    """Whether pid runs. A zombie does not: it has exited and waits only to be reaped."""
    with contextlib.suppress(ChildProcessError):
        # Our own child (start stopping what it just spawned): reap it.
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        # /proc/PID/stat: "pid (comm) state ..."; comm may hold spaces and parentheses.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (macOS): kill(pid, 0) is all there is


def read_pid(path: Path) -> int | None:
    """The pid in path if that process is alive."""
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def read_url(state_dir: Path) -> str:
    try:
        return (state_dir / "url").read_text().strip()
    except OSError:
        return ""


def kill_group(path: Path, name: str) -> None:
    """SIGTERM the process group whose leader's pid is in path, SIGKILL it if it lingers."""
    pid = read_pid(path)
    if pid is not None:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while read_pid(path) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if read_pid(path) is not None:
            os.killpg(pid, signal.SIGKILL)
        print(f"health server: stopped {name} (pid {pid})")
    path.unlink(missing_ok=True)


def spawn(argv: list[str], log_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "tools.health_server", *argv],
            cwd=ROOT,
            env={**os.environ, **(env or {})},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log_path: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if process.poll() is not None:
            raise SystemExit(f"health server: {what} exited with {process.returncode}; see {log_path}")
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGTERM)
            raise SystemExit(f"health server: {what} not ready after {START_TIMEOUT:.0f} s; see {log_path}")
        time.sleep(0.1)


def demo_database(state_dir: Path) -> str:
    """Create the demo's SQLite database (a real database file) and return its URL."""
    path = state_dir / "demo.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE IF NOT EXISTS demo (note TEXT)")
        if connection.execute("SELECT count(*) FROM demo").fetchone()[0] == 0:
            connection.execute("INSERT INTO demo VALUES ('the health demo database of muejam.infra')")
    connection.close()
    return f"sqlite://{path}"


def _owner_args(owner_pid: int | None) -> list[str]:
    return [] if owner_pid is None else ["--owner-pid", str(owner_pid)]


def start_stand_in(state_dir: Path, log_path: Path, owner_pid: int | None = None) -> str:
    """Start the demo's Redis stand-in in the background and return its URL."""
    port = free_port()
    url = f"redis://{HOST}:{port}"
    process = spawn(["redis-stand-in", "--port", str(port), *_owner_args(owner_pid)], log_path)
    (state_dir / STAND_IN_PID).write_text(f"{process.pid}\n")
    target = parse_target(url)

    def pongs() -> bool:
        try:
            check_redis(target, 1.0)
        except CheckFailed:
            return False
        return True

    wait_until(pongs, process, "the cache stand-in", log_path)
    return url


def start(args: argparse.Namespace, state_dir: Path) -> str:
    state_dir.mkdir(parents=True, exist_ok=True)
    log_path = state_dir / "server.log"
    if read_pid(state_dir / SERVER_PID) is not None:
        url = read_url(state_dir)
        if url and answers(url) is not None:
            print(f"health server: already running at {url} (state in {state_dir})")
            return url
    stop(state_dir, quiet=True)
    port = args.port or free_port()
    url = f"http://{HOST}:{port}{HEALTH_PATH}"
    if answers(url) is not None:
        raise SystemExit(f"health server: port {port} is taken by another server; choose another with --port")
    for name in ("database", "cache"):
        if getattr(args, name):
            try:
                parse_target(getattr(args, name))
            except ValueError as error:
                raise SystemExit(f"health server: --{name}: {error}") from None
    notes = []
    database = args.database
    if not database:
        database = demo_database(state_dir)
        notes.append(f"database: the demo's SQLite file {database} (set {ENV['database']} for your own)")
    cache = args.cache
    if not cache:
        cache = start_stand_in(state_dir, log_path, args.owner_pid)
        notes.append(
            f"cache: a stand-in at {cache} that answers Redis PING only, not a cache "
            f"(set {ENV['cache']}=redis://host:6379 for a real one)"
        )
    # The URLs go through the environment, not argv: a Redis password must not show in ps.
    env = {
        ENV["database"]: database,
        ENV["cache"]: cache,
        ENV["service"]: args.service,
        ENV["timeout"]: str(args.timeout),
    }
    process = spawn(["serve", "--port", str(port), *_owner_args(args.owner_pid)], log_path, env)
    (state_dir / SERVER_PID).write_text(f"{process.pid}\n")
    try:
        wait_until(lambda: answers(url, args.timeout) is not None, process, "the server", log_path)
    except SystemExit:
        stop(state_dir, quiet=True)
        raise
    (state_dir / "url").write_text(f"{url}\n")
    print(f"health server: running at {url} (pid {process.pid}, state in {state_dir})")
    for note in notes:
        print(f"  {note}")
    return url


def stop(state_dir: Path, quiet: bool = False) -> None:
    running = read_pid(state_dir / SERVER_PID) is not None or read_pid(state_dir / STAND_IN_PID) is not None
    kill_group(state_dir / SERVER_PID, "the server")
    kill_group(state_dir / STAND_IN_PID, "the cache stand-in")
    (state_dir / "url").unlink(missing_ok=True)
    if not running and not quiet:
        print("health server: not running")


def status(state_dir: Path) -> None:
    pid = read_pid(state_dir / SERVER_PID)
    if pid is None:
        raise SystemExit("health server: not running")
    url = read_url(state_dir)
    code = answers(url) if url else None
    print(f"health server: running at {url} (pid {pid}, state in {state_dir}); GET answers {code or 'nothing'}")


def serve_stand_in(port: int) -> None:
    from tools.health_server.stand_in import RedisStandIn

    server = RedisStandIn(port)
    logging.getLogger("tools.health_server").info("cache stand-in answering PING on redis://%s:%d", HOST, server.port)
    serve_until_signalled(server)


def build_config(args: argparse.Namespace, parser: argparse.ArgumentParser) -> HealthConfig:
    targets: dict[str, Target] = {}
    for name in ("database", "cache"):
        value = getattr(args, name)
        if not value:
            parser.error(f"--{name} URL (or {ENV[name]}) is required for serve")
        try:
            targets[name] = parse_target(value)
        except ValueError as error:
            parser.error(f"--{name}: {error}")
    if args.timeout <= 0:
        parser.error(f"--timeout must be positive, got {args.timeout:g}")
    return HealthConfig(targets=targets, service=args.service, timeout=args.timeout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tools.health_server", description=__doc__.split("\n\n", maxsplit=1)[0]
    )
    parser.add_argument("command", choices=["serve", "start", "stop", "status", "redis-stand-in"])
    parser.add_argument("--port", type=int, default=int(os.environ.get(ENV["port"], DEFAULT_PORT)))
    parser.add_argument("--state-dir", type=Path, default=Path(os.environ.get(ENV["state_dir"], DEFAULT_STATE_DIR)))
    parser.add_argument("--database", default=os.environ.get(ENV["database"], ""), help="URL of the database check")
    parser.add_argument("--cache", default=os.environ.get(ENV["cache"], ""), help="URL of the cache check")
    parser.add_argument("--service", default=os.environ.get(ENV["service"], DEFAULT_SERVICE))
    parser.add_argument(
        "--timeout",
        type=float,
        default=float(os.environ.get(ENV["timeout"], DEFAULT_TIMEOUT)),
        help="seconds per check",
    )
    parser.add_argument("--owner-pid", type=int, help="exit by itself once this process is gone")
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    if args.owner_pid is not None and not owner.alive(args.owner_pid):
        parser.error(f"--owner-pid {args.owner_pid}: no such process")
    if args.command in ("serve", "redis-stand-in"):
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(message)s")
        if args.owner_pid is not None:
            watched = args.owner_pid

            def gone() -> None:
                logging.getLogger("tools.health_server").info("owner process %d is gone; exiting", watched)
                os.kill(os.getpid(), signal.SIGTERM)  # the clean exit serve_until_signalled takes

            owner.watch(watched, gone)
    if args.command == "serve":
        serve(build_config(args, parser), args.port)
    elif args.command == "redis-stand-in":
        serve_stand_in(args.port)
    elif args.command == "start":
        if args.timeout <= 0:
            parser.error(f"--timeout must be positive, got {args.timeout:g}")
        start(args, state_dir)
    elif args.command == "stop":
        stop(state_dir)
    else:
        status(state_dir)


if __name__ == "__main__":
    main()
