# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters around muejam.infra.stack_state: its differences as lines and as the drift report, and the
inputs it may see.

Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.module_utils import drift
from ansible_collections.muejam.infra.plugins.module_utils.preflight import ROLES
from ansible_collections.muejam.infra.plugins.module_utils.state import Difference
from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import role_options

DIFFERENCE_KEYS = ("resource", "attribute", "wanted", "found")


def difference(row: Mapping[str, Any]) -> str:
    """One of stack_state's differences as one line: ``<resource> <attribute>: wanted <w>, found <f>``."""
    if not isinstance(row, Mapping) or any(key not in row for key in DIFFERENCE_KEYS):
        raise AnsibleFilterError(
            f"difference: expected one of stack_state's differences ({', '.join(DIFFERENCE_KEYS)}), got {row!r}"
        )
    return str(Difference(*(_plain(row[key]) for key in DIFFERENCE_KEYS)))


def without_secrets(inputs: Mapping[str, Any], role: str) -> dict[str, Any]:
    """The role's typed inputs (``<role>__in``) less every option its argument spec marks ``no_log``."""
    if role not in ROLES:
        raise AnsibleFilterError(f"without_secrets: the role must be one of {', '.join(ROLES)}, not {role!r}")
    if not isinstance(inputs, Mapping):
        what = type(inputs).__name__
        raise AnsibleFilterError(f"without_secrets: expected the role's inputs (a mapping), got a {what}")
    prefix = f"{role}_"
    secret = {name[len(prefix) :] for name, option in role_options(role).items() if (option or {}).get("no_log")}
    return {key: value for key, value in inputs.items() if key not in secret}


def drift_report(parts: Mapping[str, Any]) -> dict[str, Any]:
    """Every role's ``<role>_drift`` (``{role: {differences, names}}``) as the drift report:
    ``drifted``, ``rows``, ``table`` and ``resources`` (muejam.infra's module_utils/drift.py)."""
    if not isinstance(parts, Mapping):
        raise AnsibleFilterError(f"drift_report: expected {{role: <role>_drift}}, got a {type(parts).__name__}")
    try:
        return drift.report(_plain(parts))
    except drift.DriftError as error:
        raise AnsibleFilterError(f"drift_report: {error}") from error


def _plain(value: Any) -> Any:
    """Ansible's tagged strings, mappings and lists as plain Python ones, so the line shows no wrapper."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {_plain(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"difference": difference, "drift_report": drift_report, "without_secrets": without_secrets}
