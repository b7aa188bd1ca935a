"""teardown.yml removes the stack in one module call that overlaps every wait AWS imposes.

On an emulator of its own, site.yml builds the stack (latency model off); then teardown.yml runs
in check mode (for all parts, and for --tags load_balancer), for real with the latency model on
(NAT gateways deleting and instances shutting down take their time), and once more. Every claim is
about the order of the calls the emulator served (its request log), never about wall-clock margins:
the NAT gateways' deletion and the Auto Scaling group's start before anything that waits for them,
what has no wait of its own goes before the waits end, the NAT gateway and instance waits poll in
the same rounds, and nothing is deleted before what holds it is gone (no refused deletion).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stack_census import EXACTLY_THE_STACK, NOTHING, stack_counts
from stack_runs import ansible_playbook, own_emulator

from tools.emulator import latency, request_counts
from tools.emulator.patches import request_log

CONFIRM = ("-e", "teardown_confirm=local")
# Long enough that the two waits overlap visibly in the order of the calls, short enough for a test.
DURATIONS = {"nat_gateway_deleting": 8.0, "instance_shutting_down": 5.0}
# What waits for the NAT gateways (Elastic IPs, then the rest of the network) or the instances.
AFTER_THE_WAITS = ("DeleteSecurityGroup", "ReleaseAddress", "DeleteSubnet", "DetachInternetGateway", "DeleteVpc")
# What has no wait of its own: deleted while the waits go on.
NO_WAIT = ("DeleteLaunchTemplate", "DeleteInstanceProfile", "DeleteAlarms", "DeleteLoadBalancer", "DeleteTargetGroup")
POLLS = ("DescribeNatGateways", "DescribeInstances", "DescribeAutoScalingGroups")


def run(state_dir: Path, endpoint: str, name: str, *args: str) -> dict[str, Any]:
    mark = request_counts.mark(state_dir, f"{name}-{len(request_counts.marks(state_dir))}")
    code, output = ansible_playbook(state_dir, endpoint, name, *args)
    assert code == 0, f"{name} {' '.join(args)} failed:\n{output[-5000:]}"
    return {"output": output, "requests": request_log.read(state_dir, since=mark)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    state_dir = tmp_path_factory.mktemp("overlap") / "emulator"
    with own_emulator(state_dir) as endpoint:
        run(state_dir, endpoint, "site.yml")
        result: dict[str, Any] = {"built": stack_counts(endpoint)}
        result["check"] = run(state_dir, endpoint, "teardown.yml", *CONFIRM, "--check")
        result["check_lb"] = run(state_dir, endpoint, "teardown.yml", *CONFIRM, "--check", "--tags", "load_balancer")
        latency.turn_on(state_dir, scale=1.0, durations=DURATIONS)
        result["teardown"] = run(state_dir, endpoint, "teardown.yml", *CONFIRM)
        result["again"] = run(state_dir, endpoint, "teardown.yml", *CONFIRM)
        result["after"] = stack_counts(endpoint)
        return result


def actions(requests: list[request_log.Request]) -> list[str]:
    return [request.action for request in requests if request.service != "ssm"]  # the lock's calls aside


def first(seen: list[str], *names: str) -> int:
    return min(index for index, action in enumerate(seen) if action in names)


def last(seen: list[str], *names: str) -> int:
    return max(index for index, action in enumerate(seen) if action in names)


class TestCheckMode:
    def test_deletes_nothing_and_lists_what_it_would(self, runs: dict[str, Any]) -> None:
        assert runs["built"] == EXACTLY_THE_STACK
        check = runs["check"]
        assert [request.action for request in check["requests"] if request.mutating] == []
        assert "Would delete: nat-" in check["output"]
        assert "muejam-local-asg" in check["output"] and "muejam-local-alb" in check["output"]

    def test_tags_choose_the_parts(self, runs: dict[str, Any]) -> None:
        output = runs["check_lb"]["output"]
        assert "Would delete: muejam-local-alb, " in output
        assert "muejam-local-asg" not in output and "nat-" not in output


class TestTeardownWithAwsTime:
    def test_leaves_nothing_in_one_call(self, runs: dict[str, Any]) -> None:
        output = runs["teardown"]["output"]
        assert "Nothing of the stack muejam-local is left." in output
        assert output.count("TASK [Remove the stack's resources in dependency order]") == 1
        assert runs["after"] == NOTHING

    def test_holds_the_stacks_lock_across_the_removal_in_the_same_call(self, runs: dict[str, Any]) -> None:
        served = [(r.service, r.action, r.status) for r in runs["teardown"]["requests"] if r.mutating]
        changes = [index for index, (service, _action, _status) in enumerate(served) if service != "ssm"]
        # Taken (one PutParameter) before the first deletion, released (DeleteParameter) after the last.
        assert [row for row in served if row[0] == "ssm"] == [
            ("ssm", "PutParameter", 200),
            ("ssm", "DeleteParameter", 200),
        ]
        assert served.index(("ssm", "PutParameter", 200)) < changes[0]
        assert served.index(("ssm", "DeleteParameter", 200)) > changes[-1]
        assert "TASK [Lock the stack against other runs]" not in runs["teardown"]["output"]

    def test_the_long_waits_start_before_anything_that_waits_for_them(self, runs: dict[str, Any]) -> None:
        seen = actions(runs["teardown"]["requests"])
        assert seen.count("DeleteNatGateway") == 3 and seen.count("DeleteAutoScalingGroup") == 1
        assert last(seen, "DeleteNatGateway", "DeleteAutoScalingGroup") < first(seen, *AFTER_THE_WAITS)

    def test_what_has_no_wait_goes_while_the_waits_go_on(self, runs: dict[str, Any]) -> None:
        seen = actions(runs["teardown"]["requests"])
        for action in NO_WAIT:
            assert action in seen
        assert last(seen, *NO_WAIT) < first(seen, *AFTER_THE_WAITS)

    def test_the_waits_overlap_in_one_polling_loop(self, runs: dict[str, Any]) -> None:
        seen = actions(runs["teardown"]["requests"])
        started = last(seen, "DeleteNatGateway", "DeleteAutoScalingGroup")
        polls = [(index, action) for index, action in enumerate(seen) if index > started and action in POLLS]
        nat_polls = [index for index, action in polls if action == "DescribeNatGateways"]
        instance_polls = [index for index, action in polls if action == "DescribeInstances"]
        # The NAT gateways are polled before the instances are gone, and again after: one wait, not two.
        assert nat_polls[0] < instance_polls[-1] < nat_polls[-1]
        # The app security group goes as soon as the instances are terminated, while the NAT gateways
        # are still deleting; their addresses as soon as they are deleted.
        security_group = first(seen, "DeleteSecurityGroup")
        release = first(seen, "ReleaseAddress")
        assert security_group < release
        assert any(security_group < index < release for index in nat_polls)

    def test_nothing_is_refused_for_being_still_in_use(self, runs: dict[str, Any]) -> None:
        refused = [
            (request.action, request.status)
            for request in runs["teardown"]["requests"]
            if request.action in AFTER_THE_WAITS and request.status >= 400
        ]
        assert refused == []


class TestAgain:
    def test_finds_nothing_and_changes_nothing(self, runs: dict[str, Any]) -> None:
        again = runs["again"]
        assert "Nothing of the stack muejam-local is left." in again["output"]
        assert "changed=0" in again["output"]
        assert [request.action for request in again["requests"] if request.mutating and request.service != "ssm"] == []
