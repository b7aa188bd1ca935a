"""The root volume sits at the image's root device and a template's mapping for it configures it, as on AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import ec2_launch_template_root_volume as patch

REGION = "us-east-1"
# Amazon Linux 2 in moto's image catalogue; its root device is /dev/xvda.
AMAZON_LINUX_2 = "ami-04681a1dbd79675a5"
ROOT = {"DeviceName": "/dev/xvda", "Ebs": {"VolumeSize": 20, "VolumeType": "gp3", "Encrypted": True}}
DATA = {"ImageId": AMAZON_LINUX_2, "InstanceType": "t3.micro", "BlockDeviceMappings": [ROOT]}


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    patch.apply()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")
        template_id = ec2.create_launch_template(LaunchTemplateName="t-lt", LaunchTemplateData=DATA)
        yield {
            "ec2": ec2,
            "autoscaling": boto3.client("autoscaling", region_name=REGION),
            "subnet_id": subnet_id["Subnet"]["SubnetId"],
            "template_id": template_id["LaunchTemplate"]["LaunchTemplateId"],
        }


def run(aws: dict[str, Any], **request: Any) -> str:
    instances = aws["ec2"].run_instances(MinCount=1, MaxCount=1, SubnetId=aws["subnet_id"], **request)["Instances"]
    return instances[0]["InstanceId"]


def instance(ec2: Any, instance_id: str) -> dict[str, Any]:
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def volumes(ec2: Any, instance_id: str) -> dict[str, dict[str, Any]]:
    """The instance's volumes by device name."""
    found = ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"]
    return {volume["Attachments"][0]["Device"]: volume for volume in found}


def settings(volume: dict[str, Any]) -> tuple[int, str, bool]:
    return volume["Size"], volume["VolumeType"], volume["Encrypted"]


class TestRunInstancesFromATemplate:
    def test_the_template_mapping_for_the_root_device_configures_the_only_root_volume(
        self, aws: dict[str, Any]
    ) -> None:
        ec2 = aws["ec2"]
        instance_id = run(aws, LaunchTemplate={"LaunchTemplateId": aws["template_id"]})
        described = instance(ec2, instance_id)
        assert described["RootDeviceName"] == "/dev/xvda"
        assert [mapping["DeviceName"] for mapping in described["BlockDeviceMappings"]] == ["/dev/xvda"]
        assert described["BlockDeviceMappings"][0]["Ebs"]["DeleteOnTermination"] is True
        assert {device: settings(volume) for device, volume in volumes(ec2, instance_id).items()} == {
            "/dev/xvda": (20, "gp3", True)
        }

    def test_the_root_volume_goes_with_the_instance(self, aws: dict[str, Any]) -> None:
        ec2 = aws["ec2"]
        instance_id = run(aws, LaunchTemplate={"LaunchTemplateId": aws["template_id"]})
        ec2.terminate_instances(InstanceIds=[instance_id])
        assert ec2.describe_volumes()["Volumes"] == []

    def test_a_mapping_for_another_device_adds_a_volume(self, aws: dict[str, Any]) -> None:
        ec2 = aws["ec2"]
        data = {
            "ImageId": AMAZON_LINUX_2,
            "BlockDeviceMappings": [{"DeviceName": "/dev/sdf", "Ebs": {"VolumeSize": 5}}],
        }
        ec2.create_launch_template(LaunchTemplateName="t-data", LaunchTemplateData=data)
        instance_id = run(aws, LaunchTemplate={"LaunchTemplateName": "t-data"})
        found = volumes(ec2, instance_id)
        assert sorted(found) == ["/dev/sdf", "/dev/xvda"]
        assert settings(found["/dev/xvda"])[0::2] == (patch.DEFAULT_ROOT_SIZE, False)
        assert found["/dev/sdf"]["Size"] == 5

    def test_an_instance_without_a_template_has_its_root_at_the_image_root_device(self, aws: dict[str, Any]) -> None:
        ec2 = aws["ec2"]
        instance_id = run(aws, ImageId=AMAZON_LINUX_2, InstanceType="t3.micro")
        found = volumes(ec2, instance_id)
        assert sorted(found) == ["/dev/xvda"]
        assert settings(found["/dev/xvda"])[0::2] == (patch.DEFAULT_ROOT_SIZE, False)

    def test_apply_is_idempotent(self, aws: dict[str, Any]) -> None:
        patch.apply()
        instance_id = run(aws, LaunchTemplate={"LaunchTemplateId": aws["template_id"]})
        assert sorted(volumes(aws["ec2"], instance_id)) == ["/dev/xvda"]


class TestAutoScalingGroupFromATemplate:
    def test_each_group_instance_has_one_encrypted_root_volume(self, aws: dict[str, Any]) -> None:
        aws["autoscaling"].create_auto_scaling_group(
            AutoScalingGroupName="t-asg",
            LaunchTemplate={"LaunchTemplateId": aws["template_id"], "Version": "$Latest"},
            MinSize=2,
            MaxSize=2,
            DesiredCapacity=2,
            VPCZoneIdentifier=aws["subnet_id"],
        )
        group = aws["autoscaling"].describe_auto_scaling_groups(AutoScalingGroupNames=["t-asg"])
        instance_ids = [member["InstanceId"] for member in group["AutoScalingGroups"][0]["Instances"]]
        assert len(instance_ids) == 2
        for instance_id in instance_ids:
            assert {device: settings(volume) for device, volume in volumes(aws["ec2"], instance_id).items()} == {
                "/dev/xvda": (20, "gp3", True)
            }


class TestRootEbs:
    def test_the_mapping_for_the_root_device_is_found(self) -> None:
        assert patch.root_ebs(DATA, "/dev/xvda") == ROOT["Ebs"]
        assert patch.root_ebs(DATA, "/dev/sda1") is None
        assert patch.root_ebs({}, "/dev/xvda") is None

    def test_a_no_device_mapping_does_not_configure_the_root(self) -> None:
        data = {"BlockDeviceMappings": [{"DeviceName": "/dev/xvda", "NoDevice": ""}]}
        assert patch.root_ebs(data, "/dev/xvda") is None

    def test_what_the_mapping_leaves_out_keeps_the_defaults(self) -> None:
        arguments, delete_on_termination = patch.root_volume_arguments({"Encrypted": True})
        assert (arguments["size"], arguments["encrypted"], delete_on_termination) == (8, True, True)
        assert patch.root_volume_arguments({"DeleteOnTermination": False})[1] is False
