"""The roles' files, parsed once per process: never stale, never shared between callers."""

from __future__ import annotations

import os
from pathlib import Path

from ansible_collections.muejam.infra.plugins.plugin_utils import role_files


def role(root: Path, defaults: str) -> Path:
    path = root / "roles" / "demo" / "defaults" / "main.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(defaults)
    return path


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    path = role(tmp_path, "demo_port: 8000\n")
    assert role_files.role_defaults("demo", tmp_path) == {"demo_port": 8000}
    path.write_text("demo_port: 9000\n")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert role_files.role_defaults("demo", tmp_path) == {"demo_port": 9000}


def test_a_caller_that_changes_what_it_read_changes_nothing_for_the_next(tmp_path: Path) -> None:
    role(tmp_path, "demo_tags: {Project: muejam}\n")
    first = role_files.role_defaults("demo", tmp_path)
    first["demo_tags"]["Project"] = "changed"
    assert role_files.role_defaults("demo", tmp_path) == {"demo_tags": {"Project": "muejam"}}


def test_the_collections_roles_parse_as_before() -> None:
    import yaml

    for name in role_files.ROLES:
        path = role_files.COLLECTION_ROOT / "roles" / name / "defaults" / "main.yml"
        assert role_files.role_defaults(name) == (yaml.safe_load(path.read_text()) or {})
