"""Instances launched from a launch template get the template's MetadataOptions, as on AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import ec2_launch_template_metadata_options as patch

REGION = "us-east-1"
IMDSV2 = {"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 2}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    patch.apply()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")
        template_id = ec2.create_launch_template(
            LaunchTemplateName="t-lt",
            LaunchTemplateData={"ImageId": image_id, "InstanceType": "t3.micro", "MetadataOptions": IMDSV2},
        )["LaunchTemplate"]["LaunchTemplateId"]
        yield {
            "ec2": ec2,
            "autoscaling": boto3.client("autoscaling", region_name=REGION),
            "image_id": image_id,
            "subnet_id": subnet_id["Subnet"]["SubnetId"],
            "template_id": template_id,
        }


def metadata_options(ec2: Any, instance_ids: list[str]) -> list[dict[str, Any]]:
    reservations = ec2.describe_instances(InstanceIds=instance_ids)["Reservations"]
    return [instance["MetadataOptions"] for reservation in reservations for instance in reservation["Instances"]]


def run(aws: dict[str, Any], **request: Any) -> str:
    instances = aws["ec2"].run_instances(MinCount=1, MaxCount=1, SubnetId=aws["subnet_id"], **request)["Instances"]
    return instances[0]["InstanceId"]


class TestRunInstancesFromATemplate:
    def test_the_instance_has_the_template_metadata_options(self, aws: dict[str, Any]) -> None:
        instance_id = run(aws, LaunchTemplate={"LaunchTemplateId": aws["template_id"]})
        (options,) = metadata_options(aws["ec2"], [instance_id])
        assert options["HttpTokens"] == "required"
        assert options["HttpPutResponseHopLimit"] == 2
        assert options["HttpEndpoint"] == "enabled"

    def test_the_template_version_launched_decides(self, aws: dict[str, Any]) -> None:
        ec2 = aws["ec2"]
        ec2.create_launch_template_version(
            LaunchTemplateId=aws["template_id"],
            LaunchTemplateData={"ImageId": aws["image_id"], "MetadataOptions": {"HttpTokens": "optional"}},
        )
        first = run(aws, LaunchTemplate={"LaunchTemplateId": aws["template_id"], "Version": "1"})
        second = run(aws, LaunchTemplate={"LaunchTemplateName": "t-lt", "Version": "2"})
        assert metadata_options(ec2, [first])[0]["HttpTokens"] == "required"
        assert metadata_options(ec2, [second])[0]["HttpTokens"] == "optional"

    def test_metadata_options_of_the_request_override_the_template(self, aws: dict[str, Any]) -> None:
        instance_id = run(
            aws,
            LaunchTemplate={"LaunchTemplateId": aws["template_id"]},
            MetadataOptions={"HttpPutResponseHopLimit": 3},
        )
        (options,) = metadata_options(aws["ec2"], [instance_id])
        assert (options["HttpTokens"], options["HttpPutResponseHopLimit"]) == ("required", 3)

    def test_an_instance_without_a_template_keeps_the_defaults(self, aws: dict[str, Any]) -> None:
        instance_id = run(aws, ImageId=aws["image_id"], InstanceType="t3.micro")
        (options,) = metadata_options(aws["ec2"], [instance_id])
        assert (options["HttpTokens"], options["HttpPutResponseHopLimit"]) == ("optional", 1)

    def test_apply_is_idempotent(self, aws: dict[str, Any]) -> None:
        patch.apply()
        instance_id = run(aws, LaunchTemplate={"LaunchTemplateId": aws["template_id"]})
        assert metadata_options(aws["ec2"], [instance_id])[0]["HttpTokens"] == "required"


class TestAutoScalingGroupFromATemplate:
    def test_the_group_instances_have_the_template_metadata_options(self, aws: dict[str, Any]) -> None:
        aws["autoscaling"].create_auto_scaling_group(
            AutoScalingGroupName="t-asg",
            LaunchTemplate={"LaunchTemplateId": aws["template_id"], "Version": "$Latest"},
            MinSize=2,
            MaxSize=2,
            DesiredCapacity=2,
            VPCZoneIdentifier=aws["subnet_id"],
        )
        group = aws["autoscaling"].describe_auto_scaling_groups(AutoScalingGroupNames=["t-asg"])
        instance_ids = [instance["InstanceId"] for instance in group["AutoScalingGroups"][0]["Instances"]]
        assert len(instance_ids) == 2
        for options in metadata_options(aws["ec2"], instance_ids):
            assert (options["HttpTokens"], options["HttpPutResponseHopLimit"]) == ("required", 2)


class TestMergedMetadataOptions:
    def test_members_of_the_request_override_those_of_the_template(self) -> None:
        merged = patch.merged_metadata_options(IMDSV2, {"HttpPutResponseHopLimit": 1})
        assert merged == {**IMDSV2, "HttpPutResponseHopLimit": 1}

    def test_either_may_be_missing(self) -> None:
        assert patch.merged_metadata_options(None, None) == {}
        assert patch.merged_metadata_options(IMDSV2, None) == IMDSV2
        assert patch.merged_metadata_options(None, {"HttpTokens": "required"}) == {"HttpTokens": "required"}
