from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils.flow_logs import (
    FlowLogError,
    Plan,
    create_request,
    delete_flow_logs,
    desired_flow_log,
    differences,
    ensure_absent,
    ensure_present,
    normalize_flow_log,
    plan_present,
    resource_type_of,
    same_destination,
    tags_for_new_flow_log,
    validate_params,
)
from ansible_collections.muejam.infra.tests.unit.aws_faults import throttle

ROLE = "arn:aws:iam::123456789012:role/muejam-local-flow-logs"
GROUP = "/muejam/local/vpc-flow-logs"


def params(**overrides: Any) -> dict[str, Any]:
    """Module parameters as Ansible would pass them, defaults included."""
    base = {
        "resource_id": "vpc-0123456789abcdef0",
        "resource_type": None,
        "traffic_type": "ALL",
        "log_destination_type": "cloud-watch-logs",
        "log_group_name": GROUP,
        "deliver_logs_permission_arn": ROLE,
        "log_destination": None,
        "max_aggregation_interval": 600,
        "log_format": None,
        "tags": {"Project": "muejam"},
        "purge_tags": True,
        "state": "present",
    }
    return dict(base, **overrides)


def s3_params(**overrides: Any) -> dict[str, Any]:
    s3 = {
        "log_destination_type": "s3",
        "log_group_name": None,
        "deliver_logs_permission_arn": None,
        "log_destination": "arn:aws:s3:::muejam-flow-logs/",
    }
    return params(**dict(s3, **overrides))


def current(**overrides: Any) -> dict[str, Any]:
    """A normalised flow log as find_flow_logs returns it, matching params()."""
    base = {
        "flow_log_id": "fl-0000000000000000a",
        "resource_id": "vpc-0123456789abcdef0",
        "traffic_type": "ALL",
        "log_destination_type": "cloud-watch-logs",
        "log_group_name": GROUP,
        "log_destination": f"arn:aws:logs:us-east-1:123456789012:log-group:{GROUP}",
        "deliver_logs_permission_arn": ROLE,
        "max_aggregation_interval": 600,
        "log_format": "${version} ${account-id} ${interface-id}",
        "flow_log_status": "ACTIVE",
        "deliver_logs_status": "SUCCESS",
        "deliver_logs_error_message": None,
        "tags": {"Project": "muejam"},
    }
    return dict(base, **overrides)


# --- pure functions -------------------------------------------------------------------------


class TestResourceTypeOf:
    @pytest.mark.parametrize(
        ("resource_id", "expected"),
        [("vpc-1", "VPC"), ("subnet-1", "Subnet"), ("eni-1", "NetworkInterface")],
    )
    def test_derives_the_type_from_the_id_prefix(self, resource_id: str, expected: str) -> None:
        assert resource_type_of(resource_id) == expected

    def test_accepts_an_explicit_type_that_agrees(self) -> None:
        assert resource_type_of("subnet-1", "Subnet") == "Subnet"

    def test_fails_when_the_explicit_type_contradicts_the_id(self) -> None:
        with pytest.raises(FlowLogError, match="resource_type is 'VPC' but resource_id 'subnet-1' is a Subnet"):
            resource_type_of("subnet-1", "VPC")

    def test_fails_on_an_unknown_prefix_without_a_type(self) -> None:
        with pytest.raises(FlowLogError, match="resource_id 'tgw-1': cannot tell its type"):
            resource_type_of("tgw-1")


class TestValidateParams:
    def test_accepts_a_complete_cloud_watch_request(self) -> None:
        validate_params(params())

    def test_accepts_a_complete_s3_request(self) -> None:
        validate_params(s3_params())

    def test_requires_the_group_for_cloud_watch(self) -> None:
        with pytest.raises(FlowLogError, match="log_group_name is required"):
            validate_params(params(log_group_name=None))

    def test_requires_the_role_for_cloud_watch(self) -> None:
        with pytest.raises(FlowLogError, match="deliver_logs_permission_arn is required"):
            validate_params(params(deliver_logs_permission_arn=None))

    def test_refuses_an_s3_arn_for_cloud_watch(self) -> None:
        with pytest.raises(FlowLogError, match=r"log_destination is 'arn:aws:s3:::b'.*s3 only"):
            validate_params(params(log_destination="arn:aws:s3:::b"))

    def test_requires_the_arn_for_s3(self) -> None:
        with pytest.raises(FlowLogError, match="log_destination \\(an S3 ARN\\) is required"):
            validate_params(s3_params(log_destination=None))

    def test_refuses_a_bucket_name_that_is_not_an_arn(self) -> None:
        with pytest.raises(FlowLogError, match="log_destination is 'my-bucket': it must be an S3 ARN"):
            validate_params(s3_params(log_destination="my-bucket"))

    def test_refuses_a_group_or_a_role_for_s3(self) -> None:
        with pytest.raises(FlowLogError, match="log_group_name is 'g'"):
            validate_params(s3_params(log_group_name="g"))
        with pytest.raises(FlowLogError, match=r"deliver_logs_permission_arn is for .* cloud-watch-logs only"):
            validate_params(s3_params(deliver_logs_permission_arn=ROLE))

    def test_absent_needs_neither_a_destination_nor_a_role(self) -> None:
        validate_params(params(state="absent", log_group_name=None, deliver_logs_permission_arn=None))
        validate_params(s3_params(state="absent", log_destination=None))


class TestDesiredFlowLog:
    def test_keeps_only_the_fields_of_the_destination_type(self) -> None:
        desired = desired_flow_log(s3_params())
        assert desired["log_destination"] == "arn:aws:s3:::muejam-flow-logs/"
        assert desired["log_group_name"] is None
        assert desired["deliver_logs_permission_arn"] is None
        assert desired["resource_type"] == "VPC"

    def test_collapses_whitespace_in_the_log_format(self) -> None:
        desired = desired_flow_log(params(log_format="${srcaddr}\n  ${dstaddr} "))
        assert desired["log_format"] == "${srcaddr} ${dstaddr}"


class TestNormalizeFlowLog:
    def test_turns_describe_output_into_snake_case_with_tags_as_a_dict(self) -> None:
        raw = {
            "FlowLogId": "fl-1",
            "ResourceId": "vpc-1",
            "TrafficType": "REJECT",
            "LogDestinationType": "s3",
            "LogDestination": "arn:aws:s3:::b",
            "MaxAggregationInterval": 60,
            "FlowLogStatus": "ACTIVE",
            "Tags": [{"Key": "Name", "Value": "x"}],
        }
        flow_log = normalize_flow_log(raw)
        assert flow_log["flow_log_id"] == "fl-1"
        assert flow_log["traffic_type"] == "REJECT"
        assert flow_log["max_aggregation_interval"] == 60
        assert flow_log["log_group_name"] is None
        assert flow_log["deliver_logs_permission_arn"] is None
        assert flow_log["tags"] == {"Name": "x"}

    def test_fills_defaults_for_keys_aws_may_omit(self) -> None:
        flow_log = normalize_flow_log({"FlowLogId": "fl-1"})
        assert flow_log["log_destination_type"] == "cloud-watch-logs"
        assert flow_log["max_aggregation_interval"] == 600
        assert flow_log["tags"] == {}


class TestSameDestination:
    def test_matches_the_same_group(self) -> None:
        assert same_destination(current(), desired_flow_log(params()))

    def test_does_not_match_another_group_or_resource(self) -> None:
        assert not same_destination(current(log_group_name="other"), desired_flow_log(params()))
        assert not same_destination(current(resource_id="vpc-other"), desired_flow_log(params()))

    def test_ignores_a_trailing_slash_of_an_s3_arn(self) -> None:
        s3 = current(log_destination_type="s3", log_group_name=None, log_destination="arn:aws:s3:::muejam-flow-logs")
        assert same_destination(s3, desired_flow_log(s3_params()))

    def test_matches_any_destination_of_the_type_when_none_is_given(self) -> None:
        desired = desired_flow_log(params(state="absent", log_group_name=None))
        assert same_destination(current(log_group_name="any"), desired)


class TestDifferences:
    def test_finds_none_when_every_setting_matches(self) -> None:
        assert differences(current(), desired_flow_log(params())) == []

    def test_names_each_immutable_setting_that_differs(self) -> None:
        found = differences(current(), desired_flow_log(params(traffic_type="REJECT", max_aggregation_interval=60)))
        assert found == ["traffic_type 'ALL' -> 'REJECT'", "max_aggregation_interval 600 -> 60"]

    def test_accepts_any_format_when_none_is_asked(self) -> None:
        assert differences(current(log_format="${srcaddr}"), desired_flow_log(params())) == []

    def test_compares_the_format_when_one_is_asked(self) -> None:
        desired = desired_flow_log(params(log_format="${srcaddr}  ${dstaddr}"))
        assert differences(current(log_format="${srcaddr} ${dstaddr}"), desired) == []
        assert differences(current(log_format="${srcaddr}"), desired) == [
            "log_format '${srcaddr}' -> '${srcaddr} ${dstaddr}'"
        ]


class TestCreateRequest:
    def test_builds_a_cloud_watch_request_with_tags(self) -> None:
        request = create_request(desired_flow_log(params()), {"Project": "muejam"})
        assert request == {
            "ResourceIds": ["vpc-0123456789abcdef0"],
            "ResourceType": "VPC",
            "TrafficType": "ALL",
            "LogDestinationType": "cloud-watch-logs",
            "MaxAggregationInterval": 600,
            "LogGroupName": GROUP,
            "DeliverLogsPermissionArn": ROLE,
            "TagSpecifications": [{"ResourceType": "vpc-flow-log", "Tags": [{"Key": "Project", "Value": "muejam"}]}],
        }

    def test_builds_an_s3_request_without_group_role_or_tags(self) -> None:
        request = create_request(desired_flow_log(s3_params(log_format="${srcaddr}")), None)
        assert request["LogDestination"] == "arn:aws:s3:::muejam-flow-logs/"
        assert request["LogFormat"] == "${srcaddr}"
        assert "LogGroupName" not in request
        assert "DeliverLogsPermissionArn" not in request
        assert "TagSpecifications" not in request


class TestPlanPresent:
    def test_creates_when_nothing_matches(self) -> None:
        plan = plan_present([], desired_flow_log(params()))
        assert plan.create and not plan.delete and plan.changed

    def test_changes_nothing_when_the_flow_log_matches(self) -> None:
        plan = plan_present([current()], desired_flow_log(params()))
        assert plan.keep is not None and not plan.changed

    def test_replaces_when_an_immutable_setting_differs(self) -> None:
        plan = plan_present([current()], desired_flow_log(params(traffic_type="REJECT")))
        assert plan.create and [f["flow_log_id"] for f in plan.delete] == ["fl-0000000000000000a"]
        assert "cannot be modified: traffic_type 'ALL' -> 'REJECT'" in plan.actions[0]

    def test_updates_tags_in_place(self) -> None:
        plan = plan_present([current(tags={"Project": "old", "Stale": "x"})], desired_flow_log(params()))
        assert not plan.create
        assert plan.tags_to_set == {"Project": "muejam"}
        assert plan.tags_to_unset == ["Stale"]

    def test_keeps_extra_tags_without_purge(self) -> None:
        plan = plan_present(
            [current(tags={"Project": "muejam", "Extra": "x"})], desired_flow_log(params(purge_tags=False))
        )
        assert not plan.changed

    def test_leaves_tags_alone_when_none_are_given(self) -> None:
        plan = plan_present([current(tags={"Other": "x"})], desired_flow_log(params(tags=None)))
        assert not plan.changed

    def test_deletes_a_duplicate_to_the_same_destination(self) -> None:
        duplicate = current(flow_log_id="fl-b", traffic_type="REJECT")
        plan = plan_present([current(), duplicate], desired_flow_log(params()))
        assert plan.keep is not None and plan.keep["flow_log_id"] == "fl-0000000000000000a"
        assert plan.delete == [duplicate] and not plan.create

    def test_ignores_flow_logs_to_other_destinations(self) -> None:
        plan = plan_present([current(log_group_name="other")], desired_flow_log(params()))
        assert plan.create and not plan.delete


class TestTagsForNewFlowLog:
    def test_uses_the_requested_tags(self) -> None:
        plan = Plan(create=True, delete=[current(tags={"Old": "x"})])
        assert tags_for_new_flow_log(plan, desired_flow_log(params())) == {"Project": "muejam"}

    def test_merges_the_replaced_tags_without_purge(self) -> None:
        plan = Plan(create=True, delete=[current(tags={"Old": "x"})])
        assert tags_for_new_flow_log(plan, desired_flow_log(params(purge_tags=False))) == {
            "Old": "x",
            "Project": "muejam",
        }

    def test_carries_the_replaced_tags_when_tags_are_unmanaged(self) -> None:
        plan = Plan(create=True, delete=[current(tags={"Old": "x"})])
        assert tags_for_new_flow_log(plan, desired_flow_log(params(tags=None))) == {"Old": "x"}


# --- behaviour against moto -----------------------------------------------------------------


@pytest.fixture
def raw_ec2() -> Iterator[Any]:
    with mock_aws():
        boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName=GROUP)
        yield boto3.client("ec2", region_name="us-east-1")


@pytest.fixture
def ec2(raw_ec2: Any) -> Any:
    """The client the module makes: module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())."""
    return RetryingBotoClientWrapper(raw_ec2, AWSRetry.jittered_backoff())


@pytest.fixture
def vpc_id(ec2: Any) -> str:
    return ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]


def all_flow_logs(ec2: Any) -> list[dict[str, Any]]:
    return ec2.describe_flow_logs()["FlowLogs"]


class TestEnsurePresent:
    def test_creates_the_flow_log_with_its_tags(self, ec2: Any, vpc_id: str) -> None:
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        assert result["changed"] and not result["replaced"]
        flow_log = result["flow_log"]
        assert flow_log["flow_log_id"].startswith("fl-")
        assert flow_log["resource_id"] == vpc_id
        assert flow_log["log_group_name"] == GROUP
        assert flow_log["flow_log_status"] == "ACTIVE"
        assert flow_log["tags"] == {"Project": "muejam"}
        assert len(all_flow_logs(ec2)) == 1

    def test_a_second_call_changes_nothing(self, ec2: Any, vpc_id: str) -> None:
        desired = desired_flow_log(params(resource_id=vpc_id))
        first = ensure_present(ec2, desired)
        second = ensure_present(ec2, desired)
        assert not second["changed"] and second["actions"] == []
        assert second["flow_log"]["flow_log_id"] == first["flow_log"]["flow_log_id"]

    def test_replaces_the_flow_log_when_the_traffic_type_differs(self, ec2: Any, vpc_id: str) -> None:
        old = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))["flow_log"]["flow_log_id"]
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, traffic_type="REJECT")))
        assert result["changed"] and result["replaced"]
        assert f"replace flow log {old}" in result["actions"][0]
        remaining = all_flow_logs(ec2)
        assert [(f["FlowLogId"] != old, f["TrafficType"]) for f in remaining] == [(True, "REJECT")]

    def test_updates_the_tags_in_place(self, ec2: Any, vpc_id: str) -> None:
        old = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))["flow_log"]["flow_log_id"]
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, tags={"Environment": "local"})))
        assert result["changed"] and not result["replaced"]
        assert result["flow_log"]["tags"] == {"Environment": "local"}
        [flow_log] = all_flow_logs(ec2)
        assert flow_log["FlowLogId"] == old
        assert flow_log["Tags"] == [{"Key": "Environment", "Value": "local"}]

    def test_check_mode_reports_a_creation_and_creates_nothing(self, ec2: Any, vpc_id: str) -> None:
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)), check_mode=True)
        assert result["changed"]
        assert result["flow_log"]["flow_log_id"] is None
        assert all_flow_logs(ec2) == []

    def test_check_mode_reports_a_replacement_and_keeps_the_flow_log(self, ec2: Any, vpc_id: str) -> None:
        ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, traffic_type="ACCEPT")), True)
        assert result["changed"] and result["replaced"]
        assert [f["TrafficType"] for f in all_flow_logs(ec2)] == ["ALL"]

    def test_reports_failing_delivery_to_a_missing_group(self, ec2: Any, vpc_id: str) -> None:
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, log_group_name="/no/such/group")))
        assert result["flow_log"]["deliver_logs_status"] == "FAILED"
        assert result["flow_log"]["deliver_logs_error_message"] == "Access error"

    def test_creates_an_s3_flow_log(self, ec2: Any, vpc_id: str) -> None:
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="muejam-flow-logs")
        desired = desired_flow_log(s3_params(resource_id=vpc_id, log_destination="arn:aws:s3:::muejam-flow-logs"))
        result = ensure_present(ec2, desired)
        assert result["flow_log"]["log_destination"] == "arn:aws:s3:::muejam-flow-logs"
        assert result["flow_log"]["log_group_name"] is None
        assert not ensure_present(ec2, desired)["changed"]

    def test_fails_naming_the_resource_when_aws_refuses_it(self, ec2: Any, vpc_id: str) -> None:
        # A bucket that does not exist: AWS answers with an Unsuccessful item, not an error.
        desired = desired_flow_log(s3_params(resource_id=vpc_id, log_destination="arn:aws:s3:::no-such-bucket"))
        with pytest.raises(FlowLogError, match=f"Could not create the flow log for {vpc_id}"):
            ensure_present(ec2, desired)


class TestEnsureAbsent:
    def test_deletes_the_flow_log_then_changes_nothing(self, ec2: Any, vpc_id: str) -> None:
        desired = desired_flow_log(params(resource_id=vpc_id))
        created = ensure_present(ec2, desired)["flow_log"]["flow_log_id"]
        result = ensure_absent(ec2, desired)
        assert result["changed"] and result["deleted_flow_log_ids"] == [created]
        assert all_flow_logs(ec2) == []
        assert not ensure_absent(ec2, desired)["changed"]

    def test_check_mode_reports_the_deletion_and_keeps_the_flow_log(self, ec2: Any, vpc_id: str) -> None:
        desired = desired_flow_log(params(resource_id=vpc_id))
        ensure_present(ec2, desired)
        result = ensure_absent(ec2, desired, check_mode=True)
        assert result["changed"]
        assert len(all_flow_logs(ec2)) == 1

    def test_leaves_flow_logs_to_other_groups(self, ec2: Any, vpc_id: str) -> None:
        ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, log_group_name="other")))
        assert not ensure_absent(ec2, desired_flow_log(params(resource_id=vpc_id, state="absent")))["changed"]
        assert len(all_flow_logs(ec2)) == 1


class TestDeleteFlowLogs:
    def test_an_unknown_id_counts_as_deleted(self, ec2: Any) -> None:
        delete_flow_logs(ec2, ["fl-0123456789abcdef0"])


class TestRetries:
    def test_retries_a_throttled_describe_create_and_describe(self, raw_ec2: Any, ec2: Any, slept: list) -> None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        throttled = throttle(raw_ec2, "DescribeFlowLogs", "CreateFlowLogs", code="RequestLimitExceeded")
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        assert throttled == ["DescribeFlowLogs", "CreateFlowLogs"]
        assert len(slept) == 2
        assert result["flow_log"]["flow_log_id"].startswith("fl-")
        assert len(all_flow_logs(ec2)) == 1

    def test_retries_throttled_tag_calls_once_each(self, raw_ec2: Any, ec2: Any, slept: list) -> None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        throttled = throttle(raw_ec2, "DeleteTags", "CreateTags", code="Throttling")
        result = ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, tags={"Environment": "local"})))
        assert throttled == ["DeleteTags", "CreateTags"]
        assert len(slept) == 2
        [flow_log] = all_flow_logs(ec2)
        assert flow_log["Tags"] == [{"Key": "Environment", "Value": "local"}]
        assert result["flow_log"]["tags"] == {"Environment": "local"}

    def test_a_tag_call_throttled_for_good_fails_after_the_clients_tries(
        self, raw_ec2: Any, ec2: Any, slept: list
    ) -> None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        throttled = throttle(raw_ec2, "CreateTags", code="Throttling", times=100)
        with pytest.raises(ClientError, match="Throttling"):
            ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, tags={"Tier": "web"}, purge_tags=False)))
        # The client's 10 tries, not 10 x 10: the not-yet-visible retry around it leaves throttling alone.
        assert len(throttled) == 10

    def test_retries_a_throttled_delete(self, raw_ec2: Any, ec2: Any, slept: list) -> None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        desired = desired_flow_log(params(resource_id=vpc_id))
        ensure_present(ec2, desired)
        throttled = throttle(raw_ec2, "DeleteFlowLogs", code="RequestLimitExceeded")
        assert ensure_absent(ec2, desired)["changed"]
        assert throttled == ["DeleteFlowLogs"] and len(slept) == 1
        assert all_flow_logs(ec2) == []

    def test_retries_a_tag_call_until_the_new_flow_log_is_visible(self, raw_ec2: Any, ec2: Any, slept: list) -> None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        throttled = throttle(raw_ec2, "CreateTags", code="InvalidFlowLogId.NotFound")
        ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id, tags={"Project": "muejam", "Tier": "web"})))
        assert throttled == ["CreateTags"] and len(slept) == 1
        [flow_log] = all_flow_logs(ec2)
        assert {tag["Key"] for tag in flow_log["Tags"]} == {"Project", "Tier"}

    def test_does_not_retry_what_is_not_throttling(self, raw_ec2: Any, ec2: Any, slept: list) -> None:
        vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        throttle(raw_ec2, "CreateFlowLogs", code="InvalidParameter")
        with pytest.raises(ClientError, match="InvalidParameter"):
            ensure_present(ec2, desired_flow_log(params(resource_id=vpc_id)))
        assert slept == []
