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
    resources from the collection's names table. The role's tasks read both.
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
  diff_mode:
    support: none
  platform:
    platforms: all
notes:
  - Read-only; runs in check mode too.
  - The typed inputs are kept out of the output when an option the argument spec marks C(no_log)
    is set (the app's environment, say).
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
host variables:
  description: Set like C(set_fact) sets them (not returned in the result).
  returned: success
  type: dict
  contains:
    <role>__in:
      description: Every option of the role, typed, keyed by its name without the role's prefix.
      returned: success
      type: dict
      sample: {"vpc_cidr": "10.0.0.0/16", "wait_timeout": 600, "flow_logs_enabled": true}
    <role>__names:
      description: The names of the role's resources; per availability zone a mapping of zone to name.
      returned: success
      type: dict
      sample: {"vpc": "muejam-production-vpc", "nat_gateway": {"us-east-1a": "muejam-production-nat-us-east-1a"}}
"""
