"""module_utils/instance_refresh over a small fake of AWS's documented answers (API_InstanceRefresh,
API_DescribeAutoScalingGroups): the preferences, the decision, the wait, the failures, rollback and cancel."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.exceptions import ClientError

from ansible_collections.muejam.infra.plugins.module_utils.instance_refresh import (
    GroupVersions,
    RefreshError,
    Refreshes,
    RefreshFailed,
    RefreshTimeout,
    ensure,
    failure_message,
    group_versions,
    plan,
    refresh_preferences,
    resolve_version,
    wait,
)

GROUP = "muejam-local-asg"
TEMPLATE = {
    "LaunchTemplateId": "lt-0123",
    "LaunchTemplateName": "muejam-local-lt",
    "LatestVersionNumber": 3,
    "DefaultVersionNumber": 3,
}


def instance(instance_id: str, version: str, state: str = "InService") -> dict[str, Any]:
    return {
        "InstanceId": instance_id,
        "LifecycleState": state,
        "HealthStatus": "Healthy",
        "LaunchTemplate": {"LaunchTemplateId": "lt-0123", "LaunchTemplateName": "muejam-local-lt", "Version": version},
    }


def group(version: str, *instances: dict[str, Any]) -> dict[str, Any]:
    return {
        "AutoScalingGroupName": GROUP,
        "DesiredCapacity": len(instances),
        "LaunchTemplate": {"LaunchTemplateId": "lt-0123", "LaunchTemplateName": "muejam-local-lt", "Version": version},
        "Instances": list(instances),
    }


class FakeAutoScaling:
    """Answers as AWS documents them; ``statuses`` is the sequence DescribeInstanceRefreshes walks
    through for the refresh a call started (one entry a describe, the last one repeated)."""

    def __init__(self, found_group: dict[str, Any], refreshes: list[dict[str, Any]] | None = None) -> None:
        self.found_group = found_group
        self.listed = list(refreshes or [])
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.script: list[dict[str, Any]] = []
        self.after_rollback: list[dict[str, Any]] = []
        self.start_error: str | None = None

    def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        kwargs.pop("aws_retry", None)
        self.calls.append((name, kwargs))

    def describe_auto_scaling_groups(self, **kwargs: Any) -> dict[str, Any]:
        self._call("DescribeAutoScalingGroups", kwargs)
        return {"AutoScalingGroups": [self.found_group] if kwargs["AutoScalingGroupNames"] == [GROUP] else []}

    def describe_instance_refreshes(self, **kwargs: Any) -> dict[str, Any]:
        self._call("DescribeInstanceRefreshes", kwargs)
        if kwargs.get("InstanceRefreshIds") and self.script:
            current = self.script.pop(0) if len(self.script) > 1 else self.script[0]
            self.listed = [current] + [r for r in self.listed if r["InstanceRefreshId"] != current["InstanceRefreshId"]]
            return {"InstanceRefreshes": [current]}
        wanted = kwargs.get("InstanceRefreshIds")
        return {"InstanceRefreshes": [r for r in self.listed if not wanted or r["InstanceRefreshId"] in wanted]}

    def start_instance_refresh(self, **kwargs: Any) -> dict[str, Any]:
        self._call("StartInstanceRefresh", kwargs)
        if self.start_error:
            raise ClientError(
                {"Error": {"Code": self.start_error, "Message": "An Instance Refresh is already in progress"}},
                "StartInstanceRefresh",
            )
        return {"InstanceRefreshId": "ir-new"}

    def rollback_instance_refresh(self, **kwargs: Any) -> dict[str, Any]:
        self._call("RollbackInstanceRefresh", kwargs)
        self.script = list(self.after_rollback)
        return {"InstanceRefreshId": self.listed[0]["InstanceRefreshId"]}

    def cancel_instance_refresh(self, **kwargs: Any) -> dict[str, Any]:
        self._call("CancelInstanceRefresh", kwargs)
        self.script = [dict(self.listed[0], Status="Cancelling"), dict(self.listed[0], Status="Cancelled")]
        return {"InstanceRefreshId": self.listed[0]["InstanceRefreshId"]}


class FakeEC2:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def describe_launch_templates(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.pop("aws_retry", None)
        self.calls.append(kwargs)
        return {"LaunchTemplates": [TEMPLATE]}


def refresh(
    status: str, percentage: int = 0, to_update: int = 2, refresh_id: str = "ir-new", **extra: Any
) -> dict[str, Any]:
    return dict(
        {
            "InstanceRefreshId": refresh_id,
            "AutoScalingGroupName": GROUP,
            "Status": status,
            "PercentageComplete": percentage,
            "InstancesToUpdate": to_update,
            "DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateId": "lt-0123", "Version": "3"}},
        },
        **extra,
    )


class Clock:
    """A fake clock that sleeping advances: the waits run at once and their timeouts are exact."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def run(client: FakeAutoScaling, clock: Clock, state: str = "started", **kwargs: Any) -> dict[str, Any]:
    calls = Refreshes(client, FakeEC2(), GROUP)
    kwargs.setdefault("interval", 15)
    return ensure(calls, state, sleep=clock.sleep, clock=clock, **kwargs)


class TestRefreshPreferences:
    def test_maps_every_input_to_aws_names(self) -> None:
        assert refresh_preferences(100, 200, 300, [50, 100], 600, True, ["muejam-local-5xx"], True) == {
            "MinHealthyPercentage": 100,
            "MaxHealthyPercentage": 200,
            "InstanceWarmup": 300,
            "CheckpointPercentages": [50, 100],
            "CheckpointDelay": 600,
            "SkipMatching": True,
            "AlarmSpecification": {"Alarms": ["muejam-local-5xx"]},
            "AutoRollback": True,
        }

    def test_leaves_the_checkpoint_delay_and_alarms_out_without_checkpoints_and_alarms(self) -> None:
        # AWS refuses a CheckpointDelay without CheckpointPercentages.
        assert refresh_preferences(checkpoint_percentages=[], checkpoint_delay=600, alarms=[], auto_rollback=False) == {
            "AutoRollback": False
        }

    def test_keeps_zero_values(self) -> None:
        assert refresh_preferences(min_healthy_percentage=0, instance_warmup=0) == {
            "MinHealthyPercentage": 0,
            "InstanceWarmup": 0,
        }


class TestResolveVersion:
    @pytest.mark.parametrize("version", ["", None, "latest", "$Latest"])
    def test_latest_is_the_templates_latest_number(self, version: str | None) -> None:
        assert resolve_version(version, dict(TEMPLATE, LatestVersionNumber=7)) == "7"

    def test_default_is_the_templates_default_number(self) -> None:
        assert resolve_version("$Default", dict(TEMPLATE, DefaultVersionNumber=2)) == "2"

    def test_a_number_stays(self) -> None:
        assert resolve_version(4, TEMPLATE) == "4"


class TestGroupVersions:
    def test_reads_the_groups_and_each_instances_version_without_terminating_ones(self) -> None:
        found = group_versions(
            group("2", instance("i-1", "2"), instance("i-2", "1"), instance("i-3", "1", "Terminating"))
        )
        assert (found.version, found.instances) == ("2", {"i-1": "2", "i-2": "1"})

    def test_resolves_symbolic_versions(self) -> None:
        found = group_versions(group("$Latest", instance("i-1", "$Latest")), TEMPLATE)
        assert (found.version, found.instances) == ("3", {"i-1": "3"})

    def test_refuses_a_group_without_a_launch_template(self) -> None:
        with pytest.raises(RefreshError, match="no launch template"):
            group_versions({"AutoScalingGroupName": GROUP, "LaunchConfigurationName": "lc"})


class TestPlan:
    def test_nothing_when_the_group_and_its_instances_run_the_wanted_version(self) -> None:
        decision = plan(
            group_versions(group("3", instance("i-1", "3"), instance("i-2", "3"))), "3", [refresh("Successful")]
        )
        assert (decision.action, decision.outdated_instances) == ("none", [])

    def test_starts_when_the_template_moved_past_the_group(self) -> None:
        decision = plan(group_versions(group("2", instance("i-1", "2"), instance("i-2", "2"))), "3", [])
        assert decision.action == "start"
        assert decision.outdated_instances == ["i-1", "i-2"]
        assert "the group uses version 2" in decision.reason

    def test_starts_when_only_instances_are_behind(self) -> None:
        # A rollback after the group's version moved, or instances launched before an update.
        decision = plan(group_versions(group("3", instance("i-1", "3"), instance("i-2", "2"))), "3", [])
        assert (decision.action, decision.outdated_instances) == ("start", ["i-2"])

    @pytest.mark.parametrize("status", ["Pending", "InProgress", "Baking", "RollbackInProgress", "Cancelling"])
    def test_joins_an_active_refresh_never_a_second(self, status: str) -> None:
        decision = plan(group_versions(group("2", instance("i-1", "2"))), "3", [refresh(status, refresh_id="ir-old")])
        assert decision.action == "join"
        assert decision.refresh is not None and decision.refresh["InstanceRefreshId"] == "ir-old"


class TestWait:
    def test_returns_at_success_with_the_progress_it_saw(self, clock: Clock) -> None:
        answers = iter(
            [
                refresh("Pending"),
                refresh("InProgress", 0, 2),
                refresh("InProgress", 50, 1),
                refresh("Successful", 100, 0),
            ]
        )
        waited = wait(lambda: next(answers), ("Successful",), 600, 15, sleep=clock.sleep, clock=clock)
        assert waited.refresh["Status"] == "Successful" and waited.checkpoint is None
        assert [(entry["Status"], entry["PercentageComplete"]) for entry in waited.history] == [
            ("Pending", 0),
            ("InProgress", 0),
            ("InProgress", 50),
            ("Successful", 100),
        ]
        assert clock.sleeps == [15, 15, 15]

    def test_keeps_one_entry_while_nothing_changes(self, clock: Clock) -> None:
        answers = iter([refresh("InProgress", 50, 1)] * 3 + [refresh("Successful", 100, 0)])
        waited = wait(lambda: next(answers), ("Successful",), 600, 15, sleep=clock.sleep, clock=clock)
        assert len(waited.history) == 2

    def test_stops_at_a_checkpoint_when_asked(self, clock: Clock) -> None:
        answers = iter(
            [refresh("InProgress", 0, 2), refresh("InProgress", 50, 1, StatusReason="Waiting for checkpoint")]
        )
        waited = wait(
            lambda: next(answers), ("Successful",), 600, 15, stop_at_percentage=50, sleep=clock.sleep, clock=clock
        )
        assert waited.checkpoint == 50 and waited.refresh["PercentageComplete"] == 50

    def test_a_stop_at_100_returns_at_the_final_checkpoint_while_a_rollback_is_possible(self, clock: Clock) -> None:
        answers = iter([refresh("InProgress", 50, 1), refresh("InProgress", 100, 0), refresh("Successful", 100, 0)])
        waited = wait(
            lambda: next(answers), ("Successful",), 600, 15, stop_at_percentage=100, sleep=clock.sleep, clock=clock
        )
        assert waited.refresh["Status"] == "InProgress" and waited.checkpoint == 100

    def test_a_stop_returns_at_success_when_the_checkpoint_passed_meanwhile(self, clock: Clock) -> None:
        answers = iter([refresh("InProgress", 0, 2), refresh("Successful", 100, 0)])
        waited = wait(
            lambda: next(answers), ("Successful",), 600, 15, stop_at_percentage=50, sleep=clock.sleep, clock=clock
        )
        assert waited.refresh["Status"] == "Successful" and waited.checkpoint is None

    @pytest.mark.parametrize("status", ["Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"])
    def test_a_terminal_status_fails_with_awss_reason(self, status: str, clock: Clock) -> None:
        answers = iter(
            [refresh("InProgress"), refresh(status, 50, 1, StatusReason="Alarm muejam-local-5xx is in ALARM")]
        )
        with pytest.raises(RefreshFailed, match=f"is {status}: Alarm muejam-local-5xx is in ALARM") as failure:
            wait(lambda: next(answers), ("Successful",), 600, 15, sleep=clock.sleep, clock=clock)
        assert failure.value.refresh["Status"] == status

    def test_a_rollback_wait_ends_at_rollback_successful(self, clock: Clock) -> None:
        answers = iter([refresh("RollbackInProgress"), refresh("RollbackSuccessful")])
        waited = wait(lambda: next(answers), ("RollbackSuccessful",), 600, 15, sleep=clock.sleep, clock=clock)
        assert waited.refresh["Status"] == "RollbackSuccessful"

    def test_times_out_saying_the_refresh_goes_on(self, clock: Clock) -> None:
        with pytest.raises(RefreshTimeout, match=r"still InProgress after 40 s .*a re-run joins it"):
            wait(lambda: refresh("InProgress", 50, 1), ("Successful",), 40, 15, sleep=clock.sleep, clock=clock)
        assert clock.sleeps == [15, 15, 10]


class TestFailureMessage:
    def test_says_the_reason_the_rollback_and_what_the_group_runs(self) -> None:
        now = GroupVersions(GROUP, "muejam-local-lt", "lt-0123", "2", 2, {"i-1": "2", "i-2": "2"})
        message = failure_message(
            refresh(
                "RollbackSuccessful",
                0,
                0,
                StatusReason="Rollback completed",
                RollbackDetails={"RollbackReason": "Instance refresh failed"},
            ),
            now,
        )
        assert "is RollbackSuccessful: Rollback completed" in message
        assert "rolled back because: Instance refresh failed" in message
        assert "launch template muejam-local-lt version 2 (desired capacity 2; instances: 2 on version 2)" in message


class TestEnsureStarted:
    def test_starts_a_refresh_to_the_latest_version_with_the_preferences(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2"), instance("i-2", "2")))
        client.script = [refresh("InProgress", 0, 2), refresh("Successful", 100, 0)]
        result = run(
            client, clock, version="latest", preferences={"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200}
        )
        starts = [kwargs for name, kwargs in client.calls if name == "StartInstanceRefresh"]
        assert starts == [
            {
                "AutoScalingGroupName": GROUP,
                "Strategy": "Rolling",
                "DesiredConfiguration": {"LaunchTemplate": {"LaunchTemplateId": "lt-0123", "Version": "3"}},
                "Preferences": {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 200},
            }
        ]
        assert result["changed"] and result["action"] == "start"
        assert result["instance_refresh"]["status"] == "Successful"
        assert [entry["percentage_complete"] for entry in result["progress"]] == [0, 100]

    def test_does_nothing_when_all_runs_the_wanted_version(self, clock: Clock) -> None:
        client = FakeAutoScaling(
            group("3", instance("i-1", "3"), instance("i-2", "3")), [refresh("Successful", 100, 0)]
        )
        result = run(client, clock, version="latest")
        assert not result["changed"] and result["action"] == "none" and result["instance_refresh"] is None
        assert [name for name, _kwargs in client.calls] == ["DescribeAutoScalingGroups", "DescribeInstanceRefreshes"]

    def test_joins_the_active_refresh_and_waits_for_it(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")), [refresh("InProgress", 50, 1, refresh_id="ir-old")])
        client.script = [
            refresh("InProgress", 50, 1, refresh_id="ir-old"),
            refresh("Successful", 100, 0, refresh_id="ir-old"),
        ]
        result = run(client, clock, version="latest")
        assert not result["changed"] and result["action"] == "join"
        assert result["instance_refresh"]["instance_refresh_id"] == "ir-old"
        assert "StartInstanceRefresh" not in [name for name, _kwargs in client.calls]

    def test_joins_a_refresh_another_run_started_meanwhile(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")))
        client.start_error = "InstanceRefreshInProgress"

        def listed_after_start(**kwargs: Any) -> dict[str, Any]:
            client.calls.append(("DescribeInstanceRefreshes", kwargs))
            started = any(name == "StartInstanceRefresh" for name, _kwargs in client.calls)
            return {"InstanceRefreshes": [refresh("InProgress", refresh_id="ir-other")] if started else []}

        client.describe_instance_refreshes = listed_after_start  # type: ignore[method-assign]
        result = run(client, clock, version="latest", wait_for_it=False)
        assert result["instance_refresh"]["instance_refresh_id"] == "ir-other"

    def test_check_mode_reports_the_start_without_making_it(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")))
        result = run(client, clock, version="latest", check_mode=True)
        assert result["changed"] and result["action"] == "start"
        assert "StartInstanceRefresh" not in [name for name, _kwargs in client.calls]

    def test_returns_at_the_checkpoint_it_was_asked_for(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2"), instance("i-2", "2")))
        client.script = [refresh("InProgress", 0, 2), refresh("InProgress", 50, 1), refresh("Successful", 100, 0)]
        result = run(client, clock, version="latest", stop_at_percentage=50)
        assert result["checkpoint"] == 50 and result["instance_refresh"]["status"] == "InProgress"

    def test_a_failed_refresh_says_why_and_what_the_group_runs_now(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2"), instance("i-2", "2")))
        client.script = [
            refresh("InProgress"),
            refresh("RollbackSuccessful", 0, 0, StatusReason="Instance refresh failed to complete"),
        ]
        with pytest.raises(RefreshFailed) as failure:
            run(client, clock, version="latest")
        assert "is RollbackSuccessful: Instance refresh failed to complete" in str(failure.value)
        assert "runs launch template muejam-local-lt version 2" in str(failure.value)
        assert failure.value.result["group"]["instances"] == {"i-1": "2", "i-2": "2"}


class TestEnsureRolledBackAndCancelled:
    def test_rolls_back_the_active_refresh_and_waits_for_the_rollback(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2"), instance("i-9", "3")), [refresh("InProgress", 50, 1)])
        client.after_rollback = [refresh("RollbackInProgress"), refresh("RollbackSuccessful", 100, 0)]
        result = run(client, clock, "rolled_back")
        assert result["changed"] and result["action"] == "rollback"
        assert result["instance_refresh"]["status"] == "RollbackSuccessful"
        assert ("RollbackInstanceRefresh", {"AutoScalingGroupName": GROUP}) in client.calls

    def test_a_failed_rollback_fails(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")), [refresh("InProgress", 50, 1)])
        client.after_rollback = [refresh("RollbackFailed", StatusReason="Launching a new EC2 instance failed")]
        with pytest.raises(RefreshFailed, match="is RollbackFailed: Launching a new EC2 instance failed"):
            run(client, clock, "rolled_back")

    def test_nothing_to_roll_back_is_no_change(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("3", instance("i-1", "3")), [refresh("Successful", 100, 0)])
        result = run(client, clock, "rolled_back")
        assert not result["changed"] and result["action"] == "none"
        assert "RollbackInstanceRefresh" not in [name for name, _kwargs in client.calls]

    def test_cancels_the_active_refresh(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")), [refresh("InProgress", 50, 1)])
        result = run(client, clock, "cancelled")
        assert result["changed"] and result["instance_refresh"]["status"] == "Cancelled"

    def test_check_mode_rolls_nothing_back(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")), [refresh("InProgress", 50, 1)])
        result = run(client, clock, "rolled_back", check_mode=True)
        assert result["changed"] and "RollbackInstanceRefresh" not in [name for name, _kwargs in client.calls]


class Throttled(FakeAutoScaling):
    """DescribeInstanceRefreshes throttled once, as AWS's token bucket does."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.throttled = 0

    def describe_instance_refreshes(self, **kwargs: Any) -> dict[str, Any]:
        if self.throttled == 0:
            self.throttled += 1
            raise ClientError(
                {"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "DescribeInstanceRefreshes"
            )
        return super().describe_instance_refreshes(**kwargs)


@pytest.fixture
def no_backoff(slept: list[float]) -> Iterator[list[float]]:
    yield slept


class TestRetries:
    def test_survives_throttling_through_the_retrying_client(self, clock: Clock, no_backoff: list[float]) -> None:
        raw = Throttled(group("3", instance("i-1", "3")))
        client = RetryingBotoClientWrapper(raw, AWSRetry.jittered_backoff())
        result = ensure(Refreshes(client, FakeEC2(), GROUP), "started", "latest", sleep=clock.sleep, clock=clock)
        assert raw.throttled == 1 and len(no_backoff) == 1
        assert result["action"] == "none"


class TestEnsureJoinsAKnownRefresh:
    def test_waits_for_the_given_refresh_and_never_starts_one(self, clock: Clock) -> None:
        client = FakeAutoScaling(group("2", instance("i-1", "2")), [refresh("InProgress", 50, 1, refresh_id="ir-old")])
        client.script = [
            refresh("InProgress", 50, 1, refresh_id="ir-old"),
            refresh("Successful", 100, 0, refresh_id="ir-old"),
        ]
        result = run(client, clock, version="3", refresh_id="ir-old")
        assert result["action"] == "join" and result["instance_refresh"]["status"] == "Successful"
        assert "StartInstanceRefresh" not in [name for name, _kwargs in client.calls]

    def test_a_known_refresh_rolled_back_meanwhile_fails_instead_of_starting_another(self, clock: Clock) -> None:
        # After AWS's auto rollback the instances run the old version again: a plan would start a new refresh.
        client = FakeAutoScaling(group("2", instance("i-1", "2")))
        client.script = [refresh("RollbackSuccessful", 100, 0, refresh_id="ir-old", StatusReason="Alarm in ALARM")]
        with pytest.raises(RefreshFailed, match="is RollbackSuccessful: Alarm in ALARM"):
            run(client, clock, version="3", refresh_id="ir-old")
        assert "StartInstanceRefresh" not in [name for name, _kwargs in client.calls]
