"""scaling_group_policy_type on the shared converged stack (simple policies, the default): site.yml
switches it to target tracking with the values given as strings (as -e and AWX surveys give them),
the policy is read back as AWS keeps it, a re-run changes nothing, and switching back restores the
simple policies and their CPU alarms with nothing of the target tracking policy left.

Three runs of the scaling_group stage only (--tags scaling_group): the other stages are not touched.
The stack is left as the fixture made it, for the tests that share it.
"""

from __future__ import annotations

import re
from typing import Any

from conftest import Converged
from stack_runs import ansible_playbook

GROUP = "muejam-local-asg"
TARGET_POLICY = "muejam-local-cpu-target"
SIMPLE_POLICIES = ["muejam-local-scale-in", "muejam-local-scale-out"]
OUR_ALARMS = ["muejam-local-cpu-high", "muejam-local-cpu-low"]
TARGET_TRACKING = (
    "-e",
    "scaling_group_policy_type=target_tracking",
    "-e",
    "scaling_group_target_cpu=55",
    "-e",
    "scaling_group_target_instance_warmup=120",
)


def run_scaling_group(converged: Converged, *args: str) -> int:
    """site.yml's scaling_group stage; the number of changed tasks (the run must succeed)."""
    code, output = ansible_playbook(
        converged.state_dir, converged.endpoint, "site.yml", "--tags", "scaling_group", *args
    )
    assert code == 0, output[-6000:]
    return int(re.findall(r"localhost\s+:\s+ok=\d+\s+changed=(\d+)", output)[-1])


def policies(converged: Converged) -> dict[str, dict[str, Any]]:
    found = converged.client("autoscaling").describe_policies(AutoScalingGroupName=GROUP)["ScalingPolicies"]
    return {policy["PolicyName"]: policy for policy in found}


def alarm_names(converged: Converged, prefix: str) -> list[str]:
    alarms = converged.client("cloudwatch").describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]
    return sorted(alarm["AlarmName"] for alarm in alarms)


def test_switching_to_target_tracking_and_back_converges(converged: Converged) -> None:
    assert sorted(policies(converged)) == SIMPLE_POLICIES
    try:
        assert run_scaling_group(converged, *TARGET_TRACKING) > 0

        found = policies(converged)
        assert sorted(found) == [TARGET_POLICY], "only the target tracking policy is left"
        policy = found[TARGET_POLICY]
        config = policy["TargetTrackingConfiguration"]
        assert policy["PolicyType"] == "TargetTrackingScaling"
        assert config["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ASGAverageCPUUtilization"
        assert (config["TargetValue"], bool(config.get("DisableScaleIn"))) == (55.0, False)
        assert policy["EstimatedInstanceWarmup"] == 120
        assert alarm_names(converged, "muejam-local-cpu-") == [], "none of our own CPU alarms"
        # AWS's own alarms for the policy, triggering it (the emulator makes them as AWS does).
        aws_alarms = alarm_names(converged, f"TargetTracking-{GROUP}-")
        assert sorted(alarm["AlarmName"] for alarm in policy["Alarms"]) == aws_alarms
        assert [re.sub(r"-[0-9a-f-]{36}$", "", name) for name in aws_alarms] == [
            f"TargetTracking-{GROUP}-AlarmHigh",
            f"TargetTracking-{GROUP}-AlarmLow",
        ]

        assert run_scaling_group(converged, *TARGET_TRACKING) == 0, "a re-run changes nothing"
    finally:
        changed_back = run_scaling_group(converged)

    assert changed_back > 0
    assert sorted(policies(converged)) == SIMPLE_POLICIES
    assert alarm_names(converged, "muejam-local-cpu-") == OUR_ALARMS
    assert alarm_names(converged, f"TargetTracking-{GROUP}-") == [], "AWS deletes its alarms with the policy"
