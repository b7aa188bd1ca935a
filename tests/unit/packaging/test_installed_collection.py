"""The collection as Galaxy ships it, used as someone who installed it uses it.

`ansible-galaxy collection build` makes the tarball from the checkout; `ansible-galaxy collection
install --offline --no-deps` puts it into an empty collections path (amazon.aws and community.aws
come from the `ansible` package, as in .venv); the playbooks then run by their collection names
from there, with no checkout on any path: a syntax check of each, the preflight refusing a bad
input before any AWS call, and a real run of the `instance_bootstrap` stage against an emulator.
Nothing may be written inside the install path (Python's byte-code caches aside).
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools.emulator.patches import request_log

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
GALAXY = yaml.safe_load((ROOT / "galaxy.yml").read_text())
PLAYBOOKS = sorted(path.stem for path in (ROOT / "playbooks").glob("*.yml"))
MODULES = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("*.py"))
# What the repository keeps to itself (galaxy.yml build_ignore): the development tree and the playbook project.
NOT_SHIPPED = ("tests/", "tools/", "scripts/", "molecule/", "inventories/", "collections/", ".venv/")
NOT_SHIPPED_FILES = ("README.md", "site.yml", "teardown.yml", "ansible.cfg", "Makefile", "requirements-dev.txt")


@dataclass(frozen=True)
class Installed:
    tarball: Path
    collection: Path  # <collections path>/ansible_collections/muejam/infra
    scratch: Path  # the working directory of every command: no ansible.cfg, no checkout
    env: dict[str, str]


def run(installed: Installed, *command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=installed.scratch,
        env={**installed.env, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def files(root: Path) -> dict[str, str]:
    """Every file under root with its SHA-256, but the byte-code caches Python writes when the
    controller imports the collection's plugins (that is Python, not the collection)."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("packaging")
    scratch, build, collections, extra = tmp / "scratch", tmp / "build", tmp / "collections", tmp / "extra"
    for directory in (scratch, build, collections, extra / "ansible_collections"):
        directory.mkdir(parents=True)
    # awx.awx for muejam.infra.awx, as `make setup` provides it (tools/awx_collection.py), alone: the
    # checkout's collections/ directory also links the checkout itself as muejam.infra.
    awx = ROOT / "collections" / "ansible_collections" / "awx"
    if awx.is_dir():
        (extra / "ansible_collections" / "awx").symlink_to(awx)
    config = scratch / "ansible.cfg"
    config.write_text(f"[defaults]\ncollections_path = {collections}:{extra}\nretry_files_enabled = false\n")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "MUEJAM_"))}
    env.update(ANSIBLE_CONFIG=str(config), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", PATH=f"{BIN}:{env['PATH']}")
    partial = Installed(
        tarball=Path(), collection=collections / "ansible_collections" / "muejam" / "infra", scratch=scratch, env=env
    )

    built = run(partial, "ansible-galaxy", "collection", "build", "--output-path", str(build), str(ROOT))
    assert built.returncode == 0, built.stdout + built.stderr
    (tarball,) = build.glob("*.tar.gz")
    assert tarball.name == f"{GALAXY['namespace']}-{GALAXY['name']}-{GALAXY['version']}.tar.gz"
    install = run(
        partial,
        "ansible-galaxy",
        "collection",
        "install",
        "--offline",
        "--no-deps",
        "-p",
        str(collections),
        str(tarball),
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert partial.collection.is_dir(), install.stdout + install.stderr
    return Installed(tarball=tarball, collection=partial.collection, scratch=scratch, env=env)


@pytest.fixture(scope="module")
def untouched(installed: Installed) -> dict[str, str]:
    """The install path's files right after the install."""
    return files(installed.collection)


class TestTheTarball:
    def test_ships_the_collection_and_its_licence_readme_and_changelog(self, installed: Installed) -> None:
        with tarfile.open(installed.tarball) as archive:
            names = set(archive.getnames())
            manifest = json.load(archive.extractfile("MANIFEST.json"))  # type: ignore[arg-type]
            licence = archive.extractfile("LICENSE").read().decode()  # type: ignore[union-attr]
        assert {
            "LICENSE",
            "CHANGELOG.md",
            "changelogs/changelog.yaml",
            "meta/runtime.yml",
            "docs/collection-README.md",
        } <= names
        assert {f"playbooks/{playbook}.yml" for playbook in PLAYBOOKS} <= names
        assert {f"plugins/modules/{module}.py" for module in MODULES} <= names
        assert manifest["collection_info"]["readme"] == "docs/collection-README.md"
        assert manifest["collection_info"]["license"] == ["GPL-3.0-or-later"]
        assert "GNU GENERAL PUBLIC LICENSE" in licence and "Version 3, 29 June 2007" in licence

    def test_leaves_out_the_development_tree_and_the_playbook_project(self, installed: Installed) -> None:
        with tarfile.open(installed.tarball) as archive:
            names = archive.getnames()
        assert [name for name in names if name.startswith(NOT_SHIPPED) or name in NOT_SHIPPED_FILES] == []
        assert [name for name in names if "__pycache__" in name or name.endswith((".pyc", ".plugin-cache.yaml"))] == []

    def test_stays_small(self, installed: Installed) -> None:
        assert installed.tarball.stat().st_size < 1024 * 1024


class TestTheInstalledCollection:
    def test_documents_every_module_from_the_install_path(
        self, installed: Installed, untouched: dict[str, str]
    ) -> None:
        completed = run(
            installed, "ansible-doc", "-t", "module", "--json", *(f"muejam.infra.{module}" for module in MODULES)
        )
        assert completed.returncode == 0, completed.stderr
        assert completed.stderr == ""
        docs = json.loads(completed.stdout)
        assert sorted(docs) == [f"muejam.infra.{module}" for module in MODULES]
        for name, doc in docs.items():
            assert Path(doc["doc"]["filename"]).is_relative_to(installed.collection), name
        assert files(installed.collection) == untouched

    def test_every_playbook_passes_a_syntax_check_by_its_collection_name(
        self, installed: Installed, untouched: dict[str, str]
    ) -> None:
        completed = run(
            installed,
            "ansible-playbook",
            "--syntax-check",
            "-i",
            "localhost,",
            *(f"muejam.infra.{p}" for p in PLAYBOOKS),
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        assert files(installed.collection) == untouched


class TestRunsFromTheInstallPath:
    def site(self, installed: Installed, emulator: dict[str, Any], outputs: Path, *args: str) -> tuple[int, str]:
        completed = run(
            installed,
            "ansible-playbook",
            "muejam.infra.site",
            "-i",
            str(ROOT / "inventories" / "local"),
            *args,
            env={
                "MUEJAM_AWS_ENDPOINT": emulator["endpoint"],
                "MUEJAM_EMULATOR_STATE": str(emulator["state_dir"]),
                "MUEJAM_OUTPUTS_DIR": str(outputs),
            },
        )
        return completed.returncode, completed.stdout + completed.stderr

    def test_the_preflight_refuses_a_bad_input_before_any_aws_call(
        self, installed: Installed, untouched: dict[str, str], emulator: dict[str, Any], tmp_path: Path
    ) -> None:
        key = "packaging-refused"
        returncode, output = self.site(
            installed,
            emulator,
            tmp_path / "outputs",
            "-e",
            "networking_vpc_cidr=10.0.0.0/33",
            "-e",
            f"aws_access_key={key}",
        )
        assert returncode != 0, output
        assert "networking_vpc_cidr" in output and "10.0.0.0/33" in output, output
        assert [request for request in request_log.read(emulator["state_dir"]) if request.access_key_id == key] == []
        assert not (tmp_path / "outputs").exists()
        assert files(installed.collection) == untouched

    def test_a_stage_runs_and_writes_its_outputs_outside_the_install_path(
        self, installed: Installed, untouched: dict[str, str], emulator: dict[str, Any], tmp_path: Path
    ) -> None:
        returncode, output = self.site(installed, emulator, tmp_path / "outputs", "--tags", "instance_bootstrap")
        assert returncode == 0, output[-6000:]
        outputs = json.loads((tmp_path / "outputs" / "muejam-local.json").read_text())
        assert outputs["stack_name"]["value"] == "muejam-local"
        wanted = {"app": "/muejam/local/app", "system": "/muejam/local/system"}
        assert outputs["log_group_names"]["value"] == wanted
        groups = emulator["client"]("logs").describe_log_groups(logGroupNamePrefix="/muejam/local/")["logGroups"]
        assert {group["logGroupName"] for group in groups} >= set(wanted.values())
        assert files(installed.collection) == untouched
