#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_teardown
version_added: 0.1.0
short_description: Remove the stack, or some of its parts, in one call, in dependency order, with every wait overlapped
description:
  - Removes every resource the chosen O(parts) of the stack own, found by the names of the collection's
    names table and the stack's C(Project) and C(Environment) tags, the way each role's C(absent) removed them,
    in one call instead of one task per resource.
  - The dependency order is written once, in Python (C(plugins/module_utils/teardown.py)). What takes AWS's
    time starts at once, all together - the NAT gateways' deletion, the Auto Scaling group's (with
    C(ForceDelete), so its instances terminate, AWS deletes its scaling policies with it), the CPU alarms' and
    the load balancer's (its deletion protection turned off first when it is on, as the C(load_balancer)
    role's C(absent) always did). While they proceed, what has no wait goes (launch template, instance
    profile, IAM roles, log groups, the target group once the load balancer is gone, the access logs' bucket
    with the logs in it). One loop then waits on AWS's state for all of them at once (describe calls every
    O(poll_interval) seconds, no fixed sleep) and removes what each held the moment it is gone - the app
    security group once the instances are terminated, the Elastic IPs once the NAT gateways are deleted,
    then the ALB security group, the route tables, the internet gateway (detached first), the subnets, the
    flow logs, the VPC, the flow logs' role and log group.
  - Never stops at the first error. AWS refusing a deletion because something still holds the resource
    (C(DependencyViolation) while network interfaces are released, ...) is retried until O(wait_timeout);
    any other error leaves that resource and what depends on it, and everything else is still removed.
    The module then fails, listing in RV(left) what is left and why.
  - The network's removal stops before the route tables, subnets and VPC when the VPC holds anything that is
    not the network's own (another part's security group, somebody's instance), naming it; its NAT gateways
    and Elastic IPs go in any case (they bill by the hour).
  - Idempotent, and safe after a run that was killed half-way - what is already being deleted is waited for,
    what is gone is not found; a run that finds nothing reports C(changed=false).
  - Every AWS call retries throttling and 5xx errors (amazon.aws's C(AWSRetry.jittered_backoff)).
author:
  - muejam.infra maintainers (@muejam)
options:
  parts:
    description:
      - The parts of the stack to remove, by the role that owns them; the order does not matter.
      - A part's resources that wait for another part's (the network's subnets for the scaling group's
        instances) wait for them only when both are removed.
    type: list
    elements: str
    choices: [networking, load_balancer, instance_bootstrap, scaling_group]
    default: [networking, load_balancer, instance_bootstrap, scaling_group]
  name:
    description: The stack's name (C(<project>-<environment>)); every resource's name is made from it.
    type: str
    required: true
  tags:
    description: The stack's tags; C(Project) and C(Environment) are required (resources are found by them).
    type: dict
    required: true
  vpc_id:
    description:
      - C(scaling_group) only, the role's C(scaling_group_vpc_id) - the VPC of the app security group, when
        given. Empty finds the group by its name and the stack's tags in any VPC.
    type: str
    default: ""
  flow_logs_log_group_name:
    description:
      - C(networking) only, the role's C(networking_flow_logs_log_group_name). Empty means
        C(/<Project>/<Environment>/vpc-flow-logs).
    type: str
    default: ""
  access_logs_bucket:
    description:
      - C(load_balancer) only, the role's C(load_balancer_access_logs_bucket). Empty means
        C(<name>-alb-logs-<account id>).
    type: str
    default: ""
  access_logs_delete_bucket:
    description:
      - C(load_balancer) only, the role's C(load_balancer_access_logs_delete_bucket) - whether the access logs'
        bucket is deleted with the logs in it. V(false) keeps it (and the leftovers check does not count it).
    type: bool
    default: true
  manage_log_groups:
    description:
      - C(instance_bootstrap) only, the role's C(instance_bootstrap_manage_log_groups) - whether the log groups
        C(/<project>/<environment>/app) and C(.../system) are the stack's to delete.
    type: bool
    default: true
  project:
    description: C(instance_bootstrap) only, the project in the log groups' names. Empty takes the C(Project) tag.
    type: str
    default: ""
  environment:
    description:
      - C(instance_bootstrap) only, the environment in the log groups' names. Empty takes the C(Environment) tag.
    type: str
    default: ""
  wait_timeout:
    description:
      - Seconds the whole removal may wait for AWS, from the module's start - NAT gateways deleted, instances
        terminated, network interfaces released. What is not gone by then is left (and named).
    type: int
    default: 600
  poll_interval:
    description: Seconds between two rounds of describe calls while something is being deleted.
    type: int
    default: 2
  check_leftovers:
    description:
      - After the removal, look for every kind of resource of the whole stack (VPC, subnets, route tables,
        internet gateways, NAT gateways, Elastic IPs, security groups, load balancers, target groups, launch
        templates, Auto Scaling groups, scaling policies, alarms, IAM roles, instance profiles, log groups and
        access-log buckets) by its tags or name prefix, and count whatever is found as left.
      - In check mode, what is found that the chosen parts would not remove is returned in RV(left) without failing.
    type: bool
    default: false
  lock:
    description:
      - Hold the stack's lock (the one M(muejam.infra.stack_lock) takes) for the removal, in the same call - taken
        before the first deletion (one C(PutParameter) when it is free) and released after the last, also when
        the removal fails. Another run holding it fails the module before anything is deleted, naming the holder
        and the command that breaks a killed run's lock, as M(muejam.infra.stack_lock) does.
      - A run killed before its end leaves the lock, as with M(muejam.infra.stack_lock).
      - In check mode nothing is taken; a lock held by another run still fails the module.
      - C(teardown.yml) uses it, so that the lock costs no task of its own at either end of the wait.
    type: bool
    default: false
  lock_holder:
    description: With O(lock), who takes the lock, as the refusal of another run shows it. Default C(<user>@<host>).
    type: str
  lock_playbook:
    description: With O(lock), what the run is doing, as the refusal of another run shows it.
    type: str
    default: teardown.yml
attributes:
  check_mode:
    support: full
    details: Nothing is deleted; RV(removed) lists what would be deleted and C(changed) is true when anything would.
  diff_mode:
    support: none
    details: It returns no diff; RV(removed) and RV(left) say what went and what stays.
  platform:
    platforms: posix
notes:
  - "IAM: ec2:Describe{Vpcs,NatGateways,Addresses,SecurityGroups,NetworkInterfaces,RouteTables,InternetGateways,
    Subnets,FlowLogs,Instances,LaunchTemplates}, ec2:DeleteNatGateway, ec2:ReleaseAddress, ec2:DeleteSecurityGroup,
    ec2:DisassociateRouteTable, ec2:DeleteRouteTable, ec2:DetachInternetGateway, ec2:DeleteInternetGateway,
    ec2:DeleteSubnet, ec2:DeleteFlowLogs, ec2:DeleteVpc, ec2:DeleteLaunchTemplate, ec2:TerminateInstances;
    autoscaling:DescribeAutoScalingGroups, autoscaling:DescribePolicies, autoscaling:DeleteAutoScalingGroup;
    cloudwatch:DescribeAlarms, cloudwatch:DeleteAlarms; elasticloadbalancing:Describe{LoadBalancers,
    LoadBalancerAttributes,TargetGroups}, elasticloadbalancing:ModifyLoadBalancerAttributes,
    elasticloadbalancing:DeleteLoadBalancer, elasticloadbalancing:DeleteTargetGroup; iam:GetRole,
    iam:GetInstanceProfile, iam:List{AttachedRolePolicies,RolePolicies,InstanceProfilesForRole},
    iam:DetachRolePolicy, iam:DeleteRolePolicy, iam:RemoveRoleFromInstanceProfile, iam:DeleteInstanceProfile,
    iam:DeleteRole; logs:DescribeLogGroups, logs:ListTagsLogGroup, logs:DeleteLogGroup; s3:ListBucket,
    s3:ListBucketVersions, s3:DeleteObject, s3:DeleteObjectVersion, s3:DeleteBucket; sts:GetCallerIdentity.
    With O(check_leftovers) also iam:ListRoles, iam:ListInstanceProfiles, s3:ListAllMyBuckets. With O(lock)
    also ssm:GetParameter, ssm:PutParameter, ssm:DeleteParameter on the lock's parameter
    (see M(muejam.infra.stack_lock))."
  - teardown.yml calls it once for the parts its C(--tags) select; each role's C(absent) calls it for the role alone.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Remove the whole stack and check that nothing of it is left
  muejam.infra.stack_teardown:
    name: muejam-production
    tags: {Project: muejam, Environment: production, ManagedBy: muejam.infra}
    check_leftovers: true

- name: Remove the whole stack holding its lock, as teardown.yml does
  muejam.infra.stack_teardown:
    name: muejam-production
    tags: {Project: muejam, Environment: production}
    lock: true
    lock_holder: ops@laptop

- name: Remove the load balancer and keep its access logs
  muejam.infra.stack_teardown:
    parts: [load_balancer]
    name: muejam-staging
    tags: {Project: muejam, Environment: staging}
    access_logs_delete_bucket: false
    wait_timeout: 300

- name: List what a teardown would delete
  muejam.infra.stack_teardown:
    name: muejam-staging
    tags: {Project: muejam, Environment: staging}
  check_mode: true
  register: teardown

- name: Show it
  ansible.builtin.debug:
    msg: "{{ teardown.removed | map(attribute='id') | list }}"
"""

RETURN = r"""
removed:
  description: What was removed (in check mode, what would be), in the order it went.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description:
        - The kind of resource, one of C(nat_gateway), C(auto_scaling_group), C(scaling_policy), C(instance),
          C(alarm), C(load_balancer), C(launch_template), C(instance_profile), C(iam_role), C(log_group),
          C(target_group), C(s3_bucket), C(security_group), C(elastic_ip), C(route_table),
          C(internet_gateway), C(subnet), C(flow_log), C(vpc).
      type: str
    id:
      description: Its id, or its name for the kinds AWS names (load balancer, target group, group, role, ...).
      type: str
    name:
      description: Its name (the C(Name) tag for EC2 resources), empty when it has none.
      type: str
  sample: [{"kind": "nat_gateway", "id": "nat-0123456789abcdef0", "name": "muejam-production-nat-us-east-1a"}]
left:
  description: What is left, and why; empty when everything went.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of resource (as in RV(removed)).
      type: str
    id:
      description: Its id or name; C((unknown)) when it could not even be looked for.
      type: str
    name:
      description: Its name, empty when it has none.
      type: str
    reason:
      description: Why it is left (AWS's error, what it waits for, or how long it was waited for).
      type: str
  sample:
    - kind: security_group
      id: sg-0123456789abcdef0
      name: muejam-production-app-sg
      reason: "DependencyViolation: resource sg-0123456789abcdef0 has a dependent object after 600 s (wait_timeout)"
parts:
  description: The parts removed, in the stack's order.
  returned: always
  type: list
  elements: str
  sample: [networking, load_balancer, instance_bootstrap, scaling_group]
rounds:
  description: Rounds of describe calls the waits took (all waits share them).
  returned: always
  type: int
  sample: 16
lock:
  description:
    - With O(lock), the lock the run held (released by the time the module returns; empty in check mode). When
      another run holds it, what that run wrote.
  returned: when O(lock) is true
  type: dict
  sample: {"id": "3f2a9c1e07b4", "holder": "ops@laptop", "playbook": "teardown.yml", "since": "2026-12-01T10:00"}
locked:
  description: True when the module failed because another run holds the stack's lock (nothing was deleted).
  returned: when another run holds the lock
  type: bool
  sample: true
msg:
  description: One line - what is left and why, else what was removed.
  returned: always
  type: str
  sample: "Removed from the stack muejam-production: nat_gateway nat-0123456789abcdef0, ..."
"""

import contextlib

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils import lock, teardown

# The throttling and 5xx codes AWSRetry does not know by default: CloudWatch Logs', IAM's and S3's.
RETRIED_CODES = [
    "ThrottlingException",
    "ServiceUnavailableException",
    "InternalServerException",
    "ServiceFailure",
    "SlowDown",
]


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "parts": {
                "type": "list",
                "elements": "str",
                "choices": list(teardown.PARTS),
                "default": list(teardown.PARTS),
            },
            "name": {"type": "str", "required": True},
            "tags": {"type": "dict", "required": True},
            "vpc_id": {"type": "str", "default": ""},
            "flow_logs_log_group_name": {"type": "str", "default": ""},
            "access_logs_bucket": {"type": "str", "default": ""},
            "access_logs_delete_bucket": {"type": "bool", "default": True},
            "manage_log_groups": {"type": "bool", "default": True},
            "project": {"type": "str", "default": ""},
            "environment": {"type": "str", "default": ""},
            "wait_timeout": {"type": "int", "default": 600},
            "poll_interval": {"type": "int", "default": 2},
            "check_leftovers": {"type": "bool", "default": False},
            "lock": {"type": "bool", "default": False},
            "lock_holder": {"type": "str"},
            "lock_playbook": {"type": "str", "default": "teardown.yml"},
        },
        supports_check_mode=True,
    )
    params = module.params
    inputs = teardown.Inputs(
        name=params["name"],
        tags=params["tags"],
        vpc_id=params["vpc_id"],
        flow_logs_log_group_name=params["flow_logs_log_group_name"],
        access_logs_bucket=params["access_logs_bucket"],
        access_logs_delete_bucket=params["access_logs_delete_bucket"],
        manage_log_groups=params["manage_log_groups"],
        project=params["project"],
        environment=params["environment"],
    )
    problems = teardown.check_inputs(inputs)
    if problems:
        module.fail_json(msg="; ".join(problems))
    clients: dict[str, object] = {}
    retrying = AWSRetry.jittered_backoff(catch_extra_error_codes=RETRIED_CODES)

    def client(service: str) -> object:
        if service not in clients:
            clients[service] = module.client(service, retry_decorator=retrying)
        return clients[service]

    # With O(lock), the removal holds the stack's lock; without, nothing is held (``{}``).
    holding = (
        lock.holding(
            client("ssm"),
            inputs.name,
            params["lock_holder"] or lock.default_holder(),
            params["lock_playbook"],
            check_mode=module.check_mode,
            retry=True,
        )
        if params["lock"]
        else contextlib.nullcontext({})
    )
    so_far: dict = {}
    try:
        with holding as held:
            so_far = {"lock": held} if params["lock"] else {}
            result = teardown.teardown(
                client,
                inputs,
                parts=params["parts"],
                check_mode=module.check_mode,
                timeout=params["wait_timeout"],
                interval=params["poll_interval"],
                check_leftovers=params["check_leftovers"],
            )
    except lock.LockHeld as error:
        module.fail_json(msg=str(error), lock=error.holder, locked=True)
    except lock.NotHolder as error:  # the lock was broken, and taken by another run, while this one removed
        module.fail_json(msg=str(error), **so_far)
    except Exception as error:  # botocore's ClientError and BotoCoreError outside any one resource, reported once
        module.fail_json_aws(error, msg=f"Could not remove the stack {inputs.name}", **so_far)
    result.update(so_far)
    result["parts"] = [part for part in teardown.PARTS if part in params["parts"]]
    if result["left"] and not module.check_mode:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
