"""Tests of tools/emulator/staging.py: steps, schedules, the stage file and the `stage` CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tools.emulator import staging
from tools.emulator.__main__ import main

ARN = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg/0123456789abcdef"


class TestTargetStep:
    def test_fills_the_default_reason_and_description_of_the_state(self) -> None:
        assert staging.target_step("initial") == {
            "after": 0.0,
            "state": "initial",
            "reason": "Elb.InitialHealthChecking",
            "description": "Initial health checks in progress",
        }

    def test_healthy_has_neither_reason_nor_description(self) -> None:
        assert staging.target_step("healthy", after=6) == {
            "after": 6.0,
            "state": "healthy",
            "reason": None,
            "description": None,
        }

    def test_keeps_a_given_reason_and_description(self) -> None:
        step = staging.target_step(
            "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [404]"
        )
        assert step["reason"] == "Target.ResponseCodeMismatch"
        assert step["description"] == "Health checks failed with these codes: [404]"

    @pytest.mark.parametrize(
        ("state", "reason"),
        [("bogus", None), ("initial", "Target.Timeout"), ("healthy", "Elb.InitialHealthChecking"), ("unused", "Nope")],
    )
    def test_refuses_what_aws_never_answers(self, state: str, reason: str | None) -> None:
        with pytest.raises(ValueError):
            staging.target_step(state, reason)

    def test_a_step_may_count_polls_instead_of_seconds(self) -> None:
        assert staging.target_step("initial", polls=3) == {
            "polls": 3,
            "state": "initial",
            "reason": "Elb.InitialHealthChecking",
            "description": "Initial health checks in progress",
        }
        assert staging.target_step("healthy", polls=0) == {
            "polls": 0,
            "state": "healthy",
            "reason": None,
            "description": None,
        }

    @pytest.mark.parametrize(
        "when", [{"after": 1, "polls": 1}, {"after": 0, "polls": 0}, {"polls": -1}, {"polls": 1.5}, {"polls": "2"}]
    )
    def test_refuses_both_seconds_and_polls_or_a_bad_count(self, when: dict[str, object]) -> None:
        with pytest.raises(ValueError):
            staging.target_step("initial", **when)  # type: ignore[arg-type]

    def test_refuses_true_as_a_count(self) -> None:
        with pytest.raises(ValueError):
            staging.target_step("initial", polls=True)

    def test_every_reason_of_the_api_has_a_description(self) -> None:
        reasons = {reason for reasons in staging.REASONS_BY_STATE.values() for reason in reasons}
        assert reasons == set(staging.DESCRIPTIONS)
        assert len(reasons) == 12


class TestParseTargetSteps:
    def test_parses_states_reasons_and_times(self) -> None:
        steps = staging.parse_target_steps("initial:Elb.RegistrationInProgress@0, initial@2 ,healthy@6.5")
        assert [(s["state"], s["reason"], s["after"]) for s in steps] == [
            ("initial", "Elb.RegistrationInProgress", 0.0),
            ("initial", "Elb.InitialHealthChecking", 2.0),
            ("healthy", None, 6.5),
        ]

    def test_a_description_may_contain_colons(self) -> None:
        (step,) = staging.parse_target_steps(
            "unhealthy:Target.ResponseCodeMismatch:Health checks failed with these codes: [503]@3"
        )
        assert step["description"] == "Health checks failed with these codes: [503]"
        assert step["after"] == 3.0

    def test_after_defaults_to_zero(self) -> None:
        assert staging.parse_target_steps("unhealthy")[0]["after"] == 0.0

    def test_parses_a_json_list(self) -> None:
        steps = staging.parse_target_steps('[{"state": "draining", "after": 1}]')
        assert steps == [staging.target_step("draining", after=1)]

    def test_parses_polls(self) -> None:
        steps = staging.parse_target_steps("initial:Elb.InitialHealthChecking#0, healthy#3")
        assert steps == [staging.target_step("initial", polls=0), staging.target_step("healthy", polls=3)]
        assert "after" not in steps[0]

    def test_parses_a_description_before_polls(self) -> None:
        (step,) = staging.parse_target_steps("unhealthy:Target.ResponseCodeMismatch:codes: [503] @ edge#2")
        assert step == {
            "polls": 2,
            "state": "unhealthy",
            "reason": "Target.ResponseCodeMismatch",
            "description": "codes: [503] @ edge",
        }

    def test_seconds_and_polls_may_be_mixed(self) -> None:
        steps = staging.parse_target_steps("initial@0,unhealthy#2,healthy@5")
        assert [("after" in s, "polls" in s) for s in steps] == [(True, False), (False, True), (True, False)]

    def test_parses_polls_in_a_json_list(self) -> None:
        steps = staging.parse_target_steps('[{"state": "initial", "polls": 0}, {"state": "healthy", "polls": 3}]')
        assert steps == staging.parse_target_steps("initial#0,healthy#3")

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "initial@soon",
            "healthy:Target.Timeout@1",
            "initial@-1",
            "initial#",
            "initial#soon",
            "initial#-1",
            "initial#1.5",
            "healthy:Target.Timeout#1",
            '[{"state": "initial", "after": 1, "polls": 1}]',
            '[{"state": "initial", "polls": 1.5}]',
            '[{"state": "initial", "polls": "1"}]',
            '[{"state": "initial", "polls": -1}]',
            '[{"polls": 1}]',
            '{"state": "initial"}',
            "[not json",
        ],
    )
    def test_refuses_bad_steps(self, text: str) -> None:
        with pytest.raises(ValueError):
            staging.parse_target_steps(text)


class TestParseInstanceSteps:
    def test_parses_counts_and_times(self) -> None:
        assert staging.parse_instance_steps("0@0,2/1@4,*@8") == [
            {"after": 0.0, "in_service": 0, "healthy": None},
            {"after": 4.0, "in_service": 2, "healthy": 1},
            {"after": 8.0, "in_service": None, "healthy": None},
        ]

    @pytest.mark.parametrize("text", ["", "x@1", "-1@0", "1/y@0"])
    def test_refuses_bad_steps(self, text: str) -> None:
        with pytest.raises(ValueError):
            staging.parse_instance_steps(text)


class TestSchedules:
    def test_the_last_step_due_is_in_force(self, tmp_path: Path) -> None:
        stage = staging.stage_target_health(tmp_path, ARN, "initial@0,healthy@6", now=100.0)
        assert staging.target_health_at(stage, ARN, "i-1", 105.9)["state"] == "initial"
        assert staging.target_health_at(stage, ARN, "i-1", 106.0)["state"] == "healthy"

    def test_a_polls_step_is_due_once_that_many_polls_were_seen(self, tmp_path: Path) -> None:
        stage = staging.stage_target_health(tmp_path, ARN, "initial#0,healthy#3", now=100.0)
        # The poll index is how many polls were seen before: the 4th poll (index 3) is healthy.
        states = [staging.target_health_at(stage, ARN, "i-1", 100.0, poll=index)["state"] for index in range(5)]
        assert states == ["initial", "initial", "initial", "healthy", "healthy"]

    def test_seconds_never_make_a_polls_step_due(self, tmp_path: Path) -> None:
        stage = staging.stage_target_health(tmp_path, ARN, "initial#0,healthy#3", now=100.0)
        assert staging.target_health_at(stage, ARN, "i-1", 1e9, poll=2)["state"] == "initial"
        assert staging.target_health_at(stage, ARN, "i-1", 1e9) is None  # not a poll: no polls step due

    def test_a_mixed_schedule_is_taken_in_the_order_written(self, tmp_path: Path) -> None:
        stage = staging.stage_target_health(tmp_path, ARN, "initial@0,unhealthy#2,healthy@5", now=100.0)
        assert staging.target_health_at(stage, ARN, "i-1", 101.0, poll=1)["state"] == "initial"
        assert staging.target_health_at(stage, ARN, "i-1", 101.0, poll=2)["state"] == "unhealthy"
        assert staging.target_health_at(stage, ARN, "i-1", 105.0, poll=2)["state"] == "healthy"
        assert staging.target_health_at(stage, ARN, "i-1", 105.0, poll=0)["state"] == "healthy"

    def test_stages_polls_steps_given_as_objects(self, tmp_path: Path) -> None:
        steps = [staging.target_step("initial", polls=0), {"state": "healthy", "polls": 1}]
        stage = staging.stage_target_health(tmp_path, ARN, steps, now=100.0)
        assert stage["target_health"][ARN]["default"]["steps"] == staging.parse_target_steps("initial#0,healthy#1")
        with pytest.raises(ValueError):
            staging.stage_target_health(tmp_path, ARN, [{"state": "healthy", "polls": 1, "after": 1}])

    def test_nothing_is_in_force_before_the_first_step(self, tmp_path: Path) -> None:
        stage = staging.stage_target_health(tmp_path, ARN, "unhealthy@5", now=100.0)
        assert staging.target_health_at(stage, ARN, "i-1", 104.0) is None

    def test_a_target_schedule_wins_over_the_default(self, tmp_path: Path) -> None:
        staging.stage_target_health(tmp_path, ARN, "initial@0", now=100.0)
        stage = staging.stage_target_health(tmp_path, ARN, "unhealthy:Target.Timeout@0", target="i-2", now=100.0)
        assert staging.target_health_at(stage, ARN, "i-1", 101.0)["state"] == "initial"
        assert staging.target_health_at(stage, ARN, "i-2", 101.0)["reason"] == "Target.Timeout"

    def test_other_target_groups_are_not_staged(self, tmp_path: Path) -> None:
        stage = staging.stage_target_health(tmp_path, ARN, "initial@0", now=100.0)
        assert staging.target_health_at(stage, ARN + "0", "i-1", 101.0) is None
        assert staging.target_health_at({}, ARN, "i-1", 101.0) is None

    def test_a_release_schedule_comes_after_the_target_own_and_before_the_default(self, tmp_path: Path) -> None:
        staging.stage_target_health(tmp_path, ARN, "healthy@0", now=100.0)
        staging.stage_target_health(tmp_path, ARN, "initial@0", target="i-2", now=100.0)
        stage = staging.stage_release_health(tmp_path, "unhealthy#0", launch_template="web-lt", version=2, now=100.0)
        new = staging.release_keys("lt-1", "web-lt", "2", "ami-2")
        old = staging.release_keys("lt-1", "web-lt", "1", "ami-1")
        assert new == ["lt-1:2", "web-lt:2", "ami-2"]
        assert staging.step_at(staging.target_schedule(stage, ARN, "i-1", new), 101.0, poll=0)["state"] == "unhealthy"
        assert staging.step_at(staging.target_schedule(stage, ARN, "i-1", old), 101.0, poll=0)["state"] == "healthy"
        assert staging.step_at(staging.target_schedule(stage, ARN, "i-2", new), 101.0, poll=0)["state"] == "initial"

    def test_a_release_is_a_numbered_version_or_an_ami(self, tmp_path: Path) -> None:
        stage = staging.stage_release_health(tmp_path, "unhealthy@0", image_id="ami-2", now=100.0)
        assert staging.target_schedule(stage, ARN + "0", "i-9", ["ami-2"])["steps"][0]["state"] == "unhealthy"
        for wrong in (
            {"launch_template": "web-lt", "version": "$Latest"},
            {},
            {"launch_template": "x", "image_id": "a"},
        ):
            with pytest.raises(ValueError):
                staging.stage_release_health(tmp_path, "unhealthy@0", **wrong)

    def test_stages_instance_counts_at_once_or_by_steps(self, tmp_path: Path) -> None:
        stage = staging.stage_asg_instances(tmp_path, "asg", in_service=1, now=100.0)
        assert staging.asg_instances_at(stage, "asg", 100.0) == {"after": 0.0, "in_service": 1, "healthy": None}
        stage = staging.stage_asg_instances(tmp_path, "asg", steps="0@0,*@3", now=100.0)
        assert staging.asg_instances_at(stage, "asg", 102.0)["in_service"] == 0
        assert staging.asg_instances_at(stage, "asg", 103.0)["in_service"] is None
        assert staging.asg_instances_at(stage, "other", 103.0) is None


class TestLimitInstanceStates:
    def test_makes_instances_beyond_the_counts_pending_and_unhealthy(self) -> None:
        states = [("InService", "Healthy")] * 3
        assert staging.limit_instance_states(states, {"in_service": 1, "healthy": 2}) == [
            ("InService", "Healthy"),
            ("Pending", "Healthy"),
            ("Pending", "Unhealthy"),
        ]

    def test_keeps_other_lifecycle_states_and_unlimited_counts(self) -> None:
        states = [("Standby", "Healthy"), ("InService", "Healthy"), ("InService", "Unhealthy")]
        assert staging.limit_instance_states(states, {"in_service": 1, "healthy": None}) == [
            ("Standby", "Healthy"),
            ("InService", "Healthy"),
            ("Pending", "Unhealthy"),
        ]
        assert staging.limit_instance_states(states, None) == states


class TestStageFile:
    def test_no_stage_file_reads_empty(self, tmp_path: Path) -> None:
        assert staging.read(tmp_path) == {}

    def test_writes_atomically_and_leaves_no_temporary_file(self, tmp_path: Path) -> None:
        staging.stage_target_health(tmp_path, ARN, "initial@0")
        assert sorted(path.name for path in tmp_path.iterdir()) == ["stage.json"]
        assert json.loads((tmp_path / "stage.json").read_text())["version"] == staging.VERSION

    def test_clear_removes_what_is_named_or_everything(self, tmp_path: Path) -> None:
        staging.stage_target_health(tmp_path, ARN, "initial@0")
        staging.stage_target_health(tmp_path, ARN, "initial@0", target="i-1")
        staging.stage_asg_instances(tmp_path, "asg", in_service=0)
        staging.clear(tmp_path, ARN, target="i-1")
        assert list(staging.read(tmp_path)["target_health"][ARN]) == ["default"]
        staging.clear(tmp_path, group_name="asg")
        assert staging.read(tmp_path)["autoscaling_instances"] == {}
        staging.clear(tmp_path)
        assert not (tmp_path / "stage.json").exists()
        staging.clear(tmp_path)

    def test_refuses_a_foreign_file(self, tmp_path: Path) -> None:
        (tmp_path / "stage.json").write_text("{}")
        with pytest.raises(ValueError):
            staging.read(tmp_path)

    def test_configure_chooses_what_the_server_reads(self, tmp_path: Path) -> None:
        staging.stage_asg_instances(tmp_path, "asg", in_service=0)
        try:
            staging.configure(tmp_path)
            assert staging.active_state_dir() == tmp_path
            assert "asg" in staging.active_stage()["autoscaling_instances"]
        finally:
            staging.configure(None)
        assert staging.active_stage() == {}


class TestStageCommand:
    def test_target_health(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        main(
            [
                *("stage", "--state-dir", str(tmp_path), "target-health", "--target-group-arn", ARN),
                *("--target", "i-1", "--steps", "initial:Elb.InitialHealthChecking@0,healthy@6"),
            ]
        )
        steps = staging.read(tmp_path)["target_health"][ARN]["i-1"]["steps"]
        assert [step["state"] for step in steps] == ["initial", "healthy"]
        assert json.loads(capsys.readouterr().out) == staging.read(tmp_path)

    def test_target_health_by_polls(self, tmp_path: Path) -> None:
        main(
            [
                *("stage", "--state-dir", str(tmp_path), "target-health", "--target-group-arn", ARN),
                *("--steps", "initial:Elb.InitialHealthChecking#0,healthy#3"),
            ]
        )
        steps = staging.read(tmp_path)["target_health"][ARN]["default"]["steps"]
        assert [(step["state"], step["polls"]) for step in steps] == [("initial", 0), ("healthy", 3)]

    def test_state_dir_after_the_action_and_from_the_environment(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        main(["stage", "asg-instances", "--group", "asg", "--in-service", "1", "--state-dir", str(tmp_path / "a")])
        assert staging.read(tmp_path / "a")["autoscaling_instances"]["asg"]["steps"][0]["in_service"] == 1
        monkeypatch.setenv("MUEJAM_EMULATOR_STATE", str(tmp_path / "b"))
        main(["stage", "asg-instances", "--group", "asg", "--steps", "0/0@0,*@5"])
        assert len(staging.read(tmp_path / "b")["autoscaling_instances"]["asg"]["steps"]) == 2

    def test_release_health(self, tmp_path: Path) -> None:
        release = ["release-health", "--launch-template", "web-lt", "--version", "2", "--steps", "unhealthy#0"]
        main(["stage", "--state-dir", str(tmp_path), *release])
        assert staging.read(tmp_path)["release_health"]["web-lt:2"]["steps"][0]["state"] == "unhealthy"
        main(["stage", "--state-dir", str(tmp_path), "clear", "--release", "web-lt:2"])
        assert staging.read(tmp_path)["release_health"] == {}

    def test_clear(self, tmp_path: Path) -> None:
        staging.stage_asg_instances(tmp_path, "asg", in_service=0)
        main(["stage", "--state-dir", str(tmp_path), "clear"])
        assert staging.read(tmp_path) == {}

    @pytest.mark.parametrize(
        "args",
        [
            ["target-health", "--target-group-arn", ARN, "--steps", "healthy:Target.Timeout"],
            ["target-health", "--target-group-arn", ARN, "--steps", "initial#0,healthy#x"],
            ["asg-instances", "--group", "asg"],
            ["asg-instances", "--group", "asg", "--in-service", "1", "--steps", "1@0"],
            ["clear", "--target", "i-1"],
        ],
    )
    def test_refuses_bad_arguments(self, tmp_path: Path, args: list[str]) -> None:
        with pytest.raises(SystemExit):
            main(["stage", "--state-dir", str(tmp_path), *args])
        assert staging.read(tmp_path) == {}

    def test_stage_must_come_first(self, tmp_path: Path) -> None:
        with pytest.raises(SystemExit):
            main(["--state-dir", str(tmp_path), "stage"])
