"""execution-environment.yml: ansible-builder makes a build context of it (no image is built)
that carries the collection's own Python and system requirements, and the pins match the ones
the project is tested with. The collection declares its requirements the way ansible-builder's
introspection reads them (meta/execution-environment.yml), checked with builder's own script."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import ansible_builder
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
INTROSPECT = Path(ansible_builder.__file__).parent / "_target_scripts" / "introspect.py"


def pins() -> dict[str, str]:
    found = {}
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.\[\]-]+)==(\S+)", line)
        if match:
            found[match.group(1)] = match.group(2)
    return found


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("ee") / "context"
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-builder")),
            "create",
            "-f",
            "execution-environment.yml",
            "-c",
            str(target),
            "--output-filename",
            "Containerfile",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return target


def test_the_build_context_has_a_containerfile_on_the_definition_s_base_image(context):
    containerfile = (context / "Containerfile").read_text()
    definition = yaml.safe_load((ROOT / "execution-environment.yml").read_text())
    assert definition["version"] == 3
    assert f'ARG EE_BASE_IMAGE="{definition["images"]["base_image"]["name"]}"' in containerfile
    assert 'ARG PYCMD="/usr/bin/python3.12"' in containerfile


def test_ansible_core_and_runner_are_the_versions_the_project_is_tested_with(context):
    containerfile = (context / "Containerfile").read_text()
    tested = pins()
    refs = (
        f'ARG ANSIBLE_INSTALL_REFS="ansible-core=={tested["ansible-core"]} ansible-runner=={tested["ansible-runner"]}"'
    )
    assert refs in containerfile


def test_the_context_carries_the_collection_s_requirements_and_installs_them(context):
    containerfile = (context / "Containerfile").read_text()
    build = context / "_build"
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()
    assert yaml.safe_load((build / "requirements.yml").read_text()) == yaml.safe_load(
        (ROOT / "requirements.yml").read_text()
    )
    assert "--user-pip=requirements.txt --user-bindep=bindep.txt" in containerfile
    assert "ansible-galaxy collection install" in containerfile


def test_builder_s_introspection_reads_the_installed_collection_s_requirements(tmp_path):
    """The collection as AWX's project sync installs it; ansible-builder's own introspect script."""
    installed = tmp_path / "collections"
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-galaxy")),
            "collection",
            "install",
            "--offline",
            "--no-deps",
            "--force",
            "-p",
            str(installed),
            ".",
        ],
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    introspected = subprocess.run(
        [sys.executable, str(INTROSPECT), "introspect", str(installed)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert introspected.returncode == 0, introspected.stderr
    found = yaml.safe_load(introspected.stdout)
    python = [line.split("#")[0].strip() for line in found["python"]]
    assert "boto3>=1.35.0" in python and "botocore>=1.35.0" in python
    assert any(line.startswith("ca-certificates") for line in found["system"])
