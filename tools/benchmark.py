"""``make benchmark``: what users wait for, measured against an emulator of the benchmark's own.

Part 1, the emulator as it is (every resource ready at once), so that the figures are the
playbooks' own cost: ``site.yml`` on an empty account, ``site.yml`` again (nothing to change),
``--check`` on the stack, the readiness gate, the audit, ``teardown.yml`` and ``teardown.yml``
again. For each: wall time, tasks run (the recap's ok + failed), changed, and API calls (total and
mutating, from the emulator's request log).

Part 2, with the emulator's latency model on (AWS's durations times ``--scale``; see
``python -m tools.emulator latency show``): ``site.yml`` from an empty account until the stack is
ready (the end of the readiness gate), and ``teardown.yml``, each next to its *critical path*: the
longest chain of waits the model imposes that no amount of parallel work can shorten, computed
from the model's durations (:func:`converge_critical_path`, :func:`teardown_critical_path`), and
the ratio of the two.

    bash scripts/benchmark.sh [--scale 0.5]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from tools.emulator import request_counts
from tools.emulator.patches import request_log

ROOT = Path(__file__).resolve().parents[1]
READY_TASK = "Wait until the stack is ready to serve"
TARGETS = {"ready": 1.15, "rerun_calls": 60, "rerun_share": 0.30, "teardown": 1.15}


def converge_critical_path(durations: Mapping[str, float], interval: float, healthy_threshold: int) -> float:
    """Seconds from an empty account until the stack can be ready, by the model's durations alone.

    The instances launch only once their subnets route to an available NAT gateway, and are
    InService ``instance_pending + instance_in_service`` later; a target turns healthy
    ``interval x healthy threshold`` after both its instance runs and the load balancer is active
    (created, at the earliest, at the start: it needs nothing the NAT gateways give). Ready is
    both: the later of the two chains.
    """
    running = durations["nat_gateway_pending"] + durations["instance_pending"]
    in_service = running + durations["instance_in_service"]
    healthy = max(running, durations["load_balancer_provisioning"]) + interval * healthy_threshold
    return max(in_service, healthy)


def teardown_critical_path(durations: Mapping[str, float]) -> float:
    """Seconds the model makes a teardown wait, at the least.

    The instances shut down (their network interfaces, and so the app security group and the
    subnets, held until they are terminated); the NAT gateways delete meanwhile, as nothing else
    needs them (their interfaces and Elastic IPs held until then). The rest (security groups,
    subnets, the VPC) waits for the longer of the two. (The model terminates a group's instances
    without waiting for their targets to drain, so the deregistration delay is not on the path.)
    """
    return max(durations["instance_shutting_down"], durations["nat_gateway_deleting"])


class Bench:
    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        endpoint = (state_dir / "endpoint").read_text().strip()
        self.env = {
            **os.environ,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
            "MUEJAM_AWS_ENDPOINT": endpoint,
            "MUEJAM_EMULATOR_STATE": str(state_dir),
            "MUEJAM_OUTPUTS_DIR": str(state_dir / "outputs"),
        }

    def run(self, label: str, *args: str) -> dict[str, Any]:
        """Run ``ansible-playbook ARGS -i inventories/local``; its figures (exits on failure)."""
        mark = f"bench-{len(request_counts.marks(self.state_dir))}"
        request_counts.mark(self.state_dir, mark)
        started = time.time()
        completed = subprocess.run(
            ["ansible-playbook", *args, "-i", "inventories/local"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        wall = time.time() - started
        if completed.returncode != 0:
            sys.stderr.write(f"benchmark: {label!r} failed (exit {completed.returncode})\n")
            sys.stderr.write((completed.stdout + completed.stderr)[-8000:])
            raise SystemExit(1)
        output = json.loads(completed.stdout)
        stats = output["stats"]["localhost"]
        # One read of the request log serves the counts and the milestones.
        requests = request_log.read(self.state_dir, since=request_counts.since_mark(self.state_dir, mark))
        calls = request_counts.summary(requests)
        return {
            "label": label,
            "wall": wall,
            "started": started,
            "tasks": stats["ok"] + stats["failures"],
            "changed": stats["changed"],
            "calls": calls["total"],
            "mutating": calls["mutating"],
            "output": output,
            "requests": requests,
        }


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def slowest_tasks(output: Mapping[str, Any], count: int = 6) -> list[tuple[float, float, str]]:
    """(seconds from the first task's start to its end, its duration, name) of the longest tasks."""
    rows = []
    first = None
    for play in output["plays"]:
        for task in play["tasks"]:
            duration = task["task"].get("duration", {})
            if not duration.get("start") or not duration.get("end"):
                continue
            start, end = _seconds(duration["start"]), _seconds(duration["end"])
            first = start if first is None else min(first, start)
            rows.append((end, end - start, task["task"]["name"]))
    rows.sort(key=lambda row: -row[1])
    return [(end - (first or end), length, name) for end, length, name in rows[:count]]


def task_end(output: Mapping[str, Any], name: str) -> float | None:
    """The epoch second the named task ended, from ansible.builtin.json's durations."""
    for play in output["plays"]:
        for task in play["tasks"]:
            if task["task"]["name"] == name:
                end = task["task"].get("duration", {}).get("end")
                if end:
                    return _seconds(end)
    return None


def target_group_timing(state_dir: Path, scale: float) -> tuple[float, int]:
    """The stack's target group's health check interval (scaled, as the model scales it) and
    healthy threshold, as the emulator has them."""
    import boto3

    elbv2 = boto3.client(
        "elbv2",
        region_name="us-east-1",
        endpoint_url=(state_dir / "endpoint").read_text().strip(),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    group = elbv2.describe_target_groups()["TargetGroups"][0]
    return group["HealthCheckIntervalSeconds"] * scale, group["HealthyThresholdCount"]


# The calls that start what AWS is slow at, and what waits on it: when each was first made.
MILESTONES = (
    ("CreateLoadBalancer", "the ALB created (provisioning starts)"),
    ("CreateNatGateway", "the first NAT gateway created (pending starts)"),
    ("CreateAutoScalingGroup", "the Auto Scaling group created (instances launch)"),
    ("DeleteNatGateway", "the first NAT gateway deletion started"),
    ("DeleteAutoScalingGroup", "the Auto Scaling group deletion started"),
    ("DeleteLoadBalancer", "the ALB deletion started"),
    ("DeleteVpc", "the VPC deleted (the last step)"),
)


def milestones(requests: list[request_log.Request], started: float) -> list[tuple[float, str]]:
    """(seconds after ``started``, what) for each milestone call that a run's requests include, first call only."""
    seen: dict[str, float] = {}
    for request in requests:
        if request.action not in seen and request.status < 400:
            seen[request.action] = request.time - started
    return [(seen[action], what) for action, what in MILESTONES if action in seen]


def print_milestones(row: Mapping[str, Any]) -> None:
    print("    when the slow steps started (seconds after the run started):")
    for offset, what in milestones(row["requests"], row["started"]):
        print(f"    {offset:7.1f} s  {what}")


def line(row: Mapping[str, Any]) -> str:
    return (
        f"{row['label']:<36} {row['wall']:7.1f} s  {row['tasks']:4d} tasks  changed={row['changed']:<3d}"
        f" {row['calls']:4d} API calls ({row['mutating']} mutating)"
    )


def print_slowest(row: Mapping[str, Any]) -> None:
    print("    the longest tasks (ended at, took, task):")
    for ended, took, name in slowest_tasks(row["output"]):
        print(f"    {ended:7.1f} s {took:6.1f} s  {name}")


def emulator(*args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "tools.emulator", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5, help="the latency model's time scale (1 = AWS's time)")
    parser.add_argument("--only", choices=["plain", "latency"], help="run only part 1 (plain) or part 2 (latency)")
    args = parser.parse_args(argv)
    state_dir = Path(tempfile.mkdtemp(prefix="muejam-bench."))
    emulator("start", "--port", "0", "--state-dir", str(state_dir), "--owner-pid", str(os.getpid()))
    health = state_dir / "health"
    owned = ["--owner-pid", str(os.getpid())]
    subprocess.run(
        [sys.executable, "-m", "tools.health_server", "start", "--port", "0", "--state-dir", str(health), *owned],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    try:
        bench = Bench(state_dir)
        print(f"muejam.infra benchmark ({os.cpu_count()} CPUs, Python {sys.version.split()[0]}, emulator of its own)")
        if args.only != "latency":
            plain(bench)
        if args.only != "plain":
            latency(bench, state_dir, args.scale)
    finally:
        subprocess.run(
            [sys.executable, "-m", "tools.health_server", "stop", "--state-dir", str(health)], cwd=ROOT, check=False
        )
        subprocess.run(
            [sys.executable, "-m", "tools.emulator", "stop", "--state-dir", str(state_dir)], cwd=ROOT, check=False
        )


def plain(bench: Bench) -> None:
    """Part 1: the figures with the emulator as it is."""
    print("\n1. The emulator as it is (no latency): the playbooks' own cost")
    rows = {}
    for key, label, playbook_args in (
        ("cold", "site.yml, empty account", ("site.yml",)),
        ("rerun", "site.yml again (no change)", ("site.yml",)),
        ("check", "site.yml --check on the stack", ("site.yml", "--check")),
        ("readiness", "playbooks/readiness.yml", ("playbooks/readiness.yml",)),
        ("audit", "playbooks/audit.yml", ("playbooks/audit.yml",)),
        ("teardown", "teardown.yml", ("teardown.yml", "-e", "teardown_confirm=local")),
        ("teardown_again", "teardown.yml again (nothing left)", ("teardown.yml", "-e", "teardown_confirm=local")),
    ):
        rows[key] = bench.run(label, *playbook_args)
        print("  " + line(rows[key]))
    share = rows["rerun"]["wall"] / rows["cold"]["wall"]
    print(
        f"  no-op re-run: {rows['rerun']['calls']} API calls (target <= {TARGETS['rerun_calls']}),"
        f" {share:.0%} of the cold converge's wall time (target <= {TARGETS['rerun_share']:.0%})"
    )


def latency(bench: Bench, state_dir: Path, scale: float) -> None:
    """Part 2: time until ready and teardown next to the critical paths, the latency model on."""
    print(f"\n2. The latency model on, scale {scale:g} (AWS's durations x {scale:g})")
    emulator("latency", "on", "--scale", str(scale), "--state-dir", str(state_dir))
    model = json.loads(emulator("latency", "show", "--json", "--state-dir", str(state_dir)))
    durations = {name: float(value["scaled"]) for name, value in model["durations"].items()}
    for name, value in sorted(durations.items()):
        print(f"  {name:<28} {value:7.1f} s")
    cold = bench.run("site.yml, empty account", "site.yml")
    interval, threshold = target_group_timing(state_dir, scale)
    ready_at = task_end(cold["output"], READY_TASK)
    until_ready = (ready_at - cold["started"]) if ready_at else cold["wall"]
    critical = converge_critical_path(durations, interval, threshold)
    print("  " + line(cold))
    print(
        f"  time until ready {until_ready:.1f} s; critical path {critical:.1f} s;"
        f" ratio {until_ready / critical:.2f} (target <= {TARGETS['ready']})"
    )
    print_milestones(cold)
    print_slowest(cold)
    teardown = bench.run("teardown.yml", "teardown.yml", "-e", "teardown_confirm=local")
    critical = teardown_critical_path(durations)
    print("  " + line(teardown))
    print(
        f"  teardown {teardown['wall']:.1f} s; critical path {critical:.1f} s;"
        f" ratio {teardown['wall'] / critical:.2f} (target <= {TARGETS['teardown']})"
    )
    print_milestones(teardown)
    print_slowest(teardown)


if __name__ == "__main__":
    main()
