"""DeleteLaunchTemplateVersions works and versions 2+ launch with UserData, as on AWS."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tools.emulator.patches import ec2_launch_template_versions as patch

REGION = "us-east-1"
NAME = "t-lt"
USER_DATA = base64.b64encode(b"#!/bin/sh\necho hello\n").decode()


@pytest.fixture
def ec2() -> Iterator[tuple[Any, str]]:
    """A template with three versions; version 1 is the default."""
    patch.apply()
    with mock_aws():
        client = boto3.client("ec2", region_name=REGION)
        image_id = client.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        client.create_launch_template(LaunchTemplateName=NAME, LaunchTemplateData={"ImageId": image_id})
        for instance_type in ("t3.micro", "t3.small"):
            client.create_launch_template_version(
                LaunchTemplateName=NAME,
                LaunchTemplateData={"ImageId": image_id, "InstanceType": instance_type, "UserData": USER_DATA},
            )
        yield client, image_id


def version_numbers(client: Any) -> list[int]:
    versions = client.describe_launch_template_versions(LaunchTemplateName=NAME)["LaunchTemplateVersions"]
    return [version["VersionNumber"] for version in versions]


def template(client: Any) -> dict[str, Any]:
    return client.describe_launch_templates(LaunchTemplateNames=[NAME])["LaunchTemplates"][0]


class TestDeleteLaunchTemplateVersions:
    def test_deletes_the_listed_versions(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        response = client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["2"])
        assert [item["VersionNumber"] for item in response["SuccessfullyDeletedLaunchTemplateVersions"]] == [2]
        assert response["SuccessfullyDeletedLaunchTemplateVersions"][0]["LaunchTemplateName"] == NAME
        assert response["UnsuccessfullyDeletedLaunchTemplateVersions"] == []
        assert version_numbers(client) == [1, 3]

    def test_accepts_the_template_id(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        template_id = template(client)["LaunchTemplateId"]
        client.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=["2", "3"])
        assert version_numbers(client) == [1]

    def test_does_not_delete_the_default_version(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        response = client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["1"])
        assert response["SuccessfullyDeletedLaunchTemplateVersions"] == []
        assert [item["VersionNumber"] for item in response["UnsuccessfullyDeletedLaunchTemplateVersions"]] == [1]
        assert version_numbers(client) == [1, 2, 3]

    def test_deletes_the_old_default_after_the_default_moved(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        client.modify_launch_template(LaunchTemplateName=NAME, DefaultVersion="2")
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["1"])
        assert version_numbers(client) == [2, 3]
        assert template(client)["DefaultVersionNumber"] == 2

    def test_reports_unknown_and_already_deleted_versions(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["2"])
        response = client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["2", "9"])
        errors = response["UnsuccessfullyDeletedLaunchTemplateVersions"]
        assert [(item["VersionNumber"], item["ResponseError"]["Code"]) for item in errors] == [
            (2, "launchTemplateVersionDoesNotExist"),
            (9, "launchTemplateVersionDoesNotExist"),
        ]

    def test_reports_an_unknown_template(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        response = client.delete_launch_template_versions(LaunchTemplateName="t-missing", Versions=["2"])
        codes = [item["ResponseError"]["Code"] for item in response["UnsuccessfullyDeletedLaunchTemplateVersions"]]
        assert codes == ["launchTemplateNameDoesNotExist"]


class TestDeletedVersions:
    def test_latest_falls_back_to_the_highest_remaining_version(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["3"])
        assert template(client)["LatestVersionNumber"] == 2
        latest = client.describe_launch_template_versions(LaunchTemplateName=NAME, Versions=["$Latest"])
        assert [version["VersionNumber"] for version in latest["LaunchTemplateVersions"]] == [2]

    def test_a_deleted_number_is_not_given_again(self, ec2: tuple[Any, str]) -> None:
        client, image_id = ec2
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["3"])
        created = client.create_launch_template_version(
            LaunchTemplateName=NAME, LaunchTemplateData={"ImageId": image_id}
        )
        assert created["LaunchTemplateVersion"]["VersionNumber"] == 4
        assert version_numbers(client) == [1, 2, 4]

    def test_a_deleted_version_cannot_be_described_or_made_default(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["2"])
        with pytest.raises(ClientError, match="VersionNotFound"):
            client.describe_launch_template_versions(LaunchTemplateName=NAME, Versions=["2"])
        with pytest.raises(ClientError, match="VersionNotFound"):
            client.modify_launch_template(LaunchTemplateName=NAME, DefaultVersion="2")
        assert template(client)["DefaultVersionNumber"] == 1


class TestCreateLaunchTemplateVersion:
    def test_an_auto_scaling_group_launches_from_the_latest_version(self, ec2: tuple[Any, str]) -> None:
        client, _unused = ec2
        autoscaling = boto3.client("autoscaling", region_name=REGION)
        autoscaling.create_auto_scaling_group(
            AutoScalingGroupName="t-asg",
            LaunchTemplate={"LaunchTemplateName": NAME, "Version": "$Latest"},
            MinSize=1,
            MaxSize=1,
            DesiredCapacity=1,
            AvailabilityZones=[f"{REGION}a"],
        )
        group = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=["t-asg"])["AutoScalingGroups"][0]
        assert len(group["Instances"]) == 1
        assert group["Instances"][0]["InstanceType"] == "t3.small"
        latest = client.describe_launch_template_versions(LaunchTemplateName=NAME, Versions=["$Latest"])
        assert latest["LaunchTemplateVersions"][0]["LaunchTemplateData"]["UserData"] == USER_DATA

    def test_invalid_user_data_is_rejected(self, ec2: tuple[Any, str]) -> None:
        client, image_id = ec2
        with pytest.raises(ClientError, match="InvalidUserData"):
            client.create_launch_template_version(
                LaunchTemplateName=NAME, LaunchTemplateData={"ImageId": image_id, "UserData": "not base64!"}
            )

    def test_apply_is_idempotent(self, ec2: tuple[Any, str]) -> None:
        patch.apply()
        client, _unused = ec2
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["2"])
        assert version_numbers(client) == [1, 3]


class TestDescribeLaunchTemplateVersions:
    """moto answered at most 15 versions and no NextToken: amazon.aws.ec2_launch_template, which pages,
    then missed the latest and default versions of a template changed 15 times and failed."""

    @pytest.fixture
    def many(self, ec2: tuple[Any, str]) -> Any:
        client, image_id = ec2
        for number in range(4, 41):  # 40 versions in all, past moto's 15 and a page of 15
            client.create_launch_template_version(
                LaunchTemplateName=NAME, LaunchTemplateData={"ImageId": image_id, "InstanceType": f"t3.{number}"}
            )
        client.modify_launch_template(LaunchTemplateName=NAME, DefaultVersion="40")
        client.delete_launch_template_versions(LaunchTemplateName=NAME, Versions=["20"])
        return client

    def test_lists_every_version_without_max_results(self, many: Any) -> None:
        response = many.describe_launch_template_versions(LaunchTemplateName=NAME)
        numbers = [version["VersionNumber"] for version in response["LaunchTemplateVersions"]]
        assert numbers == [n for n in range(1, 41) if n != 20] and "NextToken" not in response
        assert [v["VersionNumber"] for v in response["LaunchTemplateVersions"] if v["DefaultVersion"]] == [40]

    def test_pages_with_max_results_and_next_token(self, many: Any) -> None:
        first = many.describe_launch_template_versions(LaunchTemplateName=NAME, MaxResults=15)
        assert len(first["LaunchTemplateVersions"]) == 15 and first["NextToken"]
        pages = many.get_paginator("describe_launch_template_versions").paginate(
            LaunchTemplateName=NAME, PaginationConfig={"PageSize": 15}
        )
        sizes = [len(page["LaunchTemplateVersions"]) for page in pages]
        numbers = [
            version["VersionNumber"]
            for page in many.get_paginator("describe_launch_template_versions").paginate(
                LaunchTemplateName=NAME, PaginationConfig={"PageSize": 15}
            )
            for version in page["LaunchTemplateVersions"]
        ]
        assert sizes == [15, 15, 9]
        assert numbers == [n for n in range(1, 41) if n != 20]

    def test_the_listed_versions_and_latest_are_still_answered(self, many: Any) -> None:
        response = many.describe_launch_template_versions(LaunchTemplateName=NAME, Versions=["$Latest", "2"])
        assert [version["VersionNumber"] for version in response["LaunchTemplateVersions"]] == [40, 2]

    def test_refuses_a_max_results_out_of_range(self, many: Any) -> None:
        with pytest.raises(ClientError, match="MaxResults"):
            many.describe_launch_template_versions(LaunchTemplateName=NAME, MaxResults=201)
