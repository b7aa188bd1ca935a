from __future__ import annotations

from typing import Any

import boto3
from moto import mock_aws

from tools.emulator.patches import ec2_instance_eni_delete_on_termination


def launch(ec2: Any, **extra: Any) -> str:
    image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    return ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1, InstanceType="t3.micro", **extra)["Instances"][
        0
    ]["InstanceId"]


def interfaces(ec2: Any, subnet_id: str) -> list[dict[str, Any]]:
    return ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [subnet_id]}])["NetworkInterfaces"]


@mock_aws
class TestInstanceInterfacesOnTermination:
    def setup_method(self, method: object) -> None:
        ec2_instance_eni_delete_on_termination.apply()
        self.ec2 = boto3.client("ec2", region_name="us-east-1")
        vpc_id = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnet_id = self.ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]

    def test_the_primary_interface_is_marked_delete_on_termination(self) -> None:
        launch(self.ec2, SubnetId=self.subnet_id)
        (interface,) = interfaces(self.ec2, self.subnet_id)
        assert interface["Attachment"]["DeleteOnTermination"] is True

    def test_the_primary_interface_goes_with_the_instance(self) -> None:
        instance_id = launch(self.ec2, SubnetId=self.subnet_id)
        self.ec2.terminate_instances(InstanceIds=[instance_id])
        assert interfaces(self.ec2, self.subnet_id) == []

    def test_an_explicit_false_keeps_the_interface(self) -> None:
        spec = {"DeviceIndex": 0, "SubnetId": self.subnet_id, "DeleteOnTermination": False}
        instance_id = launch(self.ec2, NetworkInterfaces=[spec])
        self.ec2.terminate_instances(InstanceIds=[instance_id])
        assert len(interfaces(self.ec2, self.subnet_id)) == 1

    def test_an_existing_interface_attached_at_launch_is_kept(self) -> None:
        existing = self.ec2.create_network_interface(SubnetId=self.subnet_id)["NetworkInterface"]["NetworkInterfaceId"]
        instance_id = launch(self.ec2, NetworkInterfaces=[{"DeviceIndex": 0, "NetworkInterfaceId": existing}])
        self.ec2.terminate_instances(InstanceIds=[instance_id])
        assert [i["NetworkInterfaceId"] for i in interfaces(self.ec2, self.subnet_id)] == [existing]

    def test_apply_is_idempotent(self) -> None:
        ec2_instance_eni_delete_on_termination.apply()
        instance_id = launch(self.ec2, SubnetId=self.subnet_id)
        self.ec2.terminate_instances(InstanceIds=[instance_id])
        assert interfaces(self.ec2, self.subnet_id) == []
