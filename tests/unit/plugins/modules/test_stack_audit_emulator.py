"""stack_audit against the real emulator: a small compliant stack built with boto3 passes; each
weakened setting fails, naming its control and the resource.

The module runs as users run it: ansible-playbook with module_defaults pointing at the emulator.
Each weakening is undone when its test ends, so the tests share one stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[4]
NAME = "audit-test"
TAGS = {"Project": "audit", "Environment": "test", "ManagedBy": "muejam.infra"}
# The local inventory's AMI: Amazon Linux 2 in the emulator's catalogue, root device /dev/xvda.
IMAGE_ID = "ami-04681a1dbd79675a5"
MANAGED_POLICIES = [
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
]
ASSUME_EC2 = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
ASSUME_FLOW_LOGS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}


def tag_list(name: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in {**TAGS, "Name": name}.items()]


def tagged(resource_type: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": resource_type, "Tags": tag_list(name)}]


def world(port: int) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


@pytest.fixture(scope="module")
def stack(emulator: dict[str, Any]) -> dict[str, Any]:
    """A compliant stack: VPC, empty default SG, flow log, subnets, ALB, target group, LT, ASG, role, log groups."""
    client = emulator["client"]
    ec2, elbv2, autoscaling = client("ec2"), client("elbv2"), client("autoscaling")
    iam, logs = client("iam"), client("logs")

    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=tagged("vpc", f"{NAME}-vpc"))["Vpc"]["VpcId"]
    default_sg = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    if default_sg["IpPermissions"]:
        ec2.revoke_security_group_ingress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissions"])
    if default_sg["IpPermissionsEgress"]:
        ec2.revoke_security_group_egress(GroupId=default_sg["GroupId"], IpPermissions=default_sg["IpPermissionsEgress"])

    for group_name in ("/audit/test/app", "/audit/test/vpc-flow-logs"):
        logs.create_log_group(logGroupName=group_name)
        logs.put_retention_policy(logGroupName=group_name, retentionInDays=30)
    flow_role = iam.create_role(RoleName=f"{NAME}-flow-logs", AssumeRolePolicyDocument=json.dumps(ASSUME_FLOW_LOGS))
    ec2.create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/audit/test/vpc-flow-logs",
        DeliverLogsPermissionArn=flow_role["Role"]["Arn"],
    )

    subnets: dict[str, list[str]] = {"public": [], "private": []}
    for index, (tier, zone) in enumerate((t, z) for t in ("public", "private") for z in ("a", "b")):
        subnet = ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=f"10.20.{index}.0/24",
            AvailabilityZone=f"us-east-1{zone}",
            TagSpecifications=[
                {"ResourceType": "subnet", "Tags": [*tag_list(f"{NAME}-{tier}-{zone}"), {"Key": "Tier", "Value": tier}]}
            ],
        )["Subnet"]
        subnets[tier].append(subnet["SubnetId"])

    alb_sg = ec2.create_security_group(GroupName=f"{NAME}-alb-sg", Description="ALB", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[world(80), world(443)])
    app_sg = ec2.create_security_group(GroupName=f"{NAME}-app-sg", Description="app", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=app_sg,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": alb_sg}]}
        ],
    )

    target_group_arn = elbv2.create_target_group(
        Name=f"{NAME}-tg", Protocol="HTTP", Port=8000, VpcId=vpc_id, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    alb_arn = elbv2.create_load_balancer(
        Name=f"{NAME}-alb", Subnets=subnets["public"], SecurityGroups=[alb_sg], Scheme="internet-facing"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=alb_arn,
        Attributes=[{"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"}],
    )
    certificate_arn = (emulator["state_dir"] / "certificate_arn").read_text().strip()
    elbv2.create_listener(
        LoadBalancerArn=alb_arn,
        Protocol="HTTPS",
        Port=443,
        SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates=[{"CertificateArn": certificate_arn}],
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group_arn}],
    )
    elbv2.create_listener(
        LoadBalancerArn=alb_arn,
        Protocol="HTTP",
        Port=80,
        DefaultActions=[
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        ],
    )

    iam.create_role(RoleName=f"{NAME}-app", AssumeRolePolicyDocument=json.dumps(ASSUME_EC2))
    for arn in MANAGED_POLICIES:
        iam.attach_role_policy(RoleName=f"{NAME}-app", PolicyArn=arn)

    # The template's volume replaces the image's root volume (same device name), as on AWS.
    root_device = ec2.describe_images(ImageIds=[IMAGE_ID])["Images"][0]["RootDeviceName"]
    template_id = ec2.create_launch_template(
        LaunchTemplateName=f"{NAME}-lt",
        LaunchTemplateData={
            "ImageId": IMAGE_ID,
            "InstanceType": "t3.micro",
            "MetadataOptions": {"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1},
            "BlockDeviceMappings": [{"DeviceName": root_device, "Ebs": {"VolumeSize": 20, "Encrypted": True}}],
            "NetworkInterfaces": [{"DeviceIndex": 0, "AssociatePublicIpAddress": False, "Groups": [app_sg]}],
        },
    )["LaunchTemplate"]["LaunchTemplateId"]
    # No instances until a test scales the group out (test_instances_launched_from_the_template_pass).
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=f"{NAME}-asg",
        LaunchTemplate={"LaunchTemplateId": template_id, "Version": "1"},
        MinSize=0,
        MaxSize=4,
        DesiredCapacity=0,
        VPCZoneIdentifier=",".join(subnets["private"]),
        TargetGroupARNs=[target_group_arn],
        HealthCheckType="ELB",
        HealthCheckGracePeriod=300,
    )
    return {
        "vpc_id": vpc_id,
        "default_sg": default_sg["GroupId"],
        "app_sg": app_sg,
        "alb_arn": alb_arn,
        "template_id": template_id,
    }


def run_audit(emulator: dict[str, Any], check_mode: bool = False, **args: Any) -> dict[str, Any]:
    """Run muejam.infra.stack_audit in a playbook; return the task's result."""
    return emulator["run_module"]("muejam.infra.stack_audit", {"name": NAME, "tags": TAGS, **args}, check_mode)


def failures_of(result: dict[str, Any], control: str) -> list[dict[str, str]]:
    item = next(item for item in result["results"] if item["control"] == control)
    assert item["status"] == "FAIL", item
    return item["failures"]


@contextmanager
def weakened(apply: Any, undo: Any) -> Iterator[None]:
    apply()
    try:
        yield
    finally:
        undo()


class TestCompliantStack:
    def test_passes_every_control_without_changing_anything(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        result = run_audit(emulator)
        assert not result.get("failed"), result.get("msg")
        assert result["passed"] is True, result["table"]
        assert result["changed"] is False
        assert result["failed_controls"] == []
        statuses = {item["control"]: item["status"] for item in result["results"]}
        assert statuses.pop("ELB.5") == statuses.pop("ELB.6") == "NOT_REQUIRED"
        assert set(statuses.values()) == {"PASS"}
        assert result["table_lines"][-1] == "16 controls: 14 PASS, 0 FAIL, 2 NOT_REQUIRED"

    def test_passes_in_check_mode(self, emulator: dict[str, Any], stack: dict[str, Any]) -> None:
        result = run_audit(emulator, check_mode=True)
        assert result["passed"] is True and result["changed"] is False

    def test_fails_elb_5_and_elb_6_in_production(self, emulator: dict[str, Any], stack: dict[str, Any]) -> None:
        result = run_audit(emulator, production=True)
        assert result["failed_controls"] == ["ELB.5", "ELB.6"]
        assert failures_of(result, "ELB.6") == [
            {"resource": f"{NAME}-alb", "reason": "deletion_protection.enabled is false"}
        ]

    def test_a_stack_that_does_not_exist_fails_every_control(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        result = run_audit(emulator, name="no-such-stack", tags={"Project": "no", "Environment": "such"})
        assert not result.get("failed"), result.get("msg")
        assert len(result["failed_controls"]) == 16
        assert "EC2.2 no-such-stack-vpc: VPC not found" in result["failures"]
        assert "Logs.Retention /no/such/*: no log group found" in result["failures"]


class TestWeakenedStack:
    def test_imdsv1_in_the_launch_template_fails_ec2_8_naming_the_version(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        ec2 = emulator["client"]("ec2")
        template = stack["template_id"]

        def weaken() -> None:
            # The whole data, not SourceVersion: moto ignores SourceVersion (AWS bases the version on it).
            data = ec2.describe_launch_template_versions(LaunchTemplateId=template, Versions=["1"])
            data = data["LaunchTemplateVersions"][0]["LaunchTemplateData"]
            data["MetadataOptions"] = {"HttpTokens": "optional", "HttpEndpoint": "enabled"}
            ec2.create_launch_template_version(LaunchTemplateId=template, LaunchTemplateData=data)

        def restore() -> None:
            ec2.delete_launch_template_versions(LaunchTemplateId=template, Versions=["2"])

        with weakened(weaken, restore):
            result = run_audit(emulator)
        assert result["passed"] is False
        assert result["failed_controls"] == ["EC2.8/EC2.170"]
        assert failures_of(result, "EC2.8/EC2.170") == [
            {"resource": f"{template} ({NAME}-lt) version 2", "reason": "MetadataOptions.HttpTokens is optional"}
        ]

    def test_ssh_open_to_the_world_fails_ec2_18_naming_the_group(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        ec2 = emulator["client"]("ec2")
        group = stack["app_sg"]
        with weakened(
            lambda: ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[world(22)]),
            lambda: ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[world(22)]),
        ):
            result = run_audit(emulator)
        assert result["failed_controls"] == ["EC2.18/EC2.19"]
        assert failures_of(result, "EC2.18/EC2.19") == [
            {"resource": f"{group} ({NAME}-app-sg)", "reason": "tcp 22 open to 0.0.0.0/0"}
        ]

    def test_keeping_invalid_headers_fails_elb_4_naming_the_alb(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        elbv2 = emulator["client"]("elbv2")
        key = "routing.http.drop_invalid_header_fields.enabled"

        def setting(value: str) -> None:
            elbv2.modify_load_balancer_attributes(
                LoadBalancerArn=stack["alb_arn"], Attributes=[{"Key": key, "Value": value}]
            )

        with weakened(lambda: setting("false"), lambda: setting("true")):
            result = run_audit(emulator)
        assert result["failed_controls"] == ["ELB.4"]
        assert failures_of(result, "ELB.4") == [{"resource": f"{NAME}-alb", "reason": f"{key} is false"}]

    def test_a_rule_in_the_default_security_group_fails_ec2_2(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        ec2 = emulator["client"]("ec2")
        group = stack["default_sg"]
        rule = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        with weakened(
            lambda: ec2.authorize_security_group_egress(GroupId=group, IpPermissions=rule),
            lambda: ec2.revoke_security_group_egress(GroupId=group, IpPermissions=rule),
        ):
            result = run_audit(emulator)
        assert result["failed_controls"] == ["EC2.2"]
        assert failures_of(result, "EC2.2") == [
            {"resource": f"{group} (default)", "reason": "0 inbound and 1 outbound rule(s)"}
        ]

    def test_a_flow_log_group_without_retention_fails_ec2_6_and_logs_retention(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        logs = emulator["client"]("logs")
        group = "/audit/test/vpc-flow-logs"
        with weakened(
            lambda: logs.delete_retention_policy(logGroupName=group),
            lambda: logs.put_retention_policy(logGroupName=group, retentionInDays=30),
        ):
            result = run_audit(emulator)
        assert result["failed_controls"] == ["EC2.6", "Logs.Retention"]
        assert f"log group {group} has no retention (never expires)" in failures_of(result, "EC2.6")[0]["reason"]
        assert failures_of(result, "Logs.Retention") == [
            {"resource": group, "reason": "has no retention (never expires)"}
        ]

    def test_a_wildcard_inline_policy_fails_iam_1_naming_it(
        self, emulator: dict[str, Any], stack: dict[str, Any]
    ) -> None:
        iam = emulator["client"]("iam")
        document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        with weakened(
            lambda: iam.put_role_policy(RoleName=f"{NAME}-app", PolicyName="wide", PolicyDocument=json.dumps(document)),
            lambda: iam.delete_role_policy(RoleName=f"{NAME}-app", PolicyName="wide"),
        ):
            result = run_audit(emulator)
        assert result["failed_controls"] == ["IAM.1/IAM.21"]
        assert failures_of(result, "IAM.1/IAM.21") == [
            {"resource": f"{NAME}-app inline policy wide", "reason": "statement allows s3:*"}
        ]

    def test_ec2_health_checks_fail_autoscaling_1(self, emulator: dict[str, Any], stack: dict[str, Any]) -> None:
        autoscaling = emulator["client"]("autoscaling")

        def health_check(kind: str) -> None:
            autoscaling.update_auto_scaling_group(AutoScalingGroupName=f"{NAME}-asg", HealthCheckType=kind)

        with weakened(lambda: health_check("EC2"), lambda: health_check("ELB")):
            result = run_audit(emulator)
        assert result["failed_controls"] == ["AutoScaling.1"]
        assert failures_of(result, "AutoScaling.1") == [
            {"resource": f"{NAME}-asg", "reason": "HealthCheckType is EC2, not ELB"}
        ]


def test_instances_launched_from_the_template_pass(emulator: dict[str, Any], stack: dict[str, Any]) -> None:
    autoscaling = emulator["client"]("autoscaling")
    group = f"{NAME}-asg"

    def capacity(count: int) -> None:
        autoscaling.update_auto_scaling_group(AutoScalingGroupName=group, MinSize=count, DesiredCapacity=count)

    with weakened(lambda: capacity(2), lambda: capacity(0)):
        instances = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group])["AutoScalingGroups"][0]
        instance_ids = sorted(instance["InstanceId"] for instance in instances["Instances"])
        result = run_audit(emulator)
    assert len(instance_ids) == 2
    assert result["passed"] is True, result["table"]
    checked = {item["control"]: item["checked"] for item in result["results"]}
    # Both instances were audited (IMDSv2 required), each with a single, encrypted root volume.
    assert sum(instance_id in label for label in checked["EC2.8/EC2.170"] for instance_id in instance_ids) == 2
    volumes = [label for label in checked["EC2.3"] if label.startswith("vol-")]
    assert len(volumes) == 2, checked["EC2.3"]
