#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_vpc_subnets
version_added: 0.1.0
short_description: Create several subnets of a VPC and make their tags and public IP setting exact, in one call
description:
  - Reads the VPC's subnets with one C(DescribeSubnets) (every page), creates the wanted ones that do not
    exist, each with its tags, and makes C(MapPublicIpOnLaunch) and the tags of every one the wanted ones.
    With nothing to change that one call is all the module makes.
  - A subnet is found by its CIDR block in the VPC, as M(amazon.aws.ec2_vpc_subnet) finds it. A found
    subnet in another availability zone than wanted is refused before any change, naming it (AWS cannot
    move a subnet).
  - Unlike a loop of M(amazon.aws.ec2_vpc_subnet), one module start for every subnet with several describes
    each, this module makes one read, the changes, and one read for the result, repeated every second only
    while a new subnet is not C(available) yet. It retries throttling, 5xx errors and
    C(InvalidSubnetID.NotFound) of a subnet AWS does not show yet, with a jittered backoff.
  - Deleting subnets is a teardown's work (M(muejam.infra.stack_teardown)).
author:
  - muejam.infra maintainers (@muejam)
options:
  vpc_id:
    description: The VPC of the subnets.
    type: str
    required: true
  subnets:
    description: The subnets, each found or created by its CIDR block; the result lists them in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      cidr:
        description: The subnet's IPv4 CIDR block, a network address inside the VPC's block.
        type: str
        required: true
      az:
        description: The subnet's availability zone.
        type: str
        required: true
      map_public:
        description: Whether instances launched in the subnet get a public IPv4 address.
        type: bool
        default: false
      tags:
        description: The subnet's tags.
        type: dict
        default: {}
  purge_tags:
    description: Remove the tags not in O(subnets[].tags).
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait for new subnets to be C(available).
    type: int
    default: 300
  state:
    description: Only C(present).
    type: str
    choices: [present]
    default: present
attributes:
  check_mode:
    support: full
    details:
      - Reports the steps it would take (RV(changes)) and the subnets as they would be (a new one with a
        null id), and changes nothing.
  diff_mode:
    support: none
    details: It returns no diff; RV(changes) lists every step.
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeSubnets), C(ec2:CreateSubnet), C(ec2:ModifySubnetAttribute), C(ec2:CreateTags),
    C(ec2:DeleteTags)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: The public subnets, one per zone
  muejam.infra.ec2_vpc_subnets:
    vpc_id: vpc-0123456789abcdef0
    subnets:
      - {cidr: 10.0.0.0/20, az: us-east-1a, tags: {Name: muejam-production-public-us-east-1a, Tier: public}}
      - {cidr: 10.0.16.0/20, az: us-east-1b, tags: {Name: muejam-production-public-us-east-1b, Tier: public}}
  register: public_subnets

- name: Their ids, in the order given
  ansible.builtin.debug:
    msg: "{{ public_subnets.subnets | map(attribute='id') | list }}"
"""

RETURN = r"""
subnets:
  description: The subnets in the order of O(subnets), after the change (in check mode, as the change would leave them).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The subnet's id; null in check mode for a subnet to create.
      type: str
      returned: always
      sample: subnet-0123456789abcdef0
    cidr:
      description: The subnet's CIDR block.
      type: str
      returned: always
    az:
      description: The subnet's availability zone.
      type: str
      returned: always
    map_public:
      description: Whether instances launched in it get a public IPv4 address.
      type: bool
      returned: always
    state:
      description: AWS's state of the subnet (C(available)); null in check mode for a subnet to create.
      type: str
      returned: always
    tags:
      description: The subnet's tags.
      type: dict
      returned: always
changes:
  description:
    - The steps taken (in check mode, to take), in order. Each has C(action) (C(create), C(set_map_public),
      C(set_tags), C(remove_tags)), C(cidr) and its own keys (C(az), C(tags), C(map_public), C(keys)).
    - Empty exactly when nothing changes.
  returned: always
  type: list
  elements: dict
  sample:
    - {"action": "create", "cidr": "10.0.0.0/20", "az": "us-east-1a", "tags": {"Name": "public-us-east-1a"}}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.retries import not_yet_visible_caller
from ansible_collections.muejam.infra.plugins.module_utils.subnets import NOT_YET_VISIBLE, SubnetError, ensure_present


def main() -> None:
    subnet_spec = {
        "cidr": {"type": "str", "required": True},
        "az": {"type": "str", "required": True},
        "map_public": {"type": "bool", "default": False},
        "tags": {"type": "dict", "default": {}},
    }
    module = AnsibleAWSModule(
        argument_spec={
            "vpc_id": {"type": "str", "required": True},
            "subnets": {"type": "list", "elements": "dict", "required": True, "options": subnet_spec},
            "purge_tags": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 300},
            "state": {"type": "str", "choices": ["present"], "default": "present"},
        },
        supports_check_mode=True,
    )
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    params = module.params
    try:
        result = ensure_present(
            not_yet_visible_caller(NOT_YET_VISIBLE),
            client,
            params["vpc_id"],
            params["subnets"],
            purge_tags=params["purge_tags"],
            wait_timeout=params["wait_timeout"],
            check_mode=module.check_mode,
        )
    except SubnetError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not manage the subnets of {params['vpc_id']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
