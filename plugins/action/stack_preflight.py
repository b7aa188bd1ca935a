# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of muejam.infra.stack_preflight: the offline checks, on the controller.

At stage 0 no role has been included yet, so the roles' defaults are not variables: the plugin
reads each role's defaults/main.yml and meta/argument_specs.yml from this collection, puts the
play's variables on top (templated with the task's templar, so lookups in the inventory are
resolved) and checks them (plugins/module_utils/preflight.py). With any problem it fails with
one message and calls nothing; otherwise it runs the module of the same name for the read-only
AWS checks, passing on the connection options module_defaults gave the task.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.muejam.infra.plugins.module_utils.preflight import (
    ROLES,
    STACK_VARIABLES,
    UNSET,
    Problem,
    check_inputs,
    merge_values,
    report,
)

COLLECTION_ROOT = Path(__file__).resolve().parents[2]
MODULE = "muejam.infra.stack_preflight"
# The options the action plugin reads itself; every other argument (region, endpoint_url,
# credentials from module_defaults) is the module's.
ACTION_OPTIONS = ("values",)


def load_roles(root: Path = COLLECTION_ROOT) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Each role's defaults and the options of its ``main`` argument spec."""
    defaults: dict[str, dict[str, Any]] = {}
    specs: dict[str, dict[str, Any]] = {}
    for role in ROLES:
        role_dir = root / "roles" / role
        defaults[role] = yaml.safe_load((role_dir / "defaults" / "main.yml").read_text()) or {}
        argument_specs = yaml.safe_load((role_dir / "meta" / "argument_specs.yml").read_text()) or {}
        specs[role] = argument_specs.get("argument_specs", {}).get("main", {}).get("options", {}) or {}
    return defaults, specs


def wanted(name: str) -> bool:
    """A variable the preflight reads from the play: the stack's and every role's (not outputs)."""
    if name in STACK_VARIABLES:
        return True
    return any(name.startswith(f"{role}_") for role in ROLES) and not name.endswith("_outputs")


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        args = dict(self._task.args)
        explicit = args.pop("values", None) or {}
        if not isinstance(explicit, dict):
            return {**result, "failed": True, "msg": "values must be a mapping of variable names to values"}

        defaults, specs = load_roles()
        played, problems = self._play_values(task_vars)
        values = merge_values(defaults, played, explicit)
        problems += check_inputs(values, specs, reported=[problem.variable for problem in problems])
        result.update(changed=False, checked=len(values), problems=[problem.as_dict() for problem in problems])
        if problems:
            result.update(failed=True, msg=report(problems))
            return result

        module_args = {**args, **self._aws_request(values)}
        module_result = self._execute_module(
            module_name=MODULE, module_args=module_args, task_vars=task_vars, wrap_async=False
        )
        result.update(module_result)
        result["checked"] = len(values)
        result["changed"] = False
        return result

    def _play_values(self, task_vars: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
        """The play's stack and role variables, templated one by one (one problem each that fails)."""
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for name in sorted(filter(wanted, task_vars)):
            try:
                values[name] = self._templar.template(task_vars[name])
            except AnsibleError as error:
                reason = str(getattr(error, "message", "") or error).splitlines()[0]
                raw = task_vars[name] if isinstance(task_vars[name], str) else UNSET
                problems.append(
                    Problem(name, str(raw) if raw is not UNSET else raw, f"could not be resolved: {reason}")
                )
                values[name] = None
        return values, problems

    @staticmethod
    def _aws_request(values: dict[str, Any]) -> dict[str, Any]:
        """The module's arguments: what AWS must confirm, from the checked values."""
        tags = values.get("networking_tags") or {}
        return {
            "availability_zones": list(values.get("networking_availability_zones") or []),
            "image_id": str(values.get("scaling_group_ami_id") or ""),
            "root_device_name": values.get("scaling_group_root_device_name"),
            "root_volume_size": values.get("scaling_group_root_volume_size"),
            "certificate_arn": str(values.get("load_balancer_certificate_arn") or ""),
            "vpc_cidr": str(values.get("networking_vpc_cidr") or ""),
            "tags": {str(key): str(value) for key, value in tags.items()},
        }
