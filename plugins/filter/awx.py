"""Filters for the AWX configuration (playbooks/awx.yml): survey questions from argument specs."""

from __future__ import annotations

DOCUMENTATION = r"""
name: awx_survey_question
short_description: An AWX survey question for a role variable, from the role's argument spec
version_added: 0.1.0
description:
  - "Builds one question of an AWX survey spec (C({question_name, question_description, variable,
    type, required, default, choices})) for the role variable O(variable), typed from the role's
    C(meta/argument_specs.yml): C(int) gives an C(integer) question, C(float) a C(float) one, an
    option with C(choices) (or O(choices) given here) a C(multiplechoice) one, C(list) with choices
    a C(multiselect) one, anything else C(text). The default and the description are the
    argument spec's, so a survey never restates a role's default."
  - Fails on a variable the spec does not have, on a default outside the choices, and on a type
    no survey question can carry (C(dict), C(bool)).
positional: _input, variable, question_name
options:
  _input:
    description: The role's argument spec options (C(argument_specs.main.options)).
    type: dict
    required: true
  variable:
    description: The role variable the answer sets.
    type: str
    required: true
  question_name:
    description: The question as the survey shows it.
    type: str
    required: true
  choices:
    description: The answers allowed, where the argument spec has none of its own.
    type: list
    elements: str
  required:
    description: Whether an answer is required.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Ask for the group's minimum size
  ansible.builtin.set_fact:
    question: >-
      {{ (lookup('ansible.builtin.file', 'roles/scaling_group/meta/argument_specs.yml') | from_yaml)
         .argument_specs.main.options | muejam.infra.awx_survey_question('scaling_group_min_size', 'Minimum size') }}
"""

RETURN = r"""
_value:
  description: The survey question.
  type: dict
  sample: {"question_name": "Minimum size", "question_description": "The group's minimum size (>= 0).",
           "variable": "scaling_group_min_size", "type": "integer", "required": true, "default": 2}
"""

_QUESTION_TYPES = {"int": "integer", "float": "float", "str": "text", "path": "text", "raw": "text"}


def _description(option: dict) -> str:
    text = option.get("description", "")
    lines = text if isinstance(text, list) else [text]
    return " ".join(str(line) for line in lines).strip()


def awx_survey_question(
    options: dict,
    variable: str,
    question_name: str,
    choices: list | None = None,
    required: bool = True,
) -> dict:
    """One AWX survey question for ``variable``, typed from the role's argument spec options."""
    if variable not in (options or {}):
        raise ValueError(f"awx_survey_question: {variable} is not an option of the role's argument spec")
    option = options[variable]
    kind = option.get("type", "str")
    allowed = option.get("choices") or choices
    if kind == "list" and allowed:
        question_type = "multiselect"
    elif allowed and kind in ("str", "int", "float"):
        question_type = "multiplechoice"
    elif kind in _QUESTION_TYPES:
        question_type = _QUESTION_TYPES[kind]
    else:
        raise ValueError(f"awx_survey_question: a survey cannot ask for {variable} (type {kind})")
    question = {
        "question_name": question_name,
        "question_description": _description(option),
        "variable": variable,
        "type": question_type,
        "required": bool(required),
    }
    if allowed:
        question["choices"] = [str(choice) for choice in allowed]
    if "default" in option and option["default"] is not None:
        default = option["default"]
        if question_type == "multiplechoice":
            default = str(default)
            if default not in question["choices"]:
                raise ValueError(
                    f"awx_survey_question: {variable}'s default {default!r} is not one of the choices "
                    f"{', '.join(question['choices'])}"
                )
        question["default"] = default
    return question


class FilterModule:
    def filters(self):
        return {"awx_survey_question": awx_survey_question}
