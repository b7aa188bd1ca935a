"""Rolling replacement (issue 10): playbooks/rollout.yml against an emulator of its own with the
latency model on at a small time scale, in as few playbook runs as the behaviours allow.

One stack, one sequence. site.yml converges. A good release (a new AMI, a checkpoint at 50 %) is
killed while the gate waits for its refresh; its new targets are staged ``initial`` until this
test polls them once, so the refresh stays active for as long as the test needs (an event, not a
time). The next run is refused by the killed run's lock, playbooks/unlock.yml breaks it, and the
re-run joins the refresh (no second StartInstanceRefresh); once it has, the test's poll lets the
targets turn healthy and the refresh completes: every instance on the new version, capacity never
below desired meanwhile. A re-run changes nothing. A bad release (its targets staged unhealthy)
is rolled back to the old version by AWS (auto rollback) and the run fails naming the unhealthy
instances. A release whose targets are healthy but whose /health fails (a reference health server
whose database is missing) reaches the checkpoint at 100 %, where the gate's readiness checks fail:
the gate rolls the refresh back (RollbackInstanceRefresh) and the run fails saying why, the group
back on the old version. Durations and API calls of the runs are printed for the README.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from stack_runs import ROOT, ansible_playbook, environment, kill_when, launch, own_emulator

from tools.emulator import request_counts, staging
from tools.emulator.patches import request_log

EVENT_TIMEOUT = 900  # bound on the waits for a call the emulator serves
GROUP = "muejam-local-asg"
JOINING_KEY = "AKIAJOININGRUN000000"
# The test's own reads (the capacity monitor's among them) are signed with a key of their own, so
# that the calls counted for a run are the run's.
READER_KEY = "AKIATESTREADER000000"
TARGET_GROUP = "muejam-local-tg"
FAST = ["-e", "rollout_poll_interval=1", "-e", "readiness_interval=1"]
# The readiness gate's timeout in the bad release, where the new instances never get healthy: it
# only bounds the run (the refresh fails on its own once their grace period has passed).
BAD_READINESS = ["-e", "readiness_timeout=60"]
# Where /health fails: the gate tries for 10 s, then rolls back. The emulator scales the refresh's
# pause at 100 % (checkpoint delay) with its time scale, the gate's timeout is the playbook's own:
# 3000 s of AWS's time are 60 s here, so the gate ends inside the pause as it does on AWS.
GATED_READINESS = ["-e", "readiness_timeout=10", "-e", "scaling_group_refresh_checkpoint_delay=3000"]


def client(endpoint: str, service: str) -> Any:
    return boto3.client(
        service,
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=READER_KEY,
        aws_secret_access_key="testing",
    )


def group_of(endpoint: str) -> dict[str, Any]:
    return client(endpoint, "autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])[
        "AutoScalingGroups"
    ][0]


def versions(group: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """The group's launch template version and each live instance's."""
    return str(group["LaunchTemplate"]["Version"]), {
        instance["InstanceId"]: str((instance.get("LaunchTemplate") or {}).get("Version", ""))
        for instance in group["Instances"]
        if not instance["LifecycleState"].startswith("Terminat")
    }


class CapacityMonitor(threading.Thread):
    """Reads the group every half second while a rollout runs: InService and Healthy instances vs
    desired, and the versions they run (to tell that the samples saw the replacement happen)."""

    def __init__(self, endpoint: str) -> None:
        super().__init__(daemon=True)
        self.endpoint = endpoint
        self.samples: list[dict[str, Any]] = []
        self.done = threading.Event()

    def run(self) -> None:
        autoscaling = client(self.endpoint, "autoscaling")
        while not self.done.is_set():
            group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
            serving = [
                instance
                for instance in group["Instances"]
                if instance["LifecycleState"] == "InService" and instance["HealthStatus"] == "Healthy"
            ]
            self.samples.append(
                {
                    "desired": group["DesiredCapacity"],
                    "serving": len(serving),
                    "versions": sorted({str(i.get("LaunchTemplate", {}).get("Version", "")) for i in serving}),
                }
            )
            self.done.wait(0.5)


def recap_changed(output: str) -> int:
    match = re.search(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", output)
    assert match, output[-3000:]
    return int(match.group(1))


def calls_since(state_dir: Path, since: int) -> dict[str, Any]:
    """The API calls the playbook runs made after line ``since`` of the request log (not the test's reads)."""
    return request_counts.summary(
        [request for request in request_log.read(state_dir, since=since) if request.access_key_id != READER_KEY]
    )


def run(state_dir: Path, endpoint: str, *args: str) -> tuple[int, str, float, dict[str, Any]]:
    """A playbook run: its return code, output, duration and the API calls it made."""
    since = request_log.line_count(state_dir)
    started = time.monotonic()
    code, output = ansible_playbook(state_dir, endpoint, *args)
    return code, output, round(time.monotonic() - started, 1), calls_since(state_dir, since)


def calls_of(counts: dict[str, Any], service: str, action: str) -> int:
    return counts["services"].get(service, {}).get("actions", {}).get(action, {}).get("calls", 0)


def kill_while_waiting(state_dir: Path, endpoint: str, *args: str) -> float:
    """Start a rollout and kill its process group once it polls the refresh it started (the gate's
    wait); return how long it ran."""

    def waiting(served: list[request_log.Request]) -> bool:
        actions = [(r.service, r.action) for r in served]
        start = ("autoscaling", "StartInstanceRefresh")
        return (
            start in actions
            and actions[actions.index(start) :].count(("autoscaling", "DescribeInstanceRefreshes")) >= 2
        )

    started = time.monotonic()
    kill_when(state_dir, endpoint, list(args), waiting, "the gate's wait", timeout=EVENT_TIMEOUT)
    return round(time.monotonic() - started, 1)


def run_until_joined(state_dir: Path, endpoint: str, *args: str) -> tuple[int, str, float, dict[str, Any]]:
    """A rollout run that, once the role has looked at the refreshes (its join), gets the staged
    targets' one poll that turns them healthy; its return code, output, duration and calls."""
    since = request_log.line_count(state_dir)
    started = time.monotonic()
    # Its calls signed with a key of its own (the emulator accepts any): the request log tells them apart.
    process = subprocess.Popen(
        ["ansible-playbook", *args, "-i", "inventories/local"],
        cwd=ROOT,
        env={**environment(state_dir, endpoint), "AWS_ACCESS_KEY_ID": JOINING_KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(process.stdout), daemon=True)  # type: ignore[arg-type]
    reader.start()
    deadline = time.monotonic() + EVENT_TIMEOUT
    while not any(
        (r.service, r.action, r.access_key_id) == ("autoscaling", "DescribeInstanceRefreshes", JOINING_KEY)
        for r in request_log.read(state_dir, since=since)
    ):
        assert process.poll() is None, "".join(output)[-5000:]
        assert time.monotonic() < deadline, "the re-run never looked at the refreshes"
        time.sleep(0.1)
    target_group = client(endpoint, "elbv2").describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"][0]
    client(endpoint, "elbv2").describe_target_health(TargetGroupArn=target_group["TargetGroupArn"])
    code = process.wait(timeout=EVENT_TIMEOUT)
    reader.join()
    return code, "".join(output), round(time.monotonic() - started, 1), calls_since(state_dir, since)


@contextmanager
def failing_health(state_dir: Path) -> Iterator[str]:
    """A reference /health server whose database check fails (its file is missing): its URL."""
    health = state_dir / "failing-health"
    health.mkdir()
    database = f"sqlite://{health}/missing.sqlite3"
    launch("tools.health_server", "start", "--port", "0", "--state-dir", str(health), "--database", database)
    try:
        yield (health / "url").read_text().strip()
    finally:
        launch("tools.health_server", "stop", "--state-dir", str(health), check=False)


@pytest.fixture(scope="module")
def rollouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    state_dir = tmp_path_factory.mktemp("rollout")
    result: dict[str, Any] = {}
    with own_emulator(state_dir, "--latency", "0.02") as endpoint:
        code, output, _seconds, _calls = run(state_dir, endpoint, "site.yml", *FAST)
        assert code == 0, output[-5000:]
        images = [
            image["ImageId"]
            for image in client(endpoint, "ec2").describe_images(Owners=["amazon"])["Images"]
            if re.fullmatch(r"ami-([0-9a-f]{8}|[0-9a-f]{17})", image["ImageId"])
            and image.get("RootDeviceName") == "/dev/xvda"  # scaling_group_root_device_name's
            and image["ImageId"] != "ami-04681a1dbd79675a5"
        ]
        good, bad, gated = images[0], images[1], images[2]
        result["before"] = versions(group_of(endpoint))

        # The good release: killed while the gate waits, refused by its lock, unlocked, joined.
        staging.stage_release_health(state_dir, "initial#0,healthy#1", image_id=good)
        release = ["playbooks/rollout.yml", "-e", f"scaling_group_ami_id={good}", *FAST]
        release += ["-e", '{"scaling_group_refresh_checkpoint_percentages": [50]}']
        monitor = CapacityMonitor(endpoint)
        monitor.start()
        since = request_log.line_count(state_dir)
        started = time.monotonic()
        result["killed_seconds"] = kill_while_waiting(state_dir, endpoint, *release)
        code, refused, _seconds, _calls = run(state_dir, endpoint, *release)
        result["refused"] = (code, refused)
        holder = re.search(r"-e unlock_id=(\w+)", refused)
        code, output, _seconds, _calls = run(
            state_dir, endpoint, "playbooks/unlock.yml", "-e", f"unlock_id={holder.group(1) if holder else 'none'}"
        )
        assert code == 0, output[-3000:]
        result["joined"] = run_until_joined(state_dir, endpoint, *release)
        result["good_all"] = (round(time.monotonic() - started, 1), calls_since(state_dir, since))
        monitor.done.set()
        monitor.join()
        result["samples"] = monitor.samples
        result["after_good"] = versions(group_of(endpoint))
        result["rerun"] = run(state_dir, endpoint, *release)

        # The bad release: its targets unhealthy.
        staging.stage_release_health(state_dir, "unhealthy#0", image_id=bad)
        result["serving_before_bad"] = set(result["after_good"][1])
        result["bad"] = run(
            state_dir, endpoint, "playbooks/rollout.yml", "-e", f"scaling_group_ami_id={bad}", *FAST, *BAD_READINESS
        )
        result["after_bad"] = versions(group_of(endpoint))

        # A release the gate refuses: its targets turn healthy (so the refresh reaches 100 %), /health fails.
        with failing_health(state_dir) as url:
            result["gated"] = run(
                state_dir,
                endpoint,
                "playbooks/rollout.yml",
                "-e",
                f"scaling_group_ami_id={gated}",
                *FAST,
                *GATED_READINESS,
                "-e",
                f"readiness_url={url}",
            )
        result["after_gated"] = versions(group_of(endpoint))
    for name in ("joined", "rerun", "bad", "gated"):
        _code, output, seconds, calls = result[name]
        (state_dir / f"{name}.log").write_text(output)  # kept for a look after the run
        autoscaling = {a: c["calls"] for a, c in calls["services"].get("autoscaling", {}).get("actions", {}).items()}
        print(f"rollout {name}: {seconds} s, {calls['total']} API calls ({calls['mutating']} mutating); {autoscaling}")
    seconds, calls = result["good_all"]
    print(f"good release, killed run + refused + unlock + joined: {seconds} s, {calls['total']} API calls")
    print(f"the killed rollout ran {result['killed_seconds']} s before it was killed")
    return result


class TestAnInterruptedGoodRelease:
    def test_the_killed_runs_lock_was_named_first(self, rollouts: dict[str, Any]) -> None:
        code, refused = rollouts["refused"]
        assert code != 0 and "of rollout.yml by" in refused

    def test_the_re_run_joins_the_refresh_and_completes_it(self, rollouts: dict[str, Any]) -> None:
        code, output, _seconds, calls = rollouts["joined"]
        assert code == 0, output[-5000:]
        assert "joined, not doubled" in " ".join(output.split())  # the callback wraps long lines
        assert calls_of(calls, "autoscaling", "StartInstanceRefresh") == 0
        assert calls_of(rollouts["good_all"][1], "autoscaling", "StartInstanceRefresh") == 1

    def test_every_instance_runs_the_new_version(self, rollouts: dict[str, Any]) -> None:
        before_group, _before_instances = rollouts["before"]
        group_version, instances = rollouts["after_good"]
        assert int(group_version) > int(before_group)
        assert instances and set(instances.values()) == {group_version}

    def test_capacity_never_dropped_below_desired(self, rollouts: dict[str, Any]) -> None:
        samples = rollouts["samples"]
        assert [s for s in samples if s["serving"] < s["desired"]] == []
        # The samples saw the replacement: old and new instances serving side by side.
        assert any(len(sample["versions"]) == 2 for sample in samples)

    def test_a_re_run_changes_nothing(self, rollouts: dict[str, Any]) -> None:
        code, output, _seconds, calls = rollouts["rerun"]
        assert code == 0, output[-5000:]
        assert recap_changed(output) == 0
        assert calls_of(calls, "autoscaling", "StartInstanceRefresh") == 0


class TestABadRelease:
    def test_fails_naming_the_unhealthy_instances(self, rollouts: dict[str, Any]) -> None:
        code, output, _seconds, _calls = rollouts["bad"]
        assert code != 0
        assert "The rollout of launch template version" in output
        mentioned = set(re.findall(r"i-[0-9a-f]{17}", output[output.index("The rollout of launch template version") :]))
        bad_instances = mentioned - rollouts["serving_before_bad"] - set(rollouts["after_bad"][1])
        assert bad_instances, output[-5000:]

    def test_says_how_the_targets_are_once_rolled_back(self, rollouts: dict[str, Any]) -> None:
        _code, output, _seconds, _calls = rollouts["bad"]
        failure = " ".join(output[output.index("The rollout of launch template version") :].split())
        # The one readiness poll after the failure: its result, every target healthy or those that are not.
        now = re.search(r"Targets now: (every target healthy|The stack was not ready after \d+ s)", failure)
        assert now, failure[:3000]

    def test_rolls_back_to_the_old_version(self, rollouts: dict[str, Any]) -> None:
        _code, output, _seconds, _calls = rollouts["bad"]
        group_version, instances = rollouts["after_bad"]
        good_version = rollouts["after_good"][0]
        assert "RollbackSuccessful" in output
        assert group_version == good_version and set(instances.values()) == {good_version}


class TestAReleaseTheGateRefuses:
    def test_the_gate_rolls_the_refresh_back_and_fails_saying_why(self, rollouts: dict[str, Any]) -> None:
        code, output, _seconds, calls = rollouts["gated"]
        assert code != 0
        failure = " ".join(output[output.index("The rollout of launch template version") :].split())
        assert "failed at the checkpoint at 100 %" in failure, output[-5000:]
        assert "database" in failure and "error: unable to open database file" in failure
        assert calls_of(calls, "autoscaling", "StartInstanceRefresh") == 1
        assert calls_of(calls, "autoscaling", "RollbackInstanceRefresh") == 1
        assert "RollbackSuccessful" in failure

    def test_the_group_runs_the_old_version_again(self, rollouts: dict[str, Any]) -> None:
        group_version, instances = rollouts["after_gated"]
        good_version = rollouts["after_good"][0]
        assert group_version == good_version and instances and set(instances.values()) == {good_version}
