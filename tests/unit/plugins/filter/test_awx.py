from __future__ import annotations

import pytest

from ansible_collections.muejam.infra.plugins.filter.awx import awx_survey_question

OPTIONS = {
    "scaling_group_min_size": {"description": "The group's minimum size (>= 0).", "type": "int", "default": 2},
    "scaling_group_instance_type": {"description": "The instance type.", "type": "str", "default": "t3.medium"},
    "scaling_group_health_check_type": {
        "description": ["ELB or EC2.", "More."],
        "type": "str",
        "choices": ["ELB", "EC2"],
        "default": "ELB",
    },
    "scaling_group_ratio": {"type": "float", "default": 0.5},
    "scaling_group_tags": {"type": "dict", "default": {}},
}


class TestAwxSurveyQuestion:
    def test_an_int_option_is_an_integer_question_with_the_spec_s_default(self):
        question = awx_survey_question(OPTIONS, "scaling_group_min_size", "Minimum size")
        assert question == {
            "question_name": "Minimum size",
            "question_description": "The group's minimum size (>= 0).",
            "variable": "scaling_group_min_size",
            "type": "integer",
            "required": True,
            "default": 2,
        }

    def test_an_option_with_choices_is_a_multiple_choice_question(self):
        question = awx_survey_question(OPTIONS, "scaling_group_health_check_type", "Health checks")
        assert (question["type"], question["choices"], question["default"]) == ("multiplechoice", ["ELB", "EC2"], "ELB")
        assert question["question_description"] == "ELB or EC2. More."

    def test_choices_given_make_a_free_text_option_a_multiple_choice_question(self):
        question = awx_survey_question(
            OPTIONS, "scaling_group_instance_type", "Type", choices=["t3.small", "t3.medium"]
        )
        assert (question["type"], question["default"]) == ("multiplechoice", "t3.medium")

    def test_refuses_choices_that_leave_out_the_role_s_default(self):
        with pytest.raises(ValueError, match=r"default 't3.medium' is not one of the choices"):
            awx_survey_question(OPTIONS, "scaling_group_instance_type", "Type", choices=["t3.small"])

    def test_a_float_option_is_a_float_question(self):
        assert awx_survey_question(OPTIONS, "scaling_group_ratio", "Ratio")["type"] == "float"

    def test_refuses_a_variable_the_spec_does_not_have(self):
        with pytest.raises(ValueError, match="scaling_group_min"):
            awx_survey_question(OPTIONS, "scaling_group_min", "Minimum")

    def test_refuses_a_type_no_survey_can_carry(self):
        with pytest.raises(ValueError, match="type dict"):
            awx_survey_question(OPTIONS, "scaling_group_tags", "Tags")

    def test_an_optional_question(self):
        assert awx_survey_question(OPTIONS, "scaling_group_min_size", "Minimum", required=False)["required"] is False
