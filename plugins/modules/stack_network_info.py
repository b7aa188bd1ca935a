#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_network_info
version_added: 0.1.0
short_description: Find the stack's VPC and one tier's subnets for a downstream role
description:
  - Used by the C(load_balancer) and C(scaling_group) roles (and usable on its own) to find what the
    C(networking) role made, the VPC named C(<name>-vpc) with the stack's C(Project) and C(Environment)
    tags, and its subnets tagged C(Tier=<tier>), sorted by availability zone.
  - What is given is used as it is. With both O(vpc_id) and O(subnet_ids) (as C(site.yml) passes them)
    it makes one call, DescribeVpcs by id, for the VPC's CIDR block.
  - Fails, naming what it looked for, when the VPC is not exactly one or fewer than O(min_subnets)
    subnets are found; in check mode it returns RV(found=false) instead, so that a check run on an
    empty account can report what would be created.
  - With O(wait_for_egress=true) it then waits until each subnet has egress, for instances that need it
    from their first boot (user data installing packages). A subnet's route table is the one associated with
    it, else the VPC's main one; when its C(0.0.0.0/0) route targets a NAT gateway, that gateway must be
    C(available). The networking role creates the NAT gateways without waiting for them, so the wait
    overlaps their 1.5-2 minutes of C(pending) with the stages in between. A subnet without a NAT route
    has nothing to wait for.
  - The wait polls DescribeNatGateways (botocore's C(nat_gateway_available) waiter model, which also
    retries throttling), fails at once on a gateway that C(failed) (with AWS's failure message), is
    C(deleting) or C(deleted), or that the route targets but does not exist, and fails after
    O(wait_timeout) seconds naming the gateways still C(pending).
author:
  - muejam.infra maintainers (@muejam)
options:
  name:
    description: The stack's name (C(<project>-<environment>)).
    type: str
    required: true
  tags:
    description: The stack's tags; C(Project) and C(Environment) are used to find the network.
    type: dict
    required: true
  tier:
    description: Which subnets to find.
    type: str
    choices: [public, private]
    required: true
  vpc_id:
    description: The VPC, when known (then it is not looked up by name).
    type: str
    default: ""
  subnet_ids:
    description: The subnets, when known (then they are not looked up).
    type: list
    elements: str
    default: []
  min_subnets:
    description: How many subnets must be found at least.
    type: int
    default: 1
  wait_for_egress:
    description: Whether to wait until the NAT gateway each subnet's default route targets is available.
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the NAT gateways when O(wait_for_egress=true).
    type: int
    default: 600
attributes:
  check_mode:
    support: full
    details:
      - Read-only. Where a real run fails because the network is not there, check mode returns
        RV(found=false) instead, so that a check run on an empty account can go on.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeVpcs), C(ec2:DescribeSubnets); with O(wait_for_egress=true) also
    C(ec2:DescribeRouteTables), C(ec2:DescribeNatGateways)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Find the public subnets for the load balancer
  muejam.infra.stack_network_info:
    name: muejam-production
    tags: {Project: muejam, Environment: production}
    tier: public
    min_subnets: 2
  register: network

- name: Wait until the private subnets route to an available NAT gateway
  muejam.infra.stack_network_info:
    name: muejam-production
    tags: {Project: muejam, Environment: production}
    tier: private
    vpc_id: "{{ network.vpc_id }}"
    subnet_ids: "{{ network.subnet_ids }}"
    wait_for_egress: true
    wait_timeout: 300
"""

RETURN = r"""
vpc_id:
  description: The VPC's id (empty when check mode found none).
  returned: always
  type: str
  sample: vpc-0123456789abcdef0
vpc_cidr:
  description: The VPC's CIDR block (empty when check mode found no VPC).
  returned: always
  type: str
  sample: 10.0.0.0/16
subnet_ids:
  description: The subnets of the tier, sorted by availability zone.
  returned: always
  type: list
  elements: str
  sample: [subnet-0123456789abcdef0, subnet-0123456789abcdef1]
found:
  description: Whether the network was found (false only in check mode).
  returned: always
  type: bool
  sample: true
egress:
  description:
    - For each subnet, the NAT gateway its default route targets (now available), or an empty string for
      a subnet without a NAT route.
  returned: when O(wait_for_egress=true) and the network was found
  type: dict
  sample: {"subnet-0123456789abcdef0": "nat-0123456789abcdef0", "subnet-0123456789abcdef1": ""}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.network_info import (
    EgressNotReady,
    NetworkNotFound,
    find_network,
    wait_for_egress,
)


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "tags": {"type": "dict", "required": True},
            "tier": {"type": "str", "choices": ["public", "private"], "required": True},
            "vpc_id": {"type": "str", "default": ""},
            "subnet_ids": {"type": "list", "elements": "str", "default": []},
            "min_subnets": {"type": "int", "default": 1},
            "wait_for_egress": {"type": "bool", "default": False},
            "wait_timeout": {"type": "int", "default": 600},
        },
        supports_check_mode=True,
    )
    params = module.params
    ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    try:
        network = find_network(
            ec2,
            params["name"],
            params["tags"],
            params["tier"],
            vpc_id=params["vpc_id"],
            subnet_ids=params["subnet_ids"],
            min_subnets=params["min_subnets"],
            retry=True,
        )
        if params["wait_for_egress"]:
            network["egress"] = wait_for_egress(
                ec2, network["vpc_id"], network["subnet_ids"], params["wait_timeout"], retry=True
            )
    except NetworkNotFound as error:
        if module.check_mode:
            module.exit_json(changed=False, vpc_id="", vpc_cidr="", subnet_ids=[], found=False, msg=str(error))
        module.fail_json(msg=str(error))
    except EgressNotReady as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg="Could not look up the stack's network")
    module.exit_json(changed=False, **network)


if __name__ == "__main__":
    main()
