from __future__ import annotations

import json

from ansible_collections.muejam.infra.plugins.module_utils.readiness import (
    HttpResult,
    Outcome,
    Poll,
    make_probe,
    outcome_result,
)


def target(target_id: str, state: str = "healthy", reason: str | None = None) -> dict:
    health = {"State": state}
    if reason:
        health["Reason"] = reason
    return {"Target": {"Id": target_id, "Port": 8000}, "TargetHealth": health}


def group(desired: int, in_service: int, pending: int = 0) -> dict:
    instances = [{"LifecycleState": "InService", "HealthStatus": "Healthy"}] * in_service
    instances += [{"LifecycleState": "Pending", "HealthStatus": "Healthy"}] * pending
    return {
        "AutoScalingGroupName": "asg",
        "DesiredCapacity": desired,
        "MinSize": 2,
        "MaxSize": 10,
        "Instances": instances,
    }


def healthy_answer() -> HttpResult:
    body = json.dumps({"status": "healthy", "checks": {"database": "ok", "cache": "ok"}}).encode()
    return HttpResult(url="http://127.0.0.1/health", status_code=200, content_type="application/json", body=body)


class TestMakeProbe:
    def test_passes_when_group_targets_and_url_all_pass(self) -> None:
        probe = make_probe(lambda: [target("i-1"), target("i-2")], lambda: group(2, 2), healthy_answer, "asg")
        poll = probe(1, 0.0)
        assert poll.ready, poll.problems
        assert poll.components == {"database": "pass", "cache": "pass"}
        assert poll.group["in_service_healthy"] == 2

    def test_requires_as_many_healthy_targets_as_the_group_desires(self) -> None:
        probe = make_probe(lambda: [target("i-1")], lambda: group(2, 2), healthy_answer, "asg")
        poll = probe(1, 0.0)
        assert not poll.ready
        assert any("1 healthy target(s) of 1 registered, at least 2 required" in p for p in poll.problems)

    def test_an_explicit_minimum_overrides_the_desired_capacity(self) -> None:
        probe = make_probe(lambda: [target("i-1")], lambda: group(2, 2), healthy_answer, "asg", min_healthy=1)
        assert probe(1, 0.0).ready

    def test_names_fewer_in_service_instances_than_desired(self) -> None:
        probe = make_probe(
            lambda: [target("i-1"), target("i-2")], lambda: group(2, 1, pending=1), healthy_answer, "asg"
        )
        poll = probe(1, 0.0)
        assert any("1 of 2 desired instances InService and Healthy (1 InService, 1 Pending" in p for p in poll.problems)

    def test_an_aws_error_is_a_cause_not_a_traceback(self) -> None:
        def throttled() -> list:
            raise RuntimeError("Throttling: Rate exceeded")

        poll = make_probe(throttled, None, healthy_answer)(1, 0.0)
        assert poll.problems == ["target group: target health not read (Throttling: Rate exceeded)"]

    def test_a_missing_group_fails_the_poll(self) -> None:
        poll = make_probe(lambda: [target("i-1")], lambda: None, healthy_answer, "asg")(1, 0.0)
        assert "Auto Scaling group asg: not found" in poll.problems

    def test_names_an_unhealthy_target_with_its_reason(self) -> None:
        targets = [target("i-1"), target("i-2", "unhealthy", "Target.FailedHealthChecks")]
        poll = make_probe(lambda: targets, None, healthy_answer)(1, 0.0)
        assert any(p.startswith("target i-2:8000 unhealthy (Target.FailedHealthChecks") for p in poll.problems)

    def test_without_a_url_only_aws_is_checked(self) -> None:
        poll = make_probe(lambda: [target("i-1")], None, None)(1, 0.0)
        assert poll.ready
        assert poll.http_status is None


class TestOutcomeResult:
    def test_reports_the_last_poll_and_the_history(self) -> None:
        last = Poll(number=3, elapsed=9.876, targets=[{"id": "i-1", "state": "healthy"}], http_status=200)
        outcome = Outcome(ready=True, polls=3, elapsed=9.876, consecutive=2, last=last, history=[{"poll": 3}])
        result = outcome_result(outcome)
        assert result["ready"] is True
        assert result["polls"] == 3
        assert result["elapsed"] == 9.88
        assert result["targets"] == [{"id": "i-1", "state": "healthy"}]
        assert result["http_status"] == 200
        assert result["history"] == [{"poll": 3}]
