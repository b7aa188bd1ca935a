"""AWX's own checks of a survey, restated for tests (no AWX server here).

``spec_errors``: what AWX's API refuses when a survey spec is saved
(``JobTemplateSurveySpec._validate_spec_data``, awx/api/views/__init__.py: name, description and a
non-empty spec; each question a dict with string ``type``, ``question_name``, ``variable`` and a
boolean ``required``; unique variables; a known type; a default of the type's Python type; integer
``min``/``max``; choices for multiple choice questions, whose defaults must be among them).
``answer_errors``: what AWX refuses at launch (``SurveyJobTemplateMixin._survey_element_validation``,
awx/main/models/mixins.py): a required answer missing, a text answer not a string or outside
min/max length, an integer answer not an ``int`` or outside min/max, a choice not among the choices.
"""

from __future__ import annotations

from typing import Any

# AWX's JobTemplateSurveySpec.ALLOWED_TYPES: question type -> the Python type of its default.
ALLOWED_TYPES: dict[str, type | tuple[type, ...]] = {
    "text": str,
    "textarea": str,
    "password": str,
    "multiplechoice": str,
    "multiselect": str,
    "integer": int,
    "float": (float, int),
}


def _choices(question: dict[str, Any]) -> list[str]:
    choices = question["choices"]
    if isinstance(choices, str):
        return [choice for choice in choices.splitlines() if choice.strip()]
    return list(choices)


def spec_errors(spec: Any) -> list[str]:
    """Why AWX's API would refuse ``spec`` (empty when it accepts it)."""
    if not isinstance(spec, dict):
        return ["the survey spec is not a JSON object"]
    errors = []
    for field, kind in (("name", str), ("description", str), ("spec", list)):
        if field not in spec:
            errors.append(f"Field '{field}' is missing from survey spec.")
        elif not isinstance(spec[field], kind):
            errors.append(f"Expected {kind.__name__} for field '{field}'.")
    if isinstance(spec.get("spec"), list) and not spec["spec"]:
        errors.append("'spec' doesn't contain any items.")
    if errors:
        return errors
    variables: set[str] = set()
    for index, question in enumerate(spec["spec"]):
        if not isinstance(question, dict):
            errors.append(f"Survey question {index} is not a json object.")
            continue
        missing = [field for field in ("type", "question_name", "variable", "required") if field not in question]
        if missing:
            errors.append(f"'{missing[0]}' missing from survey question {index}")
            continue
        for field in ("type", "question_name", "variable"):
            if not isinstance(question[field], str):
                errors.append(f"'{field}' in survey question {index} expected to be string.")
        if not isinstance(question["required"], bool):
            errors.append(f"'required' in survey question {index} expected to be boolean.")
        if question["variable"] in variables:
            errors.append(f"'variable' '{question['variable']}' duplicated in survey question {index}.")
        variables.add(question["variable"])
        kind = question["type"]
        if kind not in ALLOWED_TYPES:
            errors.append(f"'{kind}' in survey question {index} is not one of the allowed question types.")
            continue
        default = question.get("default", "")
        if default != "" and not isinstance(default, ALLOWED_TYPES[kind]):
            errors.append(f"Default value {default} in survey question {index} expected to be {kind}.")
        for limit in ("min", "max"):
            if question.get(limit) is not None and not isinstance(question[limit], int):
                errors.append(f"The {limit} limit in survey question {index} expected to be integer.")
        if kind in ("multiplechoice", "multiselect"):
            if "choices" not in question:
                errors.append(f"Survey question {index} of type {kind} must specify choices.")
                continue
            if "default" in question:
                defaults = default.splitlines() if isinstance(default, str) else list(default)
                defaults = [item for item in defaults if item.strip()] if isinstance(default, str) else defaults
                if kind == "multiplechoice" and len(defaults) > 1:
                    errors.append("Multiple Choice (Single Select) can only have one default value.")
                if any(item not in _choices(question) for item in defaults):
                    errors.append("Default choice must be answered from the choices listed.")
    return errors


def answer_errors(spec: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    """Why AWX would refuse to launch with ``answers`` (empty when it accepts them)."""
    errors = []
    for question in spec["spec"]:
        variable, kind = question["variable"], question["type"]
        if variable not in answers:
            if question["required"]:
                errors.append(f"'{variable}' value missing")
            continue
        value = answers[variable]
        low, high = question.get("min"), question.get("max")
        if kind in ("text", "textarea", "password"):
            if not isinstance(value, str):
                errors.append(f"Value {value} for '{variable}' expected to be a string.")
                continue
            if low not in ("", None) and len(value) < int(low):
                errors.append(f"'{variable}' value {value} is too small")
            if high not in ("", None) and len(value) > int(high):
                errors.append(f"'{variable}' value {value} is too large")
        elif kind == "integer":
            if isinstance(value, bool) or not isinstance(value, int):  # AWX checks the exact type: a bool is no int
                errors.append(f"Value {value} for '{variable}' expected to be an integer.")
                continue
            if low not in ("", None) and value < int(low):
                errors.append(f"'{variable}' value {value} is too small")
            if high not in ("", None) and value > int(high):
                errors.append(f"'{variable}' value {value} is too large")
        elif kind == "multiplechoice" and value not in _choices(question):
            errors.append(f"Value {value} for '{variable}' expected to be one of {_choices(question)}.")
        elif kind == "multiselect" and (
            not isinstance(value, list) or any(item not in _choices(question) for item in value)
        ):
            errors.append(f"'{variable}' value is expected to be a list of {_choices(question)}.")
    return errors
