"""The run's settings (rules/settings.py): typed from strings, bounded, defaulted. The preflight's
use of them is tested in test_preflight.py, the muejam.infra.run_setting lookup's in
tests/unit/plugins/lookup/test_run_setting.py (it runs ansible-playbook)."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils.rules.core import Problem
from ansible_collections.muejam.infra.plugins.module_utils.rules.settings import RUN_SETTINGS, check, typed


def variables(problems: list[Problem]) -> list[str]:
    return [problem.variable for problem in problems]


class TestTyped:
    @pytest.mark.parametrize(
        ("name", "given", "expected"),
        [
            ("readiness_timeout", "90", 90),
            ("readiness_interval", "0.5", 0.5),
            ("readiness_consecutive", "3", 3),
            ("readiness_validate_certs", "false", False),
            ("readiness_components", "database,cache", ["database", "cache"]),
            ("readiness_headers", "Host=app.example.com", {"Host": "app.example.com"}),
            ("rollout_timeout", "600", 600),
            ("rollout_poll_interval", "2", 2.0),
            ("aws_retry_mode", "adaptive", "adaptive"),
            ("aws_max_attempts", "5", 5),
            ("readiness_url", "https://app.example.com/health", "https://app.example.com/health"),
        ],
    )
    def test_a_string_from_the_command_line_or_a_survey_is_converted(
        self, name: str, given: str, expected: Any
    ) -> None:
        assert typed(name, given) == (expected, None)

    @pytest.mark.parametrize("name", list(RUN_SETTINGS))
    def test_unset_null_and_a_blank_answer_are_the_default(self, name: str) -> None:
        default = RUN_SETTINGS[name]["default"]
        assert typed(name) == (default, None)
        assert typed(name, None) == (default, None)
        if RUN_SETTINGS[name]["type"] not in ("str", "path"):
            assert typed(name, "") == (default, None)

    @pytest.mark.parametrize("name", list(RUN_SETTINGS))
    def test_every_default_passes_its_own_check(self, name: str) -> None:
        default = RUN_SETTINGS[name]["default"]
        if default is not None:
            assert typed(name, default) == (default, None)

    @pytest.mark.parametrize(
        ("name", "given", "allowed"),
        [
            ("readiness_timeout", "ten", "must be an integer"),
            ("readiness_timeout", "0", "must be 1 or more (seconds)"),
            ("readiness_interval", "0", "must be 0.1 or more (seconds)"),
            ("readiness_consecutive", "0", "must be 1 or more (polls)"),
            ("readiness_validate_certs", "maybe", "must be a boolean (true or false)"),
            ("rollout_timeout", "30", "must be 60 or more (seconds)"),
            ("rollout_poll_interval", "-1", "must be 0.1 or more (seconds)"),
            ("aws_retry_mode", "fast", "must be one of: legacy, standard, adaptive"),
            ("aws_max_attempts", "0", "must be 1 or more"),
            ("readiness_url", "app.example.com/health", "must be empty (https://<the ALB's DNS name>/health) or an"),
            ("readiness_url", "ftp://app.example.com/health", "must be empty"),
        ],
    )
    def test_a_bad_value_is_a_problem_naming_the_variable_its_value_and_what_is_allowed(
        self, name: str, given: str, allowed: str
    ) -> None:
        _value, problem = typed(name, given)
        assert problem is not None
        assert problem.variable == name
        assert problem.value == given
        assert problem.allowed.startswith(allowed)
        assert str(problem).startswith(f"{name} is '{given}': ")

    def test_a_bad_header_value_is_refused_without_showing_the_headers(self) -> None:
        problems = check({"readiness_headers": {"Authorization": {"token": "s3cret"}}})
        assert variables(problems) == ["readiness_headers"]
        assert "s3cret" not in str(problems[0])
        assert "Authorization" in problems[0].allowed
