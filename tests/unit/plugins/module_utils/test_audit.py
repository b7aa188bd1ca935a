"""The audit's controls on plain dicts shaped as boto3 returns them: each passes and fails."""

from __future__ import annotations

import copy
import json
from typing import Any
from urllib.parse import quote

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import audit as subject

ALB_SG = "sg-alb"
APP_SG = "sg-app"


def tags(**values: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in values.items()]


def version(number: int, default: bool = False, **data: Any) -> dict[str, Any]:
    template_data = {
        "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"},
        "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False}],
        "BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": True, "VolumeSize": 20}}],
    }
    template_data.update(data)
    return {
        "LaunchTemplateId": "lt-1",
        "LaunchTemplateName": "s-lt",
        "VersionNumber": number,
        "DefaultVersion": default,
        "LaunchTemplateData": template_data,
    }


def web(port: int, cidr: str = "0.0.0.0/0") -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": cidr}], "Ipv6Ranges": []}


def compliant_stack() -> dict[str, Any]:
    """A described stack that passes every control."""
    vpc = {"VpcId": "vpc-1", "Tags": tags(Name="s-vpc")}
    subnets = [
        {"SubnetId": f"subnet-{tier}-{zone}", "AvailabilityZone": f"us-east-1{zone}", "MapPublicIpOnLaunch": False}
        | {"Tags": tags(Name=f"s-{tier}-{zone}", Tier=tier)}
        for tier in ("public", "private")
        for zone in "ab"
    ]
    return {
        "name": "s",
        "production": True,
        "log_group_prefix": "/p/e/",
        "vpc": vpc,
        "subnets": subnets,
        "security_groups": [
            {"GroupId": "sg-default", "GroupName": "default", "IpPermissions": [], "IpPermissionsEgress": []},
            {"GroupId": ALB_SG, "GroupName": "s-alb-sg", "IpPermissions": [web(80), web(443)]},
            {
                "GroupId": APP_SG,
                "GroupName": "s-app-sg",
                "IpPermissions": [
                    {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": ALB_SG}]}
                ],
            },
        ],
        "flow_logs": [
            {
                "FlowLogId": "fl-1",
                "ResourceId": "vpc-1",
                "FlowLogStatus": "ACTIVE",
                "TrafficType": "ALL",
                "LogDestinationType": "cloud-watch-logs",
                "LogGroupName": "/p/e/vpc-flow-logs",
            }
        ],
        "log_groups": [
            {"logGroupName": "/p/e/app", "retentionInDays": 30},
            {"logGroupName": "/p/e/system", "retentionInDays": 30},
            {"logGroupName": "/p/e/vpc-flow-logs", "retentionInDays": 30},
        ],
        "load_balancer": {
            "LoadBalancerName": "s-alb",
            "SecurityGroups": [ALB_SG],
            "AvailabilityZones": [{"ZoneName": "us-east-1a"}, {"ZoneName": "us-east-1b"}],
        },
        "load_balancer_attributes": {
            "routing.http.drop_invalid_header_fields.enabled": "true",
            "access_logs.s3.enabled": "true",
            "access_logs.s3.bucket": "logs-bucket",
            "deletion_protection.enabled": "true",
        },
        "listeners": [
            {"Protocol": "HTTPS", "Port": 443, "DefaultActions": [{"Type": "forward"}]},
            {
                "Protocol": "HTTP",
                "Port": 80,
                "DefaultActions": [{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443"}}],
                "Rules": [{"IsDefault": True, "Actions": [{"Type": "redirect"}]}],
            },
        ],
        "target_group": {"TargetGroupArn": "arn:tg", "TargetGroupName": "s-tg"},
        "autoscaling_group": {
            "AutoScalingGroupName": "s-asg",
            "HealthCheckType": "ELB",
            "TargetGroupARNs": ["arn:tg"],
            "AvailabilityZones": ["us-east-1a", "us-east-1b"],
            "LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "1"},
        },
        "launch_template": {"LaunchTemplateId": "lt-1", "LaunchTemplateName": "s-lt"},
        "launch_template_versions": [version(1, default=True)],
        "instances": [{"InstanceId": "i-1", "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled"}}],
        "volumes": [
            {"VolumeId": "vol-1", "Encrypted": True, "Attachments": [{"InstanceId": "i-1", "Device": "/dev/xvda"}]}
        ],
        "ebs_encryption_by_default": False,
        "role": {"RoleName": "s-app"},
        "role_policies": [
            {
                "name": "CloudWatchAgentServerPolicy",
                "kind": "managed",
                "document": {"Statement": [{"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": "*"}]},
            }
        ],
    }


def by_control(stack: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["control"]: item for item in subject.audit(stack)}


def only_failure(item: dict[str, Any]) -> dict[str, str]:
    assert item["status"] == subject.FAIL, item
    assert len(item["failures"]) == 1, item["failures"]
    return item["failures"][0]


@pytest.fixture
def stack() -> dict[str, Any]:
    return copy.deepcopy(compliant_stack())


class TestAudit:
    def test_a_compliant_stack_passes_every_control(self, stack: dict[str, Any]) -> None:
        results = subject.audit(stack)
        assert [item["status"] for item in results] == [subject.PASS] * 16
        assert subject.failed_controls(results) == []

    def test_a_stack_that_does_not_exist_fails_every_control_naming_what_is_missing(self) -> None:
        results = subject.audit({"name": "s", "log_group_prefix": "/p/e/"})
        assert subject.failed_controls(results) == [item["control"] for item in results]
        resources = {problem["resource"] for item in results for problem in item["failures"]}
        assert resources == {"s-alb", "s-asg", "s-vpc", "s-lt", "s-app", "/p/e/*"}


class TestCheckElb1:
    def test_passes_when_http_redirects_to_https(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["ELB.1"]["status"] == subject.PASS

    def test_fails_when_http_forwards(self, stack: dict[str, Any]) -> None:
        stack["listeners"][1]["DefaultActions"] = [{"Type": "forward"}]
        assert only_failure(by_control(stack)["ELB.1"]) == {
            "resource": "s-alb HTTP:80",
            "reason": "default action is forward, not a redirect to HTTPS",
        }

    def test_fails_when_a_rule_of_the_http_listener_forwards(self, stack: dict[str, Any]) -> None:
        stack["listeners"][1]["Rules"].append({"IsDefault": False, "Priority": "5", "Actions": [{"Type": "forward"}]})
        assert "rule 5 is forward" in only_failure(by_control(stack)["ELB.1"])["reason"]

    def test_fails_without_an_https_listener(self, stack: dict[str, Any]) -> None:
        del stack["listeners"][0]
        assert only_failure(by_control(stack)["ELB.1"])["reason"] == "no HTTPS listener to redirect to"


class TestCheckElb4:
    def test_passes_when_invalid_headers_are_dropped(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["ELB.4"]["status"] == subject.PASS

    def test_fails_when_invalid_headers_are_kept(self, stack: dict[str, Any]) -> None:
        stack["load_balancer_attributes"]["routing.http.drop_invalid_header_fields.enabled"] = "false"
        assert only_failure(by_control(stack)["ELB.4"]) == {
            "resource": "s-alb",
            "reason": "routing.http.drop_invalid_header_fields.enabled is false",
        }


class TestCheckElb5:
    def test_passes_with_access_logs_to_a_bucket(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["ELB.5"]["status"] == subject.PASS

    def test_fails_in_production_without_access_logs(self, stack: dict[str, Any]) -> None:
        stack["load_balancer_attributes"]["access_logs.s3.enabled"] = "false"
        assert only_failure(by_control(stack)["ELB.5"])["reason"] == "access_logs.s3.enabled is false"

    def test_fails_in_production_without_a_bucket(self, stack: dict[str, Any]) -> None:
        stack["load_balancer_attributes"]["access_logs.s3.bucket"] = ""
        assert only_failure(by_control(stack)["ELB.5"])["reason"] == "access_logs.s3.bucket is empty"

    def test_is_not_required_outside_production(self, stack: dict[str, Any]) -> None:
        stack["production"] = False
        stack["load_balancer_attributes"]["access_logs.s3.enabled"] = "false"
        item = by_control(stack)["ELB.5"]
        assert item["status"] == subject.NOT_REQUIRED
        assert item["note"] == "access_logs.s3.enabled is false; required only in production"
        assert "ELB.5" not in subject.failed_controls(subject.audit(stack))


class TestCheckElb6:
    def test_passes_with_deletion_protection(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["ELB.6"]["status"] == subject.PASS

    def test_fails_in_production_without_deletion_protection(self, stack: dict[str, Any]) -> None:
        stack["load_balancer_attributes"]["deletion_protection.enabled"] = "false"
        assert only_failure(by_control(stack)["ELB.6"])["reason"] == "deletion_protection.enabled is false"

    def test_passes_outside_production_when_on_and_is_not_required_when_off(self, stack: dict[str, Any]) -> None:
        stack["production"] = False
        assert by_control(stack)["ELB.6"]["status"] == subject.PASS
        stack["load_balancer_attributes"]["deletion_protection.enabled"] = "false"
        assert by_control(stack)["ELB.6"]["status"] == subject.NOT_REQUIRED


class TestCheckElb13:
    def test_passes_in_two_zones(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["ELB.13"]["status"] == subject.PASS

    def test_fails_in_one_zone(self, stack: dict[str, Any]) -> None:
        stack["load_balancer"]["AvailabilityZones"] = [{"ZoneName": "us-east-1a"}]
        assert only_failure(by_control(stack)["ELB.13"])["reason"] == "in 1 zone(s): us-east-1a"


class TestCheckAutoscaling1:
    def test_passes_with_elb_health_checks_on_the_target_group(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["AutoScaling.1"]["status"] == subject.PASS

    def test_fails_with_ec2_health_checks(self, stack: dict[str, Any]) -> None:
        stack["autoscaling_group"]["HealthCheckType"] = "EC2"
        assert only_failure(by_control(stack)["AutoScaling.1"]) == {
            "resource": "s-asg",
            "reason": "HealthCheckType is EC2, not ELB",
        }

    def test_fails_when_not_attached_to_the_stacks_target_group(self, stack: dict[str, Any]) -> None:
        stack["autoscaling_group"]["TargetGroupARNs"] = ["arn:other"]
        assert only_failure(by_control(stack)["AutoScaling.1"])["reason"] == "not attached to the target group s-tg"


class TestCheckAutoscaling2:
    def test_passes_in_two_zones(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["AutoScaling.2"]["status"] == subject.PASS

    def test_fails_in_one_zone(self, stack: dict[str, Any]) -> None:
        stack["autoscaling_group"]["AvailabilityZones"] = ["us-east-1a"]
        assert only_failure(by_control(stack)["AutoScaling.2"])["reason"] == "in 1 zone(s): us-east-1a"

    def test_derives_the_zones_from_the_subnets_when_none_are_listed(self, stack: dict[str, Any]) -> None:
        stack["autoscaling_group"]["AvailabilityZones"] = []
        stack["autoscaling_group"]["VPCZoneIdentifier"] = "subnet-private-a,subnet-private-b"
        assert by_control(stack)["AutoScaling.2"]["status"] == subject.PASS


class TestCheckEc22:
    def test_passes_when_the_default_group_is_empty(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.2"]["status"] == subject.PASS

    def test_fails_with_the_default_allow_all_egress(self, stack: dict[str, Any]) -> None:
        stack["security_groups"][0]["IpPermissionsEgress"] = [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ]
        assert only_failure(by_control(stack)["EC2.2"]) == {
            "resource": "sg-default (default)",
            "reason": "0 inbound and 1 outbound rule(s)",
        }


class TestCheckEc26:
    def test_passes_with_a_flow_log_to_a_group_with_retention(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.6"]["status"] == subject.PASS

    def test_fails_without_a_flow_log(self, stack: dict[str, Any]) -> None:
        stack["flow_logs"] = []
        assert only_failure(by_control(stack)["EC2.6"]) == {"resource": "vpc-1 (s-vpc)", "reason": "no flow log"}

    def test_fails_when_the_log_group_never_expires(self, stack: dict[str, Any]) -> None:
        del stack["log_groups"][2]["retentionInDays"]
        assert only_failure(by_control(stack)["EC2.6"])["reason"] == (
            "flow log fl-1: log group /p/e/vpc-flow-logs has no retention (never expires)"
        )

    def test_fails_when_delivering_to_s3(self, stack: dict[str, Any]) -> None:
        stack["flow_logs"][0]["LogDestinationType"] = "s3"
        assert "delivers to s3, not CloudWatch Logs" in only_failure(by_control(stack)["EC2.6"])["reason"]

    def test_fails_when_logging_accepted_traffic_only(self, stack: dict[str, Any]) -> None:
        stack["flow_logs"][0]["TrafficType"] = "ACCEPT"
        assert "logs ACCEPT traffic only" in only_failure(by_control(stack)["EC2.6"])["reason"]


class TestCheckEc28170:
    def test_passes_when_imdsv2_is_required(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.8/EC2.170"]["status"] == subject.PASS

    def test_fails_when_the_template_allows_imdsv1(self, stack: dict[str, Any]) -> None:
        stack["launch_template_versions"] = [version(1, True, MetadataOptions={"HttpTokens": "optional"})]
        assert only_failure(by_control(stack)["EC2.8/EC2.170"]) == {
            "resource": "lt-1 (s-lt) version 1",
            "reason": "MetadataOptions.HttpTokens is optional",
        }

    def test_fails_when_the_template_sets_no_metadata_options(self, stack: dict[str, Any]) -> None:
        stack["launch_template_versions"] = [version(1, True, MetadataOptions={})]
        assert "unset (optional)" in only_failure(by_control(stack)["EC2.8/EC2.170"])["reason"]

    def test_fails_when_an_instance_allows_imdsv1(self, stack: dict[str, Any]) -> None:
        stack["instances"][0]["MetadataOptions"]["HttpTokens"] = "optional"
        assert only_failure(by_control(stack)["EC2.8/EC2.170"]) == {
            "resource": "i-1",
            "reason": "instance allows IMDSv1 (HttpTokens optional)",
        }


class TestCheckEc215:
    def test_passes_when_no_subnet_maps_public_ips(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.15"]["status"] == subject.PASS

    def test_fails_naming_the_subnet_that_maps_public_ips(self, stack: dict[str, Any]) -> None:
        stack["subnets"][2]["MapPublicIpOnLaunch"] = True
        assert only_failure(by_control(stack)["EC2.15"]) == {
            "resource": "subnet-private-a (s-private-a)",
            "reason": "MapPublicIpOnLaunch is true",
        }

    def test_fails_without_private_subnets(self, stack: dict[str, Any]) -> None:
        stack["subnets"] = stack["subnets"][:2]
        assert "no private subnet" in only_failure(by_control(stack)["EC2.15"])["reason"]


class TestCheckEc21819:
    def test_passes_with_80_and_443_open_on_the_alb_only(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.18/EC2.19"]["status"] == subject.PASS

    def test_fails_with_ssh_open_to_the_world(self, stack: dict[str, Any]) -> None:
        stack["security_groups"][2]["IpPermissions"].append(web(22))
        assert only_failure(by_control(stack)["EC2.18/EC2.19"]) == {
            "resource": "sg-app (s-app-sg)",
            "reason": "tcp 22 open to 0.0.0.0/0",
        }

    def test_fails_with_https_open_to_the_world_on_the_app_group(self, stack: dict[str, Any]) -> None:
        stack["security_groups"][2]["IpPermissions"].append(web(443, "::/0") | {"IpRanges": []})
        stack["security_groups"][2]["IpPermissions"][-1]["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
        assert only_failure(by_control(stack)["EC2.18/EC2.19"])["reason"] == (
            "tcp 443 open to ::/0 on a security group that is not the ALB's"
        )

    def test_fails_with_all_traffic_or_a_port_range_open_on_the_alb(self, stack: dict[str, Any]) -> None:
        stack["security_groups"][1]["IpPermissions"] += [
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
        ]
        reasons = [problem["reason"] for problem in by_control(stack)["EC2.18/EC2.19"]["failures"]]
        assert reasons == ["all traffic open to 0.0.0.0/0", "tcp 80-443 open to 0.0.0.0/0"]

    def test_passes_with_a_private_source(self, stack: dict[str, Any]) -> None:
        stack["security_groups"][2]["IpPermissions"].append(web(22, "10.0.0.0/16"))
        assert by_control(stack)["EC2.18/EC2.19"]["status"] == subject.PASS


class TestCheckEc225:
    def test_passes_without_public_ips(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.25"]["status"] == subject.PASS

    def test_fails_when_an_interface_gets_a_public_ip(self, stack: dict[str, Any]) -> None:
        interfaces = [{"DeviceIndex": 0, "AssociatePublicIpAddress": True}]
        stack["launch_template_versions"] = [version(1, True, NetworkInterfaces=interfaces)]
        assert only_failure(by_control(stack)["EC2.25"]) == {
            "resource": "lt-1 (s-lt) version 1",
            "reason": "network interface 0 has AssociatePublicIpAddress true",
        }


class TestCheckEc23:
    def test_passes_with_encrypted_mappings_and_volumes(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["EC2.3"]["status"] == subject.PASS

    def test_fails_when_the_template_leaves_a_volume_unencrypted(self, stack: dict[str, Any]) -> None:
        mappings = [{"DeviceName": "/dev/xvda", "Ebs": {"Encrypted": False}}]
        stack["launch_template_versions"] = [version(1, True, BlockDeviceMappings=mappings)]
        assert only_failure(by_control(stack)["EC2.3"])["reason"] == "/dev/xvda is not encrypted"

    def test_fails_without_mappings_unless_the_account_encrypts_by_default(self, stack: dict[str, Any]) -> None:
        stack["launch_template_versions"] = [version(1, True, BlockDeviceMappings=[])]
        assert "EBS encryption by default is off" in only_failure(by_control(stack)["EC2.3"])["reason"]
        stack["ebs_encryption_by_default"] = True
        assert by_control(stack)["EC2.3"]["status"] == subject.PASS

    def test_fails_naming_an_unencrypted_attached_volume(self, stack: dict[str, Any]) -> None:
        stack["volumes"][0]["Encrypted"] = False
        assert only_failure(by_control(stack)["EC2.3"]) == {
            "resource": "vol-1",
            "reason": "not encrypted (attached to i-1 /dev/xvda)",
        }


class TestCheckIam121:
    def test_passes_without_wildcard_actions(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["IAM.1/IAM.21"]["status"] == subject.PASS

    @pytest.mark.parametrize(
        ("statement", "reason"),
        [
            ({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}, "All allows *"),
            ({"Effect": "Allow", "Action": ["s3:*"], "Resource": "*"}, "statement allows s3:*"),
            ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "statement allows every action but iam:*"),
        ],
    )
    def test_fails_naming_the_inline_policy_with_a_wildcard(
        self, stack: dict[str, Any], statement: dict[str, Any], reason: str
    ) -> None:
        stack["role_policies"].append({"name": "extra", "kind": "inline", "document": {"Statement": [statement]}})
        assert only_failure(by_control(stack)["IAM.1/IAM.21"]) == {
            "resource": "s-app inline policy extra",
            "reason": reason,
        }

    def test_ignores_deny_statements_and_reads_url_encoded_documents(self, stack: dict[str, Any]) -> None:
        document = {"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}
        stack["role_policies"].append({"name": "deny", "kind": "inline", "document": quote(json.dumps(document))})
        assert by_control(stack)["IAM.1/IAM.21"]["status"] == subject.PASS


class TestCheckLogRetention:
    def test_passes_when_every_group_has_a_retention(self, stack: dict[str, Any]) -> None:
        assert by_control(stack)["Logs.Retention"]["status"] == subject.PASS

    def test_fails_naming_the_group_that_never_expires(self, stack: dict[str, Any]) -> None:
        del stack["log_groups"][0]["retentionInDays"]
        assert only_failure(by_control(stack)["Logs.Retention"]) == {
            "resource": "/p/e/app",
            "reason": "has no retention (never expires)",
        }

    def test_checks_the_flow_log_group_outside_the_prefix(self, stack: dict[str, Any]) -> None:
        stack["flow_logs"][0]["LogGroupName"] = "/vpc/flow"
        stack["log_groups"].append({"logGroupName": "/vpc/flow"})
        assert only_failure(by_control(stack)["Logs.Retention"])["resource"] == "/vpc/flow"


class TestAuditedVersions:
    def test_audits_the_default_latest_and_the_groups_version(self) -> None:
        versions = [version(1), version(2, default=True), version(3), version(4)]
        group = {"LaunchTemplate": {"LaunchTemplateId": "lt-1", "Version": "3"}}
        assert [item["VersionNumber"] for item in subject.audited_versions(versions, group)] == [2, 3, 4]

    def test_resolves_default_for_a_group_without_a_version(self) -> None:
        versions = [version(1, default=True), version(2)]
        group = {
            "MixedInstancesPolicy": {"LaunchTemplate": {"LaunchTemplateSpecification": {"LaunchTemplateName": "s-lt"}}}
        }
        assert [item["VersionNumber"] for item in subject.audited_versions(versions, group)] == [1, 2]


class TestRenderTable:
    def test_lists_every_control_each_failing_resource_and_a_summary(self, stack: dict[str, Any]) -> None:
        stack["production"] = False
        stack["load_balancer_attributes"]["deletion_protection.enabled"] = "false"
        stack["security_groups"][2]["IpPermissions"] += [web(22), web(3389)]
        lines = subject.render_table(subject.audit(stack)).splitlines()
        assert lines[0].split() == ["CONTROL", "STATUS", "TITLE", "RESOURCE", "WHY"]
        assert len(lines) == 2 + 16 + 1 + 1  # header, rule, controls, a second failing resource, summary
        failing = [line for line in lines if "sg-app (s-app-sg)" in line]
        assert failing[0].split()[:2] == ["EC2.18/EC2.19", "FAIL"]
        assert failing[0].endswith("tcp 22 open to 0.0.0.0/0")
        assert failing[1].startswith(" ") and failing[1].endswith("tcp 3389 open to 0.0.0.0/0")
        assert any(
            line.startswith("ELB.6") and "NOT_REQUIRED" in line and "required only in production" in line
            for line in lines
        )
        assert lines[-1] == "16 controls: 14 PASS, 1 FAIL, 1 NOT_REQUIRED"

    def test_failure_lines_name_control_resource_and_why(self, stack: dict[str, Any]) -> None:
        stack["security_groups"][2]["IpPermissions"].append(web(22))
        assert subject.failure_lines(subject.audit(stack)) == [
            "EC2.18/EC2.19 sg-app (s-app-sg): tcp 22 open to 0.0.0.0/0"
        ]
