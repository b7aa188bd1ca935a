"""A re-run of site.yml on the unchanged stack: every part in sync, nothing changed, few calls.

What users rely on: a second run is ``changed=0`` and cheap, because each role reads its part
once (muejam.infra.stack_state) and skips its resource tasks when nothing differs.
"""

from __future__ import annotations

from conftest import PARTS, Converged

RERUN_CALLS = 60  # issue 8's budget for a no-op re-run of the whole stack, every service counted


def test_every_part_is_in_sync_after_a_converge(converged: Converged) -> None:
    plans = converged.plans()
    assert sorted(plans) == sorted(PARTS)
    out_of_sync = {part: plan["differences"] for part, plan in plans.items() if not plan["in_sync"]}
    assert out_of_sync == {}


def test_the_rerun_changes_nothing(converged: Converged) -> None:
    changed = [task["name"] for task in converged.tasks() if task["result"].get("changed")]
    assert changed == []
    assert converged.rerun["stats"]["localhost"]["changed"] == 0


def test_the_rerun_makes_at_most_60_api_calls(converged: Converged) -> None:
    calls = converged.rerun_calls
    per_action = {
        f"{service} {action}": row["calls"]
        for service, data in calls["services"].items()
        for action, row in data["actions"].items()
    }
    assert calls["total"] <= RERUN_CALLS, per_action


def test_the_rerun_runs_no_resource_module(converged: Converged) -> None:
    """In sync, a role runs none of its resource tasks (they are what costs a second per call)."""
    ran = [
        task["name"]
        for task in converged.tasks()
        if task["action"].startswith(("amazon.aws.", "community.aws."))
        and not task["action"].endswith("_info")
        and not task["result"].get("skipped")
    ]
    assert ran == []
