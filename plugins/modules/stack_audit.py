#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_audit
version_added: 0.1.0
short_description: Audit a live web tier stack against AWS Security Hub controls
description:
  - Reads the stack named O(name) (the VPC C(<name>-vpc) tagged with O(tags)'s C(Project) and
    C(Environment), its subnets, security groups and flow logs, the ALB C(<name>-alb) with its
    attributes, listeners and rules, the target group C(<name>-tg), the launch template
    C(<name>-lt), the Auto Scaling group C(<name>-asg) with its instances and their volumes, the
    IAM role C(<name>-app) with its policies, and the log groups under O(log_group_prefix) plus
    the flow logs' groups) and checks these AWS Security Hub Foundational Security Best
    Practices controls.
  - C(ELB.1) every HTTP listener redirects to HTTPS (default action and rules), and the ALB has an
    HTTPS listener.
  - C(ELB.4) the ALB drops invalid HTTP header fields.
  - C(ELB.5) the ALB's access logs go to an S3 bucket. C(ELB.6) the ALB has deletion protection.
    Both are required when O(production) is true; otherwise a setting that is off is reported
    C(NOT_REQUIRED) (which does not fail the audit) and one that is on C(PASS).
  - C(ELB.13) the ALB spans two availability zones or more. C(AutoScaling.2) so does the group.
  - C(AutoScaling.1) the group is attached to the stack's target group and uses ELB health checks.
  - C(EC2.2) the VPC's default security group has no inbound and no outbound rule.
  - C(EC2.6) an active flow log of the VPC logs rejected (or all) traffic to a CloudWatch Logs log
    group that has a retention.
  - C(EC2.8/EC2.170) the launch template requires IMDSv2 (C(HttpTokens=required)), in its default,
    latest and in-use versions, and so do the group's instances.
  - C(EC2.15) no subnet of the VPC assigns public IPv4 addresses, and there are private subnets.
  - C(EC2.18/EC2.19) no security group of the VPC opens anything to C(0.0.0.0/0) or C(::/0) except
    TCP 80 and 443 on the ALB's security groups.
  - C(EC2.25) the launch template's network interfaces get no public IP address.
  - C(EC2.3) EBS volumes are encrypted, by the launch template's block device mappings (or the
    account's EBS encryption by default) and on the group's attached volumes.
  - C(IAM.1/IAM.21) no inline or attached policy of the instance role allows C(*), C(service:*)
    or C(NotAction) in an C(Allow) statement (AWS managed policies included).
  - C(Logs.Retention) (this collection's own check, not a Security Hub control) every log group of
    the stack has a retention; CloudWatch.16 asks for a minimum instead and passes groups that never
    expire.
  - A resource that is missing fails the controls that need it, naming it, so an audit of a stack
    that does not exist never passes.
  - Read-only. It never reports a change and runs in check mode for real. It does not fail when a
    control fails; it returns RV(failed_controls) and RV(passed), so that the caller prints
    RV(table) first and then fails (see C(playbooks/audit.yml)).
author:
  - muejam.infra maintainers (@muejam)
options:
  name:
    description: The stack's name prefix (C(<project>-<environment>)); resources are C(<name>-<suffix>).
    type: str
    required: true
  tags:
    description: The stack's tags; C(Project) and C(Environment) are required and find the VPC.
    type: dict
    required: true
  production:
    description: Whether the stack is a production one, where C(ELB.5) and C(ELB.6) are required.
    type: bool
    default: false
  log_group_prefix:
    description: The prefix of the stack's log groups. Default C(/<Project>/<Environment>/).
    type: str
attributes:
  check_mode:
    support: full
    details: Read-only; the audit runs for real in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeVpcs), C(ec2:DescribeSubnets), C(ec2:DescribeSecurityGroups),
    C(ec2:DescribeFlowLogs), C(ec2:DescribeLaunchTemplates), C(ec2:DescribeLaunchTemplateVersions),
    C(ec2:DescribeInstances), C(ec2:DescribeVolumes), C(ec2:GetEbsEncryptionByDefault),
    C(elasticloadbalancing:DescribeLoadBalancers), C(elasticloadbalancing:DescribeLoadBalancerAttributes),
    C(elasticloadbalancing:DescribeListeners), C(elasticloadbalancing:DescribeRules),
    C(elasticloadbalancing:DescribeTargetGroups), C(autoscaling:DescribeAutoScalingGroups),
    C(iam:GetRole), C(iam:ListRolePolicies), C(iam:GetRolePolicy), C(iam:ListAttachedRolePolicies),
    C(iam:GetPolicy), C(iam:GetPolicyVersion), C(logs:DescribeLogGroups)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Audit the production stack
  muejam.infra.stack_audit:
    name: muejam-production
    tags:
      Project: muejam
      Environment: production
    production: true
  register: audit

- name: Print the audit's table
  ansible.builtin.debug:
    msg: "{{ audit.table_lines }}"

- name: Fail when a control fails, naming it
  ansible.builtin.assert:
    that: audit.passed
    fail_msg: "Failed controls: {{ audit.failed_controls | join(', ') }}"
    quiet: true
"""

RETURN = r"""
passed:
  description: Whether no control failed (C(NOT_REQUIRED) counts as passing).
  returned: always
  type: bool
  sample: false
failed_controls:
  description: The controls that failed, in the table's order.
  returned: always
  type: list
  elements: str
  sample: ["EC2.18/EC2.19"]
failures:
  description: "One line per failing resource, C(<control> <resource>: <why>), in the table's order."
  returned: always
  type: list
  elements: str
  sample: ["EC2.18/EC2.19 sg-0123456789abcdef0 (muejam-production-app-sg): tcp 22 open to 0.0.0.0/0"]
results:
  description: One result per control, in the table's order.
  returned: always
  type: list
  elements: dict
  contains:
    control:
      description: The Security Hub control id(s), or C(Logs.Retention).
      returned: always
      type: str
      sample: ELB.4
    title:
      description: What the control checks on this stack.
      returned: always
      type: str
      sample: ALB drops invalid HTTP headers
    status:
      description: C(PASS), C(FAIL) or C(NOT_REQUIRED).
      returned: always
      type: str
      sample: FAIL
    checked:
      description: The resources the control looked at.
      returned: always
      type: list
      elements: str
      sample: ["muejam-production-alb"]
    failures:
      description: Each failing (or missing) resource and why.
      returned: always
      type: list
      elements: dict
      sample: [{"resource": "muejam-production-alb", "reason": "deletion_protection.enabled is false"}]
    note:
      description: Why a control is C(NOT_REQUIRED); empty otherwise.
      returned: always
      type: str
      sample: deletion_protection.enabled is false; required only in production
table:
  description: >-
    The results as a plain-text table with the columns CONTROL, STATUS, TITLE, RESOURCE and WHY,
    one line per control and one more per further failing resource, and a summary line.
  returned: always
  type: str
  sample: |-
    CONTROL  STATUS  TITLE                                 RESOURCE               WHY
    -------  ------  ------------------------------------  ---------------------  ---
    ELB.1    PASS    HTTP listeners redirect to HTTPS
    ELB.6    FAIL    ALB deletion protection (production)  muejam-production-alb  deletion_protection.enabled is false
    2 controls: 1 PASS, 1 FAIL, 0 NOT_REQUIRED
table_lines:
  description: RV(table) split into lines, for C(ansible.builtin.debug).
  returned: always
  type: list
  elements: str
  sample: ["CONTROL  STATUS  TITLE ...", "ELB.1    PASS    HTTP listeners redirect to HTTPS"]
"""

from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.audit import (
    audit,
    audited_versions,
    failed_controls,
    failure_lines,
    render_table,
)
from ansible_collections.muejam.infra.plugins.module_utils.names import resource_name


class StackError(Exception):
    """The stack cannot be audited as described (an ambiguous lookup)."""


# The clients' retries (gather() below). CloudWatch Logs throttles with ThrottlingException, a code
# AWSRetry does not retry by itself. Paginators bypass a client's retry wrapper (amazon.aws never
# wraps get_paginator): the whole pagination is retried instead, as amazon.aws's helpers do.
RETRY = AWSRetry.jittered_backoff(retries=5, catch_extra_error_codes=["ThrottlingException"])


@RETRY
def paginate(client: Any, operation: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    return client.get_paginator(operation).paginate(**kwargs).build_full_result().get(key, [])


def find_vpc(ec2: Any, name: str, tags: dict[str, str]) -> dict[str, Any] | None:
    filters = [{"Name": "tag:Name", "Values": [resource_name("vpc", name)]}]
    filters += [{"Name": f"tag:{key}", "Values": [tags[key]]} for key in ("Project", "Environment")]
    vpcs = paginate(ec2, "describe_vpcs", "Vpcs", Filters=filters)
    if len(vpcs) > 1:
        ids = ", ".join(vpc["VpcId"] for vpc in vpcs)
        raise StackError(
            f"found {len(vpcs)} VPCs named {name}-vpc with the stack's tags ({ids}): exactly one may exist"
        )
    return vpcs[0] if vpcs else None


def gather_network(ec2: Any, vpc: dict[str, Any] | None) -> dict[str, Any]:
    if vpc is None:
        return {"subnets": [], "security_groups": [], "flow_logs": []}
    in_vpc = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    return {
        "subnets": paginate(ec2, "describe_subnets", "Subnets", Filters=in_vpc),
        "security_groups": paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpc),
        "flow_logs": paginate(
            ec2, "describe_flow_logs", "FlowLogs", Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}]
        ),
    }


def gather_load_balancer(elbv2: Any, name: str) -> dict[str, Any]:
    found: dict[str, Any] = {"load_balancer": None, "load_balancer_attributes": {}, "listeners": []}
    try:
        balancers = elbv2.describe_load_balancers(Names=[resource_name("load_balancer", name)], aws_retry=True)[
            "LoadBalancers"
        ]
    except is_boto3_error_code("LoadBalancerNotFound"):
        balancers = []
    try:
        groups = elbv2.describe_target_groups(Names=[resource_name("target_group", name)], aws_retry=True)[
            "TargetGroups"
        ]
    except is_boto3_error_code("TargetGroupNotFound"):
        groups = []
    found["target_group"] = groups[0] if groups else None
    if not balancers:
        return found
    balancer = balancers[0]
    arn = balancer["LoadBalancerArn"]
    attributes = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn, aws_retry=True)["Attributes"]
    listeners = paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn)
    for listener in listeners:
        listener["Rules"] = elbv2.describe_rules(ListenerArn=listener["ListenerArn"], aws_retry=True)["Rules"]
    found.update(
        load_balancer=balancer,
        load_balancer_attributes={item["Key"]: item["Value"] for item in attributes},
        listeners=listeners,
    )
    return found


def gather_compute(ec2: Any, autoscaling: Any, name: str) -> dict[str, Any]:
    groups = autoscaling.describe_auto_scaling_groups(
        AutoScalingGroupNames=[resource_name("auto_scaling_group", name)], aws_retry=True
    )
    group = (groups["AutoScalingGroups"] or [None])[0]
    try:
        templates = ec2.describe_launch_templates(
            LaunchTemplateNames=[resource_name("launch_template", name)], aws_retry=True
        )
        template = (templates["LaunchTemplates"] or [None])[0]
    except is_boto3_error_code(["InvalidLaunchTemplateName.NotFoundException", "InvalidLaunchTemplateId.NotFound"]):
        template = None
    versions: list[dict[str, Any]] = []
    if template is not None:
        every = paginate(
            ec2,
            "describe_launch_template_versions",
            "LaunchTemplateVersions",
            LaunchTemplateId=template["LaunchTemplateId"],
        )
        versions = audited_versions(every, group)
    instance_ids = [instance["InstanceId"] for instance in (group or {}).get("Instances") or []]
    instances: list[dict[str, Any]] = []
    volumes: list[dict[str, Any]] = []
    if instance_ids:
        live = [{"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]}]
        reservations = paginate(ec2, "describe_instances", "Reservations", InstanceIds=instance_ids, Filters=live)
        instances = [instance for reservation in reservations for instance in reservation["Instances"]]
        if instances:
            attached = [{"Name": "attachment.instance-id", "Values": [item["InstanceId"] for item in instances]}]
            volumes = paginate(ec2, "describe_volumes", "Volumes", Filters=attached)
    encryption = ec2.get_ebs_encryption_by_default(aws_retry=True)["EbsEncryptionByDefault"]
    return {
        "autoscaling_group": group,
        "launch_template": template,
        "launch_template_versions": versions,
        "instances": instances,
        "volumes": volumes,
        "ebs_encryption_by_default": encryption,
    }


def gather_role(iam: Any, name: str) -> dict[str, Any]:
    role_name = resource_name("instance_role", name)
    try:
        role = iam.get_role(RoleName=role_name, aws_retry=True)["Role"]
    except is_boto3_error_code("NoSuchEntity"):
        return {"role": None, "role_policies": []}
    policies = []
    for policy_name in paginate(iam, "list_role_policies", "PolicyNames", RoleName=role_name):
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name, aws_retry=True)["PolicyDocument"]
        policies.append({"name": policy_name, "kind": "inline", "document": document})
    for attached in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=role_name):
        arn = attached["PolicyArn"]
        version = iam.get_policy(PolicyArn=arn, aws_retry=True)["Policy"]["DefaultVersionId"]
        document = iam.get_policy_version(PolicyArn=arn, VersionId=version, aws_retry=True)["PolicyVersion"]["Document"]
        policies.append({"name": attached["PolicyName"], "kind": "managed", "arn": arn, "document": document})
    return {"role": role, "role_policies": policies}


def gather_log_groups(logs: Any, prefix: str, flow_logs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups = paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=prefix)
    known = {group["logGroupName"] for group in groups}
    for name in sorted({log["LogGroupName"] for log in flow_logs if log.get("LogGroupName")} - known):
        matches = paginate(logs, "describe_log_groups", "logGroups", logGroupNamePrefix=name)
        groups += [group for group in matches if group["logGroupName"] == name]
    return groups


def gather(module: AnsibleAWSModule) -> dict[str, Any]:
    """Describe the stack as plain dicts for module_utils.audit.audit()."""
    params = module.params
    name, tags = params["name"], params["tags"]
    prefix = params["log_group_prefix"] or f"/{tags['Project']}/{tags['Environment']}/"
    ec2 = module.client("ec2", retry_decorator=RETRY)
    vpc = find_vpc(ec2, name, tags)
    stack: dict[str, Any] = {
        "name": name,
        "production": params["production"],
        "log_group_prefix": prefix,
        "vpc": vpc,
    }
    stack.update(gather_network(ec2, vpc))
    stack.update(gather_load_balancer(module.client("elbv2", retry_decorator=RETRY), name))
    stack.update(gather_compute(ec2, module.client("autoscaling", retry_decorator=RETRY), name))
    stack.update(gather_role(module.client("iam", retry_decorator=RETRY), name))
    stack["log_groups"] = gather_log_groups(module.client("logs", retry_decorator=RETRY), prefix, stack["flow_logs"])
    return stack


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "tags": {"type": "dict", "required": True},
            "production": {"type": "bool", "default": False},
            "log_group_prefix": {"type": "str"},
        },
        supports_check_mode=True,
    )
    tags = module.params["tags"]
    absent = [key for key in ("Project", "Environment") if not tags.get(key)]
    if absent:
        module.fail_json(msg=f"tags is {tags}: it must set {' and '.join(absent)}, by which the stack's VPC is found")
    try:
        stack = gather(module)
    except StackError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # AWS errors while describing the stack, reported once
        module.fail_json_aws(error, msg=f"Could not describe the stack {module.params['name']}")
    results = audit(stack)
    table = render_table(results)
    failed = failed_controls(results)
    module.exit_json(
        changed=False,
        passed=not failed,
        failed_controls=failed,
        failures=failure_lines(results),
        results=results,
        table=table,
        table_lines=table.splitlines(),
    )


if __name__ == "__main__":
    main()
