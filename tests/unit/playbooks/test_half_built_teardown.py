"""Whatever a failed run left, teardown.yml removes with the same inventory and extra vars.

Each case builds a half-built stack of its own (its own stack_environment, on one emulator):
site.yml stopped after the network, after the load balancer, after the scaling group — the
state a failure in the next stage leaves. teardown.yml then runs with the same inventory and
extra vars (one case also with values that are invalid for creation: teardown must not depend
on them) and must leave nothing of the stack: its own last task checks every kind of resource,
and the test asks the emulator again by the stack's tags.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from stack_runs import ansible_playbook


@dataclass(frozen=True)
class Case:
    environment: str
    stages: str
    teardown_extra: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("half-network", "networking"),
    Case("half-lb", "networking,load_balancer"),
    Case(
        "half-asg",
        "networking,load_balancer,instance_bootstrap,scaling_group",
        # Refused by the preflight of site.yml (each is of its type, against a rule); teardown needs none.
        {"load_balancer_idle_timeout": "99999", "scaling_group_min_size": "50", "networking_vpc_cidr": "10.0.0.0/33"},
    ),
]


def playbook(emulator: dict[str, Any], tmp: Path, case: Case, name: str, extra: dict[str, Any], *args: str) -> str:
    extra_file = tmp / f"{case.environment}-{name}.json"
    extra_file.write_text(json.dumps({"stack_environment": case.environment, **extra}))
    code, output = ansible_playbook(
        emulator["state_dir"],
        emulator["endpoint"],
        name,
        "-e",
        f"@{extra_file}",
        *args,
        outputs=tmp / "outputs" / case.environment,
    )
    assert code == 0, f"{name} for {case.environment} failed:\n{output[-4000:]}"
    return output


def build_and_tear_down(emulator: dict[str, Any], tmp: Path, case: Case) -> str:
    playbook(emulator, tmp, case, "site.yml", {}, "--tags", case.stages)
    extra = {"teardown_confirm": case.environment, **case.teardown_extra}
    return playbook(emulator, tmp, case, "teardown.yml", extra)


@pytest.fixture(scope="module")
def teardowns(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("half-built")
    with ThreadPoolExecutor(max_workers=len(CASES)) as pool:
        futures = {case.environment: pool.submit(build_and_tear_down, emulator, tmp, case) for case in CASES}
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=[case.environment for case in CASES])
def test_teardown_removes_a_half_built_stack(case: Case, teardowns: dict[str, str], emulator: dict[str, Any]) -> None:
    output = teardowns[case.environment]
    assert "TASK [Check that nothing of the stack is left" in output
    ec2 = emulator["client"]("ec2")
    filters = [{"Name": "tag:Environment", "Values": [case.environment]}]
    assert ec2.describe_vpcs(Filters=filters)["Vpcs"] == []
    live = [
        nat["NatGatewayId"]
        for nat in ec2.describe_nat_gateways(Filters=filters)["NatGateways"]
        if nat["State"] not in ("deleted", "deleting")
    ]
    assert live == []
    assert ec2.describe_addresses(Filters=filters)["Addresses"] == []
    groups = emulator["client"]("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
    assert [group for group in groups if group["AutoScalingGroupName"].startswith(f"muejam-{case.environment}")] == []
