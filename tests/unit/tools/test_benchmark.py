"""The critical paths ``make benchmark`` compares the playbooks with (tools/benchmark.py)."""

from __future__ import annotations

from tools.benchmark import converge_critical_path, milestones, teardown_critical_path
from tools.emulator.patches import request_log

DURATIONS = {
    "nat_gateway_pending": 100.0,
    "nat_gateway_deleting": 60.0,
    "load_balancer_provisioning": 150.0,
    "instance_pending": 30.0,
    "instance_in_service": 15.0,
    "instance_shutting_down": 45.0,
}


class TestConvergeCriticalPath:
    def test_a_slow_load_balancer_sets_the_path_with_the_health_checks_after_it(self) -> None:
        # running at 100 + 30 = 130 s, the ALB active at 150 s: healthy 60 s after the later.
        assert converge_critical_path(DURATIONS, 30, 2) == 210

    def test_slow_nat_gateways_set_the_path_through_the_instances(self) -> None:
        slow_nat = {**DURATIONS, "nat_gateway_pending": 200.0}
        assert converge_critical_path(slow_nat, 30, 2) == 200 + 30 + 60

    def test_instances_in_service_later_than_healthy_targets_set_the_path(self) -> None:
        slow_service = {**DURATIONS, "instance_in_service": 500.0}
        assert converge_critical_path(slow_service, 5, 2) == 100 + 30 + 500


class TestTeardownCriticalPath:
    def test_the_nat_deletion_when_longer_than_the_instances_shutting_down(self) -> None:
        assert teardown_critical_path(DURATIONS) == 60

    def test_the_instances_shutting_down_when_longer(self) -> None:
        assert teardown_critical_path({**DURATIONS, "instance_shutting_down": 300.0}) == 300


class TestMilestones:
    def test_the_first_successful_call_of_each_milestone_in_the_order_of_the_table(self) -> None:
        started = 1000.0
        requests = [
            request_log.Request(1001.0, "ec2", "CreateVpc", 200, "k"),
            request_log.Request(1004.0, "ec2", "CreateNatGateway", 400, "k", "throttle"),  # refused: not started
            request_log.Request(1009.0, "ec2", "CreateNatGateway", 200, "k"),
            request_log.Request(1010.0, "ec2", "CreateNatGateway", 200, "k"),
            request_log.Request(1007.5, "elbv2", "CreateLoadBalancer", 200, "k"),
        ]
        assert milestones(requests, started) == [
            (7.5, "the ALB created (provisioning starts)"),
            (9.0, "the first NAT gateway created (pending starts)"),
        ]

    def test_a_run_without_any_milestone_call_has_none(self) -> None:
        assert milestones([request_log.Request(5.0, "ec2", "DescribeVpcs", 200, "k")], 0.0) == []
