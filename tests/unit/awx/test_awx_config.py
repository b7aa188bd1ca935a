"""playbooks/awx.yml, validated offline (no AWX server).

The playbook runs for real, with every awx.awx module replaced by a recorder (a collection
awx.awx of the test's own, first on the collections path, whose modules write the arguments they
were called with after templating and module_defaults): each call's arguments are then checked
against the real module's own argument spec (imported from awx.awx 24.6.1, with AWX's
authentication options, validated by Ansible's ArgumentSpecValidator as the module would), every
survey spec against AWX's own survey checks (awx_surveys.py), and every survey variable against
what the preflight and the roles know.
"""

from __future__ import annotations

import os
import subprocess
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from awx_recorder import ROOT, USER_VARS, calls_of, module_spec, record, surveys
from awx_surveys import answer_errors, spec_errors

from ansible_collections.muejam.infra.plugins.module_utils import preflight
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import STACK_SPEC


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return record(tmp_path_factory.mktemp("awx"))


@pytest.fixture(scope="module")
def awx_vars() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "playbooks/vars/awx.yml").read_text())


class TestArguments:
    def test_every_call_passes_its_module_s_own_argument_spec(self, recorded):
        assert recorded
        for call in recorded:
            spec, options = module_spec(call["module"])
            validator = ArgumentSpecValidator(
                spec,
                mutually_exclusive=options.get("mutually_exclusive"),
                required_together=options.get("required_together"),
                required_one_of=options.get("required_one_of"),
                required_if=options.get("required_if"),
                required_by=options.get("required_by"),
            )
            result = validator.validate(call["args"])
            assert not result.error_messages, (call["module"], result.error_messages)
            assert not result.unsupported_parameters, (call["module"], result.unsupported_parameters)

    def test_the_validation_catches_a_misspelt_option(self):
        spec, _options = module_spec("job_template")
        result = ArgumentSpecValidator(spec).validate({"name": "x", "playbok": "site.yml"})
        assert result.unsupported_parameters

    def test_configures_each_object_of_the_issue(self, recorded):
        modules = {call["module"] for call in recorded}
        assert modules >= {
            "organization",
            "project",
            "execution_environment",
            "credential",
            "inventory",
            "inventory_source",
            "job_template",
            "workflow_job_template",
            "workflow_job_template_node",
        }

    def test_the_project_is_the_organization_s_and_syncs_from_the_variable(self, recorded):
        (project,) = calls_of(recorded, "project")
        assert project["organization"] == "muejam"
        assert project["scm_type"] == "git"
        assert project["scm_url"] == USER_VARS["awx_project_scm_url"]

    def test_the_aws_credential_takes_its_secrets_from_variables_without_logging_them(self, recorded):
        (credential,) = calls_of(recorded, "credential")
        assert credential["credential_type"] == "Amazon Web Services"
        assert credential["inputs"] == {
            "username": USER_VARS["awx_aws_access_key"],
            "password": USER_VARS["awx_aws_secret_key"],
        }
        task = next(
            t for t in yaml.safe_load((ROOT / "playbooks/awx.yml").read_text())[0]["tasks"] if "awx.awx.credential" in t
        )
        assert task["no_log"] is True

    def test_each_environment_is_an_inventory_sourced_from_the_project(self, recorded, awx_vars):
        sources = calls_of(recorded, "inventory_source")
        assert sorted(source["source_path"] for source in sources) == sorted(
            f"inventories/{env}" for env in awx_vars["awx_environments"]
        )
        for source in sources:
            assert source["source"] == "scm"
            assert source["source_project"] == "muejam.infra"
            assert (ROOT / source["source_path"] / "group_vars" / "all").is_dir()
        assert {inv["name"] for inv in calls_of(recorded, "inventory")} == {s["inventory"] for s in sources}

    def test_the_job_templates_run_the_project_s_playbooks_in_the_ee_with_the_credential(self, recorded):
        templates = {args["name"]: args for args in calls_of(recorded, "job_template")}
        assert {args["playbook"] for args in templates.values()} == {
            "site.yml",
            "playbooks/rollout.yml",
            "playbooks/readiness.yml",
            "playbooks/audit.yml",
            "playbooks/drift.yml",
            "teardown.yml",
        }
        (environment,) = calls_of(recorded, "execution_environment")
        for args in templates.values():
            assert (ROOT / args["playbook"]).is_file()
            assert args["execution_environment"] == environment["name"]
            assert args["credentials"] == ["muejam.infra AWS"]

    def test_the_workflow_goes_provision_readiness_audit_on_success_only(self, recorded):
        nodes = calls_of(recorded, "workflow_job_template_node")
        by_id = {node["identifier"]: node for node in nodes}
        assert not any(node.get("failure_nodes") or node.get("always_nodes") for node in nodes)
        chain, node = [], by_id["provision"]
        while True:
            chain.append(node["unified_job_template"])
            if not node["success_nodes"]:
                break
            (following,) = node["success_nodes"]
            node = by_id[following]
        assert chain == ["muejam.infra provision", "muejam.infra readiness", "muejam.infra audit"]
        # Created last node first: every success node exists when a node names it.
        created = [node["identifier"] for node in nodes]
        for index, node in enumerate(nodes):
            assert set(node["success_nodes"]) <= set(created[:index])


class TestSurveys:
    def test_every_survey_is_one_awx_accepts(self, recorded):
        found = surveys(recorded)
        assert set(found) == {
            "muejam.infra provision",
            "muejam.infra rollout",
            "muejam.infra teardown",
            "muejam.infra provision, readiness, audit",
        }
        for name, spec in found.items():
            assert spec_errors(spec) == [], name

    def test_the_survey_check_refuses_what_awx_refuses(self):
        question = {"question_name": "Min", "variable": "x", "type": "integer", "required": True}
        base = {"name": "s", "description": "d"}
        assert spec_errors({**base, "spec": [{**question, "default": "2"}]})
        assert spec_errors({**base, "spec": [{**question, "type": "number"}]})
        assert spec_errors({**base, "spec": [{**question, "type": "multiplechoice", "choices": ["a"], "default": "b"}]})
        assert spec_errors({**base, "spec": [question, question]})
        assert spec_errors({"name": "s", "spec": [question]})
        assert answer_errors({**base, "spec": [question]}, {"x": "2"})
        assert not answer_errors({**base, "spec": [question]}, {"x": 2})

    def test_the_capacity_questions_are_integers_with_the_role_s_defaults(self, recorded):
        options = yaml.safe_load((ROOT / "roles/scaling_group/meta/argument_specs.yml").read_text())
        options = options["argument_specs"]["main"]["options"]
        spec = surveys(recorded)["muejam.infra provision"]
        questions = {question["variable"]: question for question in spec["spec"]}
        for variable in ("scaling_group_min_size", "scaling_group_desired_capacity", "scaling_group_max_size"):
            assert questions[variable]["type"] == "integer"
            assert questions[variable]["default"] == options[variable]["default"]
        instance_type = questions["scaling_group_instance_type"]
        assert instance_type["type"] == "multiplechoice"
        assert instance_type["default"] == options["scaling_group_instance_type"]["default"]

    def test_every_instance_type_offered_passes_the_preflight(self, recorded):
        spec = surveys(recorded)["muejam.infra provision"]
        (question,) = [q for q in spec["spec"] if q["variable"] == "scaling_group_instance_type"]
        for choice in question["choices"]:
            problems = preflight.check_inputs({"scaling_group_instance_type": choice}, across=False)
            assert not [p for p in problems if p.variable == "scaling_group_instance_type"], choice

    def test_the_rollout_asks_for_the_release_s_ami_and_refuses_a_launch_without_it(self, recorded):
        spec = surveys(recorded)["muejam.infra rollout"]
        questions = {question["variable"]: question for question in spec["spec"]}
        assert set(questions) == {"stack_expected_environment", "scaling_group_ami_id", "scaling_group_instance_type"}
        assert questions["scaling_group_ami_id"]["type"] == "text"
        assert questions["scaling_group_ami_id"]["required"] is True
        assert answer_errors(
            spec, {"stack_expected_environment": "staging", "scaling_group_instance_type": "t3.medium"}
        )
        # What the question accepts is what the preflight checks: a bad AMI id is refused before any AWS call.
        problems = preflight.check_inputs({"scaling_group_ami_id": "ami-nope"}, across=False)
        assert [p.variable for p in problems if p.variable == "scaling_group_ami_id"] == ["scaling_group_ami_id"]

    def test_teardown_requires_its_confirmation(self, recorded):
        spec = surveys(recorded)["muejam.infra teardown"]
        (question,) = spec["spec"]
        assert question["variable"] == "teardown_confirm"
        assert question["required"] is True
        assert answer_errors(spec, {})

    def test_every_survey_variable_is_one_the_playbooks_read(self, recorded):
        role_options = set()
        for specs in (ROOT / "roles").glob("*/meta/argument_specs.yml"):
            role_options |= set(yaml.safe_load(specs.read_text())["argument_specs"]["main"]["options"])
        for spec in surveys(recorded).values():
            for question in spec["spec"]:
                variable = question["variable"]
                assert variable in role_options or variable in STACK_SPEC or variable == "teardown_confirm", variable

    def test_the_environment_question_offers_the_configured_environments(self, recorded, awx_vars):
        spec = surveys(recorded)["muejam.infra provision"]
        (question,) = [q for q in spec["spec"] if q["variable"] == "stack_expected_environment"]
        assert question["choices"] == awx_vars["awx_environments"]


def test_the_configuration_playbook_passes_a_syntax_check():
    completed = subprocess.run(
        ["ansible-playbook", "--syntax-check", "playbooks/awx.yml"],
        cwd=ROOT,
        env={**os.environ, "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg")},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


class TestEnvironmentQuestion:
    """The survey's environment answer (stack_expected_environment) against the inventory's."""

    def problems(self, **values: Any) -> list[str]:
        inventory = {"stack_project": "muejam", "stack_environment": "staging", "aws_region": "us-east-1"}
        found = preflight.check_inputs({**inventory, **values}, across=False)
        return [str(problem) for problem in found if problem.variable == "stack_expected_environment"]

    def test_a_job_launched_for_another_environment_is_refused_naming_both(self):
        (problem,) = self.problems(stack_expected_environment="production")
        assert "'production'" in problem and "'staging'" in problem

    def test_the_inventory_s_own_environment_passes(self):
        assert self.problems(stack_expected_environment="staging") == []

    def test_without_an_answer_nothing_is_checked(self):
        assert self.problems() == []
