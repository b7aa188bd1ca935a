"""``site.yml --check --diff`` on a stack changed behind its back tells the truth.

What users rely on: check mode changes nothing, counts every change a run would make (also where
the resource module has no check mode: the target group, the access logs' bucket), and with
``--diff`` shows, per resource, the attribute found and the one wanted.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Converged, json_playbook

from tools.emulator import request_counts

GROUP = "muejam-local-asg"


def run_check_diff(converged: Converged) -> dict[str, Any]:
    """``site.yml --check --diff`` with the JSON callback: its output and the calls it made."""
    before = request_counts.count(converged.state_dir)["lines"]
    run = json_playbook(converged.state_dir, converged.endpoint, "site.yml", "--check", "--diff")
    return {"run": run, "calls": request_counts.count(converged.state_dir, since=before)}


def results(run: dict[str, Any], name_part: str) -> list[dict[str, Any]]:
    """The localhost results of every task whose name contains NAME_PART (loop items flattened)."""
    found = []
    for play in run["plays"]:
        for task in play["tasks"]:
            if name_part in task["task"]["name"]:
                result = task["hosts"].get("localhost", {})
                found.extend(result.get("results", [result]))
    return found


@pytest.fixture(scope="module")
def drifted(converged: Converged) -> Iterator[dict[str, Any]]:
    """The converged stack with a target group setting, the bucket's encryption and the ASG's
    maximum changed behind its back, put back afterwards; the check run's output."""
    elb = converged.client("elbv2")
    s3 = converged.client("s3")
    autoscaling = converged.client("autoscaling")
    group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
    target_group = elb.describe_target_groups(Names=["muejam-local-tg"])["TargetGroups"][0]
    buckets = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith("muejam-local-alb-logs-")]
    assert len(buckets) == 1, buckets
    bucket = buckets[0]
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    elb.modify_target_group(TargetGroupArn=target_group["TargetGroupArn"], HealthCheckIntervalSeconds=17)
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, MaxSize=group["MaxSize"] + 1)
    try:
        yield {**run_check_diff(converged), "max_size": group["MaxSize"]}
    finally:
        elb.modify_target_group(
            TargetGroupArn=target_group["TargetGroupArn"],
            HealthCheckIntervalSeconds=target_group["HealthCheckIntervalSeconds"],
        )
        s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration=encryption)
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, MaxSize=group["MaxSize"])
    assert all(plan["in_sync"] for plan in converged.plans().values())


def test_check_mode_changes_nothing(drifted: dict[str, Any]) -> None:
    mutating = {
        f"{service} {action}"
        for service, data in drifted["calls"]["services"].items()
        for action, row in data["actions"].items()
        if row["mutating"]
    }
    assert mutating == set()


def test_the_resources_without_check_mode_are_reported_as_changes(drifted: dict[str, Any]) -> None:
    reports = {
        result["item"]: result for result in results(drifted["run"], "Report how the resources without check mode")
    }
    assert sorted(reports) == ["access_logs_bucket", "access_logs_expiration", "target_group"]
    assert reports["target_group"]["changed"] is True
    assert any("health_check_interval: wanted 30, found 17" in line for line in reports["target_group"]["msg"])
    assert reports["access_logs_bucket"]["changed"] is True
    assert any("encryption" in line for line in reports["access_logs_bucket"]["msg"])
    assert reports["access_logs_expiration"]["changed"] is False


def test_the_diff_shows_every_resource_that_would_change(drifted: dict[str, Any]) -> None:
    comparisons = results(drifted["run"], "with the wanted one")
    diffs = {entry["before_header"]: entry for result in comparisons for entry in result.get("diff", [])}
    assert diffs["target_group"]["before"] == {"health_check_interval": 17}
    assert diffs["target_group"]["after"] == {"health_check_interval": 30}
    assert "encryption" in diffs["access_logs_bucket"]["after"]
    assert diffs["auto_scaling_group"]["before"] == {"max_size": drifted["max_size"] + 1}
    assert diffs["auto_scaling_group"]["after"] == {"max_size": drifted["max_size"]}
    changed = {result["invocation"]["module_args"]["part"] for result in comparisons if result.get("changed")}
    assert changed == {"load_balancer", "scaling_group"}
