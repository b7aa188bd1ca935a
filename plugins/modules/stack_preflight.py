#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_preflight
version_added: 0.1.0
short_description: Check every input of the stack before the first change in AWS
description:
  - Stage 0 of C(site.yml). An action plugin of the same name runs on the controller first. It
    loads each role's C(defaults/main.yml) and C(meta/argument_specs.yml) from the collection,
    puts the play's variables on top (the inventory, the task's C(vars), extra vars), and checks
    every role variable's type and choices and the rules that span fields and roles (CIDR blocks,
    subnets, availability zones, region, sizes, thresholds, TLS policy, certificate ARN, ports,
    name lengths, tags, ...). It fails with one message that lists every problem, each naming
    the variable, its value and what is allowed, before any AWS call.
  - Only when there is no problem, it runs this module, which asks AWS with read-only calls what
    only AWS can tell (the checks below) and fails the same way when one does not hold.
  - The rules are listed in the collection's C(docs/preflight.md).
author:
  - muejam.infra maintainers (@muejam)
options:
  values:
    description:
      - Variables to check, on top of the roles' defaults and the play's variables (these win).
      - C(playbooks/tasks/preflight.yml) needs none; it passes the roles' inputs as the task's C(vars),
        as C(site.yml) passes them, so that extra vars keep their precedence.
      - Read by the action plugin only.
    type: dict
  availability_zones:
    description:
      - The availability zones that must exist and be available in the region (DescribeAvailabilityZones).
      - Set by the action plugin from C(networking_availability_zones).
    type: list
    elements: str
    default: []
  image_id:
    description:
      - The AMI that must exist and be available (DescribeImages with ImageIds).
      - Set by the action plugin from C(scaling_group_ami_id). Empty skips the check.
    type: str
    default: ""
  root_device_name:
    description: The launch template's root device, which must be the AMI's (C(scaling_group_root_device_name)).
    type: str
  root_volume_size:
    description:
      - The launch template's root volume size in GiB (C(scaling_group_root_volume_size)).
      - It must be at least the size of the AMI's root snapshot.
    type: int
  certificate_arn:
    description:
      - The certificate that must exist and be able to serve. An ACM certificate must be C(ISSUED)
        (DescribeCertificate); an IAM server certificate must exist under that ARN and not have expired
        (GetServerCertificate). Empty skips the check.
      - Set by the action plugin from C(load_balancer_certificate_arn).
    type: str
    default: ""
  vpc_cidr:
    description:
      - The stack's VPC CIDR block; no VPC carrying O(tags) may have another (DescribeVpcs).
      - Set by the action plugin from C(networking_vpc_cidr). Empty skips the check.
    type: str
    default: ""
  tags:
    description: The stack's tags (C(networking_tags)), by which the networking role's VPC is found.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details: Read-only; the checks run for real in check mode (they change nothing).
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeAvailabilityZones), C(ec2:DescribeImages), C(ec2:DescribeVpcs), C(acm:DescribeCertificate),
    C(iam:GetServerCertificate) (for an IAM server certificate only)."
  - Region, endpoint and credentials come from C(module_defaults) C(group/muejam.infra.aws).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Check the stack's inputs before any change (stage 0 of site.yml)
  muejam.infra.stack_preflight:
  vars:
    networking_name: "{{ stack_name }}"
    networking_tags: "{{ stack_tags }}"
    load_balancer_name: "{{ stack_name }}"
    load_balancer_tags: "{{ stack_tags }}"
    load_balancer_target_port: "{{ stack_app_port }}"

- name: Check one changed value without editing the inventory
  muejam.infra.stack_preflight:
    values:
      scaling_group_max_size: 30
  register: preflight

- name: Show what AWS was asked
  ansible.builtin.debug:
    var: preflight.aws_checks
"""

RETURN = r"""
problems:
  description: Every problem found, in the order of the message; empty when the inputs are good.
  returned: always
  type: list
  elements: dict
  contains:
    variable:
      description: The variable at fault.
      returned: always
      type: str
      sample: networking_vpc_cidr
    value:
      description: Its value (null when it is not set).
      returned: always
      type: raw
      sample: 10.0.0.0/33
    allowed:
      description: What is allowed.
      returned: always
      type: str
      sample: must be an IPv4 CIDR block from /16 to /28 with no host bits set, such as 10.0.0.0/16
    message:
      description: The line of the failure message.
      returned: always
      type: str
      sample: "networking_vpc_cidr is '10.0.0.0/33': must be an IPv4 CIDR block from /16 to /28 ..."
checked:
  description: How many role and stack variables the offline checks covered.
  returned: always
  type: int
  sample: 96
aws_checks:
  description: The read-only AWS checks that ran (those with an empty input are skipped).
  returned: when the offline checks found no problem
  type: list
  elements: str
  sample: [availability_zones, image, certificate, stack_vpc]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.preflight import (
    check_availability_zones,
    check_certificate,
    check_image,
    check_stack_vpc,
    report,
)


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "values": {"type": "dict"},
            "availability_zones": {"type": "list", "elements": "str", "default": []},
            "image_id": {"type": "str", "default": ""},
            "root_device_name": {"type": "str"},
            "root_volume_size": {"type": "int"},
            "certificate_arn": {"type": "str", "default": ""},
            "vpc_cidr": {"type": "str", "default": ""},
            "tags": {"type": "dict", "default": {}},
        },
        supports_check_mode=True,
    )
    params = module.params
    retry = AWSRetry.jittered_backoff()
    ec2 = module.client("ec2", retry_decorator=retry)
    problems = []
    checks = []
    try:
        if params["availability_zones"]:
            checks.append("availability_zones")
            problems += check_availability_zones(ec2, params["availability_zones"], retry=True)
        if params["image_id"]:
            checks.append("image")
            problems += check_image(
                ec2, params["image_id"], params["root_device_name"], params["root_volume_size"], retry=True
            )
        if params["certificate_arn"]:
            checks.append("certificate")
            problems += check_certificate(
                module.client("acm", retry_decorator=retry),
                params["certificate_arn"],
                iam=module.client("iam", retry_decorator=retry),
                retry=True,
            )
        if params["vpc_cidr"] and params["tags"]:
            checks.append("stack_vpc")
            problems += check_stack_vpc(ec2, params["tags"], params["vpc_cidr"], retry=True)
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not check the stack's inputs in AWS ({checks[-1]})")
    result = {"changed": False, "problems": [problem.as_dict() for problem in problems], "aws_checks": checks}
    if problems:
        module.fail_json(msg=report(problems), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
