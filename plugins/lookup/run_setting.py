# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lookup muejam.infra.run_setting: a run setting's value, typed and checked, or its default."""

from __future__ import annotations

DOCUMENTATION = r"""
name: run_setting
short_description: A run setting (readiness, rollout, AWS retries) or a role variable, typed, checked, or its default
version_added: 0.1.0
description:
  - >-
    Reads each named setting from the play's variables (inventory, play, task and extra vars),
    converts it to its type as a module option would be (so C(-e readiness_timeout=90) is the
    integer 90), checks it against the setting's bounds and returns it, or the setting's default
    when it is not set (unset, null, or an empty survey answer of a setting that is not a string).
  - >-
    Every setting's type, default and bounds are written once, in the collection's
    C(plugins/module_utils/rules/settings.py); the preflight of C(site.yml), C(playbooks/rollout.yml)
    and C(playbooks/drift.yml) applies the same check, so a bad value is refused before any AWS call.
  - >-
    A role variable (C(networking_wait_timeout), say) is read the same way, typed by its role's
    C(meta/argument_specs.yml), its default the role's C(defaults/main.yml): for a playbook that
    includes no role and needs a role's value (C(teardown.yml)'s timeouts).
  - >-
    The settings, with their defaults: C(readiness_url) (empty, meaning https://<the ALB's DNS name>/health),
    C(readiness_components) (unset: every required component), C(readiness_consecutive) (2),
    C(readiness_timeout) (900 s), C(readiness_interval) (5 s), C(readiness_validate_certs) (true),
    C(readiness_ca_path) (empty), C(readiness_headers) ({}, never logged), C(rollout_timeout) (3600 s, at
    least 60), C(rollout_poll_interval) (15 s), C(aws_retry_mode) (standard; legacy, standard or adaptive),
    C(aws_max_attempts) (10).
options:
  _terms:
    description: The names of the settings (or of role variables).
    type: list
    elements: str
    required: true
  strict:
    description:
      - Whether a bad value fails the lookup, naming the setting, its value and what is allowed.
      - With C(false) a bad value is returned as it was given, for what is templated before the preflight
        can report it with every other problem (the play's C(environment), C(stack_aws_environment)).
    type: bool
    default: true
author:
  - muejam.infra maintainers (@muejam)
"""

EXAMPLES = r"""
- name: Wait until the stack is ready to serve
  muejam.infra.health_readiness:
    target_group: muejam-production-tg
    timeout: "{{ lookup('muejam.infra.run_setting', 'readiness_timeout') }}"
    interval: "{{ lookup('muejam.infra.run_setting', 'readiness_interval') }}"
"""

RETURN = r"""
_raw:
  description: Each setting's value, of its type (an integer, a number, a boolean, a string, a list or a mapping).
  type: list
  elements: raw
"""

from typing import Any

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

from ansible_collections.muejam.infra.plugins.module_utils.rules.core import UNSET, check_option, role_of
from ansible_collections.muejam.infra.plugins.module_utils.rules.settings import RUN_SETTINGS, typed
from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import role_defaults, role_options


class LookupModule(LookupBase):
    def run(self, terms: list[Any], variables: dict[str, Any] | None = None, **kwargs: Any) -> list[Any]:
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        values = []
        for term in terms:
            name = str(term)
            role = None if name in RUN_SETTINGS else role_of(name)
            options = role_options(role) if role else {}
            if name not in RUN_SETTINGS and name not in options:
                raise AnsibleLookupError(
                    f"{name} is not a run setting ({', '.join(RUN_SETTINGS)}) nor a variable of a muejam.infra role"
                )
            raw = variables.get(name, role_defaults(role).get(name, UNSET) if role else UNSET)
            if raw is not UNSET:
                raw = self._templar.template(raw)
            if role:
                value, problem = check_option(name, raw, options[name], role)
            else:
                value, problem = typed(name, raw)
            secret = (options.get(name) or RUN_SETTINGS.get(name) or {}).get("no_log")
            if problem and not self.get_option("strict"):
                value = raw
            elif problem:
                message = f"{problem.variable} is (not shown): {problem.allowed}" if secret else str(problem)
                raise AnsibleLookupError(f"{message}; nothing was changed in AWS (see docs/preflight.md)")
            values.append(None if value is UNSET else value)
        return values
