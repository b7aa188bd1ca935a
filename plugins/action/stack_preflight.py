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

from typing import Any

from ansible.plugins.action import ActionBase

from ansible_collections.muejam.infra.plugins.module_utils.preflight import (
    check_inputs,
    check_types,
    merge_values,
    report,
    wanted,
)
from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import load_roles, template_values

MODULE = "muejam.infra.stack_preflight"
# The options the action plugin reads itself; every other argument (region, endpoint_url,
# credentials from module_defaults) is the module's.
ACTION_OPTIONS = ("values",)


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
        played, problems = template_values(task_vars, filter(wanted, task_vars), self._templar.template)
        values = merge_values(defaults, played, explicit)
        problems += check_inputs(values, specs, reported=[problem.variable for problem in problems])
        result.update(changed=False, checked=len(values), problems=[problem.as_dict() for problem in problems])
        if problems:
            result.update(failed=True, msg=report(problems))
            return result

        typed, _problems = check_types(values, specs)
        module_args = {**args, **self._aws_request(typed)}
        module_result = self._execute_module(
            module_name=MODULE, module_args=module_args, task_vars=task_vars, wrap_async=False
        )
        result.update(module_result)
        result["checked"] = len(values)
        result["changed"] = False
        return result

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
