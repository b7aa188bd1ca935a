# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of muejam.infra.role_inputs: a role's first task, on the controller.

It reads the role's variables as the role sees them, checks them with the preflight's own rules
for that role (plugins/module_utils/preflight.py, check_role) and either fails with the
preflight's message or publishes, for the role's tasks:

These are host variables of the play, as ``set_fact`` sets them.

- ``<role>__in``: every option of the role's argument spec, converted to its type as
  ArgumentSpecValidator converts module options (so ``-e key=90`` is the integer 90, ``-e
  flag=false`` the boolean false, ``-e zones=a,b`` a list), keyed by the option's name without
  the role's prefix;
- ``<role>__names``: the names of the role's resources, from the names table
  (plugins/module_utils/names.py).

No AWS call is made.
"""

from __future__ import annotations

from typing import Any

from ansible.plugins.action import ActionBase, VariableLayer

from ansible_collections.muejam.infra.plugins.module_utils import names
from ansible_collections.muejam.infra.plugins.module_utils.preflight import (
    ROLES,
    STACK_VARIABLES,
    check_role,
    report,
    unknown_variables,
)
from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import role_options, template_values


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        del tmp
        role = self._task.args.get("role")
        if role not in ROLES:
            return {**result, "failed": True, "msg": f"role must be one of: {', '.join(ROLES)} (not {role!r})"}
        options = role_options(role)
        prefix = f"{role}_"
        wanted = [
            name
            for name in task_vars
            if name in STACK_VARIABLES
            or (name.startswith(prefix) and not name.startswith(f"{role}__") and name != f"{role}_outputs")
        ]
        values, problems = template_values(task_vars, wanted, self._templar.template)
        unknown = {name: value for name, value in values.items() if name.startswith(prefix)}
        problems += unknown_variables(unknown, {role: options})
        typed, found = check_role(role, values, options)
        problems += [problem for problem in found if problem.variable not in {p.variable for p in problems}]
        result["changed"] = False
        result["problems"] = [problem.as_dict() for problem in problems]
        if problems:
            result.update(failed=True, msg=report(problems, scope=f"The muejam.infra.{role} role's inputs"))
            return result
        # Host variables of the play, as set_fact sets them (not cached facts, no ansible_facts injection).
        self.register_host_variables(
            {f"{role}__in": typed, f"{role}__names": names.role_names(role, typed)}, VariableLayer.EPHEMERAL_FACT
        )
        secret = [name for name, option in options.items() if option.get("no_log") and typed.get(name[len(prefix) :])]
        if secret:
            # The typed inputs hold a secret (an option the spec marks no_log): keep them out of the output.
            result["_ansible_no_log"] = True
        result["msg"] = f"The {len(options)} inputs of the muejam.infra.{role} role are valid"
        return result
