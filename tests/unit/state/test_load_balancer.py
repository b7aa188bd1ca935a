"""The load_balancer part of muejam.infra.stack_state: its reading, its normalisation, and drift.

The pure tests use a small fake client (answers and errors by method, every call recorded). The
drift tests change one attribute of the shared converged stack behind the stack's back with
boto3, check that the part's plan names that resource and attribute, put it back and check that
the part is in sync again; they are the drift report's tests too.

Attributes no API can change behind the back, in AWS as in the emulator, are tested on fake
answers instead (``test_an_identity_attribute_that_differs_is_a_difference``): a security group's
name, description and VPC; a target group's name, protocol, port, VPC and target type; a load
balancer's name and scheme; the bucket's name, and the expiration rule's bucket and id (the keys
they are found by). Everything else is changed for real on the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Converged

from ansible_collections.muejam.infra.plugins.filter import load_balancer as load_balancer_filter
from ansible_collections.muejam.infra.plugins.module_utils import names, state
from ansible_collections.muejam.infra.plugins.module_utils.state import load_balancer
from tools.emulator import request_counts

PART_CALLS = 14  # the part's budget on a converged stack (issue 8)
ACCOUNT = "123456789012"
TG_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/muejam-local-tg/25a9f5a392745f73"
ALB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/muejam-local-alb/513fb9ae97d7ef1a"
CERTIFICATE = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/77fb23c1-e811-42ae-a1b4-726db219b4e8"
BUCKET = f"muejam-local-alb-logs-{ACCOUNT}"


# --- a fake AWS ----------------------------------------------------------------------------------


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


class FakeClient:
    """Answers by method name (a dict, an exception to raise, or a list of pages); records every call."""

    def __init__(self, service: str, answers: dict[str, Any], calls: list[tuple[str, str, dict[str, Any]]]) -> None:
        self.service = service
        self.answers = answers
        self.calls = calls

    def __getattr__(self, method: str) -> Callable[..., Any]:
        def call(**kwargs: Any) -> Any:
            self.calls.append((self.service, method, kwargs))
            answer = self.answers[method]
            if isinstance(answer, Exception):
                raise answer
            return answer.pop(0) if isinstance(answer, list) else answer

        return call


def inputs(**changes: Any) -> dict[str, Any]:
    """The role's inputs as site.yml gives them on inventories/local (argument spec defaults)."""
    values = {
        "state": "present",
        "name": "muejam-local",
        "tags": {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"},
        "vpc_id": "vpc-1",
        "subnet_ids": ["subnet-b", "subnet-a"],
        "ingress_cidrs": ["0.0.0.0/0"],
        "certificate_arn": CERTIFICATE,
        "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
        "idle_timeout": 60,
        "deletion_protection": False,
        "drop_invalid_header_fields": True,
        "http2": True,
        "access_logs_enabled": True,
        "access_logs_bucket": "",
        "access_logs_prefix": "alb",
        "access_logs_expiration_days": 90,
        "access_logs_delete_bucket": True,
        "target_port": 8000,
        "health_check_path": "/health",
        "health_check_interval": 30,
        "health_check_timeout": 5,
        "healthy_threshold": 2,
        "unhealthy_threshold": 3,
        "health_check_matcher": "200",
        "stickiness_enabled": True,
        "stickiness_duration": 86400,
        "deregistration_delay": 60,
        "wait": True,
        "wait_timeout": 600,
        "delete_retries": 20,
        "delete_delay": 15,
    }
    values.update(changes)
    return values


def tags(name: str) -> list[dict[str, str]]:
    return [
        {"Key": "Project", "Value": "muejam"},
        {"Key": "Environment", "Value": "local"},
        {"Key": "ManagedBy", "Value": "muejam.infra"},
        {"Key": "Name", "Value": name},
    ]


def policy_text(values: dict[str, Any]) -> str:
    return json.dumps(load_balancer.access_logs_bucket_policy(values, ACCOUNT))


def converged_answers(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What AWS answers for a stack converged with ``values`` (the shapes the emulator returns)."""
    return {
        "ec2": {
            "describe_vpcs": {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}]},
            "describe_security_groups": {
                "SecurityGroups": [
                    {
                        "GroupId": "sg-1",
                        "GroupName": "muejam-local-alb-sg",
                        "VpcId": "vpc-1",
                        "Description": "muejam-local ALB: HTTP and HTTPS in, the app port to the VPC out",
                        "IpPermissions": [
                            {
                                "IpProtocol": "tcp",
                                "FromPort": port,
                                "ToPort": port,
                                "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "HTTP and HTTPS from the clients"}],
                                "Ipv6Ranges": [],
                                "PrefixListIds": [],
                                "UserIdGroupPairs": [],
                            }
                            for port in (443, 80)
                        ],
                        "IpPermissionsEgress": [
                            {
                                "IpProtocol": "tcp",
                                "FromPort": 8000,
                                "ToPort": 8000,
                                "IpRanges": [
                                    {"CidrIp": "10.0.0.0/16", "Description": "The app port of the targets in the VPC"}
                                ],
                            }
                        ],
                        "Tags": tags("muejam-local-alb-sg"),
                    }
                ]
            },
        },
        "elbv2": {
            "describe_target_groups": {
                "TargetGroups": [
                    {
                        "TargetGroupArn": TG_ARN,
                        "TargetGroupName": "muejam-local-tg",
                        "Protocol": "HTTP",
                        "Port": 8000,
                        "VpcId": "vpc-1",
                        "HealthCheckProtocol": "HTTP",
                        "HealthCheckPort": "traffic-port",
                        "HealthCheckIntervalSeconds": 30,
                        "HealthCheckTimeoutSeconds": 5,
                        "HealthyThresholdCount": 2,
                        "UnhealthyThresholdCount": 3,
                        "HealthCheckPath": "/health",
                        "Matcher": {"HttpCode": "200"},
                        "TargetType": "instance",
                    }
                ]
            },
            "describe_target_group_attributes": {
                "Attributes": [
                    {"Key": "stickiness.enabled", "Value": "true"},
                    {"Key": "stickiness.type", "Value": "lb_cookie"},
                    {"Key": "stickiness.lb_cookie.duration_seconds", "Value": "86400"},
                    {"Key": "deregistration_delay.timeout_seconds", "Value": "60"},
                ]
            },
            "describe_load_balancers": {
                "LoadBalancers": [
                    {
                        "LoadBalancerArn": ALB_ARN,
                        "LoadBalancerName": "muejam-local-alb",
                        "DNSName": "muejam-local-alb-1.us-east-1.elb.amazonaws.com",
                        "CanonicalHostedZoneId": "Z35SXDOTRQ7X7K",
                        "Scheme": "internet-facing",
                        "Type": "application",
                        "IpAddressType": "ipv4",
                        "AvailabilityZones": [{"SubnetId": "subnet-a"}, {"SubnetId": "subnet-b"}],
                        "SecurityGroups": ["sg-1"],
                    }
                ]
            },
            "describe_load_balancer_attributes": {
                "Attributes": [
                    {"Key": "idle_timeout.timeout_seconds", "Value": "60"},
                    {"Key": "deletion_protection.enabled", "Value": "false"},
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "routing.http2.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.bucket", "Value": BUCKET},
                    {"Key": "access_logs.s3.prefix", "Value": "alb"},
                ]
            },
            "describe_listeners": {
                "Listeners": [
                    {
                        "ListenerArn": "arn:listener/443",
                        "Port": 443,
                        "Protocol": "HTTPS",
                        "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                        "Certificates": [{"CertificateArn": CERTIFICATE}],
                        # AWS answers a plain forward with both forms.
                        "DefaultActions": [
                            {
                                "Type": "forward",
                                "Order": 1,
                                "TargetGroupArn": TG_ARN,
                                "ForwardConfig": {
                                    "TargetGroups": [{"TargetGroupArn": TG_ARN, "Weight": 1}],
                                    "TargetGroupStickinessConfig": {"Enabled": False},
                                },
                            }
                        ],
                    },
                    {
                        "ListenerArn": "arn:listener/80",
                        "Port": 80,
                        "Protocol": "HTTP",
                        "SslPolicy": "ELBSecurityPolicy-2016-08",  # the emulator's, AWS has none
                        "DefaultActions": [
                            {
                                "Type": "redirect",
                                "RedirectConfig": {
                                    "Protocol": "HTTPS",
                                    "Port": "443",
                                    "Host": "#{host}",
                                    "Path": "/#{path}",
                                    "Query": "#{query}",
                                    "StatusCode": "HTTP_301",
                                },
                            }
                        ],
                    },
                ]
            },
            "describe_tags": {
                "TagDescriptions": [
                    {"ResourceArn": ALB_ARN, "Tags": tags("muejam-local-alb")},
                    {"ResourceArn": TG_ARN, "Tags": tags("muejam-local-tg")},
                ]
            },
        },
        "s3": {
            "get_bucket_policy": {"Policy": policy_text(values)},
            "get_bucket_encryption": {
                "ServerSideEncryptionConfiguration": {
                    "Rules": [
                        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": False}
                    ]
                }
            },
            "get_public_access_block": {
                "PublicAccessBlockConfiguration": {
                    "BlockPublicAcls": True,
                    "IgnorePublicAcls": True,
                    "BlockPublicPolicy": True,
                    "RestrictPublicBuckets": True,
                }
            },
            "get_bucket_ownership_controls": {
                "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
            },
            "get_bucket_tagging": {"TagSet": tags(BUCKET)},
            "get_bucket_lifecycle_configuration": {
                "Rules": [
                    {"ID": "other-rule", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 1}},
                    {
                        "ID": "expire-access-logs",
                        "Filter": {"Prefix": "alb/"},
                        "Status": "Enabled",
                        "Expiration": {"Days": 90},
                    },
                ]
            },
        },
        "sts": {"get_caller_identity": {"Account": ACCOUNT}},
    }


class FakeAws:
    def __init__(self, answers: dict[str, dict[str, Any]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def client(self, service: str) -> FakeClient:
        return FakeClient(service, self.answers[service], self.calls)

    def methods(self) -> list[str]:
        return [f"{service} {method}" for service, method, _unused in self.calls]


def plan(aws: FakeAws, values: dict[str, Any], retry: bool = False) -> dict[str, Any]:
    return state.plan(load_balancer, aws.client, values, names.role_names("load_balancer", values), retry=retry)


def differences(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(row["resource"], row["attribute"]) for row in result["differences"]]


# --- reading and normalisation -------------------------------------------------------------------


class TestRead:
    def test_a_converged_stack_is_in_sync_with_one_call_per_action(self) -> None:
        values = inputs()
        aws = FakeAws(converged_answers(values))
        result = plan(aws, values)
        assert result["differences"] == []
        assert sorted(aws.methods()) == sorted(set(aws.methods()))
        assert len(aws.calls) == PART_CALLS
        assert "sts get_caller_identity" not in aws.methods()  # the account is the target group ARN's

    def test_every_call_carries_aws_retry_when_retry(self) -> None:
        values = inputs()
        aws = FakeAws(converged_answers(values))
        plan(aws, values, retry=True)
        assert [method for _unused, method, kwargs in aws.calls if kwargs.get("aws_retry") is not True] == []

    def test_the_tags_of_both_elbv2_resources_come_from_one_call(self) -> None:
        values = inputs()
        aws = FakeAws(converged_answers(values))
        plan(aws, values)
        tag_calls = [kwargs for _unused, method, kwargs in aws.calls if method == "describe_tags"]
        assert tag_calls == [{"ResourceArns": [ALB_ARN, TG_ARN]}]

    def test_the_security_group_is_looked_up_by_name_in_the_vpc(self) -> None:
        values = inputs()
        aws = FakeAws(converged_answers(values))
        plan(aws, values)
        (filters,) = [
            kwargs["Filters"] for _unused, method, kwargs in aws.calls if method == "describe_security_groups"
        ]
        assert filters == [
            {"Name": "group-name", "Values": ["muejam-local-alb-sg"]},
            {"Name": "vpc-id", "Values": ["vpc-1"]},
        ]

    def test_an_empty_account_is_every_resource_missing_and_empty_outputs(self) -> None:
        values = inputs(vpc_id="", subnet_ids=[])
        answers = converged_answers(values)
        answers["ec2"]["describe_vpcs"] = {"Vpcs": []}
        answers["elbv2"]["describe_target_groups"] = client_error("TargetGroupNotFound")
        answers["elbv2"]["describe_load_balancers"] = client_error("LoadBalancerNotFound")
        answers["s3"]["get_bucket_policy"] = client_error("NoSuchBucket")
        aws = FakeAws(answers)
        result = plan(aws, values)
        assert differences(result) == [
            ("alb_security_group", "exists"),
            ("target_group", "exists"),
            ("access_logs_bucket", "exists"),
            ("access_logs_expiration", "exists"),
            ("load_balancer", "exists"),
        ]
        assert aws.methods() == [
            "ec2 describe_vpcs",
            "elbv2 describe_target_groups",
            "elbv2 describe_load_balancers",
            "sts get_caller_identity",
            "s3 get_bucket_policy",
        ]
        assert result["outputs"] == {
            "security_group_id": "",
            "load_balancer_arn": "",
            "load_balancer_name": "muejam-local-alb",
            "dns_name": "",
            "canonical_hosted_zone_id": "",
            "target_group_arn": "",
            "target_group_name": "muejam-local-tg",
            "https_listener_arn": "",
            "http_listener_arn": "",
            "health_check_path": "/health",
            "access_logs_bucket": BUCKET,
        }

    def test_the_outputs_of_a_converged_stack(self) -> None:
        values = inputs()
        result = plan(FakeAws(converged_answers(values)), values)
        assert result["outputs"] == {
            "security_group_id": "sg-1",
            "load_balancer_arn": ALB_ARN,
            "load_balancer_name": "muejam-local-alb",
            "dns_name": "muejam-local-alb-1.us-east-1.elb.amazonaws.com",
            "canonical_hosted_zone_id": "Z35SXDOTRQ7X7K",
            "target_group_arn": TG_ARN,
            "target_group_name": "muejam-local-tg",
            "https_listener_arn": "arn:listener/443",
            "http_listener_arn": "arn:listener/80",
            "health_check_path": "/health",
            "access_logs_bucket": BUCKET,
        }
        assert result["ids"]["account"] == ACCOUNT

    def test_without_access_logs_no_bucket_is_read_and_the_alb_logs_nowhere(self) -> None:
        values = inputs(access_logs_enabled=False)
        answers = converged_answers(values)
        attributes = answers["elbv2"]["describe_load_balancer_attributes"]["Attributes"]
        for item in attributes:
            if item["Key"].startswith("access_logs.s3."):
                item["Value"] = "false" if item["Key"].endswith("enabled") else ""
        aws = FakeAws(answers)
        result = plan(aws, values)
        assert result["differences"] == []
        assert [method for method in aws.methods() if method.startswith(("s3", "sts"))] == []
        assert result["outputs"]["access_logs_bucket"] == ""

    def test_the_role_alone_finds_the_network_by_the_stacks_tags(self) -> None:
        values = inputs(vpc_id="", subnet_ids=[])
        answers = converged_answers(values)
        answers["ec2"]["describe_subnets"] = {
            "Subnets": [
                {"SubnetId": "subnet-b", "AvailabilityZone": "us-east-1b"},
                {"SubnetId": "subnet-a", "AvailabilityZone": "us-east-1a"},
            ]
        }
        aws = FakeAws(answers)
        result = plan(aws, values)
        assert result["differences"] == []
        assert aws.methods()[:2] == ["ec2 describe_vpcs", "ec2 describe_subnets"]

    def test_a_missing_network_reads_no_security_group(self) -> None:
        values = inputs()
        answers = converged_answers(values)
        answers["ec2"]["describe_vpcs"] = {"Vpcs": []}
        aws = FakeAws(answers)
        result = plan(aws, values)
        assert "ec2 describe_security_groups" not in aws.methods()
        assert ("alb_security_group", "exists") in differences(result)

    def test_a_given_bucket_name_is_used_and_the_account_still_read_for_the_policy(self) -> None:
        values = inputs(access_logs_bucket="my-logs")
        answers = converged_answers(values)
        answers["elbv2"]["describe_target_groups"] = client_error("TargetGroupNotFound")
        answers["elbv2"]["describe_load_balancers"] = client_error("LoadBalancerNotFound")
        aws = FakeAws(answers)
        result = plan(aws, values)
        assert "sts get_caller_identity" in aws.methods()
        assert {kwargs["Bucket"] for service, _unused, kwargs in aws.calls if service == "s3"} == {"my-logs"}
        assert result["outputs"]["access_logs_bucket"] == "my-logs"

    def test_a_network_load_balancer_of_the_name_cannot_be_compared(self) -> None:
        values = inputs()
        answers = converged_answers(values)
        answers["elbv2"]["describe_load_balancers"]["LoadBalancers"][0]["Type"] = "network"
        with pytest.raises(state.StateError, match="network load balancer named muejam-local-alb"):
            plan(FakeAws(answers), values)

    def test_a_bucket_policy_that_is_not_json_cannot_be_compared(self) -> None:
        values = inputs()
        answers = converged_answers(values)
        answers["s3"]["get_bucket_policy"] = {"Policy": "{not json"}
        with pytest.raises(state.StateError, match=f"bucket policy of {BUCKET} is not JSON"):
            plan(FakeAws(answers), values)

    def test_an_error_other_than_not_found_is_raised(self) -> None:
        values = inputs()
        answers = converged_answers(values)
        answers["elbv2"]["describe_target_groups"] = client_error("AccessDenied")
        with pytest.raises(ClientError):
            plan(FakeAws(answers), values)

    def test_bucket_settings_never_made_are_differences_not_errors(self) -> None:
        values = inputs()
        answers = converged_answers(values)
        for method, code in (
            ("get_bucket_encryption", "ServerSideEncryptionConfigurationNotFoundError"),
            ("get_public_access_block", "NoSuchPublicAccessBlockConfiguration"),
            ("get_bucket_ownership_controls", "OwnershipControlsNotFoundError"),
            ("get_bucket_tagging", "NoSuchTagSet"),
            ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
            ("get_bucket_policy", "NoSuchBucketPolicy"),
        ):
            answers["s3"][method] = client_error(code)
        assert differences(plan(FakeAws(answers), values)) == [
            ("access_logs_bucket", "encryption"),
            ("access_logs_bucket", "public_access"),
            ("access_logs_bucket", "object_ownership"),
            ("access_logs_bucket", "policy"),
            ("access_logs_bucket", "tags"),
            ("access_logs_expiration", "exists"),
        ]

    def test_the_listeners_are_read_page_by_page(self) -> None:
        values = inputs()
        answers = converged_answers(values)
        listeners = answers["elbv2"]["describe_listeners"]["Listeners"]
        answers["elbv2"]["describe_listeners"] = [
            {"Listeners": listeners[:1], "NextMarker": "next"},
            {"Listeners": listeners[1:]},
        ]
        aws = FakeAws(answers)
        result = plan(aws, values)
        assert result["differences"] == []
        markers = [kwargs.get("Marker") for _unused, method, kwargs in aws.calls if method == "describe_listeners"]
        assert markers == [None, "next"]


IDENTITY = [
    ("ec2", "describe_security_groups", ("SecurityGroups", 0, "GroupName"), "other-sg", "alb_security_group", "name"),
    (
        "ec2",
        "describe_security_groups",
        ("SecurityGroups", 0, "Description"),
        "other",
        "alb_security_group",
        "description",
    ),
    ("ec2", "describe_security_groups", ("SecurityGroups", 0, "VpcId"), "vpc-2", "alb_security_group", "vpc"),
    ("elbv2", "describe_target_groups", ("TargetGroups", 0, "TargetGroupName"), "other-tg", "target_group", "name"),
    ("elbv2", "describe_target_groups", ("TargetGroups", 0, "Protocol"), "HTTPS", "target_group", "protocol"),
    ("elbv2", "describe_target_groups", ("TargetGroups", 0, "Port"), 8080, "target_group", "port"),
    ("elbv2", "describe_target_groups", ("TargetGroups", 0, "VpcId"), "vpc-2", "target_group", "vpc"),
    ("elbv2", "describe_target_groups", ("TargetGroups", 0, "TargetType"), "ip", "target_group", "target_type"),
    ("elbv2", "describe_load_balancers", ("LoadBalancers", 0, "LoadBalancerName"), "other", "load_balancer", "name"),
    ("elbv2", "describe_load_balancers", ("LoadBalancers", 0, "Scheme"), "internal", "load_balancer", "scheme"),
]


@pytest.mark.parametrize(
    ("service", "method", "path", "value", "resource", "attribute"),
    IDENTITY,
    ids=[f"{row[4]}.{row[5]}" for row in IDENTITY],
)
def test_an_identity_attribute_that_differs_is_a_difference(
    service: str, method: str, path: tuple[Any, ...], value: Any, resource: str, attribute: str
) -> None:
    values = inputs()
    answers = converged_answers(values)
    item = answers[service][method]
    for step in path[:-1]:
        item = item[step]
    item[path[-1]] = value
    assert differences(plan(FakeAws(answers), values)) == [(resource, attribute)]


def test_the_bucket_and_rule_are_compared_by_the_names_they_are_read_by() -> None:
    found_bucket, found_rule = load_balancer._read_bucket(
        state.caller(False), FakeAws(converged_answers(inputs())).client("s3"), "some-bucket"
    )
    assert found_bucket is not None and found_bucket["name"] == "some-bucket"
    assert found_rule is not None and (found_rule["bucket"], found_rule["rule_id"]) == (
        "some-bucket",
        "expire-access-logs",
    )


class TestNormalisation:
    def test_the_wanted_ingress_is_every_port_for_every_cidr_once(self) -> None:
        values = inputs(ingress_cidrs=["10.1.2.3/16", "0.0.0.0/0", "10.1.0.0/16"])
        ingress = load_balancer.wanted(values, names.role_names("load_balancer", values), {"resources": {}, "ids": {}})[
            "alb_security_group"
        ]["ingress"]
        assert [(rule["from_port"], rule["source"]) for rule in ingress] == [
            (80, "0.0.0.0/0"),
            (80, "10.1.0.0/16"),
            (443, "0.0.0.0/0"),
            (443, "10.1.0.0/16"),
        ]

    def test_a_plain_forward_config_is_the_same_as_a_target_group_arn(self) -> None:
        ids = {"target_group": TG_ARN}
        plain = {"Type": "forward", "TargetGroupArn": TG_ARN}
        config = {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": TG_ARN, "Weight": 1}]}}
        assert load_balancer.listener_action(plain, ids) == load_balancer.listener_action(config, ids)
        assert load_balancer.listener_action(plain, ids) == {"type": "forward", "target_group": "target_group"}

    def test_a_weighted_or_sticky_forward_is_not_a_plain_one(self) -> None:
        ids = {"target_group": TG_ARN}
        weighted = {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": TG_ARN, "Weight": 1}, {"TargetGroupArn": "arn:other", "Weight": 1}]
            },
        }
        sticky = {
            "Type": "forward",
            "TargetGroupArn": TG_ARN,
            "ForwardConfig": {
                "TargetGroups": [{"TargetGroupArn": TG_ARN}],
                "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60},
            },
        }
        plain = {"type": "forward", "target_group": "target_group"}
        assert load_balancer.listener_action(weighted, ids) != plain
        assert load_balancer.listener_action(sticky, ids) != plain

    def test_a_forward_to_another_target_group_names_its_arn(self) -> None:
        action = load_balancer.listener_action(
            {"Type": "forward", "TargetGroupArn": "arn:other"}, {"target_group": TG_ARN}
        )
        assert action == {"type": "forward", "target_group": "arn:other"}

    def test_an_http_listener_has_no_tls_settings_to_compare(self) -> None:
        found = {"Protocol": "HTTP", "SslPolicy": "ELBSecurityPolicy-2016-08", "DefaultActions": []}
        assert load_balancer.listener(found, {}) == {"protocol": "HTTP", "default_actions": []}

    def test_actions_are_compared_in_their_order(self) -> None:
        found = {
            "Protocol": "HTTP",
            "DefaultActions": [
                {"Type": "fixed-response", "Order": 2, "FixedResponseConfig": {"StatusCode": "404"}},
                {"Type": "authenticate-cognito", "Order": 1, "AuthenticateCognitoConfig": {}},
            ],
        }
        assert [action["type"] for action in load_balancer.listener(found, {})["default_actions"]] == [
            "authenticate-cognito",
            "fixed-response",
        ]

    def test_the_matcher_compares_as_a_set_of_codes(self) -> None:
        assert load_balancer.matcher("202, 200,200") == load_balancer.matcher("200,202") == "200,202"

    def test_a_policy_written_another_way_is_the_same_policy(self) -> None:
        values = inputs()
        policy = load_balancer.access_logs_bucket_policy(values, ACCOUNT)
        rewritten = json.loads(json.dumps(policy))
        deny, delivery = rewritten["Statement"]
        deny["Action"] = ["s3:*"]
        deny["Resource"].reverse()
        delivery["Principal"]["AWS"] = [delivery["Principal"]["AWS"]]
        rewritten["Statement"] = [delivery, deny]
        assert load_balancer.canonical_policy(rewritten) == load_balancer.canonical_policy(policy)

    def test_an_expiration_rule_with_more_than_the_role_sets_is_different(self) -> None:
        rule = {
            "ID": "expire-access-logs",
            "Filter": {"Prefix": "alb/"},
            "Status": "Enabled",
            "Expiration": {"Days": 90},
            "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}],
        }
        assert load_balancer.expiration_rule("b", rule)["other"] == {
            "Transitions": [{"Days": 30, "StorageClass": "GLACIER"}]
        }

    def test_an_expiration_rule_in_the_old_prefix_form_is_read(self) -> None:
        rule = {"ID": "expire-access-logs", "Prefix": "alb/", "Status": "Disabled", "Expiration": {"Days": 7}}
        assert load_balancer.expiration_rule("b", rule) == {
            "bucket": "b",
            "rule_id": "expire-access-logs",
            "prefix": "alb/",
            "expiration_days": 7,
            "status": "disabled",
            "other": {},
        }


class TestBucketPolicy:
    def test_an_older_region_lets_its_elb_account_write(self) -> None:
        policy = load_balancer.access_logs_bucket_policy(inputs(), ACCOUNT)
        assert policy["Statement"][1]["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
        assert policy["Statement"][1]["Resource"] == f"arn:aws:s3:::{BUCKET}/alb/AWSLogs/{ACCOUNT}/*"

    def test_a_newer_region_lets_the_log_delivery_service_write(self) -> None:
        values = inputs(certificate_arn=CERTIFICATE.replace("us-east-1", "ap-southeast-5"))
        policy = load_balancer.access_logs_bucket_policy(values, ACCOUNT)
        assert policy["Statement"][1]["Principal"] == {"Service": "logdelivery.elasticloadbalancing.amazonaws.com"}

    def test_the_filter_gives_the_policy_the_part_compares(self) -> None:
        values = inputs()
        assert load_balancer_filter.access_logs_bucket_policy(values, ACCOUNT) == (
            load_balancer.access_logs_bucket_policy(values, ACCOUNT)
        )

    @pytest.mark.parametrize("account", ["", "12345", None])
    def test_the_filter_refuses_an_account_that_is_not_12_digits(self, account: Any) -> None:
        with pytest.raises(Exception, match="12 digits"):
            load_balancer_filter.access_logs_bucket_policy(inputs(), account)


# --- the converged stack: calls and drift --------------------------------------------------------


def converged_plan(converged: Converged) -> dict[str, Any]:
    values = converged.inputs("load_balancer")
    return state.plan(load_balancer, converged.client, values, names.role_names("load_balancer", values))


def test_the_part_reads_the_converged_stack_within_its_budget(converged: Converged) -> None:
    before = request_counts.count(converged.state_dir)["lines"]
    result = converged_plan(converged)
    calls = request_counts.count(converged.state_dir, since=before)
    per_action = {
        f"{service} {action}": row["calls"]
        for service, data in calls["services"].items()
        for action, row in data["actions"].items()
    }
    assert result["in_sync"], result["differences"]
    assert calls["total"] <= PART_CALLS, per_action
    assert set(per_action.values()) == {1}, per_action


class Stack:
    """The converged stack's clients and the ids the part found."""

    def __init__(self, converged: Converged) -> None:
        self.client = converged.client
        self.ec2 = converged.client("ec2")
        self.elb = converged.client("elbv2")
        self.s3 = converged.client("s3")
        found = converged_plan(converged)
        self.ids = found["ids"]
        self.bucket = found["outputs"]["access_logs_bucket"]

    def tg_attributes(self) -> dict[str, str]:
        answer = self.elb.describe_target_group_attributes(TargetGroupArn=self.ids["target_group"])
        return {item["Key"]: item["Value"] for item in answer["Attributes"]}

    def alb_attributes(self) -> dict[str, str]:
        answer = self.elb.describe_load_balancer_attributes(LoadBalancerArn=self.ids["load_balancer"])
        return {item["Key"]: item["Value"] for item in answer["Attributes"]}


Restore = Callable[[], None]


def sg_tags(stack: Stack) -> Restore:
    stack.ec2.create_tags(Resources=[stack.ids["alb_security_group"]], Tags=[{"Key": "Drift", "Value": "yes"}])
    return lambda: stack.ec2.delete_tags(Resources=[stack.ids["alb_security_group"]], Tags=[{"Key": "Drift"}])


def sg_ingress(stack: Stack) -> Restore:
    rule = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.9.0.0/16"}]}]
    stack.ec2.authorize_security_group_ingress(GroupId=stack.ids["alb_security_group"], IpPermissions=rule)
    return lambda: stack.ec2.revoke_security_group_ingress(GroupId=stack.ids["alb_security_group"], IpPermissions=rule)


def sg_egress(stack: Stack) -> Restore:
    group = stack.ec2.describe_security_groups(GroupIds=[stack.ids["alb_security_group"]])["SecurityGroups"][0]
    rules = group["IpPermissionsEgress"]
    stack.ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=rules)
    return lambda: stack.ec2.authorize_security_group_egress(GroupId=group["GroupId"], IpPermissions=rules)


def elb_tags(key: str) -> Callable[[Stack], Restore]:
    def change(stack: Stack) -> Restore:
        stack.elb.add_tags(ResourceArns=[stack.ids[key]], Tags=[{"Key": "Drift", "Value": "yes"}])
        return lambda: stack.elb.remove_tags(ResourceArns=[stack.ids[key]], TagKeys=["Drift"])

    return change


def target_group(field: str, value: Any) -> Callable[[Stack], Restore]:
    def change(stack: Stack) -> Restore:
        arn = stack.ids["target_group"]
        current = stack.elb.describe_target_groups(TargetGroupArns=[arn])["TargetGroups"][0]
        stack.elb.modify_target_group(TargetGroupArn=arn, **{field: value})
        return lambda: stack.elb.modify_target_group(TargetGroupArn=arn, **{field: current[field]})

    return change


def target_group_attributes(**changes: str) -> Callable[[Stack], Restore]:
    def change(stack: Stack) -> Restore:
        arn = stack.ids["target_group"]
        current = stack.tg_attributes()
        stack.elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": key, "Value": value} for key, value in changes.items()]
        )
        return lambda: stack.elb.modify_target_group_attributes(
            TargetGroupArn=arn, Attributes=[{"Key": key, "Value": current[key]} for key in changes]
        )

    return change


def alb_attribute(key: str, value: str) -> Callable[[Stack], Restore]:
    def change(stack: Stack) -> Restore:
        arn = stack.ids["load_balancer"]
        current = stack.alb_attributes()[key]
        stack.elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[{"Key": key, "Value": value}])
        return lambda: stack.elb.modify_load_balancer_attributes(
            LoadBalancerArn=arn, Attributes=[{"Key": key, "Value": current}]
        )

    return change


def alb_ip_address_type(stack: Stack) -> Restore:
    stack.elb.set_ip_address_type(LoadBalancerArn=stack.ids["load_balancer"], IpAddressType="dualstack")
    return lambda: stack.elb.set_ip_address_type(LoadBalancerArn=stack.ids["load_balancer"], IpAddressType="ipv4")


def alb_subnets(stack: Stack) -> Restore:
    arn = stack.ids["load_balancer"]
    alb = stack.elb.describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]
    subnets = [zone["SubnetId"] for zone in alb["AvailabilityZones"]]
    stack.elb.set_subnets(LoadBalancerArn=arn, Subnets=subnets[:2])
    return lambda: stack.elb.set_subnets(LoadBalancerArn=arn, Subnets=subnets)


def alb_security_groups(stack: Stack) -> Restore:
    arn = stack.ids["load_balancer"]
    group = stack.ec2.create_security_group(GroupName="drift-test", Description="drift test", VpcId=stack.ids["vpc"])[
        "GroupId"
    ]
    stack.elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[stack.ids["alb_security_group"], group])

    def restore() -> None:
        stack.elb.set_security_groups(LoadBalancerArn=arn, SecurityGroups=[stack.ids["alb_security_group"]])
        stack.ec2.delete_security_group(GroupId=group)

    return restore


def https_listener(**changes: Any) -> Callable[[Stack], Restore]:
    def change(stack: Stack) -> Restore:
        arn = stack.ids["https_listener"]
        current = stack.elb.describe_listeners(ListenerArns=[arn])["Listeners"][0]
        stack.elb.modify_listener(ListenerArn=arn, **changes)
        return lambda: stack.elb.modify_listener(ListenerArn=arn, **{key: current[key] for key in changes})

    return change


def https_certificate(stack: Stack) -> Restore:
    acm = stack.client("acm")
    certificate = acm.request_certificate(DomainName="drift.example.com")["CertificateArn"]
    restore_listener = https_listener(Certificates=[{"CertificateArn": certificate}])(stack)

    def restore() -> None:
        restore_listener()
        acm.delete_certificate(CertificateArn=certificate)

    return restore


def http_redirect(stack: Stack) -> Restore:
    arn = stack.ids["http_listener"]
    current = stack.elb.describe_listeners(ListenerArns=[arn])["Listeners"][0]["DefaultActions"]
    changed = json.loads(json.dumps(current))
    changed[0]["RedirectConfig"]["StatusCode"] = "HTTP_302"
    stack.elb.modify_listener(ListenerArn=arn, DefaultActions=changed)
    return lambda: stack.elb.modify_listener(ListenerArn=arn, DefaultActions=current)


def extra_listener(stack: Stack) -> Restore:
    arn = stack.elb.create_listener(
        LoadBalancerArn=stack.ids["load_balancer"],
        Protocol="HTTP",
        Port=8080,
        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
    )["Listeners"][0]["ListenerArn"]
    return lambda: stack.elb.delete_listener(ListenerArn=arn)


def bucket_encryption(stack: Stack) -> Restore:
    current = stack.s3.get_bucket_encryption(Bucket=stack.bucket)["ServerSideEncryptionConfiguration"]
    stack.s3.put_bucket_encryption(
        Bucket=stack.bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms"}}]
        },
    )
    return lambda: stack.s3.put_bucket_encryption(Bucket=stack.bucket, ServerSideEncryptionConfiguration=current)


def bucket_public_access(stack: Stack) -> Restore:
    current = stack.s3.get_public_access_block(Bucket=stack.bucket)["PublicAccessBlockConfiguration"]
    stack.s3.put_public_access_block(
        Bucket=stack.bucket, PublicAccessBlockConfiguration={**current, "RestrictPublicBuckets": False}
    )
    return lambda: stack.s3.put_public_access_block(Bucket=stack.bucket, PublicAccessBlockConfiguration=current)


def bucket_ownership(stack: Stack) -> Restore:
    current = stack.s3.get_bucket_ownership_controls(Bucket=stack.bucket)["OwnershipControls"]
    stack.s3.put_bucket_ownership_controls(
        Bucket=stack.bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]}
    )
    return lambda: stack.s3.put_bucket_ownership_controls(Bucket=stack.bucket, OwnershipControls=current)


def bucket_policy(stack: Stack) -> Restore:
    current = stack.s3.get_bucket_policy(Bucket=stack.bucket)["Policy"]
    changed = json.loads(current)
    changed["Statement"][1]["Action"] = ["s3:PutObject", "s3:GetObject"]
    stack.s3.put_bucket_policy(Bucket=stack.bucket, Policy=json.dumps(changed))
    return lambda: stack.s3.put_bucket_policy(Bucket=stack.bucket, Policy=current)


def bucket_tags(stack: Stack) -> Restore:
    current = stack.s3.get_bucket_tagging(Bucket=stack.bucket)["TagSet"]
    stack.s3.put_bucket_tagging(Bucket=stack.bucket, Tagging={"TagSet": [*current, {"Key": "Drift", "Value": "yes"}]})
    return lambda: stack.s3.put_bucket_tagging(Bucket=stack.bucket, Tagging={"TagSet": current})


def lifecycle_rule(**changes: Any) -> Callable[[Stack], Restore]:
    def change(stack: Stack) -> Restore:
        current = stack.s3.get_bucket_lifecycle_configuration(Bucket=stack.bucket)["Rules"]
        changed = [
            {**rule, **changes} if rule["ID"] == load_balancer.EXPIRATION_RULE_ID else rule
            for rule in json.loads(json.dumps(current))
        ]
        stack.s3.put_bucket_lifecycle_configuration(Bucket=stack.bucket, LifecycleConfiguration={"Rules": changed})
        return lambda: stack.s3.put_bucket_lifecycle_configuration(
            Bucket=stack.bucket, LifecycleConfiguration={"Rules": current}
        )

    return change


DRIFT: list[tuple[str, str, str, Callable[[Stack], Restore]]] = [
    ("sg-ingress", "alb_security_group", "ingress", sg_ingress),
    ("sg-egress", "alb_security_group", "egress", sg_egress),
    ("sg-tags", "alb_security_group", "tags", sg_tags),
    ("tg-health-check-protocol", "target_group", "health_check_protocol", target_group("HealthCheckProtocol", "HTTPS")),
    ("tg-health-check-port", "target_group", "health_check_port", target_group("HealthCheckPort", "8080")),
    ("tg-health-check-path", "target_group", "health_check_path", target_group("HealthCheckPath", "/other")),
    (
        "tg-health-check-interval",
        "target_group",
        "health_check_interval",
        target_group("HealthCheckIntervalSeconds", 60),
    ),
    ("tg-health-check-timeout", "target_group", "health_check_timeout", target_group("HealthCheckTimeoutSeconds", 10)),
    ("tg-healthy-threshold", "target_group", "healthy_threshold", target_group("HealthyThresholdCount", 5)),
    ("tg-unhealthy-threshold", "target_group", "unhealthy_threshold", target_group("UnhealthyThresholdCount", 5)),
    ("tg-matcher", "target_group", "matcher", target_group("Matcher", {"HttpCode": "200-299"})),
    (
        "tg-stickiness-enabled",
        "target_group",
        "stickiness_enabled",
        target_group_attributes(**{"stickiness.enabled": "false"}),
    ),
    (
        "tg-stickiness-type",
        "target_group",
        "stickiness_type",
        target_group_attributes(**{"stickiness.type": "app_cookie", "stickiness.app_cookie.cookie_name": "drift"}),
    ),
    (
        "tg-stickiness-duration",
        "target_group",
        "stickiness_duration",
        target_group_attributes(**{"stickiness.lb_cookie.duration_seconds": "3600"}),
    ),
    (
        "tg-deregistration-delay",
        "target_group",
        "deregistration_delay",
        target_group_attributes(**{"deregistration_delay.timeout_seconds": "300"}),
    ),
    ("tg-tags", "target_group", "tags", elb_tags("target_group")),
    ("alb-ip-address-type", "load_balancer", "ip_address_type", alb_ip_address_type),
    ("alb-subnets", "load_balancer", "subnets", alb_subnets),
    ("alb-security-groups", "load_balancer", "security_groups", alb_security_groups),
    ("alb-idle-timeout", "load_balancer", "idle_timeout", alb_attribute("idle_timeout.timeout_seconds", "120")),
    (
        "alb-deletion-protection",
        "load_balancer",
        "deletion_protection",
        alb_attribute("deletion_protection.enabled", "true"),
    ),
    (
        "alb-drop-invalid-header-fields",
        "load_balancer",
        "drop_invalid_header_fields",
        alb_attribute("routing.http.drop_invalid_header_fields.enabled", "false"),
    ),
    ("alb-http2", "load_balancer", "http2", alb_attribute("routing.http2.enabled", "false")),
    (
        "alb-access-logs-enabled",
        "load_balancer",
        "access_logs_enabled",
        alb_attribute("access_logs.s3.enabled", "false"),
    ),
    (
        "alb-access-logs-bucket",
        "load_balancer",
        "access_logs_bucket",
        alb_attribute("access_logs.s3.bucket", "another-bucket"),
    ),
    ("alb-access-logs-prefix", "load_balancer", "access_logs_prefix", alb_attribute("access_logs.s3.prefix", "other")),
    (
        "alb-https-ssl-policy",
        "load_balancer",
        "listeners",
        https_listener(SslPolicy="ELBSecurityPolicy-TLS13-1-2-Res-2021-06"),
    ),
    ("alb-https-certificate", "load_balancer", "listeners", https_certificate),
    ("alb-http-redirect", "load_balancer", "listeners", http_redirect),
    ("alb-extra-listener", "load_balancer", "listeners", extra_listener),
    ("alb-tags", "load_balancer", "tags", elb_tags("load_balancer")),
    ("bucket-encryption", "access_logs_bucket", "encryption", bucket_encryption),
    ("bucket-public-access", "access_logs_bucket", "public_access", bucket_public_access),
    ("bucket-object-ownership", "access_logs_bucket", "object_ownership", bucket_ownership),
    ("bucket-policy", "access_logs_bucket", "policy", bucket_policy),
    ("bucket-tags", "access_logs_bucket", "tags", bucket_tags),
    ("expiration-prefix", "access_logs_expiration", "prefix", lifecycle_rule(Filter={"Prefix": "other/"})),
    ("expiration-days", "access_logs_expiration", "expiration_days", lifecycle_rule(Expiration={"Days": 30})),
    ("expiration-status", "access_logs_expiration", "status", lifecycle_rule(Status="Disabled")),
    (
        "expiration-other",
        "access_logs_expiration",
        "other",
        lifecycle_rule(Transitions=[{"Days": 30, "StorageClass": "GLACIER"}]),
    ),
]


@pytest.fixture
def stack(converged: Converged) -> Iterator[Stack]:
    yield Stack(converged)


@pytest.mark.parametrize(("resource", "attribute", "change"), [row[1:] for row in DRIFT], ids=[row[0] for row in DRIFT])
def test_a_change_behind_the_stacks_back_is_a_difference(
    converged: Converged, stack: Stack, resource: str, attribute: str, change: Callable[[Stack], Restore]
) -> None:
    restore = change(stack)
    try:
        assert differences(converged_plan(converged)) == [(resource, attribute)]
    finally:
        restore()
    result = converged_plan(converged)
    assert result["in_sync"], result["differences"]
