"""tools/awx_collection.py: awx.awx unpacked from an ansible wheel, nothing else of it."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tools import awx_collection


def wheel(tmp_path: Path, version: str) -> Path:
    path = tmp_path / "ansible-10.7.0-py3-none-any.whl"
    manifest = json.dumps({"collection_info": {"namespace": "awx", "name": "awx", "version": version}})
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ansible_collections/awx/awx/MANIFEST.json", manifest)
        archive.writestr("ansible_collections/awx/awx/plugins/modules/job_template.py", "# module\n")
        archive.writestr("ansible_collections/amazon/aws/MANIFEST.json", "{}")
    return path


def test_the_pinned_version_is_one_a_known_wheel_bundles():
    assert awx_collection.wanted_version() in awx_collection.BUNDLED_IN


def test_unpacks_awx_awx_only(tmp_path):
    collections = tmp_path / "collections"
    awx_collection.unpack(wheel(tmp_path, "24.6.1"), collections)
    assert awx_collection.installed_version(collections) == "24.6.1"
    assert (collections / "ansible_collections/awx/awx/plugins/modules/job_template.py").is_file()
    assert not (collections / "ansible_collections/amazon").exists()


def test_replaces_an_older_copy(tmp_path):
    collections = tmp_path / "collections"
    stale = collections / "ansible_collections/awx/awx/plugins/modules/retired.py"
    stale.parent.mkdir(parents=True)
    stale.write_text("# gone in the new version\n")
    awx_collection.unpack(wheel(tmp_path, "24.6.1"), collections)
    assert not stale.exists()


def test_nothing_installed_has_no_version(tmp_path):
    assert awx_collection.installed_version(tmp_path) is None


def test_refuses_a_requirements_file_without_exactly_one_pin(tmp_path):
    requirements = tmp_path / "requirements.yml"
    requirements.write_text("collections:\n  - name: amazon.aws\n    version: 11.0.0\n")
    with pytest.raises(SystemExit, match="exactly once"):
        awx_collection.wanted_version(requirements)


def test_does_nothing_when_the_wanted_version_is_there(tmp_path, monkeypatch):
    collections = tmp_path / "collections"
    awx_collection.unpack(wheel(tmp_path, awx_collection.wanted_version()), collections)
    monkeypatch.setattr(awx_collection.subprocess, "run", lambda *a, **k: pytest.fail("downloaded again"))
    assert "already" in awx_collection.install(collections)
