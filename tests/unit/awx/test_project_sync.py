"""A fresh copy of the project, synced as AWX syncs it, resolves muejam.infra and its dependencies
with no step of scripts/setup.sh, and every job template's playbook passes a syntax check there
(a playbook whose module_defaults group or role does not resolve fails it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from awx_jobs import BIN, copy_working_tree, job_environment, synced_project

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("awx-job")
    sync = synced_project(directory)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    return directory


def installed(collections: Path) -> dict[str, str]:
    manifests = collections.glob("ansible_collections/*/*/MANIFEST.json")
    return {
        f"{info['namespace']}.{info['name']}": info["version"]
        for info in (yaml.safe_load(manifest.read_text())["collection_info"] for manifest in manifests)
    }


def test_the_copy_has_no_link_of_setup_sh(private_data_dir):
    assert not (private_data_dir / "project" / "collections" / "ansible_collections").exists()


def test_the_sync_installs_the_collection_from_the_project_with_its_galaxy_version(private_data_dir):
    galaxy = yaml.safe_load((ROOT / "galaxy.yml").read_text())
    collections = private_data_dir / "requirements_collections"
    assert installed(collections) == {"muejam.infra": galaxy["version"]}
    copy = collections / "ansible_collections" / "muejam" / "infra"
    assert (copy / "roles" / "networking" / "meta" / "argument_specs.yml").is_file()
    assert not (copy / "tests").exists() and not (copy / "tools").exists()


def test_the_sync_resolves_amazon_aws_and_community_aws_as_the_collection_s_dependencies(tmp_path):
    """With nothing installed yet the dependencies are resolved too: offline, from the copies the
    `ansible` package bundles (AWX's EE carries them; elsewhere Galaxy gives them)."""
    sync = synced_project(tmp_path)
    assert sync.returncode == 0, sync.stderr
    for dependency in ("amazon.aws", "community.aws"):
        assert f"'{dependency}:" in sync.stdout, sync.stdout


# Every job template's playbook, as playbooks/vars/awx.yml configures them.
JOB_TEMPLATE_PLAYBOOKS = [
    template["playbook"]
    for template in yaml.safe_load((ROOT / "playbooks/vars/awx.yml").read_text())["awx_job_templates"]
]


@pytest.mark.parametrize("playbook", JOB_TEMPLATE_PLAYBOOKS)
def test_every_job_template_s_playbook_passes_a_syntax_check_in_the_synced_project(private_data_dir, playbook):
    env = job_environment(private_data_dir, "AKIAEXAMPLE", "secret")
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), "--syntax-check", playbook, "-i", "inventories/production"],
        cwd=private_data_dir / "project",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def run_site(private_data_dir: Path) -> str:
    """site.yml over inventories/production as a job runs it; what it printed. production's
    placeholders (certificate, AMI) fail the preflight, before any AWS call."""
    completed = subprocess.run(
        [str(BIN / "ansible-playbook"), "site.yml", "-i", "inventories/production"],
        cwd=private_data_dir / "project",
        env=job_environment(private_data_dir, "AKIAEXAMPLE", "secret"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode != 0
    return completed.stdout + completed.stderr


def test_a_run_in_the_synced_project_reaches_the_preflight(private_data_dir):
    output = run_site(private_data_dir)
    assert "could not resolve the module_defaults group" not in output
    assert "scaling_group_ami_id is 'ami-replace-me'" in output


def test_without_the_sync_the_module_defaults_group_does_not_resolve(tmp_path):
    """The failure of the issue: the copy alone, nothing installed."""
    copy_working_tree(tmp_path / "project")
    assert "could not resolve the module_defaults group muejam.infra.aws" in run_site(tmp_path)
