"""Under a busy account's errors, the stack still converges to exactly itself and tears down to
nothing.

For several seeds, each on an emulator of its own, the first call of every action of every
service and 20 % of all other calls (S3, CloudWatch Logs, ACM and the preflight's included) are
answered the way AWS answers a busy account: throttling, 503, 500 and the odd closed connection
(tools/emulator/faults.py). Then:
site.yml converges (readiness included) to exactly one VPC with six subnets, one NAT gateway and
one Elastic IP per zone, one ALB, one target group, one Auto Scaling group, two scaling policies
and two alarms; a second run reports changed=0; teardown.yml leaves nothing. What retries them
is the run's botocore retry mode (playbooks/vars/stack.yml) and amazon.aws's AWSRetry.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from stack_census import EXACTLY_THE_STACK, stack_counts
from stack_runs import ansible_playbook, own_emulator

from tools.emulator import faults, request_counts

SEEDS = (11, 22, 33)
RATE = 0.2


def playbook(state_dir: Path, endpoint: str, *args: str) -> str:
    code, output = ansible_playbook(state_dir, endpoint, *args)
    assert code == 0, f"{' '.join(args)} failed under faults:\n{output[-5000:]}"
    return output


def changed(output: str) -> int:
    return int(re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", output).group(1))


def converge_rerun_teardown(tmp: Path, seed: int) -> dict[str, Any]:
    state_dir = tmp / f"seed-{seed}"
    with own_emulator(state_dir) as endpoint:
        seeded = request_counts.mark(state_dir, "faults-on")  # the launcher's own seeding calls come before
        faults.set_faults(state_dir, rate=RATE, seed=seed, first=1)
        first = playbook(state_dir, endpoint, "site.yml")
        counts = stack_counts(endpoint)
        second = playbook(state_dir, endpoint, "site.yml")
        teardown = playbook(state_dir, endpoint, "teardown.yml", "-e", "teardown_confirm=local")
        return {
            "counts": counts,
            "first_changed": changed(first),
            "second_changed": changed(second),
            "teardown": teardown,
            "requests": request_counts.count(state_dir, since=seeded),
        }


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[int, dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("faults")
    with ThreadPoolExecutor(max_workers=len(SEEDS)) as pool:
        futures = {seed: pool.submit(converge_rerun_teardown, tmp, seed) for seed in SEEDS}
        return {seed: future.result() for seed, future in futures.items()}


@pytest.mark.parametrize("seed", SEEDS)
class TestUnderFaults:
    def test_every_kind_of_call_the_stack_makes_met_a_fault(self, seed: int, runs: dict[int, Any]) -> None:
        requests = runs[seed]["requests"]
        assert requests["faulted"] >= RATE / 2 * requests["total"]
        services = requests["services"]
        assert {"ec2", "elbv2", "autoscaling", "s3", "logs", "acm", "iam", "cloudwatch", "ssm"} <= set(services)
        unfaulted = [
            f"{name} {action}"
            for name, service in services.items()
            for action, counts in service["actions"].items()
            if not counts["faulted"]
        ]
        assert unfaulted == []

    def test_site_converges_to_exactly_the_stack(self, seed: int, runs: dict[int, Any]) -> None:
        assert runs[seed]["first_changed"] > 0
        assert runs[seed]["counts"] == EXACTLY_THE_STACK

    def test_a_second_run_changes_nothing(self, seed: int, runs: dict[int, Any]) -> None:
        assert runs[seed]["second_changed"] == 0

    def test_teardown_leaves_nothing(self, seed: int, runs: dict[int, Any]) -> None:
        assert "Nothing of the stack muejam-local is left." in runs[seed]["teardown"]
