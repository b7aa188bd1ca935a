#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
version_added: 0.1.0
short_description: Manage the flow log of a VPC, subnet or network interface
description:
  - Creates, replaces, retags or deletes an EC2 flow log that delivers the IP traffic records of
    a VPC, a subnet or a network interface to a CloudWatch Logs group or an S3 bucket.
  - AWS Security Hub control EC2.6 asks for VPC flow logging in every VPC; amazon.aws and
    community.aws have no module for flow logs.
  - A flow log is identified by its resource and its destination (O(log_group_name) for
    C(cloud-watch-logs), O(log_destination) for C(s3)). AWS cannot modify a flow log, so when
    O(traffic_type), O(deliver_logs_permission_arn), O(max_aggregation_interval) or
    O(log_format) differ the module deletes it and creates a new one, and says so in RV(actions)
    and RV(replaced). Only the tags are updated in place.
  - The module converges to one flow log per resource and destination; other flow logs of the
    same resource to the same destination are deleted. Flow logs to other destinations are left
    alone.
author:
  - muejam.infra maintainers (@muejam)
options:
  resource_id:
    description: The id of the VPC (C(vpc-...)), subnet (C(subnet-...)) or network interface (C(eni-...)).
    type: str
    required: true
  resource_type:
    description:
      - The type of O(resource_id). Default derived from the id's prefix; when given it must
        agree with the prefix.
    type: str
    choices: [VPC, Subnet, NetworkInterface]
  traffic_type:
    description: Which traffic to log.
    type: str
    choices: [ALL, ACCEPT, REJECT]
    default: ALL
  log_destination_type:
    description: Where the records go.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description:
      - The CloudWatch Logs group to deliver to. Required with O(state=present) and
        O(log_destination_type=cloud-watch-logs); not allowed with C(s3).
      - With O(state=absent) and without it, every C(cloud-watch-logs) flow log of the resource
        is deleted.
    type: str
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role that lets the flow log write to the log group. Required with
        O(state=present) and O(log_destination_type=cloud-watch-logs); not allowed with C(s3).
    type: str
  log_destination:
    description:
      - The S3 ARN to deliver to (C(arn:aws:s3:::bucket) or C(arn:aws:s3:::bucket/prefix/)).
        Required with O(state=present) and O(log_destination_type=s3); not allowed with
        C(cloud-watch-logs). A trailing slash makes no difference when comparing.
      - With O(state=absent) and without it, every C(s3) flow log of the resource is deleted.
    type: str
  max_aggregation_interval:
    description: The longest interval, in seconds, over which a flow is captured into one record.
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description:
      - The fields of a record, as C(${field}) words separated by spaces.
      - Default AWS's default format; when unset, whatever format the existing flow log has is
        accepted.
    type: str
  state:
    description: Whether the flow log exists.
    type: str
    choices: [present, absent]
    default: present
attributes:
  check_mode:
    support: full
    details: Reports what would change (RV(actions), RV(replaced), the predicted RV(flow_log)) and changes nothing.
  diff_mode:
    support: none
    details: It returns no diff; RV(actions) says what changes.
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeFlowLogs), C(ec2:CreateFlowLogs), C(ec2:DeleteFlowLogs), C(ec2:CreateTags),
    C(ec2:DeleteTags); C(iam:PassRole) on O(deliver_logs_permission_arn) for CloudWatch Logs;
    C(logs:CreateLogDelivery) and C(s3:PutBucketPolicy) or an existing bucket policy for S3."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Log all the VPC's traffic to CloudWatch Logs (Security Hub EC2.6)
  muejam.infra.ec2_vpc_flow_log:
    resource_id: "{{ networking_outputs.vpc_id }}"
    log_group_name: /muejam/production/vpc-flow-logs
    deliver_logs_permission_arn: arn:aws:iam::111111111111:role/muejam-production-flow-logs
    tags:
      Project: muejam
      Environment: production
  register: flow_log

- name: Log rejected traffic of a subnet to S3, one-minute records
  muejam.infra.ec2_vpc_flow_log:
    resource_id: subnet-0123456789abcdef0
    traffic_type: REJECT
    log_destination_type: s3
    log_destination: arn:aws:s3:::muejam-production-flow-logs/subnets/
    max_aggregation_interval: 60

- name: Remove the VPC's flow log to the group
  muejam.infra.ec2_vpc_flow_log:
    resource_id: "{{ networking_outputs.vpc_id }}"
    log_group_name: /muejam/production/vpc-flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description: The flow log after the change (predicted in check mode); empty after O(state=absent).
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The flow log's id; null for one check mode would create.
      returned: when O(state=present)
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The VPC, subnet or network interface logged.
      returned: when O(state=present)
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: C(ALL), C(ACCEPT) or C(REJECT).
      returned: when O(state=present)
      type: str
      sample: ALL
    log_destination_type:
      description: C(cloud-watch-logs) or C(s3).
      returned: when O(state=present)
      type: str
      sample: cloud-watch-logs
    log_group_name:
      description: The CloudWatch Logs group; null for S3.
      returned: when O(state=present)
      type: str
      sample: /muejam/production/vpc-flow-logs
    log_destination:
      description: The destination's ARN (AWS reports the log group's ARN for CloudWatch Logs).
      returned: when O(state=present)
      type: str
      sample: arn:aws:s3:::muejam-production-flow-logs/subnets/
    deliver_logs_permission_arn:
      description: The IAM role the flow log delivers with; null for S3.
      returned: when O(state=present)
      type: str
      sample: arn:aws:iam::111111111111:role/muejam-production-flow-logs
    max_aggregation_interval:
      description: The aggregation interval in seconds.
      returned: when O(state=present)
      type: int
      sample: 600
    log_format:
      description: The record format.
      returned: when O(state=present)
      type: str
      sample: "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport}"
    flow_log_status:
      description: C(ACTIVE) once created; null in check mode before creation.
      returned: when O(state=present)
      type: str
      sample: ACTIVE
    deliver_logs_status:
      description: C(SUCCESS), C(FAILED) (for example a wrong role or a missing group) or C(INACCESSIBLE).
      returned: when O(state=present)
      type: str
      sample: SUCCESS
    deliver_logs_error_message:
      description: Why delivery fails (C(Access error), C(Rate limited), ...); null when it works.
      returned: when O(state=present)
      type: str
      sample: null
    tags:
      description: The flow log's tags.
      returned: when O(state=present)
      type: dict
      sample: {"Project": "muejam", "Environment": "production"}
replaced:
  description: Whether an existing flow log was (or in check mode would be) deleted and created again.
  returned: always
  type: bool
  sample: false
actions:
  description: What was done (or in check mode would be done), in words.
  returned: always
  type: list
  elements: str
  sample: ["replace flow log fl-0123456789abcdef0 (cannot be modified: traffic_type 'ALL' -> 'REJECT')"]
deleted_flow_log_ids:
  description: The flow logs deleted (or in check mode to be deleted).
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [fl-0123456789abcdef0]
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.flow_logs import (
    FlowLogError,
    desired_flow_log,
    ensure_absent,
    ensure_present,
    validate_params,
)


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "resource_id": {"type": "str", "required": True},
            "resource_type": {"type": "str", "choices": ["VPC", "Subnet", "NetworkInterface"]},
            "traffic_type": {"type": "str", "choices": ["ALL", "ACCEPT", "REJECT"], "default": "ALL"},
            "log_destination_type": {
                "type": "str",
                "choices": ["cloud-watch-logs", "s3"],
                "default": "cloud-watch-logs",
            },
            "log_group_name": {"type": "str"},
            "deliver_logs_permission_arn": {"type": "str"},
            "log_destination": {"type": "str"},
            "max_aggregation_interval": {"type": "int", "choices": [60, 600], "default": 600},
            "log_format": {"type": "str"},
            "tags": {"type": "dict", "aliases": ["resource_tags"]},
            "purge_tags": {"type": "bool", "default": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
        },
        supports_check_mode=True,
    )
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    params = module.params
    try:
        validate_params(params)
        desired = desired_flow_log(params)
        if params["state"] == "present":
            result = ensure_present(client, desired, module.check_mode)
        else:
            result = ensure_absent(client, desired, module.check_mode)
    except FlowLogError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not manage the flow log of {params['resource_id']}")
    flow_log = result["flow_log"]
    if flow_log.get("deliver_logs_status") == "FAILED":
        # Created fine but delivering nothing: EC2.6 is met on paper only, so say it.
        module.warn(
            f"Flow log {flow_log['flow_log_id']} cannot deliver its records: "
            f"{flow_log.get('deliver_logs_error_message') or 'no reason given'} "
            "(check the log group exists and the role's trust and permissions)"
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
