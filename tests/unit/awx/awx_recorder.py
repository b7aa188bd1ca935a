"""playbooks/awx.yml run for real with every awx.awx module replaced by a recorder.

A collection awx.awx of the caller's own, first on the collections path, whose modules write the
arguments they were called with (after templating and module_defaults) and change nothing: what
the configuration would send AWX, with no AWX server. ``module_spec`` loads the real module's own
argument spec (awx.awx 24.6.1 in collections/, `make setup`) by running its main() up to the point
where it builds its ControllerAPIModule.
"""

from __future__ import annotations

import importlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
REAL_AWX = ROOT / "collections" / "ansible_collections" / "awx" / "awx"
# What a user passes (docs/awx.md): the variables without a default.
USER_VARS = {
    "awx_project_scm_url": "https://git.example.com/muejam/infra.git",
    "awx_execution_environment_image": "registry.example.com/muejam/muejam-infra-ee:0.2.0",
    "awx_aws_access_key": "AKIAEXAMPLEEXAMPLE00",
    "awx_aws_secret_key": "example/secret/key",
    "awx_controller_host": "https://awx.example.com",
    "awx_controller_oauthtoken": "token-example",
}
RECORDER = """#!/usr/bin/python
import json
import os
import sys

from ansible.module_utils.basic import _load_params

NAME = {name!r}


def main():
    params = {{key: value for key, value in _load_params().items() if not key.startswith("_ansible")}}
    with open(os.environ["AWX_RECORDED_CALLS"], "a") as calls:
        calls.write(json.dumps({{"module": NAME, "args": params}}) + "\\n")
    print(json.dumps({{"changed": False}}))
    sys.exit(0)


if __name__ == "__main__":
    main()
"""


class ArgumentSpecCaptured(Exception):
    def __init__(self, argument_spec: dict[str, Any], options: dict[str, Any]) -> None:
        super().__init__("captured")
        self.argument_spec = argument_spec
        self.options = options


def module_spec(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The argument spec awx.awx's module ``name`` builds (with AWX's authentication options)
    and its other AnsibleModule options (mutually_exclusive, required_if, ...), from its main()."""
    module = importlib.import_module(f"ansible_collections.awx.awx.plugins.modules.{name}")
    from ansible_collections.awx.awx.plugins.module_utils.controller_api import ControllerModule

    def capture(argument_spec: dict[str, Any], **options: Any) -> None:
        raise ArgumentSpecCaptured({**ControllerModule.AUTH_ARGSPEC, **argument_spec}, options)

    original = module.ControllerAPIModule
    module.ControllerAPIModule = capture
    try:
        module.main()
    except ArgumentSpecCaptured as captured:
        return captured.argument_spec, captured.options
    finally:
        module.ControllerAPIModule = original
    raise AssertionError(f"awx.awx.{name} built no ControllerAPIModule")


def record(tmp: Path, extra_vars: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every awx.awx call playbooks/awx.yml makes with USER_VARS (and ``extra_vars``), with its
    arguments as the module receives them."""
    assert (REAL_AWX / "MANIFEST.json").is_file(), "awx.awx is not installed: run `make setup`"
    fake = tmp / "collections" / "ansible_collections" / "awx" / "awx"
    (fake / "plugins" / "modules").mkdir(parents=True)
    shutil.copytree(REAL_AWX / "meta", fake / "meta")
    shutil.copy(REAL_AWX / "MANIFEST.json", fake / "MANIFEST.json")
    for module in (REAL_AWX / "plugins" / "modules").glob("*.py"):
        (fake / "plugins" / "modules" / module.name).write_text(RECORDER.format(name=module.stem))
    calls = tmp / "calls.jsonl"
    extra = tmp / "extra.json"
    extra.write_text(json.dumps({**USER_VARS, **(extra_vars or {})}))
    completed = subprocess.run(
        ["ansible-playbook", "playbooks/awx.yml", "-i", "localhost,", "-c", "local", "-e", f"@{extra}"],
        cwd=ROOT,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "ANSIBLE_INVENTORY_ENABLED": "ansible.builtin.host_list",
            "ANSIBLE_COLLECTIONS_PATH": f"{tmp / 'collections'}:{ROOT / 'collections'}",
            "AWX_RECORDED_CALLS": str(calls),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "example/secret/key" not in completed.stdout + completed.stderr
    return [json.loads(line) for line in calls.read_text().splitlines()]


def calls_of(recorded: list[dict[str, Any]], module: str) -> list[dict[str, Any]]:
    return [call["args"] for call in recorded if call["module"] == module]


def surveys(recorded: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each job template's and workflow's survey spec, by name."""
    found = {}
    for module in ("job_template", "workflow_job_template"):
        for args in calls_of(recorded, module):
            if args.get("survey_enabled"):
                found[args["name"]] = args["survey_spec"]
    return found
