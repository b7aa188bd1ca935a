"""The launch template's own tags stay out of version 1's LaunchTemplateData, as on AWS."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import ec2_launch_template_tag_specifications as patch

REGION = "us-east-1"
TEMPLATE_TAGS = [{"ResourceType": "launch-template", "Tags": [{"Key": "Name", "Value": "t-lt"}]}]
INSTANCE_TAGS = [{"ResourceType": "instance", "Tags": [{"Key": "Role", "Value": "app"}]}]


@pytest.fixture
def ec2() -> Iterator[tuple[Any, str]]:
    patch.apply()
    with mock_aws():
        client = boto3.client("ec2", region_name=REGION)
        image_id = client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        yield client, image_id


def version_data(client: Any, name: str) -> dict[str, Any]:
    versions = client.describe_launch_template_versions(LaunchTemplateName=name)["LaunchTemplateVersions"]
    return versions[0]["LaunchTemplateData"]


class TestCreateLaunchTemplate:
    def test_template_tags_are_not_copied_into_the_version_data(self, ec2: tuple[Any, str]) -> None:
        client, image_id = ec2
        client.create_launch_template(
            LaunchTemplateName="t-lt",
            LaunchTemplateData={"ImageId": image_id, "InstanceType": "t3.micro"},
            TagSpecifications=TEMPLATE_TAGS,
        )
        assert version_data(client, "t-lt") == {"ImageId": image_id, "InstanceType": "t3.micro"}
        template = client.describe_launch_templates(LaunchTemplateNames=["t-lt"])["LaunchTemplates"][0]
        assert template["Tags"] == [{"Key": "Name", "Value": "t-lt"}]

    def test_instance_tag_specifications_of_the_data_are_kept(self, ec2: tuple[Any, str]) -> None:
        client, image_id = ec2
        client.create_launch_template(
            LaunchTemplateName="t-lt",
            LaunchTemplateData={"ImageId": image_id, "TagSpecifications": INSTANCE_TAGS},
            TagSpecifications=TEMPLATE_TAGS,
        )
        assert version_data(client, "t-lt")["TagSpecifications"] == INSTANCE_TAGS

    def test_apply_is_idempotent(self, ec2: tuple[Any, str]) -> None:
        patch.apply()
        client, image_id = ec2
        client.create_launch_template(
            LaunchTemplateName="t-lt",
            LaunchTemplateData={"ImageId": image_id, "TagSpecifications": INSTANCE_TAGS},
            TagSpecifications=TEMPLATE_TAGS,
        )
        assert version_data(client, "t-lt")["TagSpecifications"] == INSTANCE_TAGS
