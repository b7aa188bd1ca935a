"""What the in-process tests of the emulator's Auto Scaling corrections share: a mocked account
with one launch template, and a group made from it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
from moto import mock_aws

REGION = "us-east-1"
TEMPLATE = "t-lt"


@contextmanager
def autoscaling_account() -> Iterator[Any]:
    """Within mock_aws: a launch template named TEMPLATE; yields an Auto Scaling client."""
    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        image_id = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        ec2.create_launch_template(LaunchTemplateName=TEMPLATE, LaunchTemplateData={"ImageId": image_id})
        yield boto3.client("autoscaling", region_name=REGION)


def create_group(client: Any, name: str, **extra: Any) -> None:
    """A group of 0..1 instance in one AZ, launched from TEMPLATE; EXTRA are more of its parameters
    (or other values of these)."""
    defaults = {
        "LaunchTemplate": {"LaunchTemplateName": TEMPLATE, "Version": "$Latest"},
        "MinSize": 0,
        "MaxSize": 1,
        "AvailabilityZones": [f"{REGION}a"],
    }
    client.create_auto_scaling_group(AutoScalingGroupName=name, **{**defaults, **extra})
