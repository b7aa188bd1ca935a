"""health_readiness against the real emulator, with target health and instance states staged
over time through the project's launcher (`python -m tools.emulator stage ...`).

The module runs as users run it: ansible-playbook, module_defaults pointing at the emulator.
The health URL is a loopback server answering the seed's healthy body.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]
HEALTHY = json.dumps({"status": "healthy", "checks": {"database": "ok", "cache": "ok"}}).encode()


class Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(HEALTHY)))
        self.end_headers()
        self.wfile.write(HEALTHY)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def health_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/health"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def stack(emulator: dict[str, Any]) -> dict[str, str]:
    """A target group with an Auto Scaling group of 2 registered into it."""
    ec2, elbv2 = emulator["client"]("ec2"), emulator["client"]("elbv2")
    autoscaling = emulator["client"]("autoscaling")
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"][
        "SubnetId"
    ]
    arn = elbv2.create_target_group(Name="ready-tg", Protocol="HTTP", Port=8000, VpcId=vpc_id, TargetType="instance")[
        "TargetGroups"
    ][0]["TargetGroupArn"]
    ec2.create_launch_template(
        LaunchTemplateName="ready-lt", LaunchTemplateData={"ImageId": emulator["image_id"], "InstanceType": "t3.micro"}
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="ready-asg",
        LaunchTemplate={"LaunchTemplateName": "ready-lt", "Version": "$Latest"},
        MinSize=2,
        MaxSize=4,
        DesiredCapacity=2,
        VPCZoneIdentifier=subnet_id,
        TargetGroupARNs=[arn],
    )
    targets = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
    assert len(targets) == 2, "the ASG registers its instances into the target group"
    return {"arn": arn, "group": "ready-asg", "targets": [t["Target"]["Id"] for t in targets]}


@pytest.fixture(autouse=True)
def clear_stage(emulator: dict[str, Any]) -> Iterator[None]:
    yield
    emulator["launcher"]("stage", "--state-dir", str(emulator["state_dir"]), "clear")


def run_module(emulator: dict[str, Any], **args: Any) -> dict[str, Any]:
    """Run muejam.infra.health_readiness in a playbook; return the task's result."""
    return emulator["run_module"]("muejam.infra.health_readiness", args)


def stage(emulator: dict[str, Any], *args: str) -> None:
    emulator["launcher"]("stage", "--state-dir", str(emulator["state_dir"]), *args)


class TestStagedTargetHealth:
    def test_ready_only_after_the_targets_turn_healthy_and_the_consecutive_count(
        self, emulator: dict[str, Any], stack: dict[str, str], health_url: str
    ) -> None:
        staged_at = time.monotonic()
        stage(emulator, "target-health", "--target-group-arn", stack["arn"], "--steps", "initial@0,healthy@5")
        result = run_module(
            emulator,
            target_group=stack["arn"],
            autoscaling_group_name=stack["group"],
            url=health_url,
            consecutive=2,
            interval=1,
            max_interval=1,
            timeout=30,
        )
        assert not result.get("failed"), result.get("msg")
        assert result["ready"] is True
        assert result["changed"] is False
        # The gate polled while the targets were initial, and passed only after they turned healthy
        # (5 s after staging) and stayed so for the consecutive count.
        assert time.monotonic() - staged_at >= 5
        assert result["polls"] >= 3
        history = result["history"]
        assert not history[0]["ready"]
        assert any("initial (Elb.InitialHealthChecking" in problem for problem in history[0]["problems"])
        assert history[-1]["ready"] and history[-2]["ready"]
        assert [target["state"] for target in result["targets"]] == ["healthy", "healthy"]
        assert result["components"] == {"database": "pass", "cache": "pass"}

    def test_times_out_naming_the_target_stuck_unhealthy(
        self, emulator: dict[str, Any], stack: dict[str, str], health_url: str
    ) -> None:
        stuck = stack["targets"][1]
        stage(
            emulator,
            *("target-health", "--target-group-arn", stack["arn"], "--target", stuck),
            *("--steps", "unhealthy:Target.FailedHealthChecks@0"),
        )
        result = run_module(emulator, target_group="ready-tg", url=health_url, interval=1, max_interval=1, timeout=4)
        assert result["failed"] is True
        assert result["ready"] is False
        assert f"target {stuck}:8000 unhealthy (Target.FailedHealthChecks" in result["msg"]
        assert stack["targets"][0] not in result["msg"]
        assert result["polls"] >= 3

    def test_times_out_when_fewer_instances_are_in_service_than_desired(
        self, emulator: dict[str, Any], stack: dict[str, str], health_url: str
    ) -> None:
        stage(emulator, "asg-instances", "--group", stack["group"], "--in-service", "1")
        result = run_module(
            emulator,
            target_group=stack["arn"],
            autoscaling_group_name=stack["group"],
            url=health_url,
            interval=1,
            max_interval=1,
            timeout=3,
        )
        assert result["failed"] is True
        assert "Auto Scaling group ready-asg: 1 of 2 desired instances InService and Healthy" in result["msg"]
        assert result["autoscaling_group"]["lifecycle_states"] == {"InService": 1, "Pending": 1}

    def test_an_unknown_target_group_fails_at_once_naming_it(
        self, emulator: dict[str, Any], stack: dict[str, str], health_url: str
    ) -> None:
        result = run_module(emulator, target_group="no-such-tg", url=health_url, timeout=60)
        assert result["failed"] is True
        assert "target_group 'no-such-tg': no such target group" in result["msg"]
