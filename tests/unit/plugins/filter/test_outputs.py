from __future__ import annotations

import json

import pytest

from ansible_collections.muejam.infra.plugins.filter.outputs import terraform_outputs, terraform_type


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
