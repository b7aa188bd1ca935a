"""Install awx.awx (collections/awx-requirements.yml) into the checkout's collections/ without Galaxy.

The ansible 14 package no longer bundles awx.awx, and Galaxy is not always reachable (it is not
from this project's CI). The ansible 10.7.0 wheel on PyPI bundles awx.awx 24.6.1, the last
release: ``python -m tools.awx_collection install`` downloads that wheel with pip (no install)
and unpacks only ``ansible_collections/awx/awx`` from it. It does nothing when the wanted version
is already there. Where Galaxy is reachable, ``ansible-galaxy collection install -r
collections/awx-requirements.yml`` does the same.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "collections" / "awx-requirements.yml"
# The ansible package release on PyPI that bundles each awx.awx version we may ask for.
BUNDLED_IN = {"24.6.1": "ansible==10.7.0"}
MEMBER_PREFIX = "ansible_collections/awx/awx/"


def wanted_version(requirements: Path = REQUIREMENTS) -> str:
    """The awx.awx version collections/awx-requirements.yml pins."""
    entries = yaml.safe_load(requirements.read_text())["collections"]
    versions = [str(entry["version"]) for entry in entries if entry["name"] == "awx.awx"]
    if len(versions) != 1:
        raise SystemExit(f"{requirements} must pin awx.awx exactly once")
    return versions[0]


def installed_version(collections: Path) -> str | None:
    manifest = collections / MEMBER_PREFIX / "MANIFEST.json"
    if not manifest.is_file():
        return None
    return json.loads(manifest.read_text())["collection_info"]["version"]


def unpack(wheel: Path, collections: Path) -> None:
    """Unpack the wheel's awx.awx into collections/ansible_collections/awx/awx (replacing it)."""
    target = collections / MEMBER_PREFIX
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [name for name in archive.namelist() if name.startswith(MEMBER_PREFIX)]
        if not members:
            raise SystemExit(f"{wheel.name} has no awx.awx")
        archive.extractall(collections, members)


def install(collections: Path) -> str:
    version = wanted_version()
    if installed_version(collections) == version:
        return f"awx.awx {version} already in {collections}"
    if version not in BUNDLED_IN:
        raise SystemExit(f"no ansible release known to bundle awx.awx {version}: add it to BUNDLED_IN")
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--only-binary=:all:",
                "--dest",
                scratch,
                BUNDLED_IN[version],
            ],
            check=True,
        )
        (wheel,) = Path(scratch).glob("ansible-*.whl")
        unpack(wheel, collections)
    found = installed_version(collections)
    if found != version:
        raise SystemExit(f"{BUNDLED_IN[version]} bundles awx.awx {found}, not {version}")
    return f"awx.awx {version} installed into {collections} (from {BUNDLED_IN[version]})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.awx_collection", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["install"])
    parser.add_argument("--collections", type=Path, default=ROOT / "collections")
    args = parser.parse_args(argv)
    print(install(args.collections))
    return 0


if __name__ == "__main__":
    sys.exit(main())
