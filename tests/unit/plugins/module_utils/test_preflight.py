"""Tests of plugins/module_utils/preflight.py: the offline rules and the read-only AWS checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import botocore.session
import pytest
import yaml
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils import preflight
from ansible_collections.muejam.infra.plugins.module_utils.preflight import (
    UNSET,
    Problem,
    check_availability_zones,
    check_certificate,
    check_image,
    check_inputs,
    check_stack_vpc,
    check_types,
    merge_values,
    report,
)
from ansible_collections.muejam.infra.plugins.module_utils.rules.settings import RUN_SETTINGS

ROOT = Path(__file__).resolve().parents[4]
REGION = "us-east-1"
TAGS = {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"}
CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/5e2d53b1-c04c-471f-aec4-8c3e4b385bf6"


def role_files() -> tuple[dict[str, Any], dict[str, Any]]:
    defaults = {
        role: yaml.safe_load((ROOT / "roles" / role / "defaults/main.yml").read_text()) for role in preflight.ROLES
    }
    specs = {
        role: yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())["argument_specs"]["main"][
            "options"
        ]
        for role in preflight.ROLES
    }
    return defaults, specs


DEFAULTS, SPECS = role_files()


def good_values(**overrides: Any) -> dict[str, Any]:
    """What site.yml passes the roles with inventories/local, plus overrides."""
    play = {
        "stack_project": "muejam",
        "stack_environment": "local",
        "stack_production": False,
        "aws_region": REGION,
        "stack_app_port": 8000,
        "load_balancer_certificate_arn": CERTIFICATE,
        "scaling_group_ami_id": "ami-04681a1dbd79675a5",
        "instance_bootstrap_environment": "local",
    }
    for role in preflight.ROLES:
        play[f"{role}_name"] = "muejam-local"
        play[f"{role}_tags"] = dict(TAGS)
    for name in preflight.PORT_VARIABLES:
        play[name] = 8000
    return merge_values(DEFAULTS, play, overrides)


def variables(problems: list[Problem]) -> list[str]:
    return [problem.variable for problem in problems]


class TestCheckInputs:
    def test_finds_nothing_wrong_with_the_local_inventory(self) -> None:
        assert check_inputs(good_values(), SPECS) == []

    def test_finds_nothing_wrong_with_the_production_shape(self) -> None:
        values = good_values(stack_production=True, load_balancer_deletion_protection=True)
        assert check_inputs(values, SPECS) == []

    def test_reports_every_problem_at_once(self) -> None:
        values = good_values(
            networking_vpc_cidr="10.0.0.0/33",
            scaling_group_min_size=5,
            load_balancer_ssl_policy="ELBSecurityPolicy-2016-08",
        )
        assert variables(check_inputs(values, SPECS)) == [
            "networking_vpc_cidr",
            "load_balancer_ssl_policy",
            "scaling_group_desired_capacity",
        ]

    def test_names_the_variable_its_value_and_what_is_allowed(self) -> None:
        [problem] = check_inputs(good_values(networking_vpc_cidr="10.0.0.0/33"), SPECS)
        assert str(problem) == (
            "networking_vpc_cidr is '10.0.0.0/33': must be an IPv4 CIDR block from /16 to /28 with no host bits set, "
            "such as 10.0.0.0/16"
        )

    @pytest.mark.parametrize(
        ("overrides", "variable"),
        [
            ({"networking_vpc_cidr": "10.0.0.1/16"}, "networking_vpc_cidr"),
            ({"networking_availability_zones": ["us-east-1a"]}, "networking_availability_zones"),
            ({"networking_availability_zones": ["us-east-1a", "us-east-1a"]}, "networking_availability_zones"),
            ({"networking_availability_zones": ["us-east-1a", "eu-west-1b"]}, "networking_availability_zones"),
            ({"aws_region": "us-east-7"}, "aws_region"),
            (
                {"networking_public_subnet_cidrs": ["10.1.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]},
                "networking_public_subnet_cidrs",
            ),
            (
                {"networking_private_subnet_cidrs": ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]},
                "networking_private_subnet_cidrs",
            ),
            (
                {"networking_private_subnet_cidrs": ["10.0.128.0/24", "10.0.129.0/24"]},
                "networking_private_subnet_cidrs",
            ),
            ({"networking_vpc_cidr": "10.0.0.0/24", "scaling_group_max_size": 30}, "networking_vpc_cidr"),
            ({"networking_nat_gateway_mode": "per_zone"}, "networking_nat_gateway_mode"),
            ({"scaling_group_min_size": 3, "scaling_group_max_size": 2}, "scaling_group_min_size"),
            ({"scaling_group_desired_capacity": 11}, "scaling_group_desired_capacity"),
            (
                {"stack_production": True, "load_balancer_deletion_protection": True, "scaling_group_min_size": 1},
                "scaling_group_min_size",
            ),
            ({"scaling_group_cpu_high_threshold": 30}, "scaling_group_cpu_high_threshold"),
            ({"scaling_group_cpu_low_threshold": 101}, "scaling_group_cpu_low_threshold"),
            (
                {"scaling_group_alarm_period": 10, "scaling_group_alarm_evaluation_periods": 1},
                "scaling_group_alarm_period",
            ),
            ({"scaling_group_alarm_period": 90}, "scaling_group_alarm_period"),
            ({"scaling_group_default_cooldown": -1}, "scaling_group_default_cooldown"),
            ({"load_balancer_health_check_timeout": 30}, "load_balancer_health_check_timeout"),
            ({"load_balancer_healthy_threshold": 11}, "load_balancer_healthy_threshold"),
            ({"load_balancer_health_check_interval": 301}, "load_balancer_health_check_interval"),
            ({"load_balancer_deregistration_delay": 3601}, "load_balancer_deregistration_delay"),
            ({"load_balancer_stickiness_duration": 0}, "load_balancer_stickiness_duration"),
            ({"load_balancer_ssl_policy": "ELBSecurityPolicy-TLS-1-1-2017-01"}, "load_balancer_ssl_policy"),
            (
                {
                    "load_balancer_certificate_arn": "arn:aws:acm:eu-west-1:123456789012:certificate/5e2d53b1-c04c-471f-aec4-8c3e4b385bf6"
                },
                "load_balancer_certificate_arn",
            ),
            (
                {"load_balancer_certificate_arn": "arn:aws:acm:us-east-1:111111111111:certificate/replace-me"},
                "load_balancer_certificate_arn",
            ),
            (
                {
                    "stack_app_port": 443,
                    "load_balancer_target_port": 443,
                    "instance_bootstrap_app_port": 443,
                    "scaling_group_app_port": 443,
                },
                "stack_app_port",
            ),
            ({"scaling_group_app_port": 9000}, "scaling_group_app_port"),
            (
                {
                    "stack_app_port": 70000,
                    "load_balancer_target_port": 70000,
                    "instance_bootstrap_app_port": 70000,
                    "scaling_group_app_port": 70000,
                },
                "stack_app_port",
            ),
            ({"load_balancer_name": "muejam-a-rather-long-environment"}, "load_balancer_name"),
            ({"scaling_group_tags": {"Project": "muejam"}}, "scaling_group_tags"),
            ({"networking_tags": {**TAGS, "aws:owner": "me"}}, "networking_tags"),
            ({"scaling_group_instance_type": "t3medium"}, "scaling_group_instance_type"),
            ({"scaling_group_ami_id": ""}, "scaling_group_ami_id"),
            ({"scaling_group_ami_id": "ami-replace-me"}, "scaling_group_ami_id"),
            ({"networking_vpc_cdir": "10.0.0.0/16"}, "networking_vpc_cdir"),
            ({"scaling_group_max_size": "ten"}, "scaling_group_max_size"),
            ({"instance_bootstrap_log_retention_days": 31}, "instance_bootstrap_log_retention_days"),
            ({"instance_bootstrap_app_environment": {"PORT": "80"}}, "instance_bootstrap_app_environment"),
            (
                {"scaling_group_managed_policy_arns": ["arn:aws-cn:iam::aws:policy/X"]},
                "scaling_group_managed_policy_arns",
            ),
        ],
    )
    def test_rejects(self, overrides: dict[str, Any], variable: str) -> None:
        assert variable in variables(check_inputs(good_values(**overrides), SPECS))

    def test_does_not_repeat_a_stack_port_problem_for_every_role(self) -> None:
        ports = dict.fromkeys(preflight.PORT_VARIABLES, 80)
        assert variables(check_inputs(good_values(stack_app_port=80, **ports), SPECS)) == ["stack_app_port"]

    def test_allows_a_privileged_app_port_when_the_app_runs_as_root(self) -> None:
        ports = dict.fromkeys(preflight.PORT_VARIABLES, 81)
        values = good_values(stack_app_port=81, instance_bootstrap_app_user="root", **ports)
        assert check_inputs(values, SPECS) == []

    def test_refuses_alarm_periods_shorter_than_basic_monitorings_five_minutes_naming_the_fix(self) -> None:
        [problem] = check_inputs(good_values(scaling_group_detailed_monitoring="false"), SPECS)
        assert problem.variable == "scaling_group_alarm_period"
        assert "every 300 s with detailed monitoring off" in str(problem)
        assert "scaling_group_detailed_monitoring=true" in str(problem)

    @pytest.mark.parametrize(
        ("detailed", "period", "refused"),
        [("true", "60", False), ("true", "120", False), ("true", "30", True), ("false", "300", False),
         ("false", "600", False), ("false", "120", True), ("false", "420", True)],
    )  # fmt: skip
    def test_accepts_exactly_the_periods_that_fit_the_metrics_resolution(
        self, detailed: str, period: str, refused: bool
    ) -> None:
        values = good_values(scaling_group_detailed_monitoring=detailed, scaling_group_alarm_period=period)
        assert ("scaling_group_alarm_period" in variables(check_inputs(values, SPECS))) is refused

    def test_converts_strings_as_ansible_does(self) -> None:
        assert check_inputs(good_values(scaling_group_max_size="10", load_balancer_http2="yes"), SPECS) == []

    def test_suggests_the_variable_a_misspelt_one_was_meant_to_be(self) -> None:
        [problem] = check_inputs(good_values(networking_vpc_cdir="10.0.0.0/16"), SPECS)
        assert "did you mean networking_vpc_cidr?" in problem.allowed

    def test_skips_variables_the_caller_already_reported(self) -> None:
        values = good_values(load_balancer_certificate_arn=None)
        assert check_inputs(values, SPECS, reported=["load_balancer_certificate_arn"]) == []

    def test_checks_explicit_subnets_that_fit(self) -> None:
        values = good_values(
            networking_public_subnet_cidrs=["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"],
            networking_private_subnet_cidrs=["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"],
        )
        assert check_inputs(values, SPECS) == []

    def test_runs_the_rules_without_the_specs(self) -> None:
        assert variables(check_inputs(good_values(scaling_group_desired_capacity=1))) == [
            "scaling_group_desired_capacity"
        ]


class TestCheckTypes:
    def test_reports_a_missing_required_variable(self) -> None:
        values = good_values()
        del values["networking_name"]
        _typed, problems = check_types(values, SPECS)
        assert [(p.variable, p.value) for p in problems] == [("networking_name", UNSET)]

    def test_reports_a_list_element_of_the_wrong_type(self) -> None:
        _typed, problems = check_types(good_values(scaling_group_egress_ports=[443, "https"]), SPECS)
        assert [str(p) for p in problems] == [
            'scaling_group_egress_ports is [443, "https"]: must be a list of integers'
        ]


class TestRegions:
    def test_know_every_region_botocore_knows(self) -> None:
        session = botocore.session.get_session()
        for partition in session.get_available_partitions():
            for region in session.get_available_regions("ec2", partition):
                assert preflight.REGION_PARTITIONS.get(region) == partition, region


class TestReport:
    def test_counts_the_problems_and_lists_one_per_line(self) -> None:
        text = report([Problem("a_b", 1, "must be 2"), Problem("c_d", UNSET, "must be set")])
        assert text.splitlines()[1:] == ["- a_b is 1: must be 2", "- c_d is not set: must be set"]
        assert "2 problems" in text.splitlines()[0]


@pytest.fixture
def aws() -> Any:
    with mock_aws():
        yield lambda service: boto3.client(service, region_name=REGION)


class TestAwsChecks:
    def test_accepts_zones_of_the_region(self, aws: Any) -> None:
        assert check_availability_zones(aws("ec2"), ["us-east-1a", "us-east-1b"]) == []

    def test_rejects_a_zone_the_region_lacks(self, aws: Any) -> None:
        [problem] = check_availability_zones(aws("ec2"), ["us-east-1a", "us-east-1z"])
        assert problem.variable == "networking_availability_zones"
        assert "us-east-1z" in problem.allowed

    def test_accepts_an_existing_image(self, aws: Any) -> None:
        image = aws("ec2").describe_images(Owners=["amazon"])["Images"][0]
        assert check_image(aws("ec2"), image["ImageId"], image["RootDeviceName"], 100) == []

    def test_rejects_a_missing_image(self, aws: Any) -> None:
        assert variables(check_image(aws("ec2"), "ami-0123456789abcdef0")) == ["scaling_group_ami_id"]

    def test_rejects_another_root_device_and_a_smaller_root_volume(self, aws: Any) -> None:
        image = aws("ec2").describe_images(ImageIds=["ami-04681a1dbd79675a5"])["Images"][0]
        problems = check_image(aws("ec2"), image["ImageId"], "/dev/sda1", 1)
        assert variables(problems) == ["scaling_group_root_device_name", "scaling_group_root_volume_size"]

    def test_rejects_an_unknown_and_a_pending_certificate(self, aws: Any) -> None:
        acm = aws("acm")
        missing = CERTIFICATE.replace("5e2d53b1", "00000000")
        assert variables(check_certificate(acm, missing)) == ["load_balancer_certificate_arn"]
        pending = acm.request_certificate(DomainName="pending.example.com")["CertificateArn"]
        [problem] = check_certificate(acm, pending)
        assert "ISSUED" in problem.allowed

    def test_skips_an_iam_server_certificate(self, aws: Any) -> None:
        assert check_certificate(aws("acm"), "arn:aws:iam::123456789012:server-certificate/site") == []

    def test_rejects_a_vpc_with_the_stacks_tags_and_another_cidr(self, aws: Any) -> None:
        ec2 = aws("ec2")
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        ec2.create_tags(Resources=[vpc], Tags=[{"Key": k, "Value": v} for k, v in TAGS.items()])
        [problem] = check_stack_vpc(ec2, TAGS, "10.0.0.0/16")
        assert problem.variable == "networking_vpc_cidr"
        assert vpc in problem.allowed
        assert check_stack_vpc(ec2, TAGS, "10.1.0.0/16") == []
        assert check_stack_vpc(ec2, {**TAGS, "Environment": "other"}, "10.0.0.0/16") == []

    def test_raises_other_errors(self) -> None:
        class Broken:
            def describe_images(self, **_kwargs: Any) -> None:
                raise RuntimeError("throttled")

        with pytest.raises(RuntimeError):
            check_image(Broken(), "ami-0123456789abcdef0")


class TestRunSettings:
    """The run's settings (rules/settings.py), checked with the other inputs."""

    def test_the_settings_are_read_by_the_preflight(self) -> None:
        assert all(preflight.wanted(name) for name in RUN_SETTINGS)

    def test_good_settings_pass(self) -> None:
        values = good_values(
            readiness_timeout="120", readiness_interval="1", rollout_timeout="900", aws_max_attempts="4"
        )
        assert preflight.check_inputs(values, SPECS) == []

    def test_every_bad_setting_is_reported_at_once(self) -> None:
        values = good_values(readiness_timeout="ten", rollout_poll_interval="0", aws_retry_mode="fast")
        problems = preflight.check_inputs(values, SPECS)
        assert sorted(variables(problems)) == ["aws_retry_mode", "readiness_timeout", "rollout_poll_interval"]
        assert "nothing was changed in AWS" in preflight.report(problems)
