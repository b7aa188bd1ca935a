#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_vpc_security_group
version_added: 0.1.0
short_description: Create a VPC security group and make its rules and tags exact, without fixed waits
description:
  - Finds the VPC's security group of the given name (one C(DescribeSecurityGroups)), creates it
    when there is none, and makes its inbound and outbound rules and its tags the wanted ones.
    With nothing to change that one call is all the module makes.
  - Takes the options of M(amazon.aws.ec2_security_group) that the collection's roles use, with
    the same meaning, and compares rules one per source, protocol and port range, descriptions
    included (the comparison of the collection's C(muejam.infra.stack_state) module, written once).
  - Unlike M(amazon.aws.ec2_security_group), which sleeps a fixed 3 s after it creates a group to
    re-read the outbound rule AWS adds, this module knows that rule (every new VPC security group
    has exactly one, all traffic out to C(0.0.0.0/0)) and revokes it when O(purge_rules_egress) is
    true and it is not wanted. It waits for nothing but retries throttling, 5xx errors and
    C(InvalidGroup.NotFound) of a group AWS does not show yet, with a jittered backoff.
  - New rules are authorized before unwanted ones are revoked, so a changed source never leaves
    a moment with neither; a rule whose description alone differs is updated in place.
  - AWS cannot change a security group's description; a group found with another one is refused,
    naming it, before any change.
author:
  - muejam.infra maintainers (@muejam)
options:
  name:
    description: The group's name, how it is found in the VPC.
    type: str
    required: true
  description:
    description: The group's description, set when it is created.
    type: str
    required: true
  vpc_id:
    description: The VPC of the group.
    type: str
    required: true
  rules:
    description: The inbound rules.
    type: list
    elements: dict
    default: []
    suboptions: &rule_options
      proto:
        description: C(tcp), C(udp), C(icmp), or C(all) (C(-1)); protocol numbers 6, 17 and 1 are taken as their names.
        type: str
        default: tcp
      ports:
        description:
          - Ports (C(443)) or ranges (C(8000-8010)); each makes a rule of its own.
          - Required for C(tcp) and C(udp); with C(icmp) and none, every type and code; ignored with C(all).
        type: list
        elements: str
      cidr_ip:
        description: IPv4 CIDR blocks (host bits are cleared, as AWS stores them).
        type: list
        elements: str
      cidr_ipv6:
        description: IPv6 CIDR blocks.
        type: list
        elements: str
      prefix_list_id:
        description: Managed prefix lists (C(pl-...)).
        type: list
        elements: str
      group_id:
        description: Security groups (C(sg-...)) whose members are the source or destination.
        type: list
        elements: str
      rule_desc:
        description: The description of every rule the entry makes.
        type: str
  rules_egress:
    description: The outbound rules; the suboptions of O(rules).
    type: list
    elements: dict
    default: []
    suboptions: *rule_options
  purge_rules:
    description: Revoke the inbound rules not in O(rules).
    type: bool
    default: true
  purge_rules_egress:
    description: Revoke the outbound rules not in O(rules_egress), the one AWS adds to a new group included.
    type: bool
    default: true
  tags:
    description: The group's tags.
    type: dict
    default: {}
  purge_tags:
    description: Remove the tags not in O(tags).
    type: bool
    default: true
  state:
    description:
      - Only C(present). Deleting the group is a teardown's work
        (M(muejam.infra.stack_teardown) deletes a stack's security groups once nothing uses them).
    type: str
    choices: [present]
    default: present
attributes:
  check_mode:
    support: full
    details: Reports the steps it would take (RV(changes)) and the group as they would leave it, and changes nothing.
  diff_mode:
    support: none
    details: It returns no diff; RV(changes) lists every step.
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeSecurityGroups), C(ec2:CreateSecurityGroup), C(ec2:AuthorizeSecurityGroupIngress),
    C(ec2:AuthorizeSecurityGroupEgress), C(ec2:RevokeSecurityGroupIngress), C(ec2:RevokeSecurityGroupEgress),
    C(ec2:UpdateSecurityGroupRuleDescriptionsIngress), C(ec2:UpdateSecurityGroupRuleDescriptionsEgress),
    C(ec2:CreateTags), C(ec2:DeleteTags)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: The ALB's group, HTTP and HTTPS in from anywhere, the app port out to the VPC
  muejam.infra.ec2_vpc_security_group:
    name: muejam-production-alb
    description: "muejam-production ALB: HTTP and HTTPS in, the app port to the VPC out"
    vpc_id: vpc-0123456789abcdef0
    rules:
      - proto: tcp
        ports: [80, 443]
        cidr_ip: [0.0.0.0/0]
        rule_desc: HTTP and HTTPS from the clients
    rules_egress:
      - proto: tcp
        ports: [8000]
        cidr_ip: [10.0.0.0/16]
        rule_desc: The app port of the targets in the VPC
    tags:
      Name: muejam-production-alb
      Project: muejam
  register: alb_group

- name: The app's group, its port from the ALB's group only
  muejam.infra.ec2_vpc_security_group:
    name: muejam-production-app
    description: "muejam-production app instances: the app port from the ALB only"
    vpc_id: vpc-0123456789abcdef0
    rules:
      - ports: [8000]
        group_id: ["{{ alb_group.group_id }}"]
        rule_desc: The app port from the ALB
"""

RETURN = r"""
group_id:
  description: The group's id; null in check mode when the group would be created.
  returned: always
  type: str
  sample: sg-0123456789abcdef0
security_group:
  description: The group after the change (in check mode, as the change would leave it).
  returned: always
  type: dict
  contains:
    id:
      description: The group's id (null in check mode when it would be created).
      type: str
      returned: always
    name:
      description: The group's name.
      type: str
      returned: always
    description:
      description: The group's description.
      type: str
      returned: always
    vpc_id:
      description: The group's VPC.
      type: str
      returned: always
    ingress:
      description: The inbound rules, one per source, protocol and port range, sorted.
      type: list
      elements: dict
      returned: always
      sample: [{"protocol": "tcp", "from_port": 443, "to_port": 443, "source": "0.0.0.0/0", "description": "HTTPS"}]
    egress:
      description: The outbound rules, as RV(security_group.ingress).
      type: list
      elements: dict
      returned: always
    tags:
      description: The group's tags.
      type: dict
      returned: always
changes:
  description:
    - The steps taken (in check mode, to take), in order. Each has C(action) (C(create),
      C(authorize), C(describe), C(revoke), C(set_tags), C(remove_tags)) and its own keys
      (C(direction) and C(rule), C(tags), C(keys)).
    - Empty exactly when nothing changes.
  returned: always
  type: list
  elements: dict
  sample:
    - {"action": "create", "group": "muejam-production-alb", "description": "...", "tags": {"Name": "alb"}}
    - action: revoke
      direction: egress
      rule: {"protocol": "-1", "from_port": null, "to_port": null, "source": "0.0.0.0/0", "description": ""}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.retries import not_yet_visible_caller
from ansible_collections.muejam.infra.plugins.module_utils.security_groups import (
    NOT_YET_VISIBLE,
    SecurityGroupError,
    ensure_present,
)


def main() -> None:
    rule_spec = {
        "proto": {"type": "str", "default": "tcp"},
        "ports": {"type": "list", "elements": "str"},
        "cidr_ip": {"type": "list", "elements": "str"},
        "cidr_ipv6": {"type": "list", "elements": "str"},
        "prefix_list_id": {"type": "list", "elements": "str"},
        "group_id": {"type": "list", "elements": "str"},
        "rule_desc": {"type": "str"},
    }
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "description": {"type": "str", "required": True},
            "vpc_id": {"type": "str", "required": True},
            "rules": {"type": "list", "elements": "dict", "default": [], "options": rule_spec},
            "rules_egress": {"type": "list", "elements": "dict", "default": [], "options": rule_spec},
            "purge_rules": {"type": "bool", "default": True},
            "purge_rules_egress": {"type": "bool", "default": True},
            "tags": {"type": "dict", "default": {}},
            "purge_tags": {"type": "bool", "default": True},
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
            params["name"],
            params["vpc_id"],
            params["description"],
            params["rules"],
            params["rules_egress"],
            params["tags"],
            purge={"ingress": params["purge_rules"], "egress": params["purge_rules_egress"]},
            purge_tags=params["purge_tags"],
            check_mode=module.check_mode,
        )
    except SecurityGroupError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not manage the security group {params['name']} in {params['vpc_id']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
