"""The preflight's catalogue of bad inputs: each run of site.yml fails at stage 0, names the
variable, and the emulator records no mutating call during it.

Every case is a real `ansible-playbook site.yml -i inventories/local -e @case.json` against the
shared emulator fixture. The cases run in parallel; each signs its requests with an access key
of its own (the emulator accepts any), so the emulator's request log
(tools/emulator/patches/request_log.py) tells which case made which call.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tools.emulator.patches import request_log

ROOT = Path(__file__).resolve().parents[4]
CERTIFICATE_SUFFIX = "00000000-1111-2222-3333-444455556666"


@dataclass(frozen=True)
class Case:
    name: str
    variable: str
    extra_vars: dict[str, Any]
    offline: bool = True  # caught before any AWS call; False: by the read-only AWS checks


def ports(port: int) -> dict[str, int]:
    return {"stack_app_port": port}


CASES = [
    # networking
    Case("vpc-cidr-prefix-33", "networking_vpc_cidr", {"networking_vpc_cidr": "10.0.0.0/33"}),
    Case("vpc-cidr-host-bits", "networking_vpc_cidr", {"networking_vpc_cidr": "10.0.0.1/16"}),
    Case("vpc-cidr-too-large", "networking_vpc_cidr", {"networking_vpc_cidr": "10.0.0.0/8"}),
    Case("vpc-cidr-not-a-cidr", "networking_vpc_cidr", {"networking_vpc_cidr": "ten-dot-zero"}),
    Case("one-zone", "networking_availability_zones", {"networking_availability_zones": ["us-east-1a"]}),
    Case(
        "zones-repeated",
        "networking_availability_zones",
        {"networking_availability_zones": ["us-east-1a", "us-east-1a"]},
    ),
    Case(
        "zone-of-another-region",
        "networking_availability_zones",
        {"networking_availability_zones": ["us-east-1a", "eu-west-1a"]},
    ),
    Case(
        "zone-malformed", "networking_availability_zones", {"networking_availability_zones": ["us-east-1a", "east-b"]}
    ),
    Case("region-unknown", "aws_region", {"aws_region": "us-middle-1"}),
    Case("nat-mode-unknown", "networking_nat_gateway_mode", {"networking_nat_gateway_mode": "per_zone"}),
    Case(
        "subnet-outside-vpc",
        "networking_public_subnet_cidrs",
        {"networking_public_subnet_cidrs": ["10.0.0.0/24", "10.0.1.0/24", "10.9.2.0/24"]},
    ),
    Case(
        "subnets-overlap",
        "networking_private_subnet_cidrs",
        {"networking_private_subnet_cidrs": ["10.0.0.0/24", "10.0.128.0/24", "10.0.129.0/24"]},
    ),
    Case(
        "subnets-not-one-per-zone",
        "networking_private_subnet_cidrs",
        {"networking_private_subnet_cidrs": ["10.0.128.0/24", "10.0.129.0/24"]},
    ),
    Case(
        "private-subnets-too-small-for-max",
        "networking_vpc_cidr",
        {"networking_vpc_cidr": "10.0.0.0/24", "scaling_group_max_size": 30},
    ),
    Case("vpc-too-small-to-derive", "networking_public_subnet_cidrs", {"networking_vpc_cidr": "10.0.0.0/26"}),
    # scaling group
    Case("min-above-max", "scaling_group_min_size", {"scaling_group_min_size": 12}),
    Case("desired-above-max", "scaling_group_desired_capacity", {"scaling_group_desired_capacity": 11}),
    Case("desired-below-min", "scaling_group_desired_capacity", {"scaling_group_min_size": 3}),
    Case(
        "production-min-below-2",
        "scaling_group_min_size",
        {
            "stack_production": True,
            "load_balancer_deletion_protection": True,
            "scaling_group_min_size": 1,
            "scaling_group_desired_capacity": 1,
        },
    ),
    Case("production-alb-unprotected", "load_balancer_deletion_protection", {"stack_production": True}),
    Case("scale-out-not-above-scale-in", "scaling_group_cpu_high_threshold", {"scaling_group_cpu_high_threshold": 25}),
    Case("cpu-threshold-above-100", "scaling_group_cpu_high_threshold", {"scaling_group_cpu_high_threshold": 120}),
    Case(
        "alarm-window-below-60s",
        "scaling_group_alarm_period",
        {"scaling_group_alarm_period": 10, "scaling_group_alarm_evaluation_periods": 3},
    ),
    Case("alarm-period-not-allowed", "scaling_group_alarm_period", {"scaling_group_alarm_period": 45}),
    Case("cooldown-negative", "scaling_group_default_cooldown", {"scaling_group_default_cooldown": -5}),
    Case(
        "grace-period-negative",
        "scaling_group_health_check_grace_period",
        {"scaling_group_health_check_grace_period": -1},
    ),
    Case("instance-type-malformed", "scaling_group_instance_type", {"scaling_group_instance_type": "t3-medium"}),
    Case("ami-malformed", "scaling_group_ami_id", {"scaling_group_ami_id": "ami-replace-me"}),
    Case("max-size-not-a-number", "scaling_group_max_size", {"scaling_group_max_size": "ten"}),
    # the run's settings (rules/settings.py)
    Case("readiness-timeout-not-a-number", "readiness_timeout", {"readiness_timeout": "ten"}),
    Case("rollout-timeout-below-60", "rollout_timeout", {"rollout_timeout": "30"}),
    Case("retry-mode-unknown", "aws_retry_mode", {"aws_retry_mode": "fast"}),
    # load balancer
    Case(
        "health-timeout-not-below-interval",
        "load_balancer_health_check_timeout",
        {"load_balancer_health_check_timeout": 30},
    ),
    Case(
        "health-interval-too-short", "load_balancer_health_check_interval", {"load_balancer_health_check_interval": 4}
    ),
    Case("healthy-threshold-above-10", "load_balancer_healthy_threshold", {"load_balancer_healthy_threshold": 11}),
    Case("unhealthy-threshold-below-2", "load_balancer_unhealthy_threshold", {"load_balancer_unhealthy_threshold": 1}),
    Case(
        "deregistration-delay-above-3600",
        "load_balancer_deregistration_delay",
        {"load_balancer_deregistration_delay": 4000},
    ),
    Case("stickiness-above-7-days", "load_balancer_stickiness_duration", {"load_balancer_stickiness_duration": 604801}),
    Case(
        "tls-policy-allows-tls-1-0",
        "load_balancer_ssl_policy",
        {"load_balancer_ssl_policy": "ELBSecurityPolicy-2016-08"},
    ),
    Case(
        "tls-policy-allows-tls-1-1",
        "load_balancer_ssl_policy",
        {"load_balancer_ssl_policy": "ELBSecurityPolicy-TLS13-1-1-2021-06"},
    ),
    Case(
        "certificate-arn-malformed",
        "load_balancer_certificate_arn",
        {"load_balancer_certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/replace-me"},
    ),
    Case(
        "certificate-in-another-region",
        "load_balancer_certificate_arn",
        {"load_balancer_certificate_arn": f"arn:aws:acm:eu-west-1:123456789012:certificate/{CERTIFICATE_SUFFIX}"},
    ),
    Case("certificate-missing", "load_balancer_certificate_arn", {"load_balancer_certificate_arn": ""}),
    Case("ingress-cidr-invalid", "load_balancer_ingress_cidrs", {"load_balancer_ingress_cidrs": ["0.0.0.0/33"]}),
    Case("matcher-invalid", "load_balancer_health_check_matcher", {"load_balancer_health_check_matcher": "200-"}),
    # ports, names, tags
    Case("app-port-443", "stack_app_port", ports(443)),
    Case("app-port-80", "stack_app_port", ports(80)),
    Case("app-port-above-65535", "stack_app_port", ports(65536)),
    Case("target-port-differs", "load_balancer_target_port", {"load_balancer_target_port": 9000}),
    Case("alb-name-too-long", "load_balancer_name", {"stack_environment": "production-eu-central-replica"}),
    Case("project-with-underscore", "stack_project", {"stack_project": "mue_jam"}),
    Case(
        "tag-key-reserved",
        "networking_tags",
        {"stack_tags": {"Project": "muejam", "Environment": "local", "aws:x": "1"}},
    ),
    Case("tag-environment-missing", "networking_tags", {"stack_tags": {"Project": "muejam", "ManagedBy": "me"}}),
    Case(
        "tag-value-too-long",
        "networking_tags",
        {"stack_tags": {"Project": "muejam", "Environment": "local", "Note": "x" * 257}},
    ),
    Case("variable-misspelt", "networking_vpc_cdir", {"networking_vpc_cdir": "10.1.0.0/16"}),
    Case(
        "log-retention-not-allowed",
        "instance_bootstrap_log_retention_days",
        {"instance_bootstrap_log_retention_days": 31},
    ),
    Case(
        "app-command-relative",
        "instance_bootstrap_app_command",
        {"instance_bootstrap_app_command": "gunicorn app:wsgi"},
    ),
    # what only AWS can tell (read-only calls, then the failure)
    Case(
        "zone-does-not-exist",
        "networking_availability_zones",
        {"networking_availability_zones": ["us-east-1a", "us-east-1q"]},
        offline=False,
    ),
    Case(
        "ami-does-not-exist", "scaling_group_ami_id", {"scaling_group_ami_id": "ami-0123456789abcdef0"}, offline=False
    ),
    Case(
        "certificate-does-not-exist",
        "load_balancer_certificate_arn",
        {"load_balancer_certificate_arn": f"arn:aws:acm:us-east-1:123456789012:certificate/{CERTIFICATE_SUFFIX}"},
        offline=False,
    ),
    Case(
        "certificate-not-issued",
        "load_balancer_certificate_arn",
        {"load_balancer_certificate_arn": "@pending"},
        offline=False,
    ),
    Case(
        "root-volume-below-the-ami",
        "scaling_group_root_volume_size",
        {"scaling_group_root_volume_size": 8},
        offline=False,
    ),
    Case(
        "vpc-with-stack-tags-and-another-cidr",
        "networking_vpc_cidr",
        {"networking_vpc_cidr": "10.0.0.0/16", "stack_environment": "taken"},
        offline=False,
    ),
    Case(
        "iam-certificate-does-not-exist",
        "load_balancer_certificate_arn",
        {"load_balancer_certificate_arn": "arn:aws:iam::123456789012:server-certificate/muejam-missing"},
        offline=False,
    ),
    # Inputs that passed the preflight and failed later in a role, before the rules were one.
    Case(
        "matcher-list-and-range",
        "load_balancer_health_check_matcher",
        {"load_balancer_health_check_matcher": "200-299,302"},
    ),
    Case(
        "unit-name-leading-hyphen",
        "instance_bootstrap_app_service_name",
        {"instance_bootstrap_app_service_name": "-my:app"},
    ),
    Case("bucket-name-upper-case", "load_balancer_name", {"stack_project": "MueJam"}),
    Case("stack-variable-misspelt", "stack_enviroment", {"stack_enviroment": "staging"}),
    Case(
        "app-log-file-twice",
        "instance_bootstrap_app_log_file",
        {"instance_bootstrap_app_log_file": "/var/log/messages"},
    ),
    Case(
        "user-data-path-trailing-slash",
        "instance_bootstrap_app_working_directory",
        {"instance_bootstrap_app_working_directory": "/opt/muejam/app/"},
    ),
]
READ_ONLY_CALLS = {
    "DescribeAvailabilityZones",
    "DescribeImages",
    "DescribeCertificate",
    "GetServerCertificate",
    "DescribeVpcs",
}


@dataclass
class Run:
    returncode: int
    output: str
    seconds: float
    requests: list[request_log.Request]


def access_key(case_name: str) -> str:
    return f"case-{case_name}"


def run_site(
    emulator: dict[str, Any], tmp: Path, name: str, extra_vars: dict[str, Any], *args: str
) -> tuple[int, str, float]:
    case_file = tmp / f"{name}.json"
    case_file.write_text(json.dumps({**extra_vars, "aws_access_key": access_key(name)}))
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "ANSIBLE_FORCE_COLOR": "0",
        "MUEJAM_AWS_ENDPOINT": emulator["endpoint"],
        "MUEJAM_EMULATOR_STATE": str(emulator["state_dir"]),
        "MUEJAM_OUTPUTS_DIR": str(tmp / "outputs" / name),
        "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
    }
    started = time.monotonic()
    completed = subprocess.run(
        ["ansible-playbook", "site.yml", "-i", "inventories/local", "-e", f"@{case_file}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return completed.returncode, completed.stdout + completed.stderr, time.monotonic() - started


@pytest.fixture(scope="module")
def runs(emulator: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    """Every case, and the good input, run once in parallel; their requests told apart by key."""
    tmp = tmp_path_factory.mktemp("catalogue")
    client = emulator["client"]
    # What AWS would already hold for the AWS-side cases: a certificate awaiting validation, and
    # a VPC carrying the tags of the stack muejam-taken with another CIDR block.
    pending = client("acm").request_certificate(DomainName="pending.muejam.test")["CertificateArn"]
    vpc = client("ec2").create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    tags = {"Project": "muejam", "Environment": "taken", "ManagedBy": "muejam.infra"}
    client("ec2").create_tags(Resources=[vpc], Tags=[{"Key": key, "Value": value} for key, value in tags.items()])

    # The AWS-side cases go first: moto issues a requested certificate once it is 60 s old
    # (MOTO_ACM_VALIDATION_WAIT), where AWS keeps it PENDING_VALIDATION until it is validated.
    jobs: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {}
    for case in sorted(CASES, key=lambda case: case.offline):
        extra_vars = {key: (pending if value == "@pending" else value) for key, value in case.extra_vars.items()}
        jobs[case.name] = (extra_vars, ())
    jobs["good-input"] = ({}, ("--tags", "preflight"))
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {
            name: pool.submit(run_site, emulator, tmp, name, extra, *args) for name, (extra, args) in jobs.items()
        }
        results = {name: future.result() for name, future in futures.items()}
    logged = request_log.read(emulator["state_dir"])
    return {
        name: Run(code, output, seconds, [r for r in logged if r.access_key_id == access_key(name)])
        for name, (code, output, seconds) in results.items()
    }


def test_the_catalogue_holds_at_least_40_bad_inputs() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_bad_input_fails_at_stage_0_naming_the_variable_and_changing_nothing(
    case: Case, runs: dict[str, Run]
) -> None:
    run = runs[case.name]
    assert run.returncode != 0, run.output[-3000:]
    assert "TASK [Check every input of the stack before any change]" in run.output
    assert "The stack's inputs have" in run.output
    assert f"- {case.variable} is " in run.output, run.output[-3000:]
    assert "Provision the network" not in run.output  # stopped at stage 0
    mutating = [r.action for r in run.requests if r.mutating]
    assert mutating == []
    if case.offline:
        assert run.requests == [], "caught offline, it must not call AWS at all"
    else:
        assert {r.action for r in run.requests} <= READ_ONLY_CALLS


def test_the_good_input_passes_the_preflight_and_reaches_the_aws_checks(runs: dict[str, Run]) -> None:
    run = runs["good-input"]
    assert run.returncode == 0, run.output[-3000:]
    assert [r.action for r in run.requests] == [
        "DescribeAvailabilityZones",
        "DescribeImages",
        "DescribeCertificate",
        "DescribeVpcs",
    ]
    assert all(r.status == 200 for r in run.requests)
