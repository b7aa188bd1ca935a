from __future__ import annotations

import json

import pytest

from ansible_collections.muejam.infra.plugins.module_utils.readiness import (
    FAIL,
    PASS,
    UNKNOWN,
    HttpResult,
    Poll,
    ReadinessError,
    ReadinessGate,
    evaluate_group,
    evaluate_http,
    evaluate_targets,
    failure_message,
    parse_health_body,
)

SEED_HEALTHY = {
    "status": "healthy",
    "timestamp": "2024-01-20T15:30:00.000000",
    "service": "muejam-library-backend",
    "checks": {"database": "ok", "cache": "ok"},
}
SEED_DB_DOWN = {
    **SEED_HEALTHY,
    "status": "unhealthy",
    "checks": {"database": "error: connection refused", "cache": "ok"},
}
IETF_WARN = {
    "status": "warn",
    "checks": {
        "database:responseTime": [{"componentId": "db1", "status": "pass", "observedValue": 12}],
        "cache:connections": [{"status": "warn", "output": "pool at 90 %"}],
    },
}


def http(body, status=200, content_type="application/json"):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return HttpResult(url="https://alb/health", status_code=status, content_type=content_type, body=raw)


class TestParseHealthBody:
    def test_reads_the_seed_format(self):
        report = parse_health_body(json.dumps(SEED_HEALTHY))
        assert (report.body_format, report.status, report.components) == (
            "seed",
            PASS,
            {"database": PASS, "cache": PASS},
        )

    def test_keeps_what_a_failing_seed_check_reported(self):
        report = parse_health_body(json.dumps(SEED_DB_DOWN))
        assert report.status == FAIL
        assert report.components["database"] == FAIL
        assert report.details["database"] == "error: connection refused"

    def test_reads_the_ietf_format_with_worst_status_per_component(self):
        body = {
            "status": "fail",
            "checks": {"database:responseTime": [{"status": "pass"}, {"status": "fail", "output": "replica lag"}]},
        }
        report = parse_health_body(json.dumps(body), "application/health+json")
        assert report.body_format == "health+json"
        assert report.components == {"database:responseTime": FAIL}
        assert "replica lag" in report.details["database:responseTime"]

    def test_treats_ietf_synonyms_as_their_status(self):
        body = {"status": "up", "checks": {"a:x": [{"status": "ok"}], "b:y": [{"status": "down"}]}}
        report = parse_health_body(json.dumps(body), "application/health+json")
        assert (report.status, report.components) == (PASS, {"a:x": PASS, "b:y": FAIL})

    @pytest.mark.parametrize("body", [b"<html>502 Bad Gateway</html>", b"", b"{", b"\xff\xfe"])
    def test_reports_a_body_that_is_not_json(self, body):
        report = parse_health_body(body)
        assert report.status == UNKNOWN
        assert "not JSON" in report.problem

    def test_reports_json_that_is_not_an_object(self):
        assert "not an object" in parse_health_body(b"[1, 2]").problem


class TestEvaluateHttp:
    def test_passes_a_healthy_seed_answer(self):
        problems, report = evaluate_http(http(SEED_HEALTHY), required=None)
        assert problems == []
        assert report.components == {"database": PASS, "cache": PASS}

    def test_fails_when_a_component_reports_error(self):
        problems, _unused = evaluate_http(http(SEED_DB_DOWN, status=503), required=None)
        assert "GET https://alb/health: HTTP 503" in problems
        assert "component database: fail (error: connection refused)" in problems
        assert not any("cache" in problem for problem in problems)

    def test_requires_only_the_named_components(self):
        body = {"status": "healthy", "checks": {"database": "ok", "search": "down"}}
        problems, _unused = evaluate_http(http(body), required=["database"])
        assert problems == []

    def test_fails_when_a_required_component_is_not_reported(self):
        problems, _unused = evaluate_http(http(SEED_HEALTHY), required=["database", "queue"])
        assert problems == ["component queue: not reported (reported: database, cache)"]

    def test_required_component_matches_ietf_keys_by_component_name(self):
        problems, _unused = evaluate_http(
            http(IETF_WARN, content_type="application/health+json"), required=["database"]
        )
        assert problems == []

    def test_warn_counts_as_ready_unless_told_otherwise(self):
        answer = http(IETF_WARN, content_type="application/health+json")
        assert evaluate_http(answer, required=None)[0] == []
        strict, _unused = evaluate_http(answer, required=None, warn_is_ready=False)
        assert "GET https://alb/health: overall status warn" in strict
        assert "component cache:connections: warn (warn: pool at 90 %)" in strict

    def test_a_200_with_an_unhealthy_body_is_not_ready(self):
        problems, _unused = evaluate_http(http({**SEED_HEALTHY, "status": "unhealthy"}), required=None)
        assert problems == ["GET https://alb/health: overall status fail"]

    def test_a_redirect_is_not_ready_and_names_the_target(self):
        answer = HttpResult(url="http://alb/health", status_code=301, location="https://alb:443/health")
        problems, _unused = evaluate_http(answer, required=None)
        assert "redirect to https://alb:443/health" in problems[0]

    def test_a_connection_error_is_kept_as_the_cause(self):
        problems, report = evaluate_http(HttpResult(url="https://alb/health", error="connection failed: refused"), None)
        assert (problems, report) == (["GET https://alb/health: connection failed: refused"], None)

    def test_malformed_json_names_the_start_of_the_body(self):
        problems, _unused = evaluate_http(http(b"<html>oops</html>"), required=None)
        assert "body starts: '<html>oops</html>'" in problems[0]


def target(target_id, state, reason=None, port=8000):
    health = {"State": state}
    if reason:
        health["Reason"] = reason
    return {"Target": {"Id": target_id, "Port": port}, "TargetHealth": health}


class TestEvaluateTargets:
    def test_passes_when_every_target_is_healthy_and_enough(self):
        problems, targets = evaluate_targets([target("i-1", "healthy"), target("i-2", "healthy")], 2)
        assert problems == []
        assert [t["state"] for t in targets] == ["healthy", "healthy"]

    def test_names_each_target_that_is_not_healthy_with_its_reason(self):
        problems, _unused = evaluate_targets(
            [target("i-1", "healthy"), target("i-2", "unhealthy", "Target.FailedHealthChecks")], 1
        )
        assert problems == ["target i-2:8000 unhealthy (Target.FailedHealthChecks: failed health checks)"]

    def test_initial_targets_are_not_ready(self):
        problems, _unused = evaluate_targets([target("i-1", "initial", "Elb.InitialHealthChecking")], 1)
        assert "initial health checks in progress" in problems[0]

    def test_fails_open_alb_is_caught_by_the_minimum(self):
        problems, _unused = evaluate_targets([], 2)
        assert problems == ["target group: 0 healthy target(s) of 0 registered, at least 2 required"]

    def test_aws_description_wins_over_the_built_in_explanation(self):
        description = target("i-1", "unhealthy", "Target.ResponseCodeMismatch")
        description["TargetHealth"]["Description"] = "Health checks failed with these codes: [503]"
        problems, _unused = evaluate_targets([description], 0)
        assert problems == [
            "target i-1:8000 unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [503])"
        ]


def group(desired, *instances):
    return {
        "AutoScalingGroupName": "web-asg",
        "DesiredCapacity": desired,
        "MinSize": 2,
        "MaxSize": 10,
        "Instances": [
            {"InstanceId": f"i-{n}", "LifecycleState": s, "HealthStatus": h} for n, (s, h) in enumerate(instances)
        ],
    }


class TestEvaluateGroup:
    def test_passes_with_desired_instances_in_service_and_healthy(self):
        problems, summary = evaluate_group(group(2, ("InService", "Healthy"), ("InService", "Healthy")), "web-asg")
        assert problems == []
        assert summary["in_service_healthy"] == 2

    def test_fails_with_fewer_in_service_than_desired_and_counts_states(self):
        problems, summary = evaluate_group(group(2, ("InService", "Healthy"), ("Pending", "Healthy")), "web-asg")
        assert problems == [
            "Auto Scaling group web-asg: 1 of 2 desired instances InService and Healthy (1 InService, 1 Pending; 0 not Healthy)"
        ]
        assert summary["lifecycle_states"] == {"InService": 1, "Pending": 1}

    def test_an_unhealthy_in_service_instance_does_not_count(self):
        problems, _unused = evaluate_group(group(1, ("InService", "Unhealthy")), "web-asg")
        assert "0 of 1 desired" in problems[0]

    def test_a_missing_group_is_a_problem(self):
        assert evaluate_group(None, "web-asg") == (["Auto Scaling group web-asg: not found"], None)


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*readiness):
    """A probe that answers ready/not ready in the given order, then repeats the last."""

    def probe(number, elapsed):
        ready = readiness[min(number, len(readiness)) - 1]
        return Poll(number=number, elapsed=elapsed, problems=[] if ready else [f"poll {number} failed"])

    return probe


class TestReadinessGate:
    def gate(self, probe, **options):
        clock = FakeClock()
        defaults = {"consecutive": 2, "timeout": 60, "interval": 5, "max_interval": 20, "jitter": 0, "rng": lambda: 0.5}
        return ReadinessGate(probe, clock=clock, sleep=clock.sleep, **{**defaults, **options}), clock

    def test_is_ready_after_the_consecutive_count(self):
        gate, _unused = self.gate(scripted(False, True, True))
        outcome = gate.run()
        assert (outcome.ready, outcome.polls, outcome.consecutive) == (True, 3, 2)

    def test_flapping_never_passes_before_the_consecutive_count(self):
        gate, _unused = self.gate(scripted(True, False, True, False, True, True), consecutive=2)
        outcome = gate.run()
        assert (outcome.ready, outcome.polls) == (True, 6)
        assert [entry["ready"] for entry in outcome.history] == [True, False, True, False, True, True]

    def test_times_out_with_the_last_poll_kept(self):
        gate, clock = self.gate(scripted(False), timeout=30)
        outcome = gate.run()
        assert not outcome.ready
        assert outcome.last.problems == [f"poll {outcome.polls} failed"]
        assert clock.now == pytest.approx(30)

    def test_backs_off_after_failures_and_resets_after_a_pass(self):
        gate, clock = self.gate(scripted(False, False, False, True, True), timeout=600)
        gate.run()
        assert clock.sleeps == [7.5, 11.25, 16.875, 5]

    def test_progress_brings_the_wait_back_to_the_interval(self):
        """A target changing state (unhealthy -> healthy on one of two) is progress: poll again soon."""
        states = ["unhealthy", "unhealthy", "unhealthy", "healthy", "healthy", "healthy"]

        def probe(number, elapsed):
            state = states[min(number, len(states)) - 1]
            targets = [{"id": "i-1", "port": 8000, "state": state}, {"id": "i-2", "port": 8000, "state": "unhealthy"}]
            return Poll(number=number, elapsed=elapsed, problems=["target i-2:8000 unhealthy"], targets=targets)

        gate, clock = self.gate(probe, timeout=600)
        gate.run()
        assert clock.sleeps[:6] == [7.5, 11.25, 16.875, 5, 7.5, 11.25]

    def test_no_backoff_while_aws_brings_the_stack_up(self):
        """Instances launching, then targets in their initial health checks: AWS is at work, and the
        change comes by its clock: the gate polls at its interval; once a target is unhealthy it backs off."""
        script = [
            ({"Pending": 2}, []),
            ({"Pending": 2}, []),
            ({"InService": 2}, ["initial", "initial"]),
            ({"InService": 2}, ["initial", "initial"]),
            ({"InService": 2}, ["initial", "initial"]),
            ({"InService": 2}, ["unhealthy", "unhealthy"]),
            ({"InService": 2}, ["unhealthy", "unhealthy"]),
            ({"InService": 2}, ["unhealthy", "unhealthy"]),
        ]

        def probe(number, elapsed):
            states, targets = script[min(number, len(script)) - 1]
            return Poll(
                number=number,
                elapsed=elapsed,
                problems=["not yet"],
                group={"in_service_healthy": states.get("InService", 0), "lifecycle_states": states},
                targets=[{"id": f"i-{n}", "port": 8000, "state": state} for n, state in enumerate(targets)],
            )

        gate, clock = self.gate(probe, timeout=600)
        gate.run()
        # Pending, Pending, (change) initial, initial, initial, (change) unhealthy, then backing off.
        assert clock.sleeps[:8] == [5, 5, 5, 5, 5, 5, 7.5, 11.25]

    def test_an_instance_held_by_a_lifecycle_hook_is_not_counted_as_progress(self):
        def probe(number, elapsed):
            return Poll(
                number=number,
                elapsed=elapsed,
                problems=["not yet"],
                group={"in_service_healthy": 0, "lifecycle_states": {"Pending:Wait": 1}},
            )

        gate, clock = self.gate(probe, timeout=600)
        gate.run()
        assert clock.sleeps[:3] == [7.5, 11.25, 16.875]

    def test_a_changing_body_alone_is_no_progress(self):
        def probe(number, elapsed):
            return Poll(
                number=number, elapsed=elapsed, problems=["http 503"], http_status=503, body_excerpt=f"t={number}"
            )

        gate, clock = self.gate(probe, timeout=600)
        gate.run()
        assert clock.sleeps[:3] == [7.5, 11.25, 16.875]

    def test_never_waits_longer_than_max_interval(self):
        gate, clock = self.gate(scripted(False), timeout=200, max_interval=12)
        gate.run()
        assert max(clock.sleeps) == 12

    def test_jitter_spreads_the_wait(self):
        gate, clock = self.gate(scripted(False, True, True), jitter=0.2, rng=lambda: 1.0)
        gate.run()
        assert clock.sleeps[0] == pytest.approx(7.5 * 1.2)

    def test_history_is_short(self):
        gate, _unused = self.gate(scripted(False), timeout=10_000, interval=1, max_interval=1)
        assert len(gate.run().history) == ReadinessGate.HISTORY

    def test_rejects_a_consecutive_count_below_one(self):
        with pytest.raises(ReadinessError, match="consecutive must be at least 1"):
            ReadinessGate(scripted(True), consecutive=0)


class TestFailureMessage:
    def test_names_every_problem_the_group_counts_and_the_body(self):
        gate, _unused = TestReadinessGate().gate(scripted(False), timeout=10)
        outcome = gate.run()
        outcome.last.problems = [
            "component database: fail (error: connection refused)",
            "target i-2:8000 unhealthy (Target.FailedHealthChecks: failed health checks)",
        ]
        outcome.last.group = {
            "name": "web-asg",
            "desired_capacity": 2,
            "in_service_healthy": 1,
            "lifecycle_states": {"InService": 1, "Pending": 1},
        }
        outcome.last.http_status = 503
        outcome.last.body_excerpt = '{"status": "unhealthy"}'
        message = failure_message(outcome, 10)
        assert message.startswith("The stack was not ready after 10 s")
        for expected in (
            "- component database: fail (error: connection refused)",
            "- target i-2:8000 unhealthy (Target.FailedHealthChecks: failed health checks)",
            "Auto Scaling group web-asg: desired 2, InService and Healthy 1",
            'Last HTTP status 503; body starts: \'{"status": "unhealthy"}\'',
        ):
            assert expected in message
