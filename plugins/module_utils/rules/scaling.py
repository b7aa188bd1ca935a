# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the scaling_group role's inputs: IAM, launch template, the group, its policies and alarms."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils.rules import stack
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import (
    SUBNET_ID,
    UUID,
    VPC_ID,
    Inputs,
    describe,
    ipv4_network,
)

ROLE = "scaling_group"
USER_DATA_LIMIT = 16384  # bytes before base64 (EC2's limit)
_POLICY_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")
_KMS_KEY = re.compile(
    rf"^({UUID}|mrk-[0-9a-f]{{32}}|alias/[\w/-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:(key/({UUID}|mrk-[0-9a-f]{{32}})|alias/[\w/-]+))$"
)
_AMI = re.compile(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$")
_INSTANCE_TYPE = re.compile(
    r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal(-[0-9]+xl)?)$"
)
_DEVICE = re.compile(r"^/dev/[a-z0-9]+$")
# How often EC2 publishes an instance's AWS/EC2 metrics (CPUUtilization, which the alarms watch):
# every minute with detailed monitoring, every five minutes without (basic monitoring).
EC2_METRIC_RESOLUTION = {True: 60, False: 300}
_SECURITY_GROUP_ID = re.compile(r"^sg-[0-9a-f]{8}([0-9a-f]{9})?$")
_TARGET_GROUP_ARN = re.compile(
    r"^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]{16}$"
)


def check(inputs: Inputs, wired: bool = False) -> None:
    """``wired``: site.yml passes the upstream ids and the user data later (the preflight's case)."""
    stack.check_identity(inputs, ROLE)
    _check_upstream(inputs, wired)
    stack.check_port(inputs, "scaling_group_app_port")
    ports = inputs.get("scaling_group_egress_ports", "list", "int")
    if ports is not None and any(not 1 <= port <= 65535 for port in ports):
        wrong = [port for port in ports if not 1 <= port <= 65535]
        inputs.add("scaling_group_egress_ports", f"every port must be from 1 to 65535 (not {describe(wrong)})")
    _check_launch_template(inputs)
    _check_group(inputs)
    _check_scaling(inputs)
    _check_refresh(inputs)


def _check_upstream(inputs: Inputs, wired: bool) -> None:
    for name, pattern, what in (
        ("scaling_group_vpc_id", VPC_ID, "a VPC id such as vpc-0123abcd"),
        ("scaling_group_alb_security_group_id", _SECURITY_GROUP_ID, "a security group id such as sg-0123abcd"),
        (
            "scaling_group_target_group_arn",
            _TARGET_GROUP_ARN,
            "a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)",
        ),
    ):
        value = inputs.get(name, "str")
        if value and not pattern.match(value):
            inputs.add(name, f"must be empty (found by the stack's names and tags) or {what}")
    subnets = inputs.get("scaling_group_subnet_ids", "list", "str")
    if subnets and not all(SUBNET_ID.match(subnet) for subnet in subnets):
        inputs.add(
            "scaling_group_subnet_ids",
            "must be empty (found by the stack's tags) or subnet ids such as subnet-0123abcd",
        )
    user_data = inputs.get("scaling_group_user_data", "str")
    if user_data is not None and len(user_data.encode()) > USER_DATA_LIMIT:
        inputs.add(
            "scaling_group_user_data",
            f"is {len(user_data.encode())} bytes; EC2 accepts {USER_DATA_LIMIT} at most before base64 (shorten "
            "instance_bootstrap_app_environment or instance_bootstrap_app_command)",
            value=f"({len(user_data.encode())} bytes, not shown)",
        )
    elif not wired and not user_data and inputs.get("scaling_group_state", "str") != "absent":
        inputs.add(
            "scaling_group_user_data",
            "must be the instances' user data (the muejam.infra.instance_bootstrap role's outputs.user_data)",
        )


def _check_launch_template(inputs: Inputs) -> None:
    ami = inputs.get("scaling_group_ami_id", "str")
    if "scaling_group_ami_id" not in inputs.bad and (not ami or not _AMI.match(ami)):
        inputs.add("scaling_group_ami_id", "must be an AMI id such as ami-0123456789abcdef0 (it has no default)")
    instance_type = inputs.get("scaling_group_instance_type", "str")
    if instance_type is not None and not _INSTANCE_TYPE.match(instance_type):
        inputs.add("scaling_group_instance_type", "must be an EC2 instance type such as t3.medium or m7i.large")
    device = inputs.get("scaling_group_root_device_name", "str")
    if device is not None and not _DEVICE.match(device):
        inputs.add("scaling_group_root_device_name", "must be a device name such as /dev/xvda")
    inputs.in_range("scaling_group_root_volume_size", 1, 16384, "GiB")
    key = inputs.get("scaling_group_root_volume_kms_key_id", "str")
    if key and not _KMS_KEY.match(key):
        inputs.add(
            "scaling_group_root_volume_kms_key_id",
            "must be empty, a KMS key id, an alias/... name or a KMS key or alias ARN",
        )
    inputs.in_range("scaling_group_metadata_hop_limit", 1, 64)
    egress = inputs.get("scaling_group_egress_cidr", "str")
    if egress is not None and ipv4_network(egress) is None:
        inputs.add("scaling_group_egress_cidr", "must be an IPv4 CIDR block with no host bits set, such as 0.0.0.0/0")
    arns = inputs.get("scaling_group_managed_policy_arns", "list", "str")
    partition = stack.partition(inputs)
    if arns is not None:
        wrong = [arn for arn in arns if not _POLICY_ARN.match(arn)]
        elsewhere = [
            arn for arn in arns if partition and _POLICY_ARN.match(arn) and _POLICY_ARN.match(arn).group(1) != partition
        ]  # type: ignore[union-attr]
        if wrong:
            inputs.add(
                "scaling_group_managed_policy_arns",
                f"must be IAM policy ARNs such as arn:aws:iam::aws:policy/Name (not {describe(wrong)})",
            )
        elif elsewhere:
            inputs.add(
                "scaling_group_managed_policy_arns",
                f"must be in the partition of aws_region: arn:{partition}:iam::... (not {describe(elsewhere)})",
            )


def _check_group(inputs: Inputs) -> None:
    minimum = inputs.in_range("scaling_group_min_size", 0, None, "instances")
    maximum = inputs.in_range("scaling_group_max_size", 1, None, "instances")
    desired = inputs.in_range("scaling_group_desired_capacity", 0, None, "instances")
    if minimum is not None and maximum is not None and minimum > maximum:
        inputs.add("scaling_group_min_size", f"must not exceed scaling_group_max_size ({maximum})")
        minimum = None
    if desired is not None and (
        (minimum is not None and desired < minimum) or (maximum is not None and desired > maximum)
    ):
        inputs.add(
            "scaling_group_desired_capacity",
            f"must be from scaling_group_min_size ({minimum}) to scaling_group_max_size ({maximum})",
        )
    if minimum is not None and minimum < 2 and stack.production(inputs):
        inputs.add(
            "scaling_group_min_size",
            "must be 2 or more where stack_production is true: one instance's failure must leave one serving",
        )
    inputs.in_range("scaling_group_health_check_grace_period", 0, None, "seconds")
    inputs.in_range("scaling_group_default_cooldown", 0, None, "seconds")
    inputs.in_range("scaling_group_scaling_cooldown", 0, None, "seconds")
    inputs.in_range("scaling_group_wait_timeout", 1, None, "seconds")
    inputs.in_range("scaling_group_delete_timeout", 1, None, "seconds")
    inputs.in_range("scaling_group_delete_retries", 1, None)
    inputs.in_range("scaling_group_delete_delay", 0, None, "seconds")


# scaling_group_policy_type: the seed's two simple policies with our CPU alarms, or one target tracking policy on
# the group's average CPU, whose alarms AWS creates and owns (state/scaling_group.py POLICIES names both types).
TARGET_CPU_RANGE = (1, 99)  # percent: at 100 the group would never scale out, at 0 never in


def _check_target_tracking(inputs: Inputs) -> None:
    inputs.in_range(
        "scaling_group_target_cpu",
        *TARGET_CPU_RANGE,
        "the average CPU percentage the target tracking policy keeps the group at",
    )
    # autoscaling_policy sends no EstimatedInstanceWarmup for 0, so 0 would never replace a warmup set before.
    inputs.in_range(
        "scaling_group_target_instance_warmup", 1, None, "seconds before a new instance's CPU counts in the average"
    )


def _check_scaling(inputs: Inputs) -> None:
    # simple or target_tracking: the argument spec's choices refused anything else.
    chosen = inputs.get("scaling_group_policy_type", "str")
    _check_target_tracking(inputs)
    inputs.in_range("scaling_group_scale_out_adjustment", 1, None, "instances added")
    inputs.in_range("scaling_group_scale_in_adjustment", None, -1, "a negative change in capacity")
    high = inputs.in_range("scaling_group_cpu_high_threshold", 0, 100, "percent CPU")
    low = inputs.in_range("scaling_group_cpu_low_threshold", 0, 100, "percent CPU")
    if high is not None and low is not None and high <= low:
        inputs.add(
            "scaling_group_cpu_high_threshold",
            f"must be above scaling_group_cpu_low_threshold ({low}): scale-out above scale-in",
        )
    periods = inputs.in_range("scaling_group_alarm_evaluation_periods", 1, None)
    period = inputs.get("scaling_group_alarm_period", "int")
    detailed = inputs.get("scaling_group_detailed_monitoring", "bool")
    if period is not None and (period <= 0 or (period not in (10, 30) and period % 60 != 0)):
        inputs.add("scaling_group_alarm_period", "must be 10, 30 or a multiple of 60 seconds")
        period = None
    # Only the simple policies' alarms are ours: AWS sets the periods of a target tracking policy's alarms.
    if period is not None and detailed is not None and chosen != "target_tracking":
        resolution = metric_resolution(detailed)
        if period % resolution != 0:
            fix = (
                f"a multiple of {resolution} s"
                if detailed
                else f"scaling_group_detailed_monitoring=true (a datapoint every 60 s) or a multiple of {resolution} s"
            )
            inputs.add(
                "scaling_group_alarm_period",
                f"must fit how often EC2 publishes CPUUtilization, every {resolution} s with detailed monitoring "
                f"{'on' if detailed else 'off'}: a shorter or unaligned period has periods without a datapoint; "
                f"set {fix}",
            )
            period = None
    if period is not None and periods is not None:
        window = period * periods
        if window < 60:
            inputs.add(
                "scaling_group_alarm_period",
                f"times scaling_group_alarm_evaluation_periods ({periods}) is {window} s; it must be at least 60 s "
                "so that a short spike does not scale the group",
            )
        elif window > 86400:
            inputs.add(
                "scaling_group_alarm_period",
                f"times scaling_group_alarm_evaluation_periods ({periods}) is {window} s; "
                "CloudWatch evaluates at most one day",
            )


def metric_resolution(detailed_monitoring: bool) -> int:
    """Seconds between the datapoints of an instance's AWS/EC2 metrics, with detailed monitoring on or off."""
    return EC2_METRIC_RESOLUTION[bool(detailed_monitoring)]


# The instance refresh that replaces the instances when the launch template changes
# (module_utils/instance_refresh.py): AWS's ranges (API_RefreshPreferences), and the project's rule
# that launching comes before terminating, so capacity never drops below desired.
REFRESH_MAX_HEALTHY = (110, 200)
REFRESH_CHECKPOINT_DELAY_LIMIT = 172800  # seconds (AWS's maximum)
REFRESH_ALARMS_LIMIT = 10  # AWS's maximum of alarms in an alarm specification
# The rollout gate (playbooks/tasks/rollout_checkpoint.yml) runs the readiness checks while the refresh
# pauses at a checkpoint for the checkpoint delay. At 100 % AWS ends the refresh Successful once that
# pause is over and then refuses a rollback, so the gate must end within the pause, with time left to
# roll back: it gets the delay less REFRESH_ROLLBACK_MARGIN, and at least REFRESH_GATE_MINIMUM.
REFRESH_ROLLBACK_MARGIN = 30  # seconds of each checkpoint's pause kept for RollbackInstanceRefresh
REFRESH_GATE_MINIMUM = 30  # seconds


def refresh_gate_timeout(checkpoint_delay: Any, readiness_timeout: Any) -> int:
    """Seconds the readiness checks may take at a checkpoint: ``readiness_timeout``, cut to the
    checkpoint's pause less the rollback margin (the preflight keeps that at REFRESH_GATE_MINIMUM or more)."""
    return max(1, min(int(readiness_timeout), int(checkpoint_delay) - REFRESH_ROLLBACK_MARGIN))


def _check_refresh(inputs: Inputs) -> None:
    minimum = inputs.in_range(
        "scaling_group_refresh_min_healthy_percentage", 0, 100, "percent of the desired capacity kept in service"
    )
    maximum = inputs.in_range(
        "scaling_group_refresh_max_healthy_percentage",
        *REFRESH_MAX_HEALTHY,
        "percent of the desired capacity: above 100 so that new instances launch before old ones terminate",
    )
    if minimum is not None and maximum is not None and maximum - minimum > 100:
        inputs.add(
            "scaling_group_refresh_max_healthy_percentage",
            f"must be at most 100 above scaling_group_refresh_min_healthy_percentage ({minimum}), as AWS requires",
        )
    inputs.in_range("scaling_group_refresh_instance_warmup", 0, None, "seconds")
    inputs.in_range(
        "scaling_group_refresh_checkpoint_delay",
        REFRESH_ROLLBACK_MARGIN + REFRESH_GATE_MINIMUM,
        REFRESH_CHECKPOINT_DELAY_LIMIT,
        f"seconds the refresh pauses at each checkpoint: the readiness checks run within it, less "
        f"{REFRESH_ROLLBACK_MARGIN} s kept for a rollback, as AWS refuses one once the refresh is Successful",
    )
    checkpoints = inputs.get("scaling_group_refresh_checkpoint_percentages", "list", "int")
    if checkpoints is not None and (
        any(not 1 <= percentage <= 100 for percentage in checkpoints) or checkpoints != sorted(set(checkpoints))
    ):
        inputs.add(
            "scaling_group_refresh_checkpoint_percentages",
            "must be percentages from 1 to 100 in ascending order, each once (such as [50] or [20, 50, 100])",
        )
    alarms = inputs.get("scaling_group_refresh_alarms", "list", "str")
    if alarms is not None and (
        len(alarms) > REFRESH_ALARMS_LIMIT or any(not alarm.strip() or len(alarm) > 255 for alarm in alarms)
    ):
        inputs.add(
            "scaling_group_refresh_alarms",
            f"must be at most {REFRESH_ALARMS_LIMIT} CloudWatch alarm names (1 to 255 characters each)",
        )
