"""The AWX workflow, run as AWX runs it, on an emulator of the test's own.

The project is copied and synced as AWX syncs it (awx_jobs.py); the job templates and surveys are
those playbooks/awx.yml configures (recorded, with awx_environments including local). Each job
runs with ansible-runner over ``project/`` and ``inventory/`` (inventories/local, which reads the
emulator's endpoint from MUEJAM_AWS_ENDPOINT), the AWS credential injected as AWX injects it, the
survey's answers checked as AWX checks them and passed as extra vars. The workflow's nodes run in
order, provision -> readiness -> audit, each receiving the artifacts (set_stats) of the ones before
it as AWX composes a node's extra vars; then the teardown job template removes the stack.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from awx_jobs import artifacts, job_environment, node_extra_vars, run_job, synced_project, task_results
from awx_recorder import record, surveys
from awx_surveys import answer_errors

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "playbooks"))

from stack_runs import ROOT, own_emulator

ACCESS_KEY = "AKIAAWXJOBCREDENTIAL"
SECRET_KEY = "awx/injected/secret"
WORKFLOW = "muejam.infra provision, readiness, audit"
PROVISION_ANSWERS = {
    "stack_expected_environment": "local",
    "scaling_group_min_size": 2,
    "scaling_group_desired_capacity": 2,
    "scaling_group_max_size": 4,
    "scaling_group_instance_type": "t3.small",
}


def emulator_requests(state_dir: Path, *args: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-m", "tools.emulator", "requests", "--state-dir", str(state_dir), "--json", *args],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout)


@pytest.fixture(scope="module")
def workflow(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("awx-workflow")
    found = surveys(record(tmp / "config", {"awx_environments": ["local", "staging", "production"]}))
    private_data_dir = tmp / "job"
    sync = synced_project(private_data_dir)
    assert sync.returncode == 0, sync.stdout + sync.stderr
    inventory = private_data_dir / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "hosts.yml").write_text((ROOT / "inventories/local/hosts.yml").read_text())
    (inventory / "group_vars" / "all.yml").write_text((ROOT / "inventories/local/group_vars/all/stack.yml").read_text())
    state_dir = tmp / "emulator"
    with own_emulator(state_dir) as endpoint:
        env = {
            **job_environment(private_data_dir, ACCESS_KEY, SECRET_KEY),
            "MUEJAM_AWS_ENDPOINT": endpoint,
            "MUEJAM_EMULATOR_STATE": str(state_dir),
        }

        def mark(name: str) -> None:
            subprocess.run(
                [sys.executable, "-m", "tools.emulator", "requests", "--state-dir", str(state_dir), "mark", name],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )

        mark("jobs")
        assert answer_errors(found[WORKFLOW], PROVISION_ANSWERS) == []
        jobs: dict[str, Any] = {}
        handed: dict[str, dict[str, Any]] = {}
        ancestors: dict[str, Any] = {}
        for node, playbook in (
            ("provision", "site.yml"),
            ("readiness", "playbooks/readiness.yml"),
            ("audit", "playbooks/audit.yml"),
        ):
            extravars = node_extra_vars(ancestors, PROVISION_ANSWERS)
            handed[node] = extravars
            jobs[node] = run_job(private_data_dir, node, playbook, extravars, env)
            if jobs[node].status != "successful":
                break  # success edges only: the workflow stops here
            ancestors.update(artifacts(jobs[node]))
        requests = [emulator_requests(state_dir, "--since-mark", "jobs", *key) for key in ((), ("--key", ACCESS_KEY))]
        outputs_file = private_data_dir / "home" / ".local" / "state" / "muejam" / "outputs" / "muejam-local.json"
        written = json.loads(outputs_file.read_text()) if outputs_file.is_file() else {}

        def client(service: str) -> Any:
            return boto3.client(
                service,
                region_name="us-east-1",
                endpoint_url=endpoint,
                aws_access_key_id="x",
                aws_secret_access_key="x",
            )

        groups = client("autoscaling").describe_auto_scaling_groups()["AutoScalingGroups"]
        templates = (
            client("ec2").describe_launch_template_versions(
                LaunchTemplateName=groups[0]["LaunchTemplate"]["LaunchTemplateName"], Versions=["$Latest"]
            )["LaunchTemplateVersions"]
            if groups
            else []
        )
        teardown_answers = {"teardown_confirm": "local"}
        assert answer_errors(found["muejam.infra teardown"], teardown_answers) == []
        mark("teardown")
        jobs["teardown"] = run_job(private_data_dir, "teardown", "teardown.yml", teardown_answers, env)
        requests += [
            emulator_requests(state_dir, "--since-mark", "teardown", *key) for key in ((), ("--key", ACCESS_KEY))
        ]
    return {
        "jobs": jobs,
        "handed": handed,
        "written": written,
        "outputs_file": outputs_file,
        "groups": groups,
        "templates": templates,
        "requests": requests,
        "private_data_dir": private_data_dir,
    }


def test_every_node_and_the_teardown_succeed(workflow):
    results = {name: (job.status, job.rc) for name, job in workflow["jobs"].items()}
    assert results == {name: ("successful", 0) for name in ("provision", "readiness", "audit", "teardown")}


def test_provision_publishes_the_stack_s_outputs_as_its_artifacts(workflow):
    published = artifacts(workflow["jobs"]["provision"])["stack_outputs"]
    assert published["vpc_id"].startswith("vpc-")
    assert published["target_group_arn"].startswith("arn:aws:elasticloadbalancing:us-east-1:")
    assert published["autoscaling_group_name"] == workflow["groups"][0]["AutoScalingGroupName"]
    assert len(published["private_subnet_ids"]) == 3
    assert published == {name: output["value"] for name, output in workflow["written"].items()}


def test_the_artifacts_are_in_the_job_s_events_on_disk(workflow):
    events = workflow["private_data_dir"] / "artifacts" / "provision" / "job_events"
    stats = [json.loads(path.read_text()) for path in events.glob("*.json")]
    (on_stats,) = [event for event in stats if event.get("event") == "playbook_on_stats"]
    assert on_stats["event_data"]["artifact_data"] == artifacts(workflow["jobs"]["provision"])


def test_the_next_nodes_receive_the_outputs_as_extra_vars_and_use_them(workflow):
    published = artifacts(workflow["jobs"]["provision"])["stack_outputs"]
    assert workflow["handed"]["readiness"]["stack_outputs"] == published
    assert workflow["handed"]["audit"]["stack_outputs"] == published
    (waited,) = task_results(workflow["jobs"]["readiness"], "Wait until the stack is ready to serve")
    assert waited["target_group_arn"] == published["target_group_arn"]
    assert waited["autoscaling_group"]["name"] == published["autoscaling_group_name"]
    (printed,) = task_results(workflow["jobs"]["readiness"], "Print the readiness result")
    assert (
        f"Target group {published['target_group_arn']}, from the outputs the previous job handed on (stack_outputs)"
        in printed["msg"]
    )


def test_the_survey_answers_reach_the_stack(workflow):
    (group,) = workflow["groups"]
    assert (group["MinSize"], group["DesiredCapacity"], group["MaxSize"]) == (2, 2, 4)
    assert workflow["templates"][0]["LaunchTemplateData"]["InstanceType"] == "t3.small"


def test_the_audit_passes_on_the_provisioned_stack(workflow):
    (audit,) = task_results(workflow["jobs"]["audit"], "Audit the stack")
    assert audit["passed"] is True


def test_every_aws_call_of_the_jobs_uses_the_injected_credential(workflow):
    workflow_all, workflow_key, teardown_all, teardown_key = workflow["requests"]
    assert workflow_key["mutating"] > 0 and teardown_key["mutating"] > 0
    assert workflow_key["total"] == workflow_all["total"]
    assert teardown_key["total"] == teardown_all["total"]


def test_the_outputs_go_to_the_job_s_home_not_the_project_copy(workflow):
    project = workflow["private_data_dir"] / "project"
    assert not list(project.rglob("muejam-local.json"))
    assert not (project / "outputs").exists()


def test_teardown_removes_the_outputs_file(workflow):
    assert not workflow["outputs_file"].exists()


def test_the_credential_s_secret_is_not_printed(workflow):
    for job in workflow["jobs"].values():
        assert SECRET_KEY not in job.stdout.read()
