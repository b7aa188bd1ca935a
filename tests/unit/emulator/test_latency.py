"""Tests of tools/emulator/latency.py: the configuration, the latency file, the states and the CLI.

The states are pure functions of the recorded times, ``now`` and the configuration, so they are
tested at chosen instants, without a clock; the server side (following the file, deferring and
settling) in this process, with threads where it matters.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from tools.emulator import latency, staging
from tools.emulator.__main__ import main

ON = latency.config(scale=1.0)  # AWS-like defaults, unscaled
FAST = latency.config(scale=0.05)


class TestConfig:
    def test_defaults_are_aws_like(self) -> None:
        assert latency.DEFAULTS == {
            "nat_gateway_pending": 100.0,
            "nat_gateway_deleting": 60.0,
            "load_balancer_provisioning": 150.0,
            "instance_pending": 30.0,
            "instance_in_service": 15.0,
            "instance_shutting_down": 45.0,
        }
        assert ON["durations"] == latency.DEFAULTS
        assert ON["scale"] == 1.0

    def test_overrides_replace_only_the_named_durations(self) -> None:
        configuration = latency.config(0.5, {"nat_gateway_pending": 10})
        assert configuration["durations"] == {**latency.DEFAULTS, "nat_gateway_pending": 10.0}

    @pytest.mark.parametrize(
        ("scale", "durations"),
        [
            (-1, None),
            (float("nan"), None),
            (True, None),
            ("fast", None),
            (1, {"bogus": 1}),
            (1, {"instance_pending": -2}),
        ],
    )
    def test_refuses_what_is_not_a_duration(self, scale: Any, durations: Any) -> None:
        with pytest.raises(ValueError):
            latency.config(scale, durations)

    def test_parses_name_equals_seconds(self) -> None:
        assert latency.parse_setting("instance_pending = 2.5") == ("instance_pending", 2.5)

    @pytest.mark.parametrize(
        "text", ["instance_pending", "=3", "nope=3", "instance_pending=soon", "instance_pending=-1"]
    )
    def test_refuses_a_bad_setting(self, text: str) -> None:
        with pytest.raises(ValueError):
            latency.parse_setting(text)


class TestDurations:
    def test_every_duration_is_scaled(self) -> None:
        effective = latency.effective_durations(configuration=FAST)
        assert effective["nat_gateway_pending"] == pytest.approx(5.0)
        assert effective["load_balancer_provisioning"] == pytest.approx(7.5)
        assert effective["asg_instance_in_service"] == pytest.approx(0.05 * 45)

    def test_target_durations_come_from_the_target_group(self) -> None:
        effective = latency.effective_durations(
            configuration=FAST, health_check_interval=10, healthy_threshold=3, deregistration_delay=60
        )
        assert effective["target_initial"] == pytest.approx(10 * 3 * 0.05)
        assert effective["target_draining"] == pytest.approx(3.0)
        defaults = latency.effective_durations(configuration=ON)
        assert (defaults["target_initial"], defaults["target_draining"]) == (150.0, 300.0)

    def test_everything_takes_no_time_with_the_model_off(self, tmp_path: Path) -> None:
        assert set(latency.effective_durations(tmp_path).values()) == {0.0}
        latency.turn_on(tmp_path, 2.0)
        assert latency.effective_durations(tmp_path)["instance_pending"] == 60.0


class TestNatGatewayState:
    @pytest.mark.parametrize(("elapsed", "state"), [(0, "pending"), (99.9, "pending"), (100, "available")])
    def test_pending_until_the_duration_has_passed(self, elapsed: float, state: str) -> None:
        assert latency.nat_gateway_state("available", 1000.0, None, 1000.0 + elapsed, ON) == state

    @pytest.mark.parametrize(("elapsed", "state"), [(0, "deleting"), (59, "deleting"), (60, "deleted")])
    def test_deleting_until_the_duration_has_passed(self, elapsed: float, state: str) -> None:
        assert latency.nat_gateway_state("deleted", 1000.0, 2000.0, 2000.0 + elapsed, ON) == state

    def test_a_gateway_deleted_while_pending_is_deleting(self) -> None:
        assert latency.nat_gateway_state("deleted", 1000.0, 1001.0, 1002.0, ON) == "deleting"

    def test_moto_answers_with_the_model_off_or_without_records(self) -> None:
        assert latency.nat_gateway_state("available", 1000.0, None, 1000.0, None) == "available"
        assert latency.nat_gateway_state("deleted", 1000.0, 1000.0, 1000.0, None) == "deleted"
        assert latency.nat_gateway_state("available", None, None, 1000.0, ON) == "available"

    def test_the_current_configuration_decides(self) -> None:
        assert latency.nat_gateway_state("available", 1000.0, None, 1010.0, ON) == "pending"
        assert latency.nat_gateway_state("available", 1000.0, None, 1010.0, latency.config(0)) == "available"


class TestLoadBalancerAndInstanceStates:
    def test_a_load_balancer_provisions_then_is_active(self) -> None:
        assert latency.load_balancer_state("active", 0.0, 149.0, ON) == "provisioning"
        assert latency.load_balancer_state("active", 0.0, 150.0, ON) == "active"
        assert latency.load_balancer_state("provisioning", None, 150.0, ON) == "provisioning"  # moto's own
        assert latency.load_balancer_active_at(10.0, FAST) == pytest.approx(17.5)
        assert latency.load_balancer_active_at(10.0, None) is None

    def test_an_instance_is_pending_then_running(self) -> None:
        assert latency.instance_state("running", 0.0, None, 29.0, ON) == "pending"
        assert latency.instance_state("running", 0.0, None, 30.0, ON) == "running"
        assert latency.instance_running_at(0.0, ON) == 30.0

    def test_a_terminated_instance_is_shutting_down_first(self) -> None:
        assert latency.instance_state("terminated", 0.0, 100.0, 144.0, ON) == "shutting-down"
        assert latency.instance_state("terminated", 0.0, 100.0, 145.0, ON) == "terminated"

    def test_other_instance_states_are_moto_s(self) -> None:
        assert latency.instance_state("stopped", 0.0, None, 1.0, ON) == "stopped"
        assert latency.instance_state("running", 0.0, None, 1.0, None) == "running"
        assert latency.instance_state("terminated", None, None, 1.0, ON) == "terminated"

    def test_an_auto_scaling_instance_is_in_service_after_running_plus_its_own_delay(self) -> None:
        assert latency.asg_lifecycle_state("InService", 0.0, 44.0, ON) == "Pending"
        assert latency.asg_lifecycle_state("InService", 0.0, 45.0, ON) == "InService"
        assert latency.asg_lifecycle_state("Standby", 0.0, 1.0, ON) == "Standby"
        assert latency.asg_lifecycle_state("InService", None, 1.0, ON) == "InService"


class TestTargetHealth:
    def health(self, now: float, running_at: float | None = 30.0, active_at: float | None = 150.0) -> tuple:
        # registered at 10, interval 30 x threshold 5 = 150 s of health checks
        return latency.target_health(10.0, running_at, active_at, 30, 5, now, ON)

    def test_registration_is_in_progress_until_the_instance_runs_and_the_load_balancer_is_active(self) -> None:
        assert self.health(20.0) == ("initial", latency.REGISTRATION_IN_PROGRESS)
        assert self.health(100.0) == ("initial", latency.REGISTRATION_IN_PROGRESS)  # instance running, LB not

    def test_then_initial_health_checks_for_interval_times_threshold(self) -> None:
        assert self.health(150.0) == ("initial", latency.INITIAL_HEALTH_CHECKING)
        assert self.health(299.0) == ("initial", latency.INITIAL_HEALTH_CHECKING)
        assert self.health(300.0) == ("healthy", None)

    def test_the_checks_count_from_the_latest_of_registration_running_and_active(self) -> None:
        assert latency.target_health(500.0, 30.0, 150.0, 30, 5, 640.0, ON) == (
            "initial",
            latency.INITIAL_HEALTH_CHECKING,
        )
        assert latency.target_health(500.0, 30.0, 150.0, 30, 5, 650.0, ON) == ("healthy", None)

    def test_what_was_never_recorded_is_long_ready(self) -> None:
        assert latency.target_health(None, None, None, 30, 5, 0.0, ON) == ("healthy", None)
        assert self.health(1.0, running_at=None, active_at=None) == ("initial", latency.INITIAL_HEALTH_CHECKING)

    def test_moto_answers_with_the_model_off(self) -> None:
        assert latency.target_health(10.0, 30.0, 150.0, 30, 5, 20.0, None) == ("healthy", None)

    def test_a_deregistered_target_drains_for_the_delay(self) -> None:
        assert latency.draining(100.0, 300, 399.0, ON)
        assert not latency.draining(100.0, 300, 400.0, ON)
        assert latency.draining(100.0, 300, 114.0, FAST)
        assert not latency.draining(100.0, 300, 115.0, FAST)
        assert not latency.draining(None, 300, 100.0, ON)
        assert not latency.draining(100.0, 300, 100.0, None)


class TestLatencyFile:
    def test_on_writes_the_file_and_off_removes_it(self, tmp_path: Path) -> None:
        assert latency.read(tmp_path) == {}
        latency.turn_on(tmp_path, 0.05, {"instance_pending": 2})
        written = latency.read(tmp_path)
        assert written["scale"] == 0.05
        assert written["durations"]["instance_pending"] == 2.0
        assert [path.name for path in tmp_path.iterdir()] == ["latency.json"]  # no temporary left
        latency.turn_off(tmp_path)
        latency.turn_off(tmp_path)  # already off: no error
        assert latency.read(tmp_path) == {}

    def test_on_replaces_the_configuration_set_before(self, tmp_path: Path) -> None:
        latency.turn_on(tmp_path, 0.05, {"instance_pending": 2})
        latency.turn_on(tmp_path, 1.0)
        assert latency.read(tmp_path)["durations"] == latency.DEFAULTS

    def test_refuses_a_file_of_another_version(self, tmp_path: Path) -> None:
        latency.latency_path(tmp_path).write_text(json.dumps({"version": 99}))
        with pytest.raises(ValueError):
            latency.read(tmp_path)


class TestServerSide:
    @pytest.fixture
    def state_dir(self, tmp_path: Path) -> Any:
        staging.configure(tmp_path)
        try:
            yield tmp_path
        finally:
            staging.configure(None)

    def test_off_without_a_state_directory_or_a_file(self, state_dir: Path) -> None:
        assert latency.current() is None
        staging.configure(None)
        latency.turn_on(state_dir)
        assert latency.current() is None  # a plain mock_aws process never follows a file

    def test_follows_each_new_file_at_once(self, state_dir: Path) -> None:
        latency.turn_on(state_dir, 1.0)
        assert latency.current()["scale"] == 1.0
        latency.turn_on(state_dir, 0.0)
        assert latency.current()["scale"] == 0.0
        latency.turn_off(state_dir)
        assert latency.current() is None

    def test_a_broken_file_is_ignored_and_said_so(self, state_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
        latency.latency_path(state_dir).write_text("{not json")
        assert latency.current() is None
        assert "latency file ignored" in capsys.readouterr().err

    def test_a_record_is_taken_once(self) -> None:
        class Resource:
            pass

        resource = Resource()
        assert latency.recorded(resource, "created") is None
        assert latency.record(resource, "created", now=5.0) == 5.0
        assert latency.record(resource, "created", now=9.0) == 5.0
        assert latency.recorded(resource, "created") == 5.0

    def test_a_deferred_action_runs_once_when_due(self) -> None:
        due, done = threading.Event(), []
        latency.defer("test-once", due.is_set, lambda: done.append(latency.acting_for_aws()))
        latency.settle()
        assert done == [] and latency.pending("test-once")
        due.set()
        workers = [threading.Thread(target=latency.settle) for _unused in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert done == [True]  # once, on AWS's behalf
        assert not latency.pending("test-once")

    def test_an_action_already_due_runs_at_once(self) -> None:
        done: list[int] = []
        latency.defer("test-now", lambda: True, lambda: done.append(1))
        assert done == [1]

    def test_a_failing_action_is_dropped_and_said_so(self, capsys: pytest.CaptureFixture[str]) -> None:
        def fail() -> None:
            raise RuntimeError("boom")

        latency.defer("test-fail", lambda: True, fail)
        assert not latency.pending("test-fail")
        assert "boom" in capsys.readouterr().err


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    main(["latency", *args])
    return capsys.readouterr().out


class TestCli:
    def test_on_show_and_off(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        directory = str(tmp_path)
        out = run(capsys, "--state-dir", directory, "on", "--scale", "0.05", "--set", "nat_gateway_pending=10")
        assert "latency model: on, scale 0.05" in out
        assert "nat_gateway_pending" in out and "HealthCheckIntervalSeconds x HealthyThresholdCount" in out
        shown = json.loads(run(capsys, "show", "--state-dir", directory, "--json"))
        assert shown["on"] is True and shown["scale"] == 0.05
        assert shown["durations"]["nat_gateway_pending"] == {
            "seconds": 10.0,
            "scaled": pytest.approx(0.5),
            "what": latency.DURATIONS["nat_gateway_pending"][1],
        }
        assert shown["durations"]["instance_pending"]["scaled"] == pytest.approx(1.5)
        assert shown["target_health"]["target_draining"]["aws_default_scaled"] == pytest.approx(15.0)
        assert shown["effective"]["nat_gateway_pending"] == pytest.approx(0.5)
        assert "latency model: off" in run(capsys, "--state-dir", directory, "off")
        off = json.loads(run(capsys, "--state-dir", directory, "show", "--json"))
        assert off["on"] is False
        assert set(off["effective"].values()) == {0.0}
        assert {name: entry["seconds"] for name, entry in off["durations"].items()} == latency.DEFAULTS

    @pytest.mark.parametrize(
        "args", [["on", "--set", "bogus=1"], ["on", "--scale", "-1"], ["on", "--set", "instance_pending"]]
    )
    def test_refuses_bad_settings(self, tmp_path: Path, args: list[str]) -> None:
        with pytest.raises(SystemExit, match="emulator latency"):
            main(["latency", "--state-dir", str(tmp_path), *args])
        assert latency.read(tmp_path) == {}

    def test_latency_must_come_first(self, tmp_path: Path) -> None:
        with pytest.raises(SystemExit):
            main(["--state-dir", str(tmp_path), "latency"])


LATENCY_PATCHES = (
    "autoscaling_instance_latency",
    "core_latency_transitions",
    "ec2_instance_latency",
    "ec2_nat_gateway_latency",
    "ec2_network_interface_dependencies",
    "elbv2_load_balancer_latency",
    "elbv2_target_health_latency",
)


class TestPatches:
    def test_apply_is_idempotent(self) -> None:
        import importlib

        from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
        from moto.core.responses import BaseResponse
        from moto.ec2.models.elastic_ip_addresses import ElasticAddressBackend
        from moto.ec2.models.instances import Instance
        from moto.ec2.models.nat_gateways import NatGateway
        from moto.ec2.models.subnets import SubnetBackend
        from moto.elbv2.models import ELBv2Backend, FakeLoadBalancer, FakeTargetGroup

        def patched() -> list[Any]:
            return [
                vars(FakeAutoScalingGroup)["instances"],
                AutoScalingBackend.delete_auto_scaling_group,
                BaseResponse.call_action,
                Instance.terminate,
                vars(Instance)["state"],
                vars(NatGateway)["state"],
                ElasticAddressBackend.release_address,
                SubnetBackend.delete_subnet,
                vars(FakeLoadBalancer)["state"],
                FakeTargetGroup.register,
                ELBv2Backend.describe_target_health,
            ]

        modules = [importlib.import_module(f"tools.emulator.patches.{name}") for name in LATENCY_PATCHES]
        for module in modules:
            module.apply()
        before = patched()
        for module in modules:
            module.apply()
        assert patched() == before

    def test_every_patch_says_what_moto_and_aws_do_and_why(self) -> None:
        import importlib

        for name in LATENCY_PATCHES:
            doc = importlib.import_module(f"tools.emulator.patches.{name}").__doc__ or ""
            assert "What moto does" in doc and "What AWS does" in doc and "Why the stack needs it" in doc, name
            assert "https://docs.aws.amazon.com/" in doc, name
