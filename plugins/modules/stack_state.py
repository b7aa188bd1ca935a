#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_state
version_added: 0.1.0
short_description: Read one part of the stack once and compare it with what its role wants
description:
  - Reads what one role of the stack manages (O(part)) with batched describe calls, compares every
    attribute the role manages with the value the role's inputs ask for, and returns the differences.
  - Each role runs it first and runs its resource tasks only when something differs, so a re-run of an
    unchanged stack makes a few describe calls instead of one module per resource. A test proves that
    every option the role's tasks pass is compared, so a skipped task never hides a change.
  - Read-only; it never changes anything, in check mode or not. Its differences are what check mode
    reports and what a drift report lists.
  - In check mode it reports C(changed) when the part is not in sync, so that C(--check) counts what
    the role would change even where a resource module has no check mode (C(community.aws.elb_target_group),
    C(amazon.aws.s3_bucket)); with C(--diff) it shows, per resource, the attributes found and wanted.
author:
  - muejam.infra maintainers (@muejam)
options:
  part:
    description: The role whose resources to read.
    type: str
    choices: [networking, load_balancer, instance_bootstrap, scaling_group]
    required: true
  inputs:
    description:
      - The role's checked inputs, without the role's prefix, as C(muejam.infra.role_inputs) publishes
        them (C(<role>__in)). Leave out the secret ones and pass them in their own options.
    type: dict
    required: true
  user_data:
    description:
      - The instances' user data (C(scaling_group) only), compared by digest and never returned.
    type: str
attributes:
  check_mode:
    support: full
    details: Read-only; it reads and compares in check mode as it does otherwise.
  diff_mode:
    support: full
    details: Per resource that differs, the attributes that differ as found (before) and wanted (after);
      Ansible shows them in check mode, where the task reports the change.
  platform:
    platforms: posix
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Compare the network with the wanted one
  muejam.infra.stack_state:
    part: networking
    inputs: "{{ networking__in }}"
  register: networking__state

- name: Create or update the network
  when: not networking__state.in_sync
  ansible.builtin.debug:
    msg: "{{ networking__state.differences }}"
"""

RETURN = r"""
in_sync:
  description: Whether every resource of the part exists as wanted.
  returned: always
  type: bool
  sample: false
differences:
  description: Every attribute that is not as wanted, in the order the role makes the resources.
  returned: always
  type: list
  elements: dict
  contains:
    resource:
      description: The resource (its key in the part, for example C(vpc) or C(public_subnet[us-east-1a])).
      type: str
    attribute:
      description: The attribute, or C(exists) for a resource that is missing or must not exist.
      type: str
    wanted:
      description: The value the role's inputs ask for.
      type: raw
    found:
      description: The value found, C((missing)) when the resource has no such attribute.
      type: raw
  sample: [{"resource": "vpc", "attribute": "enable_dns_hostnames", "wanted": true, "found": false}]
outputs:
  description: The role's outputs (C(<role>_outputs)) from what exists; ids of what does not exist are empty.
  returned: always
  type: dict
  sample: {"vpc_id": "vpc-0123456789abcdef0"}
ids:
  description: The ids of what was found, by resource.
  returned: always
  type: dict
  sample: {"vpc": "vpc-0123456789abcdef0"}
network:
  description:
    - The VPC and subnets that the part's comparison found (C(load_balancer) only, empty for the other parts and when
      nothing was found), so that the role uses them instead of looking them up again.
  returned: always
  type: dict
  sample: {"vpc_id": "vpc-0123456789abcdef0", "vpc_cidr": "10.0.0.0/16", "subnet_ids": ["subnet-0123456789abcdef0"]}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils import names, state
from ansible_collections.muejam.infra.plugins.module_utils.state import (
    instance_bootstrap,
    load_balancer,
    networking,
    scaling_group,
)

PARTS = {
    "networking": networking,
    "load_balancer": load_balancer,
    "instance_bootstrap": instance_bootstrap,
    "scaling_group": scaling_group,
}


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "part": {"type": "str", "choices": list(PARTS), "required": True},
            "inputs": {"type": "dict", "required": True},
            "user_data": {"type": "str", "no_log": True},
        },
        supports_check_mode=True,
    )
    params = module.params
    inputs = dict(params["inputs"])
    if params["user_data"] is not None:
        inputs["user_data"] = params["user_data"]
    clients: dict[str, object] = {}

    def client(service: str) -> object:
        if service not in clients:
            clients[service] = module.client(service, retry_decorator=AWSRetry.jittered_backoff())
        return clients[service]

    part = params["part"]
    try:
        result = state.plan(PARTS[part], client, inputs, names.role_names(part, inputs), retry=True)
    except state.StateError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not read the stack's {part} resources")
    diff = result.pop("diff")
    if module._diff:
        result["diff"] = diff
    # Outside check mode the role's resource tasks make (and report) the changes.
    module.exit_json(changed=module.check_mode and not result["in_sync"], **result)


if __name__ == "__main__":
    main()
