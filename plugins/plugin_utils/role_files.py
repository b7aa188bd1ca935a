# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side helpers of the input checks: the roles' files and the play's values.

Used by the ``muejam.infra.stack_preflight`` and ``muejam.infra.role_inputs`` action plugins.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from ansible.errors import AnsibleError

from ansible_collections.muejam.infra.plugins.module_utils.preflight import ROLES, UNSET, Problem

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
# libyaml's loader where PyYAML has it (ten times faster on the roles' files), else PyYAML's own.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.lru_cache(maxsize=32)
def _parsed(path: str, _mtime_ns: int) -> Any:
    with open(path, encoding="utf-8") as stream:
        return yaml.load(stream, Loader=_LOADER) or {}  # a safe loader: CSafeLoader or SafeLoader


def _load(path: Path) -> Any:
    """A role file parsed once per process (and again only once it changed): a task's several
    run_setting lookups and the preflight's checks of every role read each file once. A copy, so
    that no caller changes what the next one reads."""
    return copy.deepcopy(_parsed(str(path), path.stat().st_mtime_ns))


def role_options(role: str, root: Path = COLLECTION_ROOT) -> dict[str, Any]:
    """The options of the role's ``main`` argument spec (meta/argument_specs.yml)."""
    argument_specs = _load(root / "roles" / role / "meta" / "argument_specs.yml")
    return argument_specs.get("argument_specs", {}).get("main", {}).get("options", {}) or {}


def role_defaults(role: str, root: Path = COLLECTION_ROOT) -> dict[str, Any]:
    return _load(root / "roles" / role / "defaults" / "main.yml")


def load_roles(root: Path = COLLECTION_ROOT) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Each role's defaults and the options of its ``main`` argument spec."""
    return (
        {role: role_defaults(role, root) for role in ROLES},
        {role: role_options(role, root) for role in ROLES},
    )


def template_values(
    task_vars: Mapping[str, Any], names: Iterable[str], template: Callable[[Any], Any]
) -> tuple[dict[str, Any], list[Problem]]:
    """The named variables of the play, templated one by one (one problem each that fails)."""
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for name in sorted(names):
        if name not in task_vars:
            continue
        try:
            values[name] = template(task_vars[name])
        except AnsibleError as error:
            reason = str(getattr(error, "message", "") or error).splitlines()[0]
            raw = task_vars[name] if isinstance(task_vars[name], str) else UNSET
            problems.append(Problem(name, str(raw) if raw is not UNSET else raw, f"could not be resolved: {reason}"))
            values[name] = None
    return values, problems
