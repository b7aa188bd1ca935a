"""Tests of plugins/module_utils/lock.py: one run at a time per stack, the holder named."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils import lock

STACK = "muejam-staging"
SINCE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def ssm() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


class TestAcquire:
    def test_takes_a_free_lock_and_says_who_holds_it(self, ssm: Any) -> None:
        record = lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1", now=SINCE)
        assert record == {
            "id": "run1",
            "holder": "ops@laptop",
            "playbook": "site.yml",
            "since": "2026-12-01T10:00:00+00:00",
        }
        assert lock.read(ssm, STACK) == record

    def test_refuses_a_held_lock_naming_the_holder_and_the_way_out(self, ssm: Any) -> None:
        lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="run1", now=SINCE)
        with pytest.raises(lock.LockHeld) as refused:
            lock.acquire(ssm, STACK, "ops@laptop", "teardown.yml", run_id="run2")
        message = str(refused.value)
        assert "locked by another run: run run1 of site.yml by AWX job 42, since 2026-12-01T10:00:00+00:00" in message
        assert "playbooks/unlock.yml -i <inventory> -e unlock_id=run1" in message
        assert lock.read(ssm, STACK)["id"] == "run1"

    def test_taking_it_again_under_the_same_run_is_a_no_op(self, ssm: Any) -> None:
        first = lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1", now=SINCE)
        assert lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1") == first

    def test_makes_a_run_id_when_none_is_given(self, ssm: Any) -> None:
        record = lock.acquire(ssm, STACK, "ops@laptop", "site.yml")
        assert len(record["id"]) == 12

    def test_locks_each_stack_apart(self, ssm: Any) -> None:
        lock.acquire(ssm, STACK, "a", "site.yml", run_id="run1")
        assert lock.acquire(ssm, "muejam-production", "b", "site.yml", run_id="run2")["id"] == "run2"


class TestRelease:
    def test_releases_the_runs_own_lock(self, ssm: Any) -> None:
        lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1")
        assert lock.release(ssm, STACK, "run1") is True
        assert lock.read(ssm, STACK) is None

    def test_never_releases_another_runs_lock(self, ssm: Any) -> None:
        lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="run1")
        with pytest.raises(lock.NotHolder, match="give unlock_id=run1 to break it"):
            lock.release(ssm, STACK, "run2")
        assert lock.read(ssm, STACK)["id"] == "run1"

    def test_says_when_there_was_nothing_to_release(self, ssm: Any) -> None:
        assert lock.release(ssm, STACK, "run1") is False


class Counted:
    """An SSM client that records each API call it passes on (to moto)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        def call(**kwargs: Any) -> Any:
            self.calls.append(name)
            return method(**kwargs)

        return call


class TestCalls:
    """What a run pays for its lock: one call to take a free one, two to release it."""

    def test_a_free_lock_is_taken_in_one_call(self, ssm: Any) -> None:
        counted = Counted(ssm)
        assert lock.take(counted, STACK, "ops@laptop", "site.yml", run_id="run1") == (lock.read(ssm, STACK), True)
        assert counted.calls == ["put_parameter"]

    def test_the_runs_own_lock_is_found_not_taken_again(self, ssm: Any) -> None:
        first = lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1")
        counted = Counted(ssm)
        assert lock.take(counted, STACK, "ops@laptop", "site.yml", run_id="run1") == (first, False)
        assert counted.calls == ["put_parameter", "get_parameter"]

    def test_a_holder_read_by_the_caller_is_not_read_again(self, ssm: Any) -> None:
        lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1")
        counted = Counted(ssm)
        current = lock.read(counted, STACK)
        assert lock.release(counted, STACK, "run1", current=current) is True
        assert counted.calls == ["get_parameter", "delete_parameter"]
        assert lock.read(ssm, STACK) is None

    def test_a_holder_read_by_the_caller_is_still_checked(self, ssm: Any) -> None:
        lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="run1")
        with pytest.raises(lock.NotHolder):
            lock.release(ssm, STACK, "run2", current=lock.read(ssm, STACK))
        assert lock.read(ssm, STACK)["id"] == "run1"


class TestHolding:
    """The lock held for a block of work (muejam.infra.stack_teardown's ``lock``): taken before it,
    released after it, also when it fails; a held lock stops the block before it starts."""

    def test_held_during_the_block_and_released_after_it(self, ssm: Any) -> None:
        counted = Counted(ssm)
        with lock.holding(counted, STACK, "ops@laptop", "teardown.yml") as record:
            assert lock.read(ssm, STACK) == record
            assert record["playbook"] == "teardown.yml" and record["holder"] == "ops@laptop"
        assert lock.read(ssm, STACK) is None
        # One call to take it, two to release it (the read that proves it is still this run's).
        assert counted.calls == ["put_parameter", "get_parameter", "delete_parameter"]

    def test_released_when_the_block_fails(self, ssm: Any) -> None:
        with pytest.raises(RuntimeError, match="half-way"), lock.holding(ssm, STACK, "ops@laptop", "teardown.yml"):
            raise RuntimeError("half-way")
        assert lock.read(ssm, STACK) is None

    def test_another_runs_lock_stops_the_block_before_it_starts(self, ssm: Any) -> None:
        other = lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="awx42")
        started = []
        with (
            pytest.raises(lock.LockHeld, match=r"run awx42 of site\.yml by AWX job 42") as raised,
            lock.holding(ssm, STACK, "ops@laptop", "teardown.yml"),
        ):
            started.append(True)
        assert started == [] and raised.value.holder == other
        assert lock.read(ssm, STACK) == other

    def test_a_lock_broken_and_taken_by_another_run_meanwhile_is_left_to_it(self, ssm: Any) -> None:
        with (
            pytest.raises(lock.NotHolder, match="give unlock_id=awx42"),
            lock.holding(ssm, STACK, "ops@laptop", "teardown.yml") as record,
        ):
            lock.release(ssm, STACK, record["id"])  # playbooks/unlock.yml, with this run's id
            lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="awx42")
        assert lock.read(ssm, STACK)["id"] == "awx42"

    def test_check_mode_takes_nothing_and_still_refuses_a_held_lock(self, ssm: Any) -> None:
        counted = Counted(ssm)
        with lock.holding(counted, STACK, "ops@laptop", "teardown.yml", check_mode=True) as record:
            assert record == {}
        assert counted.calls == ["get_parameter"]
        assert lock.read(ssm, STACK) is None
        lock.acquire(ssm, STACK, "AWX job 42", "site.yml", run_id="awx42")
        with pytest.raises(lock.LockHeld), lock.holding(ssm, STACK, "ops@laptop", "teardown.yml", check_mode=True):
            pass

    def test_check_names_the_holder_unless_it_is_the_runs_own(self, ssm: Any) -> None:
        assert lock.check(ssm, STACK) is None
        record = lock.acquire(ssm, STACK, "ops@laptop", "site.yml", run_id="run1")
        assert lock.check(ssm, STACK, run_id="run1") == record
        with pytest.raises(lock.LockHeld):
            lock.check(ssm, STACK, run_id="run2")

    def test_the_default_holder_is_user_at_host(self) -> None:
        user, _at, host = lock.default_holder().partition("@")
        assert user and host


class TestTwoRunsAtOnce:
    def test_exactly_one_of_two_runs_that_start_together_gets_it(self, emulator: dict[str, Any]) -> None:
        ssm = emulator["client"]("ssm")
        barrier = threading.Barrier(8)
        winners: list[str] = []
        refused: list[str] = []

        def run(index: int) -> None:
            barrier.wait()
            try:
                winners.append(lock.acquire(ssm, "muejam-race", f"run {index}", "site.yml", run_id=f"run{index}")["id"])
            except lock.LockHeld as error:
                refused.append(error.holder["id"])

        threads = [threading.Thread(target=run, args=(index,)) for index in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(winners) == 1
        assert refused == [winners[0]] * 7
