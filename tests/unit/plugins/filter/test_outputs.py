from __future__ import annotations

import json

import pytest

from ansible_collections.muejam.infra.plugins.filter.outputs import (
    STACK_OUTPUTS,
    stack_outputs,
    terraform_outputs,
    terraform_type,
)


class TestTerraformType:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("vpc-1", "string"),
            (2, "number"),
            (0.5, "number"),
            (True, "bool"),
            (["a", "b"], ["list", "string"]),
            ([], ["list", "string"]),
            ({"app": "/x/app"}, ["map", "string"]),
            (["a", 1], ["tuple", ["string", "number"]]),
            ({"a": "x", "n": 1}, ["object", {"a": "string", "n": "number"}]),
        ],
    )
    def test_types_values_as_terraform_does(self, value, expected):
        assert terraform_type(value) == expected

    def test_bool_is_not_a_number(self):
        assert terraform_type(False) == "bool"

    def test_refuses_values_json_cannot_hold(self):
        with pytest.raises(TypeError, match="set"):
            terraform_type({1, 2})


class TestTerraformOutputs:
    def test_wraps_each_value_with_type_and_sensitivity(self):
        shaped = terraform_outputs({"vpc_id": "vpc-1", "private_subnet_ids": ["subnet-1", "subnet-2"]})
        assert shaped == {
            "private_subnet_ids": {"sensitive": False, "type": ["list", "string"], "value": ["subnet-1", "subnet-2"]},
            "vpc_id": {"sensitive": False, "type": "string", "value": "vpc-1"},
        }

    def test_marks_named_outputs_sensitive(self):
        shaped = terraform_outputs({"a": "x", "b": "y"}, ["b"])
        assert [shaped["a"]["sensitive"], shaped["b"]["sensitive"]] == [False, True]

    def test_result_is_json_serialisable_in_name_order(self):
        text = json.dumps(terraform_outputs({"b": 1, "a": [1, 2]}))
        assert list(json.loads(text)) == ["a", "b"]

    def test_rejects_a_non_dict(self):
        with pytest.raises(TypeError, match="expects a dict"):
            terraform_outputs(["vpc-1"])


STACK = {"stack_name": "muejam-local", "environment": "local", "region": "us-east-1"}
NETWORKING = {
    "vpc_id": "vpc-new",
    "vpc_cidr": "10.0.0.0/16",
    "availability_zones": ["us-east-1a"],
    "public_subnet_ids": ["subnet-p"],
    "private_subnet_ids": ["subnet-q"],
    "internet_gateway_id": "igw-1",
    "nat_gateway_ids": ["nat-1"],
    "nat_public_ips": ["203.0.113.1"],
}
LOAD_BALANCER = {
    "security_group_id": "sg-alb",
    "load_balancer_arn": "arn:alb",
    "dns_name": "alb.example",
    "canonical_hosted_zone_id": "Z1",
    "target_group_arn": "arn:tg",
    "https_listener_arn": "arn:https",
    "http_listener_arn": "arn:http",
}


def earlier_file(**values):
    """An outputs file as an earlier run wrote it (terraform's shape), with every output set."""
    outputs = {name: f"old-{name}" for name in STACK_OUTPUTS}
    outputs.update(values)
    return json.loads(json.dumps(terraform_outputs({**STACK, **outputs})))


class TestStackOutputs:
    def test_a_full_run_gives_every_output_from_its_stages(self):
        merged = stack_outputs({"networking": NETWORKING, "load_balancer": LOAD_BALANCER}, STACK)
        assert merged["vpc_id"] == "vpc-new"
        assert merged["alb_dns_name"] == "alb.example"
        assert merged["target_group_arn"] == "arn:tg"
        assert set(merged) == {*STACK, *STACK_OUTPUTS}

    def test_a_stage_that_did_not_run_keeps_the_earlier_values(self):
        merged = stack_outputs(
            {"networking": None, "load_balancer": LOAD_BALANCER, "instance_bootstrap": None, "scaling_group": None},
            STACK,
            previous=earlier_file(vpc_id="vpc-old", autoscaling_group_name="muejam-local-asg"),
        )
        assert merged["vpc_id"] == "vpc-old"
        assert merged["autoscaling_group_name"] == "muejam-local-asg"
        assert merged["alb_arn"] == "arn:alb"

    def test_a_stage_that_ran_replaces_the_earlier_values_even_with_empty_ones(self):
        emptied = {**LOAD_BALANCER, "https_listener_arn": ""}
        merged = stack_outputs({"load_balancer": emptied}, STACK, previous=earlier_file())
        assert merged["https_listener_arn"] == ""
        assert merged["target_group_arn"] == "arn:tg"

    def test_without_an_earlier_file_a_stage_not_run_gives_empty_values_of_the_output_type(self):
        merged = stack_outputs({"load_balancer": LOAD_BALANCER}, STACK)
        assert merged["vpc_id"] == ""
        assert merged["nat_gateway_ids"] == []
        assert merged["log_group_names"] == {}

    def test_reads_an_earlier_file_in_either_shape(self):
        plain = {"vpc_id": "vpc-plain"}
        assert stack_outputs({}, STACK, previous=plain)["vpc_id"] == "vpc-plain"
        assert stack_outputs({}, STACK, previous=earlier_file(vpc_id="vpc-tf"))["vpc_id"] == "vpc-tf"

    def test_the_stack_identity_is_this_run_s(self):
        previous = earlier_file(stack_name="muejam-other", region="eu-west-1")
        merged = stack_outputs({}, STACK, previous=previous)
        assert [merged["stack_name"], merged["region"]] == ["muejam-local", "us-east-1"]

    def test_drops_outputs_the_table_no_longer_has(self):
        merged = stack_outputs({}, STACK, previous={**earlier_file(), "retired_output": {"value": "x"}})
        assert "retired_output" not in merged

    def test_a_full_write_and_a_tagged_run_round_trip_through_the_file_shape(self):
        first = stack_outputs({"networking": NETWORKING, "load_balancer": LOAD_BALANCER}, STACK)
        written = json.loads(json.dumps(terraform_outputs(first)))
        moved = {**LOAD_BALANCER, "dns_name": "alb2.example"}
        second = stack_outputs({"load_balancer": moved}, STACK, previous=written)
        assert second == {**first, "alb_dns_name": "alb2.example"}

    def test_refuses_a_stage_no_output_comes_from(self):
        with pytest.raises(ValueError, match="readiness"):
            stack_outputs({"readiness": {}}, STACK)

    def test_refuses_a_stack_without_its_identity(self):
        with pytest.raises(ValueError, match="region"):
            stack_outputs({}, {"stack_name": "x", "environment": "y"})

    def test_refuses_an_earlier_file_that_is_not_a_dict(self):
        with pytest.raises(TypeError, match="earlier run"):
            stack_outputs({}, STACK, previous=["vpc-1"])
