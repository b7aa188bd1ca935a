"""any_tag_runs: ansible-core's tag selection, for one of several tags."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.filter.run_tags import FilterModule, any_tag_runs

STAGES = ["networking", "load_balancer", "instance_bootstrap", "scaling_group"]


@pytest.mark.parametrize(
    ("run_tags", "skip_tags", "runs"),
    [
        (["all"], [], True),
        (["readiness"], [], False),
        (["preflight"], [], False),
        (["load_balancer"], [], True),
        (["tagged"], [], True),
        (["all"], ["networking"], True),  # the other stages still change the stack
        (["all"], STAGES, False),
        (["all"], ["all"], False),
        (["networking"], ["networking"], False),
        (["all"], ["tagged"], False),
    ],
)
def test_a_run_selects_a_stage_as_ansible_does(run_tags: list[str], skip_tags: list[str], runs: bool) -> None:
    assert any_tag_runs(STAGES, run_tags, skip_tags) is runs


def test_always_runs_unless_skipped_itself() -> None:
    assert any_tag_runs(["always"], ["readiness"], []) is True
    assert any_tag_runs(["always"], ["all"], ["always"]) is False


def test_a_string_is_refused() -> None:
    with pytest.raises(AnsibleFilterError, match="must be lists"):
        any_tag_runs("networking", ["all"], [])
    assert FilterModule().filters()["any_tag_runs"] is any_tag_runs
