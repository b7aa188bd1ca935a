"""Start, stop and inspect the local AWS emulator.

    python -m tools.emulator start [--port 4566|0] [--state-dir .emulator] [--owner-pid PID] [--latency SCALE]
    python -m tools.emulator stop  [--state-dir .emulator]
    python -m tools.emulator status [--state-dir .emulator]
    python -m tools.emulator env   [--state-dir .emulator]   # shell exports for a running one
    python -m tools.emulator serve --port N [--state-dir DIR] [--owner-pid PID]  # foreground, used by start
    python -m tools.emulator stage [--state-dir .emulator] ACTION ...  # see tools/emulator/staging.py
    python -m tools.emulator faults [--state-dir .emulator] set|clear|show ...  # see tools/emulator/faults.py
    python -m tools.emulator requests [--state-dir .emulator] [mark NAME] ...  # see request_counts.py
    python -m tools.emulator latency [--state-dir .emulator] on|off|show ...  # see tools/emulator/latency.py

`start` runs moto's server on 127.0.0.1 with the corrections of tools.emulator.patches,
waits until it answers, seeds what an AWS account would already have (see seed.py) and
writes the state directory: `endpoint`, `pid`, `certificate_arn`, `server.log`.
Port 0 picks a free port. The server follows `stage.json` in its state directory, written by
`stage` (target-health, asg-instances, release-health, clear, show; `stage` must come first);
`start` of a new server removes an old one's stage file. Likewise it follows `faults.json`,
written by `faults` (`faults` must come first too), which makes it answer some requests with AWS's
throttling and 5xx errors; `start` of a new server removes an old one's faults file and request marks.
`requests` counts the calls of `requests.log` by service and action, between marks.
The server also follows `latency.json`, written by `latency on [--scale F] [--set NAME=SECONDS]`
(removed by `latency off`; `latency` must come first too): with it, resources take AWS's time to
change state (NAT gateways pending, ALBs provisioning, instances pending, targets initial, ...);
`start --latency SCALE` starts a server with it on, and `start` of a new server removes an old
one's latency file (the model is off by default).
With `--owner-pid PID` the server exits by itself, removing its `pid` and `endpoint` files, within
a second or so of PID being gone (tools/emulator/owner.py): tests and scripts pass their own pid,
`make demo` none (its emulator keeps running).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PORT = 4566
DEFAULT_STATE_DIR = ROOT / ".emulator"
START_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(endpoint: str) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/moto-api/reset-auth", timeout=2) as response:
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except OSError:
        return False


def read_pid(state_dir: Path) -> int | None:
    try:
        pid = int((state_dir / "pid").read_text().strip())
    except (OSError, ValueError):
        return None
    from tools.emulator import owner

    return pid if owner.alive(pid) else None


def _owner_gone(state_dir: Path | None, owner_pid: int) -> None:
    """The server's owner is gone: remove this server's pid and endpoint files, exit as on `stop`."""
    print(f"emulator: owner process {owner_pid} is gone; exiting", flush=True)
    if state_dir is not None:
        try:
            ours = int((state_dir / "pid").read_text().strip()) == os.getpid()
        except (OSError, ValueError):
            ours = False
        if ours:  # not the files of another server started in the same directory since
            (state_dir / "endpoint").unlink(missing_ok=True)
            (state_dir / "pid").unlink(missing_ok=True)
    # moto's server takes SIGTERM as a clean exit (sys.exit(0) in the main thread).
    os.kill(os.getpid(), signal.SIGTERM)


def serve(port: int, state_dir: Path | None = None, owner_pid: int | None = None) -> None:
    if owner_pid is not None:
        from tools.emulator import owner

        owner.watch(owner_pid, lambda: _owner_gone(state_dir, owner_pid))
        print(f"emulator: exits when process {owner_pid} is gone", flush=True)
    # Must be set before moto is imported: AWS managed policies (CloudWatchAgentServerPolicy,
    # AmazonSSMManagedInstanceCore, ...) exist in every AWS account.
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    # moto issues a requested ACM certificate after 60 s; AWS keeps it PENDING_VALIDATION until
    # its domain is validated (and gives up after 72 h). Only the imported certificate the seed
    # makes is ISSUED, as in an account where nobody validated the request.
    os.environ.setdefault("MOTO_ACM_VALIDATION_WAIT", str(72 * 3600))
    from tools.emulator import staging
    from tools.emulator.patches import apply_all

    # The staging patches read <state_dir>/stage.json (inert while it does not exist), and the
    # latency model <state_dir>/latency.json (off while it does not exist).
    staging.configure(state_dir)
    if state_dir is not None:
        from tools.emulator import latency

        print(f"emulator: stage file {staging.stage_path(state_dir)}", flush=True)
        print(f"emulator: latency file {latency.latency_path(state_dir)}", flush=True)

    applied = apply_all()
    print(f"emulator: corrections applied: {', '.join(applied) or 'none'}", flush=True)
    from moto import server

    server.main(["--host", "127.0.0.1", "--port", str(port)])


def start(port: int, state_dir: Path, owner_pid: int | None = None, latency_scale: float | None = None) -> str:
    if owner_pid is not None:
        from tools.emulator import owner

        if not owner.alive(owner_pid):
            raise SystemExit(f"emulator: --owner-pid {owner_pid}: no such process")
    state_dir.mkdir(parents=True, exist_ok=True)
    if read_pid(state_dir) is not None:
        endpoint = (state_dir / "endpoint").read_text().strip()
        if answers(endpoint):
            print(f"emulator: already running at {endpoint}")
            return endpoint
        stop(state_dir)
    port = port or free_port()
    endpoint = f"http://127.0.0.1:{port}"
    if answers(endpoint):
        raise SystemExit(f"emulator: port {port} is taken by another server; choose another with --port")
    # A new server has none of the old one's resources: drop schedules staged for them.
    from tools.emulator import faults, latency, request_counts, staging

    staging.clear(state_dir)
    # Nor does it inherit faults or the latency model: it starts (and is seeded) unfaulted and
    # without latency, with a new request log.
    faults.clear(state_dir)
    latency.turn_off(state_dir)
    request_counts.clear_marks(state_dir)
    (state_dir / "requests.log").unlink(missing_ok=True)
    log = (state_dir / "server.log").open("ab")
    command = [sys.executable, "-m", "tools.emulator", "serve", "--port", str(port), "--state-dir", str(state_dir)]
    if owner_pid is not None:
        command += ["--owner-pid", str(owner_pid)]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    (state_dir / "pid").write_text(f"{process.pid}\n")
    deadline = time.monotonic() + START_TIMEOUT
    while not answers(endpoint):
        if process.poll() is not None:
            raise SystemExit(f"emulator: server exited with {process.returncode}; see {state_dir / 'server.log'}")
        if time.monotonic() > deadline:
            stop(state_dir)
            raise SystemExit(
                f"emulator: no answer at {endpoint} after {START_TIMEOUT:.0f} s; see {state_dir / 'server.log'}"
            )
        time.sleep(0.2)
    (state_dir / "endpoint").write_text(f"{endpoint}\n")
    from tools.emulator.seed import seed

    for name, value in seed(endpoint).items():
        (state_dir / name).write_text(f"{value}\n")
    if latency_scale is not None:
        latency.turn_on(state_dir, latency_scale)
        print(f"emulator: latency model on, scale {latency_scale:g}")
    print(f"emulator: running at {endpoint} (pid {process.pid}, state in {state_dir})")
    return endpoint


def stop(state_dir: Path) -> None:
    pid = read_pid(state_dir)
    if pid is None:
        print("emulator: not running")
    else:
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while read_pid(state_dir) is not None and time.monotonic() < deadline:
            time.sleep(0.1)
        if read_pid(state_dir) is not None:
            os.killpg(pid, signal.SIGKILL)
        print(f"emulator: stopped (pid {pid})")
    for name in ("pid", "endpoint"):
        (state_dir / name).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    default_state_dir = Path(os.environ.get("MUEJAM_EMULATOR_STATE", DEFAULT_STATE_DIR))
    if argv[:1] == ["stage"]:
        from tools.emulator import staging

        staging.cli(argv[1:], default_state_dir)
        return
    if argv[:1] == ["faults"]:
        from tools.emulator import faults

        faults.cli(argv[1:], default_state_dir)
        return
    if argv[:1] == ["requests"]:
        from tools.emulator import request_counts

        request_counts.cli(argv[1:], default_state_dir)
        return
    if argv[:1] == ["latency"]:
        from tools.emulator import latency

        latency.cli(argv[1:], default_state_dir)
        return
    parser = argparse.ArgumentParser(prog="python -m tools.emulator", description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument(
        "command", choices=["start", "stop", "status", "env", "serve", "stage", "faults", "requests", "latency"]
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("MUEJAM_EMULATOR_PORT", DEFAULT_PORT)))
    parser.add_argument("--state-dir", type=Path, default=default_state_dir)
    parser.add_argument(
        "--owner-pid",
        type=int,
        help="start/serve: the server exits by itself once this process is gone (default: it keeps running)",
    )
    parser.add_argument(
        "--latency",
        type=float,
        metavar="SCALE",
        help="start: switch the latency model on with this time scale (e.g. 0.05; default: off)",
    )
    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    if args.command in ("stage", "faults", "requests", "latency"):
        parser.error(
            f"{args.command} must be the first argument: python -m tools.emulator {args.command} [--state-dir DIR] ..."
        )
    if args.command == "serve":
        serve(args.port, state_dir, args.owner_pid)
    elif args.command == "start":
        if args.latency is not None and args.latency < 0:
            parser.error("--latency: the scale must be >= 0")
        start(args.port, state_dir, args.owner_pid, args.latency)
    elif args.command == "stop":
        stop(state_dir)
    elif args.command in ("status", "env"):
        pid = read_pid(state_dir)
        if pid is None:
            raise SystemExit("emulator: not running")
        endpoint = (state_dir / "endpoint").read_text().strip()
        if args.command == "status":
            print(f"emulator: running at {endpoint} (pid {pid}, state in {state_dir})")
        else:
            print(f"export MUEJAM_AWS_ENDPOINT={endpoint}")
            print(f"export MUEJAM_EMULATOR_STATE={state_dir}")


if __name__ == "__main__":
    main()
