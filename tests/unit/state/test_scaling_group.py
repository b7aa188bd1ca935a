"""The scaling_group part of muejam.infra.stack_state (plugins/module_utils/state/scaling_group.py).

Two halves:

- pure: ``read`` normalises what AWS returns to the form ``wanted`` produces (a fake client, no AWS),
  ``wanted`` works from the inputs alone, and a converged stack is read in 11 calls;
- drift: on the shared ``converged`` stack, each attribute the part compares is changed behind the
  stack's back with boto3, the part must name that resource and attribute, and once the change is put
  back the part is in sync again.

What cannot be changed behind the back here, so is covered by the pure half only: a security group's
description (immutable in AWS too).
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from typing import Any

import pytest
from conftest import Converged
from test_coverage import example_inputs

from ansible_collections.muejam.infra.plugins.module_utils import names, state
from ansible_collections.muejam.infra.plugins.module_utils.rules import scaling
from ansible_collections.muejam.infra.plugins.module_utils.state import scaling_group as part

ROLE = "scaling_group"
VPC = "vpc-0123456789abcdef0"
SUBNETS = ["subnet-c", "subnet-a", "subnet-b"]
ALB_SG = "sg-0a1b"
APP_SG = "sg-0app"
TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/muejam-local-tg/0123"
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/muejam-local-app"
POLICY_ARN = (
    "arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:autoScalingGroupName/muejam-local-asg:policyName/"
)


def inputs_given(**extra: Any) -> dict[str, Any]:
    """The inputs as site.yml passes them: the network, ALB SG and target group given."""
    inputs = example_inputs(ROLE)
    inputs.update(vpc_id=VPC, subnet_ids=SUBNETS, alb_security_group_id=ALB_SG, target_group_arn=TG, **extra)
    return inputs


def aws_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


class FakeAWS:
    """boto3-like clients answering from ``responses[(service, method)]`` (a list, one per call, or a
    callable of the request); every call is recorded with its arguments."""

    def __init__(self, responses: dict[tuple[str, str], Any]) -> None:
        self.responses = responses
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def __call__(self, service: str) -> Any:
        fake = self

        class Client:
            def __getattr__(self, method: str) -> Callable[..., Any]:
                def call(**kwargs: Any) -> Any:
                    fake.calls.append((service, method, kwargs))
                    answer = fake.responses.get((service, method))
                    if answer is None:
                        raise AssertionError(f"unexpected call {service} {method} {kwargs}")
                    if callable(answer):
                        return answer(kwargs)
                    return answer.pop(0) if isinstance(answer, list) else answer

                return call

        return Client()


class NotFound(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code}}


def raises(code: str) -> Callable[[dict[str, Any]], Any]:
    def answer(_unused: dict[str, Any]) -> Any:
        raise NotFound(code)

    return answer


def converged_responses(inputs: dict[str, Any]) -> dict[tuple[str, str], Any]:
    """What AWS answers for a stack converged from ``inputs``, in AWS's own order and shapes."""
    n = names.role_names(ROLE, inputs)
    tags = {**inputs["tags"]}

    def named(key: str) -> list[dict[str, str]]:
        return aws_tags({**tags, "Name": n[key]})

    user_data = base64.b64encode(inputs["user_data"].encode()).decode()
    egress = [
        {
            "IpProtocol": "tcp",
            "FromPort": port,
            "ToPort": port,
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "Package repositories and AWS APIs"}],
        }
        for port in inputs["egress_ports"]
    ]
    return {
        ("ec2", "describe_security_groups"): lambda _unused: {
            "SecurityGroups": [
                {
                    "GroupId": APP_SG,
                    "GroupName": n["app_security_group"],
                    "VpcId": VPC,
                    "Description": "muejam-local app instances: the app port from the ALB only",
                    "IpPermissions": [
                        {
                            "IpProtocol": "tcp",
                            "FromPort": 8000,
                            "ToPort": 8000,
                            "UserIdGroupPairs": [{"GroupId": ALB_SG, "Description": "The app port from the ALB"}],
                            "IpRanges": [],
                        }
                    ],
                    "IpPermissionsEgress": list(reversed(egress)),  # AWS does not order them
                    "Tags": list(reversed(named("app_security_group"))),
                }
            ]
        },
        ("iam", "get_role"): lambda _unused: {
            "Role": {
                "RoleName": n["instance_role"],
                "Arn": "arn:aws:iam::123456789012:role/muejam-local-app",
                "Description": "muejam-local app instances",
                # The raw API's form: URL-encoded JSON (boto3 decodes it; a plain client does not).
                "AssumeRolePolicyDocument": urllib.parse.quote(json.dumps(part.TRUST_POLICY)),
                "Tags": named("instance_role"),
            }
        },
        ("iam", "list_attached_role_policies"): [
            {"AttachedPolicies": [{"PolicyArn": inputs["managed_policy_arns"][1]}], "IsTruncated": True, "Marker": "m"},
            {"AttachedPolicies": [{"PolicyArn": inputs["managed_policy_arns"][0]}], "IsTruncated": False},
        ],
        ("iam", "get_instance_profile"): lambda _unused: {
            "InstanceProfile": {
                "InstanceProfileName": n["instance_profile"],
                "Arn": PROFILE_ARN,
                "Roles": [{"RoleName": n["instance_role"]}],
                "Tags": named("instance_profile"),
            }
        },
        ("ec2", "describe_launch_templates"): lambda _unused: {
            "LaunchTemplates": [
                {
                    "LaunchTemplateId": "lt-1",
                    "LaunchTemplateName": n["launch_template"],
                    "DefaultVersionNumber": 3,
                    "LatestVersionNumber": 3,
                    "Tags": named("launch_template"),
                }
            ]
        },
        ("ec2", "describe_launch_template_versions"): lambda _unused: {
            "LaunchTemplateVersions": [
                {
                    "VersionNumber": 3,
                    "VersionDescription": "",
                    "LaunchTemplateData": {
                        "IamInstanceProfile": {"Arn": PROFILE_ARN},
                        "Monitoring": {"Enabled": True},
                        "BlockDeviceMappings": [
                            {
                                "DeviceName": "/dev/xvda",
                                "Ebs": {
                                    "Encrypted": True,
                                    "DeleteOnTermination": True,
                                    "VolumeSize": 20,
                                    "VolumeType": "gp3",
                                },
                            }
                        ],
                        "NetworkInterfaces": [
                            {
                                "AssociatePublicIpAddress": False,
                                "DeleteOnTermination": True,
                                "DeviceIndex": 0,
                                "Groups": [APP_SG],
                            }
                        ],
                        "ImageId": inputs["ami_id"],
                        "InstanceType": "t3.medium",
                        "UserData": user_data,
                        "TagSpecifications": [
                            {"ResourceType": "volume", "Tags": named("root_volume")},
                            {"ResourceType": "instance", "Tags": named("instance")},
                        ],
                        "MetadataOptions": {
                            "HttpTokens": "required",
                            "HttpPutResponseHopLimit": 1,
                            "HttpEndpoint": "enabled",
                            "HttpProtocolIpv6": "disabled",
                            "InstanceMetadataTags": "disabled",
                        },
                    },
                }
            ]
        },
        ("autoscaling", "describe_auto_scaling_groups"): lambda _unused: {
            "AutoScalingGroups": [
                {
                    "AutoScalingGroupName": n["auto_scaling_group"],
                    "AutoScalingGroupARN": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:1",
                    "LaunchTemplate": {
                        "LaunchTemplateId": "lt-1",
                        "LaunchTemplateName": n["launch_template"],
                        "Version": "3",
                    },
                    "MinSize": 2,
                    "MaxSize": 10,
                    "DesiredCapacity": 6,  # the scaling policies scaled it out
                    "DefaultCooldown": 300,
                    "TargetGroupARNs": [TG],
                    "HealthCheckType": "ELB",
                    "HealthCheckGracePeriod": 300,
                    "VPCZoneIdentifier": ",".join(reversed(SUBNETS)),
                    "EnabledMetrics": [
                        {"Metric": m, "Granularity": "1Minute"} for m in (*part.GROUP_METRICS, "WarmPoolMinSize")
                    ],
                    "Tags": [
                        *({"Key": k, "Value": v, "PropagateAtLaunch": True} for k, v in tags.items()),
                        {"Key": "Name", "Value": n["auto_scaling_group"], "PropagateAtLaunch": False},
                    ],
                }
            ]
        },
        ("autoscaling", "describe_policies"): lambda _unused: {
            "ScalingPolicies": [
                {
                    "PolicyName": n[key],
                    "PolicyARN": POLICY_ARN + n[key],
                    "AutoScalingGroupName": n["auto_scaling_group"],
                    "PolicyType": "SimpleScaling",
                    "AdjustmentType": "ChangeInCapacity",
                    "ScalingAdjustment": adjustment,
                    "Cooldown": 300,
                }
                for key, adjustment in (("scale_out_policy", 2), ("scale_in_policy", -1))
            ]
        },
        ("cloudwatch", "describe_alarms"): lambda _unused: {
            "MetricAlarms": [
                {
                    "AlarmName": n[key],
                    "AlarmDescription": f"Scale muejam-local-asg {direction} by {by} when the average CPU is {where} {threshold} % for 2 x 120 s",
                    "AlarmActions": [POLICY_ARN + n[policy]],
                    "OKActions": [],
                    "InsufficientDataActions": [],
                    "MetricName": "CPUUtilization",
                    "Namespace": "AWS/EC2",
                    "Statistic": "Average",
                    "Dimensions": [{"Name": "AutoScalingGroupName", "Value": n["auto_scaling_group"]}],
                    "Period": 120,
                    "EvaluationPeriods": 2,
                    "Threshold": float(threshold),
                    "ComparisonOperator": comparison,
                    "TreatMissingData": "missing",
                }
                for key, policy, direction, by, where, threshold, comparison in (
                    ("cpu_high_alarm", "scale_out_policy", "out", 2, "above", 70, "GreaterThanThreshold"),
                    ("cpu_low_alarm", "scale_in_policy", "in", 1, "below", 30, "LessThanThreshold"),
                )
            ]
        },
        ("ec2", "describe_route_tables"): lambda _unused: {
            "RouteTables": [
                {
                    "Associations": [{"SubnetId": subnet}],
                    "Routes": [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": f"nat-{subnet[-1]}"}],
                }
                for subnet in SUBNETS
            ]
        },
        ("ec2", "describe_nat_gateways"): lambda _unused: {
            "NatGateways": [{"NatGatewayId": f"nat-{subnet[-1]}", "State": "available"} for subnet in SUBNETS]
        },
    }


def plan(fake: FakeAWS, inputs: dict[str, Any], retry: bool = False) -> dict[str, Any]:
    return state.plan(part, fake, inputs, names.role_names(ROLE, inputs), retry=retry)


class TestRead:
    def test_a_converged_stack_is_in_sync(self) -> None:
        inputs = inputs_given()
        result = plan(FakeAWS(converged_responses(inputs)), inputs)
        assert result["differences"] == []
        assert result["in_sync"] is True

    def test_reads_a_converged_stack_in_eleven_calls_with_retries(self) -> None:
        inputs = inputs_given()
        fake = FakeAWS(converged_responses(inputs))
        plan(fake, inputs, retry=True)
        assert len(fake.calls) == 12  # 11 actions: ListAttachedRolePolicies has two pages here
        assert len({(service, method) for service, method, _unused in fake.calls}) == 11
        assert all(kwargs.get("aws_retry") is True for _unused, _unused, kwargs in fake.calls)

    def test_asks_for_the_latest_version_and_the_policies_and_alarms_by_name_at_once(self) -> None:
        inputs = inputs_given()
        fake = FakeAWS(converged_responses(inputs))
        plan(fake, inputs)
        requests = {method: kwargs for _unused, method, kwargs in fake.calls}
        assert requests["describe_launch_template_versions"]["Versions"] == ["$Latest"]
        assert requests["describe_alarms"]["AlarmNames"] == ["muejam-local-cpu-high", "muejam-local-cpu-low"]
        assert requests["describe_policies"]["PolicyNames"] == [
            "muejam-local-scale-out",
            "muejam-local-scale-in",
            "muejam-local-cpu-target",
        ]

    def test_normalises_to_the_form_wanted_produces(self) -> None:
        inputs = inputs_given()
        found = part.read(FakeAWS(converged_responses(inputs)), inputs, names.role_names(ROLE, inputs), False)
        resources = found["resources"]
        assert [rule["from_port"] for rule in resources["app_security_group"]["egress"]] == [80, 443]
        assert resources["app_security_group"]["tags"] == {**inputs["tags"], "Name": "muejam-local-app-sg"}
        assert resources["instance_role"]["trust_policy"] == part.TRUST_POLICY
        assert resources["instance_role"]["managed_policies"] == sorted(inputs["managed_policy_arns"])
        assert (
            resources["launch_template"]["user_data_sha256"]
            == hashlib.sha256(base64.b64encode(inputs["user_data"].encode())).hexdigest()
        )
        assert resources["auto_scaling_group"]["subnets"] == sorted(SUBNETS)
        assert "WarmPoolMinSize:1Minute" not in resources["auto_scaling_group"]["metrics"]
        assert resources["alarm[muejam-local-cpu-high]"]["threshold"] == 70.0
        assert found["ids"]["policy_arns"]["muejam-local-scale-in"] == POLICY_ARN + "muejam-local-scale-in"

    def test_never_returns_the_user_data(self) -> None:
        inputs = inputs_given(user_data="#!/bin/bash\nexport SECRET=hunter2\n")
        fake = FakeAWS(converged_responses(inputs_given()))
        result = plan(fake, inputs)
        assert [(d["resource"], d["attribute"]) for d in result["differences"]] == [
            ("launch_template", "user_data_sha256")
        ]
        assert "hunter2" not in json.dumps(result)
        assert base64.b64encode(inputs["user_data"].encode()).decode() not in json.dumps(result)

    def test_a_scaled_out_group_is_in_sync_and_a_capacity_below_the_minimum_is_not(self) -> None:
        inputs = inputs_given()
        assert plan(FakeAWS(converged_responses(inputs)), inputs)["in_sync"]  # desired 6, in [2, 10]
        raised = inputs_given(min_size=7)
        differences = plan(FakeAWS(converged_responses(inputs)), raised)["differences"]
        assert {
            "resource": "auto_scaling_group",
            "attribute": "desired_capacity",
            "wanted": 7,
            "found": 6,
        } in differences

    def test_a_changed_default_cooldown_is_a_difference(self) -> None:
        inputs = inputs_given()
        responses = converged_responses(inputs)
        groups = responses[("autoscaling", "describe_auto_scaling_groups")]({})
        groups["AutoScalingGroups"][0]["DefaultCooldown"] = 60
        responses[("autoscaling", "describe_auto_scaling_groups")] = lambda _unused: groups
        assert plan(FakeAWS(responses), inputs)["differences"] == [
            {"resource": "auto_scaling_group", "attribute": "default_cooldown", "wanted": 300, "found": 60}
        ]

    def test_a_changed_security_group_description_or_template_tag_is_a_difference(self) -> None:
        inputs = inputs_given()
        responses = converged_responses(inputs)
        groups = responses[("ec2", "describe_security_groups")]({})
        groups["SecurityGroups"][0]["Description"] = "other"
        templates = responses[("ec2", "describe_launch_templates")]({})
        templates["LaunchTemplates"][0]["Tags"] = [
            t for t in templates["LaunchTemplates"][0]["Tags"] if t["Key"] != "ManagedBy"
        ]
        responses[("ec2", "describe_security_groups")] = lambda _unused: groups
        responses[("ec2", "describe_launch_templates")] = lambda _unused: templates
        differences = plan(FakeAWS(responses), inputs)["differences"]
        assert [(d["resource"], d["attribute"]) for d in differences] == [
            ("app_security_group", "description"),
            ("launch_template", "tags"),
        ]

    def test_a_template_setting_no_option_sets_is_a_difference(self) -> None:
        inputs = inputs_given()
        responses = converged_responses(inputs)
        versions = responses[("ec2", "describe_launch_template_versions")]({})
        versions["LaunchTemplateVersions"][0]["LaunchTemplateData"]["KeyName"] = "debug"
        responses[("ec2", "describe_launch_template_versions")] = lambda _unused: versions
        differences = plan(FakeAWS(responses), inputs)["differences"]
        assert differences == [
            {"resource": "launch_template", "attribute": "other_settings", "wanted": [], "found": ["KeyName"]}
        ]

    def test_a_pending_nat_gateway_is_a_difference(self) -> None:
        inputs = inputs_given()
        responses = converged_responses(inputs)
        responses[("ec2", "describe_nat_gateways")] = lambda _unused: {
            "NatGateways": [
                {"NatGatewayId": f"nat-{s[-1]}", "State": "pending" if s == "subnet-b" else "available"}
                for s in SUBNETS
            ]
        }
        assert plan(FakeAWS(responses), inputs)["differences"] == [
            {
                "resource": "private_subnet_egress[subnet-b]",
                "attribute": "pending_nat_gateway",
                "wanted": "",
                "found": "nat-b (pending)",
            }
        ]

    def test_an_empty_account_is_every_resource_missing_and_empty_outputs(self) -> None:
        inputs = example_inputs(ROLE)
        fake = FakeAWS(
            {
                ("ec2", "describe_vpcs"): {"Vpcs": []},
                ("elbv2", "describe_target_groups"): raises("TargetGroupNotFound"),
                ("iam", "get_role"): raises("NoSuchEntity"),
                ("iam", "get_instance_profile"): raises("NoSuchEntity"),
                ("ec2", "describe_launch_templates"): {"LaunchTemplates": []},
                ("autoscaling", "describe_auto_scaling_groups"): {"AutoScalingGroups": []},
                ("cloudwatch", "describe_alarms"): {"MetricAlarms": []},
            }
        )
        result = plan(fake, inputs)
        assert {d["attribute"] for d in result["differences"]} == {"exists"}
        assert len(result["differences"]) == 9
        assert result["outputs"]["security_group_id"] == result["outputs"]["autoscaling_group_arn"] == ""
        assert result["outputs"]["alarm_names"] == ["muejam-local-cpu-high", "muejam-local-cpu-low"]

    def test_finds_the_network_alb_security_group_and_target_group_when_run_alone(self) -> None:
        inputs = example_inputs(ROLE)
        responses = converged_responses(inputs_given())
        responses[("ec2", "describe_vpcs")] = {"Vpcs": [{"VpcId": VPC, "CidrBlock": "10.0.0.0/16"}]}
        responses[("ec2", "describe_subnets")] = {
            "Subnets": [{"SubnetId": s, "AvailabilityZone": f"us-east-1{s[-1]}"} for s in SUBNETS]
        }
        app = responses[("ec2", "describe_security_groups")]({})["SecurityGroups"][0]
        alb = {"GroupId": ALB_SG, "GroupName": "muejam-local-alb-sg"}
        responses[("ec2", "describe_security_groups")] = lambda _unused: {"SecurityGroups": [alb, app]}
        responses[("elbv2", "describe_target_groups")] = {"TargetGroups": [{"TargetGroupArn": TG}]}
        fake = FakeAWS(responses)
        result = plan(fake, inputs)
        assert result["differences"] == []
        groups = next(kwargs for _unused, method, kwargs in fake.calls if method == "describe_security_groups")
        assert groups["Filters"][1] == {"Name": "group-name", "Values": ["muejam-local-app-sg", "muejam-local-alb-sg"]}

    def test_an_unreadable_trust_policy_is_an_error_naming_it(self) -> None:
        inputs = inputs_given()
        responses = converged_responses(inputs)
        responses[("iam", "get_role")] = lambda _unused: {
            "Role": {"RoleName": "muejam-local-app", "Arn": "a", "AssumeRolePolicyDocument": "{not json"}
        }
        with pytest.raises(state.StateError, match="trust policy of the instances' IAM role is not JSON"):
            plan(FakeAWS(responses), inputs)


class TestWanted:
    def test_works_without_anything_found(self) -> None:
        inputs = example_inputs(ROLE)
        wanted = part.wanted(inputs, names.role_names(ROLE, inputs), {"resources": {}, "ids": {}})
        assert wanted["auto_scaling_group"]["desired_capacity"] == 2
        assert wanted["auto_scaling_group"]["launch_template"] == {"name": "muejam-local-lt", "version": "1"}
        assert not any(key.startswith("private_subnet_egress") for key in wanted)

    def test_follows_the_inputs(self) -> None:
        inputs = {
            **example_inputs(ROLE),
            "metrics_collection": False,
            "egress_ports": [],
            "root_volume_kms_key_id": "alias/app",
        }
        wanted = part.wanted(inputs, names.role_names(ROLE, inputs), {"resources": {}, "ids": {}})
        assert wanted["auto_scaling_group"]["metrics"] == []
        assert wanted["app_security_group"]["egress"] == []
        assert wanted["launch_template"]["block_device_mappings"][0]["ebs"]["kms_key_id"] == "alias/app"

    def test_the_alarm_descriptions_say_what_the_alarms_do(self) -> None:
        inputs = example_inputs(ROLE)
        wanted = part.wanted(inputs, names.role_names(ROLE, inputs), {"resources": {}, "ids": {}})
        assert wanted["alarm[muejam-local-cpu-low]"]["description"] == (
            "Scale muejam-local-asg in by 1 when the average CPU is below 30 % for 2 x 120 s"
        )


# --- drift behind the stack's back, on the shared converged stack ------------------------------------

GROUP = "muejam-local-asg"
TEMPLATE = "muejam-local-lt"
ROLE_NAME = "muejam-local-app"


def group_of(aws: Converged) -> dict[str, Any]:
    return aws.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=[GROUP])["AutoScalingGroups"][0]


def update_group(**settings: Any) -> Callable[[Converged], Callable[[], None]]:
    def change(aws: Converged) -> Callable[[], None]:
        autoscaling = aws.client("autoscaling")
        group = group_of(aws)
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, **settings)
        before = {key: group[key] for key in settings}
        return lambda: autoscaling.update_auto_scaling_group(AutoScalingGroupName=GROUP, **before)

    return change


def remove_group_tag(aws: Converged) -> Callable[[], None]:
    autoscaling = aws.client("autoscaling")
    tag = next(tag for tag in group_of(aws)["Tags"] if tag["Key"] == "ManagedBy")
    autoscaling.delete_tags(Tags=[{"ResourceId": GROUP, "ResourceType": "auto-scaling-group", "Key": "ManagedBy"}])
    return lambda: autoscaling.create_or_update_tags(Tags=[tag])


def stop_propagating_a_tag(aws: Converged) -> Callable[[], None]:
    autoscaling = aws.client("autoscaling")
    tag = next(tag for tag in group_of(aws)["Tags"] if tag["Key"] == "Project")
    autoscaling.create_or_update_tags(Tags=[{**tag, "PropagateAtLaunch": False}])
    return lambda: autoscaling.create_or_update_tags(Tags=[tag])


def disable_metrics(aws: Converged) -> Callable[[], None]:
    autoscaling = aws.client("autoscaling")
    autoscaling.disable_metrics_collection(AutoScalingGroupName=GROUP, Metrics=["GroupMaxSize"])
    return lambda: autoscaling.enable_metrics_collection(
        AutoScalingGroupName=GROUP, Metrics=["GroupMaxSize"], Granularity="1Minute"
    )


def detach_target_group(aws: Converged) -> Callable[[], None]:
    autoscaling = aws.client("autoscaling")
    arns = group_of(aws)["TargetGroupARNs"]
    autoscaling.detach_load_balancer_target_groups(AutoScalingGroupName=GROUP, TargetGroupARNs=arns)
    return lambda: autoscaling.attach_load_balancer_target_groups(AutoScalingGroupName=GROUP, TargetGroupARNs=arns)


def drop_a_subnet(aws: Converged) -> Callable[[], None]:
    subnets = group_of(aws)["VPCZoneIdentifier"]
    return update_group(VPCZoneIdentifier=",".join(subnets.split(",")[:2]))(aws)


def group_on_latest(aws: Converged) -> Callable[[], None]:
    version = group_of(aws)["LaunchTemplate"]["Version"]
    autoscaling = aws.client("autoscaling")
    autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=GROUP, LaunchTemplate={"LaunchTemplateName": TEMPLATE, "Version": "$Latest"}
    )
    return lambda: autoscaling.update_auto_scaling_group(
        AutoScalingGroupName=GROUP, LaunchTemplate={"LaunchTemplateName": TEMPLATE, "Version": version}
    )


def put_policy(**settings: Any) -> Callable[[Converged], Callable[[], None]]:
    def change(aws: Converged) -> Callable[[], None]:
        autoscaling = aws.client("autoscaling")
        policy = autoscaling.describe_policies(AutoScalingGroupName=GROUP, PolicyNames=["muejam-local-scale-out"])[
            "ScalingPolicies"
        ][0]
        keys = ("AutoScalingGroupName", "PolicyName", "PolicyType", "AdjustmentType", "ScalingAdjustment", "Cooldown")
        before = {key: policy[key] for key in keys}
        autoscaling.put_scaling_policy(**{**before, **settings})
        return lambda: autoscaling.put_scaling_policy(**before)

    return change


ALARM_KEYS = (
    "AlarmName",
    "AlarmDescription",
    "AlarmActions",
    "OKActions",
    "InsufficientDataActions",
    "MetricName",
    "Namespace",
    "Statistic",
    "Dimensions",
    "Period",
    "EvaluationPeriods",
    "Threshold",
    "ComparisonOperator",
    "TreatMissingData",
)


def put_alarm(**settings: Any) -> Callable[[Converged], Callable[[], None]]:
    def change(aws: Converged) -> Callable[[], None]:
        cloudwatch = aws.client("cloudwatch")
        alarm = cloudwatch.describe_alarms(AlarmNames=["muejam-local-cpu-high"])["MetricAlarms"][0]
        before = {key: alarm[key] for key in ALARM_KEYS if key in alarm}
        cloudwatch.put_metric_alarm(**{**before, **settings})
        return lambda: cloudwatch.put_metric_alarm(**before)

    return change


def app_group(aws: Converged) -> dict[str, Any]:
    ec2 = aws.client("ec2")
    return ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["muejam-local-app-sg"]}])[
        "SecurityGroups"
    ][0]


def add_ingress(aws: Converged) -> Callable[[], None]:
    ec2 = aws.client("ec2")
    group = app_group(aws)["GroupId"]
    rule = [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=rule)
    return lambda: ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=rule)


def remove_egress(aws: Converged) -> Callable[[], None]:
    ec2 = aws.client("ec2")
    group = app_group(aws)
    rule = [next(p for p in group["IpPermissionsEgress"] if p.get("FromPort") == 80)]
    ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=rule)
    return lambda: ec2.authorize_security_group_egress(GroupId=group["GroupId"], IpPermissions=rule)


def remove_ec2_tag(resource: Callable[[Converged], str]) -> Callable[[Converged], Callable[[], None]]:
    def change(aws: Converged) -> Callable[[], None]:
        ec2 = aws.client("ec2")
        resource_id = resource(aws)
        tags = ec2.describe_tags(
            Filters=[{"Name": "resource-id", "Values": [resource_id]}, {"Name": "key", "Values": ["ManagedBy"]}]
        )["Tags"]
        ec2.delete_tags(Resources=[resource_id], Tags=[{"Key": "ManagedBy"}])
        return lambda: ec2.create_tags(Resources=[resource_id], Tags=[{"Key": "ManagedBy", "Value": tags[0]["Value"]}])

    return change


def new_template_version(change_data: Callable[[dict[str, Any]], None], default: bool = True) -> Callable[..., Any]:
    """A new version of the template made behind the back (as the default, or not); put back by a version
    with the original data, made the default and used by the group, as a run of the role would."""

    def change(aws: Converged) -> Callable[[], None]:
        ec2 = aws.client("ec2")
        latest = ec2.describe_launch_template_versions(LaunchTemplateName=TEMPLATE, Versions=["$Latest"])[
            "LaunchTemplateVersions"
        ][0]
        data = json.loads(json.dumps(latest["LaunchTemplateData"]))
        changed = json.loads(json.dumps(data))
        change_data(changed)
        version = ec2.create_launch_template_version(LaunchTemplateName=TEMPLATE, LaunchTemplateData=changed)
        if default:
            number = str(version["LaunchTemplateVersion"]["VersionNumber"])
            ec2.modify_launch_template(LaunchTemplateName=TEMPLATE, DefaultVersion=number)

        def restore() -> None:
            number = str(
                ec2.create_launch_template_version(LaunchTemplateName=TEMPLATE, LaunchTemplateData=data)[
                    "LaunchTemplateVersion"
                ]["VersionNumber"]
            )
            ec2.modify_launch_template(LaunchTemplateName=TEMPLATE, DefaultVersion=number)
            aws.client("autoscaling").update_auto_scaling_group(
                AutoScalingGroupName=GROUP, LaunchTemplate={"LaunchTemplateName": TEMPLATE, "Version": number}
            )

        return restore

    return change


def setter(*path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(data: dict[str, Any]) -> None:
        target: Any = data
        for key in path[:-1]:
            target = target[int(key)] if isinstance(target, list) else target[key]
        target[path[-1]] = value

    return apply


def iam_change(do: Callable[[Any], Any], undo: Callable[[Any], Any]) -> Callable[[Converged], Callable[[], None]]:
    def change(aws: Converged) -> Callable[[], None]:
        iam = aws.client("iam")
        do(iam)
        return lambda: undo(iam)

    return change


OTHER_TRUST = {
    **part.TRUST_POLICY,
    "Statement": [{**part.TRUST_POLICY["Statement"][0], "Principal": {"Service": "ecs-tasks.amazonaws.com"}}],
}
POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"

DRIFTS: dict[str, tuple[Callable[[Converged], Callable[[], None]], set[tuple[str, str]]]] = {
    "group max size": (update_group(MaxSize=7), {("auto_scaling_group", "max_size")}),
    "group default cooldown": (update_group(DefaultCooldown=60), {("auto_scaling_group", "default_cooldown")}),
    "group min size": (update_group(MinSize=1), {("auto_scaling_group", "min_size")}),
    "group health check type": (update_group(HealthCheckType="EC2"), {("auto_scaling_group", "health_check_type")}),
    "group grace period": (
        update_group(HealthCheckGracePeriod=60),
        {("auto_scaling_group", "health_check_grace_period")},
    ),
    "group subnets": (drop_a_subnet, {("auto_scaling_group", "subnets")}),
    "group target group detached": (detach_target_group, {("auto_scaling_group", "target_groups")}),
    "group launch template version": (group_on_latest, {("auto_scaling_group", "launch_template")}),
    "group metric disabled": (disable_metrics, {("auto_scaling_group", "metrics")}),
    "group tag removed": (remove_group_tag, {("auto_scaling_group", "tags")}),
    "group tag not propagated": (stop_propagating_a_tag, {("auto_scaling_group", "tags")}),
    "policy adjustment": (
        put_policy(ScalingAdjustment=3),
        {("scaling_policy[muejam-local-scale-out]", "scaling_adjustment")},
    ),
    "policy cooldown": (put_policy(Cooldown=60), {("scaling_policy[muejam-local-scale-out]", "cooldown")}),
    "policy adjustment type": (
        put_policy(AdjustmentType="ExactCapacity"),
        {("scaling_policy[muejam-local-scale-out]", "adjustment_type")},
    ),
    "alarm threshold": (put_alarm(Threshold=80.0), {("alarm[muejam-local-cpu-high]", "threshold")}),
    "alarm description": (put_alarm(AlarmDescription="changed"), {("alarm[muejam-local-cpu-high]", "description")}),
    "alarm period": (put_alarm(Period=300), {("alarm[muejam-local-cpu-high]", "period")}),
    "alarm evaluation periods": (
        put_alarm(EvaluationPeriods=5),
        {("alarm[muejam-local-cpu-high]", "evaluation_periods")},
    ),
    "alarm statistic": (put_alarm(Statistic="Maximum"), {("alarm[muejam-local-cpu-high]", "statistic")}),
    "alarm comparison": (
        put_alarm(ComparisonOperator="GreaterThanOrEqualToThreshold"),
        {("alarm[muejam-local-cpu-high]", "comparison")},
    ),
    "alarm metric": (put_alarm(MetricName="NetworkIn"), {("alarm[muejam-local-cpu-high]", "metric_name")}),
    "alarm namespace": (put_alarm(Namespace="Custom/App"), {("alarm[muejam-local-cpu-high]", "namespace")}),
    "alarm dimensions": (
        put_alarm(Dimensions=[{"Name": "AutoScalingGroupName", "Value": "other"}]),
        {("alarm[muejam-local-cpu-high]", "dimensions")},
    ),
    "alarm actions": (put_alarm(AlarmActions=[]), {("alarm[muejam-local-cpu-high]", "alarm_actions")}),
    "alarm ok actions": (
        put_alarm(OKActions=["arn:aws:sns:us-east-1:123456789012:ops"]),
        {("alarm[muejam-local-cpu-high]", "ok_actions")},
    ),
    "alarm missing data": (
        put_alarm(TreatMissingData="breaching"),
        {("alarm[muejam-local-cpu-high]", "treat_missing_data")},
    ),
    "security group ingress added": (add_ingress, {("app_security_group", "ingress")}),
    "security group egress removed": (remove_egress, {("app_security_group", "egress")}),
    "template tag removed": (
        remove_ec2_tag(
            lambda aws: aws.client("ec2").describe_launch_templates(LaunchTemplateNames=[TEMPLATE])["LaunchTemplates"][
                0
            ]["LaunchTemplateId"]
        ),
        {("launch_template", "tags")},
    ),
    "security group tag removed": (
        remove_ec2_tag(lambda aws: app_group(aws)["GroupId"]),
        {("app_security_group", "tags")},
    ),
    "role description": (
        iam_change(
            lambda iam: iam.update_role(RoleName=ROLE_NAME, Description="changed"),
            lambda iam: iam.update_role(RoleName=ROLE_NAME, Description="muejam-local app instances"),
        ),
        {("instance_role", "description")},
    ),
    "role trust policy": (
        iam_change(
            lambda iam: iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(OTHER_TRUST)),
            lambda iam: iam.update_assume_role_policy(RoleName=ROLE_NAME, PolicyDocument=json.dumps(part.TRUST_POLICY)),
        ),
        {("instance_role", "trust_policy")},
    ),
    "role managed policy detached": (
        iam_change(
            lambda iam: iam.detach_role_policy(RoleName=ROLE_NAME, PolicyArn=POLICY),
            lambda iam: iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn=POLICY),
        ),
        {("instance_role", "managed_policies")},
    ),
    "role tag removed": (
        iam_change(
            lambda iam: iam.untag_role(RoleName=ROLE_NAME, TagKeys=["ManagedBy"]),
            lambda iam: iam.tag_role(RoleName=ROLE_NAME, Tags=[{"Key": "ManagedBy", "Value": "muejam.infra"}]),
        ),
        {("instance_role", "tags")},
    ),
    "instance profile role removed": (
        iam_change(
            lambda iam: iam.remove_role_from_instance_profile(InstanceProfileName=ROLE_NAME, RoleName=ROLE_NAME),
            lambda iam: iam.add_role_to_instance_profile(InstanceProfileName=ROLE_NAME, RoleName=ROLE_NAME),
        ),
        {("instance_profile", "roles")},
    ),
    "instance profile tag removed": (
        iam_change(
            lambda iam: iam.untag_instance_profile(InstanceProfileName=ROLE_NAME, TagKeys=["ManagedBy"]),
            lambda iam: iam.tag_instance_profile(
                InstanceProfileName=ROLE_NAME, Tags=[{"Key": "ManagedBy", "Value": "muejam.infra"}]
            ),
        ),
        {("instance_profile", "tags")},
    ),
    "template metadata options": (
        new_template_version(setter("MetadataOptions", "HttpTokens", value="optional")),
        {("launch_template", "metadata_options")},
    ),
    "template hop limit": (
        new_template_version(setter("MetadataOptions", "HttpPutResponseHopLimit", value=2)),
        {("launch_template", "metadata_options")},
    ),
    "template image": (
        new_template_version(setter("ImageId", value="ami-0123456789abcdef0")),
        {("launch_template", "image_id")},
    ),
    "template instance type": (
        new_template_version(setter("InstanceType", value="t3.large")),
        {("launch_template", "instance_type")},
    ),
    "template detailed monitoring off": (
        new_template_version(setter("Monitoring", value={"Enabled": False})),
        {("launch_template", "detailed_monitoring")},
    ),
    "template user data": (
        new_template_version(setter("UserData", value=base64.b64encode(b"#!/bin/bash\necho other\n").decode())),
        {("launch_template", "user_data_sha256")},
    ),
    "template root volume": (
        new_template_version(setter("BlockDeviceMappings", "0", "Ebs", "VolumeSize", value=50)),
        {("launch_template", "block_device_mappings")},
    ),
    "template public address": (
        new_template_version(setter("NetworkInterfaces", "0", "AssociatePublicIpAddress", value=True)),
        {("launch_template", "network_interfaces")},
    ),
    "template instance profile": (
        new_template_version(
            setter("IamInstanceProfile", value={"Arn": "arn:aws:iam::123456789012:instance-profile/other"})
        ),
        {("launch_template", "iam_instance_profile")},
    ),
    "template tag specifications": (
        new_template_version(setter("TagSpecifications", value=[])),
        {("launch_template", "tag_specifications")},
    ),
    "template other setting": (
        new_template_version(setter("KeyName", value="debug")),
        {("launch_template", "other_settings")},
    ),
    "template default version not latest": (
        new_template_version(lambda data: None, default=False),
        {("launch_template", "default_version")},
    ),
}


@pytest.fixture
def scaling_group_inputs(converged: Converged) -> dict[str, Any]:
    """The inputs the role gave stack_state in the re-run, with the user data the launch template carries."""
    inputs = converged.inputs(ROLE)
    latest = converged.client("ec2").describe_launch_template_versions(
        LaunchTemplateName=TEMPLATE, Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]
    inputs["user_data"] = base64.b64decode(latest["LaunchTemplateData"]["UserData"]).decode()
    return inputs


def live_plan(converged: Converged, inputs: dict[str, Any]) -> dict[str, Any]:
    return state.plan(part, converged.client, inputs, names.role_names(ROLE, inputs))


def found_differences(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {(row["resource"], row["attribute"]) for row in result["differences"]}


class TestDrift:
    @pytest.mark.parametrize("drift", list(DRIFTS))
    def test_a_change_behind_the_stacks_back_is_a_difference(
        self, converged: Converged, scaling_group_inputs: dict[str, Any], drift: str
    ) -> None:
        change, expected = DRIFTS[drift]
        assert live_plan(converged, scaling_group_inputs)["in_sync"], "the stack was not in sync before the change"
        restore = change(converged)
        try:
            result = live_plan(converged, scaling_group_inputs)
            assert expected <= found_differences(result), result["differences"]
            assert result["in_sync"] is False
        finally:
            restore()
        assert live_plan(converged, scaling_group_inputs)["differences"] == []

    def test_a_scale_out_is_not_a_difference(self, converged: Converged, scaling_group_inputs: dict[str, Any]) -> None:
        autoscaling = converged.client("autoscaling")
        autoscaling.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=5)
        try:
            assert live_plan(converged, scaling_group_inputs)["differences"] == []
        finally:
            autoscaling.set_desired_capacity(AutoScalingGroupName=GROUP, DesiredCapacity=2)

    def test_a_private_subnet_whose_nat_gateway_is_pending_is_a_difference(
        self, converged: Converged, scaling_group_inputs: dict[str, Any]
    ) -> None:
        """A new NAT gateway, pending (the emulator's latency model on), replaces one subnet's default route."""
        ec2 = converged.client("ec2")
        subnet = scaling_group_inputs["subnet_ids"][0]
        tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
        table = tables["RouteTables"][0]
        route = next(r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")
        public = ec2.describe_subnets(
            Filters=[
                {"Name": "vpc-id", "Values": [scaling_group_inputs["vpc_id"]]},
                {"Name": "tag:Tier", "Values": ["public"]},
            ]
        )["Subnets"][0]["SubnetId"]
        latency(converged, "on", "--set", "nat_gateway_pending=3600")
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        gateway = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        try:
            ec2.replace_route(
                RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=gateway
            )
            result = live_plan(converged, scaling_group_inputs)
            assert {
                "resource": f"private_subnet_egress[{subnet}]",
                "attribute": "pending_nat_gateway",
                "wanted": "",
                "found": f"{gateway} (pending)",
            } in result["differences"]
        finally:
            ec2.replace_route(
                RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=route["NatGatewayId"]
            )
            latency(converged, "off")
            ec2.delete_nat_gateway(NatGatewayId=gateway)
            ec2.release_address(AllocationId=allocation)
        assert live_plan(converged, scaling_group_inputs)["differences"] == []


def latency(converged: Converged, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.emulator", "latency", "--state-dir", str(converged.state_dir), *args],
        check=True,
        capture_output=True,
    )


def test_each_alarm_period_fits_how_often_its_metric_is_published(converged: Converged) -> None:
    """The CPU alarms watch AWS/EC2 CPUUtilization, which EC2 publishes every 60 s with detailed
    monitoring (the launch template's) and every 300 s without: read both back from the stack."""
    template = converged.client("ec2").describe_launch_template_versions(
        LaunchTemplateName=TEMPLATE, Versions=["$Latest"]
    )["LaunchTemplateVersions"][0]["LaunchTemplateData"]
    detailed = bool(template.get("Monitoring", {}).get("Enabled"))
    assert detailed, "detailed monitoring is on by default"
    alarms = converged.client("cloudwatch").describe_alarms(AlarmNamePrefix="muejam-local-cpu-")["MetricAlarms"]
    assert sorted(alarm["AlarmName"] for alarm in alarms) == ["muejam-local-cpu-high", "muejam-local-cpu-low"]
    for alarm in alarms:
        assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/EC2", "CPUUtilization")
        assert alarm["Period"] >= scaling.metric_resolution(detailed)
        assert alarm["Period"] % scaling.metric_resolution(detailed) == 0
