"""``playbooks/drift.yml`` on the shared converged stack, changed behind its back with boto3.

What users rely on: with five settings changed outside Ansible (a rule added to the ALB security
group, the target group's health check path, the scale-out alarm's threshold, the Auto Scaling
group's maximum, a tag removed from the ALB), one drift run fails naming each drifted resource and
attribute with the values wanted and found, prints them as a table, writes them as JSON where it
is asked to, and makes no mutating call; ``site.yml`` then repairs the stack, and a second drift
run reports nothing, exits 0 and writes its report beside the stack's outputs file. Three
playbook runs in all (each costs tens of seconds).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Converged
from stack_runs import ansible_playbook

from tools.emulator import request_counts

NAME = "muejam-local"
ALB_SG = f"{NAME}-alb-sg"
TARGET_GROUP = f"{NAME}-tg"
ALB = f"{NAME}-alb"
GROUP = f"{NAME}-asg"
ALARM = f"{NAME}-cpu-high"
ADDED_RULE = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "203.0.113.0/24"}]}
CHANGED_PATH = "/changed-behind-the-back"
CHANGED_THRESHOLD = 95.0
REMOVED_TAG = "ManagedBy"
# The metric alarm's fields PutMetricAlarm takes, as DescribeAlarms returns them.
ALARM_FIELDS = (
    "AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions",
    "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods", "Threshold",
    "ComparisonOperator", "TreatMissingData",
)  # fmt: skip


@dataclass
class DriftRun:
    code: int
    output: str
    calls: dict[str, Any]  # request_counts.count of the run
    report: dict[str, Any]  # the JSON file it wrote


def run_drift(converged: Converged, report_path: Path, *args: str) -> DriftRun:
    before = request_counts.count(converged.state_dir)["lines"]
    code, output = ansible_playbook(converged.state_dir, converged.endpoint, "playbooks/drift.yml", *args)
    calls = request_counts.count(converged.state_dir, since=before)
    assert report_path.is_file(), output[-6000:]
    return DriftRun(code, output, calls, json.loads(report_path.read_text()))


def mutating_calls(calls: dict[str, Any]) -> set[str]:
    return {
        f"{service} {action}"
        for service, data in calls["services"].items()
        for action, row in data["actions"].items()
        if row["mutating"]
    }


class BehindTheBack:
    """The five changes, made and (whatever the runs did) put back with boto3."""

    def __init__(self, converged: Converged) -> None:
        self.ec2 = converged.client("ec2")
        self.elb = converged.client("elbv2")
        self.autoscaling = converged.client("autoscaling")
        self.cloudwatch = converged.client("cloudwatch")
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [ALB_SG]}])
        self.security_group_id = groups["SecurityGroups"][0]["GroupId"]
        self.target_group = self.elb.describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"][0]
        self.alb_arn = self.elb.describe_load_balancers(Names=[ALB])["LoadBalancers"][0]["LoadBalancerArn"]
        tags = self.elb.describe_tags(ResourceArns=[self.alb_arn])["TagDescriptions"][0]["Tags"]
        self.removed_tag = next(tag for tag in tags if tag["Key"] == REMOVED_TAG)
        group = self.autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]
        self.max_size = group["MaxSize"]
        alarm = self.cloudwatch.describe_alarms(AlarmNames=[ALARM])["MetricAlarms"][0]
        self.alarm = {field: alarm[field] for field in ALARM_FIELDS if field in alarm}

    def change(self) -> None:
        self.ec2.authorize_security_group_ingress(GroupId=self.security_group_id, IpPermissions=[ADDED_RULE])
        self.elb.modify_target_group(TargetGroupArn=self.target_group["TargetGroupArn"], HealthCheckPath=CHANGED_PATH)
        self.cloudwatch.put_metric_alarm(**{**self.alarm, "Threshold": CHANGED_THRESHOLD})
        self.autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, MaxSize=self.max_size + 1)
        self.elb.remove_tags(ResourceArns=[self.alb_arn], TagKeys=[REMOVED_TAG])

    def put_back(self) -> None:
        try:
            self.ec2.revoke_security_group_ingress(GroupId=self.security_group_id, IpPermissions=[ADDED_RULE])
        except ClientError as error:  # site.yml removed it already
            assert error.response["Error"]["Code"] == "InvalidPermission.NotFound", error
        self.elb.modify_target_group(
            TargetGroupArn=self.target_group["TargetGroupArn"], HealthCheckPath=self.target_group["HealthCheckPath"]
        )
        self.cloudwatch.put_metric_alarm(**self.alarm)
        self.autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, MaxSize=self.max_size)
        self.elb.add_tags(ResourceArns=[self.alb_arn], Tags=[self.removed_tag])


@pytest.fixture(scope="module")
def runs(converged: Converged, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One drift run on the changed stack (its report where -e stack_drift_path asks), site.yml, then
    one drift run with the default report path."""
    asked = tmp_path_factory.mktemp("drift-report") / "asked" / "report.json"
    default = converged.state_dir / "outputs" / f"{NAME}-drift.json"
    changes = BehindTheBack(converged)
    changes.change()
    try:
        drifted = run_drift(converged, asked, "-e", f"stack_drift_path={asked}")
        site_code, site_output = ansible_playbook(converged.state_dir, converged.endpoint, "site.yml")
        repaired = run_drift(converged, default)
        yield {"drifted": drifted, "site": (site_code, site_output), "repaired": repaired, "changes": changes}
    finally:
        changes.put_back()


def rows_by_resource(run: DriftRun) -> dict[tuple[str, str], dict[str, Any]]:
    return {(row["resource"], row["attribute"]): row for row in run.report["rows"]}


EXPECTED = {
    (f"load_balancer/alb_security_group ({ALB_SG})", "ingress"),
    (f"load_balancer/target_group ({TARGET_GROUP})", "health_check_path"),
    (f"load_balancer/load_balancer ({ALB})", "tags"),
    (f"scaling_group/alarm[{ALARM}]", "threshold"),
    (f"scaling_group/auto_scaling_group ({GROUP})", "max_size"),
}


def test_drift_fails_and_reports_exactly_the_five_changes(runs: dict[str, Any]) -> None:
    drifted = runs["drifted"]
    assert drifted.code != 0, drifted.output[-6000:]
    assert drifted.report["drifted"] is True
    assert set(rows_by_resource(drifted)) == EXPECTED, drifted.report["rows"]


def test_each_row_carries_the_values_wanted_and_found(runs: dict[str, Any]) -> None:
    rows = rows_by_resource(runs["drifted"])
    changes: BehindTheBack = runs["changes"]
    health_check = rows[(f"load_balancer/target_group ({TARGET_GROUP})", "health_check_path")]
    assert (health_check["wanted"], health_check["found"]) == (changes.target_group["HealthCheckPath"], CHANGED_PATH)
    threshold = rows[(f"scaling_group/alarm[{ALARM}]", "threshold")]
    assert (threshold["wanted"], threshold["found"]) == (changes.alarm["Threshold"], CHANGED_THRESHOLD)
    max_size = rows[(f"scaling_group/auto_scaling_group ({GROUP})", "max_size")]
    assert (max_size["wanted"], max_size["found"]) == (changes.max_size, changes.max_size + 1)
    tags = rows[(f"load_balancer/load_balancer ({ALB})", "tags")]
    assert tags["wanted"][REMOVED_TAG] == changes.removed_tag["Value"]
    assert REMOVED_TAG not in tags["found"]
    ingress = rows[(f"load_balancer/alb_security_group ({ALB_SG})", "ingress")]
    added = [rule for rule in ingress["found"] if rule not in ingress["wanted"]]
    assert [(rule["from_port"], rule["to_port"]) for rule in added] == [(8080, 8080)], ingress
    assert all(rule in ingress["found"] for rule in ingress["wanted"])


def test_the_failure_and_the_table_name_each_resource_and_attribute(runs: dict[str, Any]) -> None:
    output = runs["drifted"].output
    failure = output[output.index("TASK [Fail when the stack drifted]") :]
    table = output[output.index("TASK [Print the drift table]") : output.index("TASK [Fail when the stack drifted]")]
    assert "drifted in 5 resource(s)" in failure, failure[-3000:]
    for resource, attribute in EXPECTED:
        assert resource in failure and attribute in failure, (resource, failure[-3000:])
        assert any(resource in line and attribute in line for line in table.splitlines()), (resource, table)
    # The table shows the rule that was added, not the whole list of rules.
    assert "203.0.113.0/24" in table
    assert CHANGED_PATH in table


def test_the_report_is_written_where_asked_with_the_tables_rows(runs: dict[str, Any]) -> None:
    report = runs["drifted"].report
    assert report["stack_name"] == NAME
    assert {row["part"] for row in report["rows"]} == {"load_balancer", "scaling_group"}
    assert all(set(row) == {"part", "resource", "attribute", "wanted", "found"} for row in report["rows"])


def test_drift_makes_no_mutating_call(runs: dict[str, Any]) -> None:
    for run in (runs["drifted"], runs["repaired"]):
        # It did read the stack (EC2, ELBv2, Auto Scaling, CloudWatch, IAM): the log is not empty by accident.
        assert {"ec2", "elbv2", "autoscaling", "cloudwatch", "iam"} <= set(run.calls["services"]), run.calls
        assert run.calls["mutating"] == 0, mutating_calls(run.calls)


def test_site_repairs_it_and_drift_then_reports_nothing(runs: dict[str, Any]) -> None:
    site_code, site_output = runs["site"]
    assert site_code == 0, site_output[-6000:]
    repaired = runs["repaired"]
    assert repaired.code == 0, repaired.output[-6000:]
    assert repaired.report == {"stack_name": NAME, "drifted": False, "rows": []}
    assert "No drift" in repaired.output
