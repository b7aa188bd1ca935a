# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names table as filters: the names the stack gives its resources (plugins/module_utils/names.py).

Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.module_utils import names


def stack_names(
    name: str, zones: list[str] | None = None, account: str = "", project: str = "", environment: str = ""
) -> dict[str, Any]:
    """Every name of the stack ``name``; per-zone names as a mapping of zone to name."""
    if not isinstance(name, str) or not name:
        raise AnsibleFilterError(f"stack_names: the stack's name must be a non-empty string, got {name!r}")
    return names.stack_names(
        name, zones=zones or (), account=str(account or ""), project=project, environment=environment
    )


def stack_name(name: str, key: str, zone: str = "", account: str = "", project: str = "", environment: str = "") -> str:
    """One name of the stack ``name``: ``'muejam-production' | muejam.infra.stack_name('target_group')``."""
    if key not in names.BY_KEY:
        raise AnsibleFilterError(f"stack_name: {key!r} is not in the names table ({', '.join(names.BY_KEY)})")
    return names.resource_name(
        key, name, zone=zone, account=str(account or ""), project=project, environment=environment
    )


def valid_resource_name(value: str, key: str) -> bool:
    """Whether AWS accepts ``value`` as the name of the resource ``key`` (S3's rules for a bucket, ...)."""
    if key not in names.BY_KEY:
        raise AnsibleFilterError(f"valid_resource_name: {key!r} is not in the names table")
    return names.valid_name(key, str(value))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"stack_names": stack_names, "stack_name": stack_name, "valid_resource_name": valid_resource_name}
