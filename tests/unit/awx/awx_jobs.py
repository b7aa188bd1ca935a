"""Running the project as AWX runs it, without AWX.

- :func:`synced_project`: a private data dir as AWX lays it for a job: ``project/``, a copy of the
  repository as a fresh clone has it (the working tree's tracked and unignored files: no
  ``collections/ansible_collections`` link, no ``.venv``), and ``requirements_collections/``, what
  AWX's project sync installs from it: ``ansible-galaxy collection install -r
  collections/requirements.yml --collections-path <cache>``, run in the project's root
  (awx/playbooks/project_update.yml), offline.
- :func:`job_environment`: the environment AWX gives a job: the collections path it builds
  (requirements_collections first, then the project's ansible.cfg collections_path, then the
  defaults), a home of the job's own (an execution environment's is empty: nothing installed in
  this machine's ~/.ansible may resolve) and an AWS credential injected as AWX's ``aws`` injector
  does (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).
- :func:`run_job`: one job with ansible-runner's Python API, AWX's runner; :func:`artifacts`: what
  the job published with set_stats (``per_host: false``), as AWX reads it: the ``artifact_data`` of
  the ``playbook_on_stats`` event.
- :func:`node_extra_vars`: a workflow node's extra vars as AWX composes them
  (WorkflowJobNode.get_job_kwargs): the ancestors' artifacts, then the workflow's own extra vars
  (its survey answers) over them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import ansible_runner

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def copy_working_tree(target: Path) -> Path:
    """The repository's files as a clone of the working tree would have them (uncommitted work included)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file() and not source.is_symlink():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def synced_project(private_data_dir: Path) -> subprocess.CompletedProcess[str]:
    """Lay ``project/`` and sync it as AWX does; the sync's result."""
    project = copy_working_tree(private_data_dir / "project")
    cache = private_data_dir / "requirements_collections"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    return subprocess.run(
        [
            str(BIN / "ansible-galaxy"),
            "collection",
            "install",
            "-r",
            "collections/requirements.yml",
            "--collections-path",
            str(cache),
        ],
        cwd=project,
        env={**env, "ANSIBLE_COLLECTIONS_PATH": str(cache), "ANSIBLE_FORCE_COLOR": "false"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def job_environment(private_data_dir: Path, access_key: str, secret_key: str) -> dict[str, str]:
    project = private_data_dir / "project"
    home = private_data_dir / "home"
    home.mkdir(exist_ok=True)
    return {
        "HOME": str(home),
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join(
            [
                str(private_data_dir / "requirements_collections"),
                str(project / "collections"),
                "~/.ansible/collections",
                "/usr/share/ansible/collections",
            ]
        ),
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "ANSIBLE_FORCE_COLOR": "0",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }


def run_job(
    private_data_dir: Path, ident: str, playbook: str, extravars: dict[str, Any], envvars: dict[str, str]
) -> ansible_runner.Runner:
    """One job template's job: ``playbook`` of ``project/`` over ``inventory/``, as AWX runs it."""
    saved = {key: os.environ.pop(key) for key in list(os.environ) if key.startswith("ANSIBLE_")}
    try:
        return ansible_runner.run(
            private_data_dir=str(private_data_dir),
            ident=ident,
            playbook=playbook,
            extravars=extravars,
            envvars=envvars,
            quiet=True,
            timeout=1200,
        )
    finally:
        os.environ.update(saved)


def artifacts(runner: ansible_runner.Runner) -> dict[str, Any]:
    """What the job published with set_stats (per_host: false), as AWX saves it as the job's artifacts."""
    (stats,) = [event for event in runner.events if event.get("event") == "playbook_on_stats"]
    return stats["event_data"].get("artifact_data", {})


def task_results(runner: ansible_runner.Runner, task: str) -> list[dict[str, Any]]:
    """The results of the task named ``task`` (runner_on_ok events)."""
    return [
        event["event_data"]["res"]
        for event in runner.events
        if event.get("event") == "runner_on_ok" and event["event_data"].get("task") == task
    ]


def node_extra_vars(ancestor_artifacts: dict[str, Any], workflow_extra_vars: dict[str, Any]) -> dict[str, Any]:
    """A workflow node's extra vars: the ancestors' artifacts, the workflow's extra vars over them."""
    artifacts_vars = {key: value for key, value in ancestor_artifacts.items() if key != "_ansible_no_log"}
    return {**artifacts_vars, **workflow_extra_vars}
