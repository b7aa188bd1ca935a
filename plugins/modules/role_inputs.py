#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: role_inputs
version_added: 0.1.0
short_description: Check a role's inputs with the preflight's rules and hand them on typed
description:
  - The first task of every role of the collection. It checks the role's variables, as the role
    sees them, with the same code and the same messages as stage 0 of C(site.yml)
    (M(muejam.infra.stack_preflight)), restricted to the role. First the types and choices of the role's
    C(meta/argument_specs.yml) (converted as Ansible converts module options, so C(-e key=90) and
    AWX survey answers, which are strings, become integers, booleans and lists), then every rule of
    the role's area. Rules that span roles (every role gets the stack's name, tags and port) are the
    preflight's alone.
  - With C(<role>_state=absent) only what teardown needs is checked (state, name, tags, the
    delete timeouts), so that whatever a failed run left can be removed with the same inputs.
  - On success it sets the host variables C(<role>__in), every option of the role converted to its type and
    keyed by its name without the role's prefix, and C(<role>__names), the names of the role's
    resources from the collection's names table (for example C(networking__in.vpc_cidr) and
    C(networking__names.vpc)), as C(set_fact) sets host variables; they are not part of the task's
    result. The role's tasks read both.
  - An action plugin on the controller; it makes no AWS call.
author:
  - muejam.infra maintainers (@muejam)
options:
  role:
    description: The role whose inputs to check.
    type: str
    required: true
    choices: [networking, load_balancer, instance_bootstrap, scaling_group]
attributes:
  check_mode:
    support: full
    details: It checks and publishes the inputs in check mode as it does otherwise; it changes nothing.
  diff_mode:
    support: none
  platform:
    platforms: all
    details: An action plugin; it runs on the controller only.
notes:
  - The typed inputs are kept out of the output when an option the argument spec marks C(no_log)
    is set (the app's environment, say).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Check the role's inputs
  muejam.infra.role_inputs:
    role: networking

- name: Use a typed input
  ansible.builtin.debug:
    msg: "{{ networking__names.vpc }} ({{ networking__in.vpc_cidr }}), timeout {{ networking__in.wait_timeout + 0 }} s"
"""

RETURN = r"""
problems:
  description: Every problem found, as M(muejam.infra.stack_preflight) reports them; empty when the inputs are good.
  returned: always
  type: list
  elements: dict
  sample: [{"variable": "networking_vpc_cidr", "value": "10.0.0.0/33", "allowed": "must be ...", "message": "..."}]
msg:
  description: The preflight's report when an input is refused, else how many inputs were checked.
  returned: always
  type: str
  sample: The 27 inputs of the muejam.infra.networking role are valid
"""
