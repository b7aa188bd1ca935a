"""Each role run on its own (include_role outside site.yml) checks its inputs as its first task,
with the preflight's code and message, before any AWS call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import names, preflight
from tools.emulator.patches import request_log

ROOT = Path(__file__).resolve().parents[3]
TAGS = {"Project": "muejam", "Environment": "alone", "ManagedBy": "muejam.infra"}
# One bad value per role, given as -e gives it (a string): (variable, value, the variable named).
BAD = {
    "networking": ("networking_vpc_cidr", "10.0.0.0/33", "networking_vpc_cidr"),
    "load_balancer": ("load_balancer_health_check_matcher", "200-299,302", "load_balancer_health_check_matcher"),
    "instance_bootstrap": ("instance_bootstrap_app_service_name", "-my:app", "instance_bootstrap_app_service_name"),
    "scaling_group": ("scaling_group_min_size", "5", "scaling_group_desired_capacity"),
}


def run_role(
    emulator: dict[str, Any], tmp: Path, role: str, variables: dict[str, Any], key: str = ""
) -> tuple[int, str]:
    key = key or f"alone-{role}"
    play = {
        "name": f"Run the {role} role alone",
        "hosts": "localhost",
        "gather_facts": False,
        "module_defaults": {
            "group/muejam.infra.aws": {
                "region": "us-east-1",
                "endpoint_url": emulator["endpoint"],
                "access_key": key,
                "secret_key": "testing",
            }
        },
        "tasks": [
            {
                "name": f"Include the {role} role",
                "ansible.builtin.include_role": {"name": f"muejam.infra.{role}"},
                "vars": {f"{role}_name": "muejam-alone", f"{role}_tags": TAGS, f"{role}_state": "present"},
            }
        ],
    }
    playbook = tmp / f"{key}.json"
    playbook.write_text(json.dumps([play]))
    extra = tmp / f"{key}-extra.json"
    extra.write_text(json.dumps(variables))
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0")
    command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local"]
    command += ["-e", f"ansible_python_interpreter={sys.executable}", "-e", f"@{extra}", str(playbook)]
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    return completed.returncode, completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def bad_runs(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    tmp = tmp_path_factory.mktemp("alone")
    extra = {role: {name: value} for role, (name, value, _named) in BAD.items()}
    extra["instance_bootstrap"]["instance_bootstrap_environment"] = "alone"
    extra["scaling_group"]["scaling_group_user_data"] = "#!/bin/bash\n"
    extra["load_balancer"]["load_balancer_certificate_arn"] = (
        "arn:aws:acm:us-east-1:123456789012:certificate/5e2d53b1-c04c-471f-aec4-8c3e4b385bf6"
    )
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {role: pool.submit(run_role, emulator, tmp, role, extra[role]) for role in BAD}
        return {role: future.result() for role, future in futures.items()}


@pytest.mark.parametrize("role", list(BAD))
def test_a_role_alone_refuses_a_bad_input_with_the_preflights_message(
    role: str, bad_runs: dict[str, tuple[int, str]], emulator: dict[str, Any]
) -> None:
    code, output = bad_runs[role]
    name, value, named = BAD[role]
    assert code != 0, output[-3000:]
    assert f"TASK [muejam.infra.{role} : Check the role's inputs]" in output, output[-3000:]
    assert f"The muejam.infra.{role} role's inputs have" in output
    assert f"- {named} is " in output, output[-3000:]
    # The same line the preflight writes for this value.
    values = {f"{role}_name": "muejam-alone", f"{role}_tags": TAGS, name: value}
    specs = {role: json.loads(json.dumps(preflight_specs()[role]))}
    lines = [str(problem) for problem in preflight.check_inputs({**defaults()[role], **values}, specs, across=False)]
    assert any(f"- {line}" in output for line in lines if line.startswith(named)), (lines, output[-3000:])
    calls = [r for r in request_log.read(emulator["state_dir"]) if r.access_key_id == f"alone-{role}"]
    assert calls == [], "a role must check its inputs before its first AWS call"


def preflight_specs() -> dict[str, Any]:
    from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import load_roles

    return load_roles()[1]


def defaults() -> dict[str, Any]:
    from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import load_roles

    return load_roles()[0]


@pytest.fixture(scope="module")
def absent_runs(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Each role alone with state absent (muejam.infra.stack_teardown with the role's part), on an
    account holding only the instance bootstrap's two log groups."""
    logs = emulator["client"]("logs")
    for kind in ("app", "system"):
        logs.create_log_group(logGroupName=log_group(kind))
    tmp = tmp_path_factory.mktemp("alone-absent")
    extra: dict[str, dict[str, Any]] = {role: {f"{role}_state": "absent"} for role in BAD}
    extra["instance_bootstrap"]["instance_bootstrap_environment"] = "alone"
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {role: pool.submit(run_role, emulator, tmp, role, extra[role], f"absent-{role}") for role in BAD}
        return {role: future.result() for role, future in futures.items()}


def log_group(kind: str) -> str:
    return names.resource_name(f"{kind}_log_group", "muejam-alone", project="muejam", environment="alone")


@pytest.mark.parametrize("role", list(BAD))
def test_a_role_alone_tears_down_what_it_owns(
    role: str, absent_runs: dict[str, tuple[int, str]], emulator: dict[str, Any]
) -> None:
    code, output = absent_runs[role]
    assert code == 0, output[-3000:]
    assert f"TASK [muejam.infra.{role} : Check the role's inputs]" in output
    calls = [r.action for r in request_log.read(emulator["state_dir"]) if r.access_key_id == f"absent-{role}"]
    if role == "instance_bootstrap":
        assert "changed=1" in output
        assert calls.count("DeleteLogGroup") == 2
        groups = emulator["client"]("logs").describe_log_groups(logGroupNamePrefix="/muejam/alone/")["logGroups"]
        assert groups == []
    else:
        assert "changed=0" in output  # nothing of the role's is there: nothing to remove
        assert [action for action in calls if request_log.is_mutating(action)] == []
