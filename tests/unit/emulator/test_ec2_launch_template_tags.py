"""DescribeLaunchTemplates returns a launch template's tags as CreateTags and DeleteTags leave them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tools.emulator.patches import ec2_launch_template_tags as patch

REGION = "us-east-1"


@pytest.fixture
def ec2() -> Iterator[Any]:
    patch.apply()
    with mock_aws():
        client = boto3.client("ec2", region_name=REGION)
        image_id = client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        client.create_launch_template(
            LaunchTemplateName="t-lt",
            LaunchTemplateData={"ImageId": image_id},
            TagSpecifications=[
                {
                    "ResourceType": "launch-template",
                    "Tags": [{"Key": "Name", "Value": "t-lt"}, {"Key": "Env", "Value": "a"}],
                }
            ],
        )
        yield client


def described_tags(ec2: Any) -> dict[str, str]:
    template = ec2.describe_launch_templates(LaunchTemplateNames=["t-lt"])["LaunchTemplates"][0]
    return {tag["Key"]: tag["Value"] for tag in template.get("Tags", [])}


class TestDescribeLaunchTemplates:
    def test_the_tags_given_at_creation(self, ec2: Any) -> None:
        assert described_tags(ec2) == {"Name": "t-lt", "Env": "a"}

    def test_a_tag_removed_later_is_gone(self, ec2: Any) -> None:
        template_id = ec2.describe_launch_templates(LaunchTemplateNames=["t-lt"])["LaunchTemplates"][0][
            "LaunchTemplateId"
        ]
        ec2.delete_tags(Resources=[template_id], Tags=[{"Key": "Env"}])
        assert described_tags(ec2) == {"Name": "t-lt"}

    def test_a_tag_added_or_changed_later_shows(self, ec2: Any) -> None:
        template_id = ec2.describe_launch_templates(LaunchTemplateNames=["t-lt"])["LaunchTemplates"][0][
            "LaunchTemplateId"
        ]
        ec2.create_tags(Resources=[template_id], Tags=[{"Key": "Env", "Value": "b"}, {"Key": "Owner", "Value": "ops"}])
        assert described_tags(ec2) == {"Name": "t-lt", "Env": "b", "Owner": "ops"}
