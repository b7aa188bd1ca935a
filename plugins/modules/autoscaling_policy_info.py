#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: autoscaling_policy_info
version_added: 0.1.0
short_description: Describe the scaling policies of an Auto Scaling group
description:
  - Lists the scaling policies of an Auto Scaling group, or the named policies, with their
    type, adjustment, cooldown and the CloudWatch alarms that trigger them.
  - Neither amazon.aws nor community.aws has an info module for scaling policies, and
    C(community.aws.autoscaling_policy) has no check mode, so reading policies without changing
    them needs this module. It is read-only.
author:
  - muejam.infra maintainers (@muejam)
options:
  autoscaling_group_name:
    description:
      - The Auto Scaling group whose policies are listed.
      - Without it (and without O(policy_names)), every policy of the region is listed.
    type: str
    aliases: [group_name]
  policy_names:
    description: Only these policies (names or ARNs).
    type: list
    elements: str
attributes:
  check_mode:
    support: full
    details: Read-only; it runs in check mode as it does otherwise.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(autoscaling:DescribePolicies)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: List the scaling policies of the stack's Auto Scaling group
  muejam.infra.autoscaling_policy_info:
    autoscaling_group_name: muejam-production-asg
  register: scaling_policies

- name: Check the scale-out policy adds two instances
  ansible.builtin.assert:
    that:
      - (scaling_policies.policies | selectattr('policy_name', 'equalto', 'muejam-production-scale-out')
         | first).scaling_adjustment == 2
"""

RETURN = r"""
policies:
  description: The policies found, ordered by name; empty when there are none.
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: The policy's name.
      returned: always
      type: str
      sample: muejam-production-scale-out
    policy_arn:
      description: The policy's ARN.
      returned: always
      type: str
      sample: "arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:...:policyName/muejam-production-scale-out"
    auto_scaling_group_name:
      description: The group the policy belongs to.
      returned: always
      type: str
      sample: muejam-production-asg
    policy_type:
      description: C(SimpleScaling), C(StepScaling), C(TargetTrackingScaling) or C(PredictiveScaling).
      returned: always
      type: str
      sample: SimpleScaling
    adjustment_type:
      description: C(ChangeInCapacity), C(ExactCapacity) or C(PercentChangeInCapacity); null for target tracking.
      returned: always
      type: str
      sample: ChangeInCapacity
    scaling_adjustment:
      description: The adjustment of a simple scaling policy; null for other types.
      returned: always
      type: int
      sample: 2
    min_adjustment_magnitude:
      description: The minimum adjustment of a percent change; null when not set.
      returned: always
      type: int
      sample: null
    cooldown:
      description: The policy's cooldown in seconds; null when the group's default applies.
      returned: always
      type: int
      sample: 300
    target_tracking:
      description:
        - The target tracking configuration of a C(TargetTrackingScaling) policy; null for other types.
        - C(target_value) is a float; C(disable_scale_in) is false when AWS leaves it out; C(predefined_metric_type)
          is empty for a customized metric.
      returned: always
      type: dict
      sample: {"predefined_metric_type": "ASGAverageCPUUtilization", "target_value": 50.0, "disable_scale_in": false}
      contains:
        predefined_metric_type:
          description: The predefined metric, such as C(ASGAverageCPUUtilization); empty for a customized metric.
          returned: success
          type: str
          sample: ASGAverageCPUUtilization
        target_value:
          description: The metric's target value.
          returned: success
          type: float
          sample: 50.0
        disable_scale_in:
          description: Whether the policy never scales in.
          returned: success
          type: bool
          sample: false
    estimated_instance_warmup:
      description: Seconds before a new instance's metrics count (step and target tracking policies); null when not set.
      returned: always
      type: int
      sample: 300
    enabled:
      description: Whether the policy is enabled.
      returned: always
      type: bool
      sample: true
    alarm_names:
      description:
        - The CloudWatch alarms that trigger the policy, sorted; for a target tracking policy, those AWS created
          for it (C(TargetTracking-<group>-AlarmHigh-...), C(-AlarmLow-...)).
      returned: always
      type: list
      elements: str
      sample: [muejam-production-cpu-high]
"""

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.autoscaling_policies import (
    describe_policies,
    describe_policies_request,
    normalize_policies,
)


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "autoscaling_group_name": {"type": "str", "aliases": ["group_name"]},
            "policy_names": {"type": "list", "elements": "str"},
        },
        supports_check_mode=True,
    )
    client = module.client("autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    request = describe_policies_request(module.params["autoscaling_group_name"], module.params["policy_names"])
    try:
        policies = describe_policies(client, **request)
    except is_boto3_error_code("ValidationError") as error:  # an unknown group: nothing to list
        if "not found" not in str(error).lower():
            module.fail_json_aws(error, msg="Could not describe the scaling policies")
        policies = []
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg="Could not describe the scaling policies")
    module.exit_json(changed=False, policies=normalize_policies(policies))


if __name__ == "__main__":
    main()
