#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: autoscaling_instance_refresh
version_added: 0.1.0
short_description: Replace an Auto Scaling group's instances with a new launch template version, and wait
description:
  - Starts an instance refresh (C(StartInstanceRefresh)) that moves an Auto Scaling group and its
    instances to a launch template version, with the refresh's preferences (healthy percentages,
    warmup, checkpoints, skip matching, alarms and auto rollback), and waits until it is done, polling
    C(DescribeInstanceRefreshes) (AWS has no waiter for it).
  - Starts a refresh only when the group or one of its instances runs another version than the wanted
    one; a refresh already active is joined (waited for), never doubled. A re-run after a successful
    refresh changes nothing.
  - The version is given to AWS as the refresh's desired configuration, by number, so that AWS can
    roll it back (it cannot roll back a group on C($Latest) or C($Default)); AWS sets it on the group
    when the refresh succeeds.
  - A refresh that ends C(Failed), C(Cancelled), C(RollbackSuccessful) or C(RollbackFailed) fails the
    task with AWS's status reason and what the group runs now.
  - O(state=rolled_back) rolls the active refresh back (C(RollbackInstanceRefresh)) and
    O(state=cancelled) cancels it (C(CancelInstanceRefresh)); both wait for the end.
  - C(amazon.aws.autoscaling_instance_refresh) only starts and cancels, without checkpoints, alarms,
    rollback or a wait.
author:
  - muejam.infra maintainers (@muejam)
options:
  autoscaling_group_name:
    description: The Auto Scaling group (it must use a launch template).
    type: str
    required: true
    aliases: [group_name]
  state:
    description:
      - C(started) starts a refresh when one is needed, or joins the active one.
      - C(rolled_back) rolls back the active refresh; C(cancelled) cancels it. Nothing happens when none is active.
    type: str
    choices: [started, rolled_back, cancelled]
    default: started
  launch_template_version:
    description:
      - The launch template version the instances must run, of the group's launch template.
      - C(latest) (or C($Latest)) is the template's latest version and C(default) (or C($Default)) its
        default one, each resolved to its number.
    type: str
    default: latest
  preferences:
    description:
      - The refresh's preferences (AWS's C(RefreshPreferences)); those not given are AWS's defaults.
      - Used only when a refresh is started.
    type: dict
    default: {}
    suboptions:
      min_healthy_percentage:
        description:
          - The percentage of the desired capacity that stays in service and healthy (0-100).
          - C(100) with O(preferences.max_healthy_percentage) above 100 launches new instances before
            terminating old ones, so capacity never drops below desired.
        type: int
      max_healthy_percentage:
        description:
          - The most capacity, as a percentage of the desired one, the group may run during the refresh (100-200).
        type: int
      instance_warmup:
        description: Seconds after a new instance is InService before it counts as healthy for the refresh.
        type: int
      checkpoint_percentages:
        description:
          - The percentages of replaced instances at which the refresh pauses, ascending.
          - The last one is 100 or left out (then the refresh ends at the last checkpoint).
        type: list
        elements: int
      checkpoint_delay:
        description: Seconds the refresh pauses at each checkpoint (AWS's default is 3600).
        type: int
      skip_matching:
        description: Whether instances that already run the wanted version are kept.
        type: bool
      alarms:
        description: CloudWatch alarms whose C(ALARM) state fails the refresh (the alarm specification).
        type: list
        elements: str
      auto_rollback:
        description: Whether AWS rolls the group back to its previous version when the refresh fails or an alarm fires.
        type: bool
  wait:
    description: Whether to wait until the refresh (or rollback, or cancellation) is done.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait. At the timeout the task fails and the refresh goes on in AWS; a re-run joins it.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between two C(DescribeInstanceRefreshes) calls.
    type: float
    default: 15
  instance_refresh_id:
    description:
      - With O(state=started), join this refresh (wait for it) and never start one, whatever the group runs;
        a refresh that ended C(Successful) returns at once, one that failed or was rolled back fails the task.
      - For a caller that gates a refresh started earlier (at each checkpoint).
    type: str
  stop_at_percentage:
    description:
      - With O(state=started), return as soon as the refresh has this percentage complete (a checkpoint of
        O(preferences.checkpoint_percentages)) instead of at its end, so that the caller can check the
        new instances before it goes on; the next call with the next percentage joins the same refresh.
      - C(100) returns at a checkpoint at 100 %, where every instance is new and the refresh can still be
        rolled back (AWS refuses once it is C(Successful)); without it the task waits for the end.
    type: int
attributes:
  check_mode:
    support: full
    details: >-
      Reports whether a refresh would start (or be rolled back or cancelled) and why, without
      calling it or waiting.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(autoscaling:DescribeAutoScalingGroups), C(autoscaling:DescribeInstanceRefreshes),
    C(autoscaling:StartInstanceRefresh), C(autoscaling:RollbackInstanceRefresh),
    C(autoscaling:CancelInstanceRefresh), C(ec2:DescribeLaunchTemplates); the refresh launches
    instances with the group's service-linked role."
  - Every call is retried on throttling (amazon.aws's C(AWSRetry.jittered_backoff)).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Replace the instances with the launch template's latest version, launching before terminating
  muejam.infra.autoscaling_instance_refresh:
    autoscaling_group_name: muejam-production-asg
    preferences:
      min_healthy_percentage: 100
      max_healthy_percentage: 200
      instance_warmup: 300
      skip_matching: true
      alarms: [muejam-production-5xx]
      auto_rollback: true
    wait_timeout: 3600
  register: refresh

- name: Start a refresh with a checkpoint at 50 % and return when it is reached
  muejam.infra.autoscaling_instance_refresh:
    autoscaling_group_name: muejam-production-asg
    preferences:
      min_healthy_percentage: 100
      max_healthy_percentage: 200
      checkpoint_percentages: [50, 100]
      checkpoint_delay: 600
      auto_rollback: true
    stop_at_percentage: 50

- name: Roll the active refresh back and wait until the old version runs again
  muejam.infra.autoscaling_instance_refresh:
    autoscaling_group_name: muejam-production-asg
    state: rolled_back
"""

RETURN = r"""
action:
  description: C(start), C(join), C(rollback), C(cancel) or C(none) (what the task did, or would do in check mode).
  returned: always
  type: str
  sample: start
reason:
  description: Why, in words.
  returned: always
  type: str
  sample: "launch template muejam-production-lt version 4 is wanted; the group uses version 3"
launch_template:
  description: The group's launch template and the version wanted, as a number.
  returned: always
  type: dict
  sample: {"id": "lt-0123456789abcdef0", "name": "muejam-production-lt", "version": "4"}
outdated_instances:
  description: The instances that ran another version when the task began.
  returned: always
  type: list
  elements: str
  sample: [i-0123456789abcdef0]
checkpoint:
  description: The checkpoint percentage the wait stopped at (O(stop_at_percentage)), or null at the end.
  returned: always
  type: int
  sample: 50
instance_refresh:
  description: The refresh at the end of the task; null when none was started or joined.
  returned: always
  type: dict
  contains:
    instance_refresh_id:
      description: The refresh's id.
      returned: always
      type: str
      sample: 08b91cf7-8fa6-48af-b6a6-d227f40f1b9b
    status:
      description: AWS's status (C(Pending), C(InProgress), C(Successful), C(RollbackSuccessful), ...).
      returned: always
      type: str
      sample: Successful
    status_reason:
      description: AWS's status reason.
      returned: always
      type: str
      sample: ""
    percentage_complete:
      description: The percentage of instances replaced.
      returned: always
      type: int
      sample: 100
    instances_to_update:
      description: The instances left to replace.
      returned: always
      type: int
      sample: 0
    start_time:
      description: When the refresh started.
      returned: always
      type: str
      sample: "2026-01-01 12:00:00+00:00"
    end_time:
      description: When it ended; empty while active.
      returned: always
      type: str
      sample: "2026-01-01 12:09:30+00:00"
    desired_version:
      description: The launch template version of the refresh's desired configuration.
      returned: always
      type: str
      sample: "4"
    rollback_reason:
      description: Why it was rolled back, when it was.
      returned: always
      type: str
      sample: ""
    preferences:
      description: The refresh's preferences as AWS returns them.
      returned: always
      type: dict
      sample: {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200}
progress:
  description: What the wait saw, one entry each time the status, reason, percentage or instances left changed.
  returned: always
  type: list
  elements: dict
  sample:
    - {"elapsed": 0.0, "status": "Pending", "status_reason": "",
       "percentage_complete": 0, "instances_to_update": 2}
    - {"elapsed": 45.2, "status": "InProgress", "status_reason": "",
       "percentage_complete": 50, "instances_to_update": 1}
    - {"elapsed": 98.7, "status": "Successful", "status_reason": "",
       "percentage_complete": 100, "instances_to_update": 0}
group:
  description: What the group runs at the end of the task.
  returned: always
  type: dict
  sample:
    name: muejam-production-asg
    launch_template_name: muejam-production-lt
    launch_template_version: "4"
    desired_capacity: 2
    instances: {"i-0123456789abcdef0": "4", "i-0fedcba9876543210": "4"}
    summary: >-
      the group muejam-production-asg runs launch template muejam-production-lt version 4
      (desired capacity 2; instances: 2 on version 4)
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.instance_refresh import (
    RefreshError,
    Refreshes,
    RefreshFailed,
    ensure,
    refresh_preferences,
)

PREFERENCES = {
    "min_healthy_percentage": {"type": "int"},
    "max_healthy_percentage": {"type": "int"},
    "instance_warmup": {"type": "int"},
    "checkpoint_percentages": {"type": "list", "elements": "int"},
    "checkpoint_delay": {"type": "int"},
    "skip_matching": {"type": "bool"},
    "alarms": {"type": "list", "elements": "str"},
    "auto_rollback": {"type": "bool"},
}


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "autoscaling_group_name": {"type": "str", "required": True, "aliases": ["group_name"]},
            "state": {"type": "str", "choices": ["started", "rolled_back", "cancelled"], "default": "started"},
            "launch_template_version": {"type": "str", "default": "latest"},
            "preferences": {"type": "dict", "default": {}, "options": PREFERENCES},
            "wait": {"type": "bool", "default": True},
            "wait_timeout": {"type": "int", "default": 3600},
            "poll_interval": {"type": "float", "default": 15},
            "stop_at_percentage": {"type": "int"},
            "instance_refresh_id": {"type": "str"},
        },
        supports_check_mode=True,
    )
    params = module.params
    retry = AWSRetry.jittered_backoff()
    calls = Refreshes(
        module.client("autoscaling", retry_decorator=retry),
        module.client("ec2", retry_decorator=retry),
        params["autoscaling_group_name"],
    )
    try:
        result = ensure(
            calls,
            params["state"],
            version=params["launch_template_version"],
            preferences=refresh_preferences(**(params["preferences"] or {})),
            wait_for_it=params["wait"],
            timeout=params["wait_timeout"],
            interval=params["poll_interval"],
            stop_at_percentage=params["stop_at_percentage"],
            check_mode=module.check_mode,
            refresh_id=params["instance_refresh_id"],
        )
    except RefreshFailed as error:
        module.fail_json(msg=str(error), **error.result)
    except RefreshError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Instance refresh of {params['autoscaling_group_name']} ({params['state']})")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
