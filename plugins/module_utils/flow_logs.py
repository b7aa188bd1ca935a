# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plain-Python logic of the ec2_vpc_flow_log module.

A flow log is identified by what it watches and where it writes: the resource plus the
destination (the CloudWatch Logs group, or the S3 ARN). Every other setting (traffic type,
IAM role, aggregation interval, record format) cannot be changed in AWS, so a difference there
means delete + create. Only the tags can be updated in place.

The pure functions take and return plain dicts; the few functions that call AWS take an EC2
client made with amazon.aws's retry wrapper (``module.client("ec2", retry_decorator=...)``, whose
calls retry throttling when they pass ``aws_retry=True``, as every call here does) and raise
FlowLogError for what the module reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    boto3_tag_list_to_ansible_dict,
    boto3_tag_specifications,
    compare_aws_tags,
)

from ansible_collections.muejam.infra.plugins.module_utils.retries import NotYetVisibleRetry

# The id prefix of each resource type a flow log can watch (ResourceType of CreateFlowLogs).
RESOURCE_TYPE_PREFIXES = {"vpc-": "VPC", "subnet-": "Subnet", "eni-": "NetworkInterface"}
DESTINATION_TYPES = ("cloud-watch-logs", "s3")
TRAFFIC_TYPES = ("ALL", "ACCEPT", "REJECT")
AGGREGATION_INTERVALS = (60, 600)
# Settings AWS cannot modify on an existing flow log: a difference means replacing it.
IMMUTABLE_SETTINGS = ("traffic_type", "deliver_logs_permission_arn", "max_aggregation_interval", "log_format")


class FlowLogError(Exception):
    """A problem the module reports as its failure message."""


@dataclass
class Plan:
    """What ensure_present does: keep one flow log, delete some, create one, retag."""

    keep: dict[str, Any] | None = None
    delete: list[dict[str, Any]] = field(default_factory=list)
    create: bool = False
    tags_to_set: dict[str, str] = field(default_factory=dict)
    tags_to_unset: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.delete or self.create or self.tags_to_set or self.tags_to_unset)


# --- pure functions -------------------------------------------------------------------------


def resource_type_of(resource_id: str, resource_type: str | None = None) -> str:
    """Return the CreateFlowLogs ResourceType of an id; an explicit type must agree with the id."""
    derived = next((kind for prefix, kind in RESOURCE_TYPE_PREFIXES.items() if resource_id.startswith(prefix)), None)
    if resource_type and derived and resource_type != derived:
        raise FlowLogError(f"resource_type is {resource_type!r} but resource_id {resource_id!r} is a {derived}")
    if resource_type:
        return resource_type
    if derived is None:
        allowed = ", ".join(f"{prefix}* ({kind})" for prefix, kind in RESOURCE_TYPE_PREFIXES.items())
        raise FlowLogError(
            f"resource_id {resource_id!r}: cannot tell its type from the id (allowed: {allowed}); set resource_type"
        )
    return derived


def normalize_log_format(log_format: str | None) -> str | None:
    """Collapse runs of whitespace, so that a YAML-folded format compares with AWS's copy."""
    return " ".join(log_format.split()) if log_format else None


def normalize_destination(log_destination: str | None) -> str | None:
    """An S3 ARN with or without its trailing slash names the same place."""
    return log_destination.rstrip("/") if log_destination else None


def validate_params(params: dict[str, Any]) -> None:
    """Check the options that depend on each other, before any AWS call."""
    state = params.get("state", "present")
    destination_type = params.get("log_destination_type", "cloud-watch-logs")
    resource_type_of(params["resource_id"], params.get("resource_type"))
    if destination_type == "cloud-watch-logs":
        if params.get("log_destination"):
            raise FlowLogError(
                f"log_destination is {params['log_destination']!r}: it is for log_destination_type s3 only; "
                "with cloud-watch-logs set log_group_name"
            )
        if state == "present" and not params.get("log_group_name"):
            raise FlowLogError("log_group_name is required when log_destination_type is cloud-watch-logs")
        if state == "present" and not params.get("deliver_logs_permission_arn"):
            raise FlowLogError(
                "deliver_logs_permission_arn is required when log_destination_type is cloud-watch-logs "
                "(the IAM role that lets the flow log write to the group)"
            )
    else:
        if params.get("log_group_name"):
            raise FlowLogError(
                f"log_group_name is {params['log_group_name']!r}: it is for log_destination_type "
                "cloud-watch-logs only; with s3 set log_destination"
            )
        if params.get("deliver_logs_permission_arn"):
            raise FlowLogError(
                "deliver_logs_permission_arn is for log_destination_type cloud-watch-logs only; "
                "S3 delivery uses the bucket policy"
            )
        if state == "present" and not params.get("log_destination"):
            raise FlowLogError("log_destination (an S3 ARN) is required when log_destination_type is s3")
        destination = params.get("log_destination")
        if destination and not (destination.startswith("arn:") and ":s3:::" in destination):
            raise FlowLogError(
                f"log_destination is {destination!r}: it must be an S3 ARN such as arn:aws:s3:::bucket/prefix/"
            )


def desired_flow_log(params: dict[str, Any]) -> dict[str, Any]:
    """The flow log the options ask for, in the module's snake_case shape."""
    s3 = params.get("log_destination_type") == "s3"
    return {
        "resource_id": params["resource_id"],
        "resource_type": resource_type_of(params["resource_id"], params.get("resource_type")),
        "traffic_type": params.get("traffic_type") or "ALL",
        "log_destination_type": "s3" if s3 else "cloud-watch-logs",
        "log_group_name": None if s3 else params.get("log_group_name"),
        "log_destination": params.get("log_destination") if s3 else None,
        "deliver_logs_permission_arn": None if s3 else params.get("deliver_logs_permission_arn"),
        "max_aggregation_interval": params.get("max_aggregation_interval") or 600,
        "log_format": normalize_log_format(params.get("log_format")),
        "tags": params.get("tags"),
        "purge_tags": params.get("purge_tags", True),
    }


def normalize_flow_log(flow_log: dict[str, Any]) -> dict[str, Any]:
    """Turn one DescribeFlowLogs entry into the module's result; every key always present."""
    return {
        "flow_log_id": flow_log["FlowLogId"],
        "resource_id": flow_log.get("ResourceId"),
        "traffic_type": flow_log.get("TrafficType"),
        "log_destination_type": flow_log.get("LogDestinationType", "cloud-watch-logs"),
        "log_group_name": flow_log.get("LogGroupName"),
        "log_destination": flow_log.get("LogDestination"),
        "deliver_logs_permission_arn": flow_log.get("DeliverLogsPermissionArn"),
        "max_aggregation_interval": flow_log.get("MaxAggregationInterval", 600),
        "log_format": flow_log.get("LogFormat"),
        "flow_log_status": flow_log.get("FlowLogStatus"),
        "deliver_logs_status": flow_log.get("DeliverLogsStatus"),
        "deliver_logs_error_message": flow_log.get("DeliverLogsErrorMessage"),
        "tags": boto3_tag_list_to_ansible_dict(flow_log.get("Tags", [])),
    }


def describe_filters(desired: dict[str, Any]) -> list[dict[str, Any]]:
    """DescribeFlowLogs filters for the resource and destination type (AWS has no destination filter)."""
    filters = [
        {"Name": "resource-id", "Values": [desired["resource_id"]]},
        {"Name": "log-destination-type", "Values": [desired["log_destination_type"]]},
    ]
    if desired["log_destination_type"] == "cloud-watch-logs" and desired.get("log_group_name"):
        filters.append({"Name": "log-group-name", "Values": [desired["log_group_name"]]})
    return filters


def same_destination(current: dict[str, Any], desired: dict[str, Any]) -> bool:
    """Whether a flow log watches the desired resource and writes where the options say.

    An absent request without a group or ARN matches every destination of its type.
    """
    if current["resource_id"] != desired["resource_id"]:
        return False
    if current["log_destination_type"] != desired["log_destination_type"]:
        return False
    if desired["log_destination_type"] == "s3":
        wanted = desired.get("log_destination")
        return wanted is None or normalize_destination(current["log_destination"]) == normalize_destination(wanted)
    wanted = desired.get("log_group_name")
    return wanted is None or current["log_group_name"] == wanted


def differences(current: dict[str, Any], desired: dict[str, Any]) -> list[str]:
    """The immutable settings in which a flow log differs from the desired one, as messages.

    A log_format left unset accepts whatever format AWS chose (its default).
    """
    found = []
    for name in IMMUTABLE_SETTINGS:
        wanted = desired.get(name)
        have = normalize_log_format(current.get(name)) if name == "log_format" else current.get(name)
        if name == "log_format" and wanted is None:
            continue
        if have != wanted:
            found.append(f"{name} {have!r} -> {wanted!r}")
    return found


def create_request(desired: dict[str, Any], tags: dict[str, str] | None) -> dict[str, Any]:
    """The CreateFlowLogs parameters for the desired flow log."""
    request: dict[str, Any] = {
        "ResourceIds": [desired["resource_id"]],
        "ResourceType": desired["resource_type"],
        "TrafficType": desired["traffic_type"],
        "LogDestinationType": desired["log_destination_type"],
        "MaxAggregationInterval": desired["max_aggregation_interval"],
    }
    if desired["log_destination_type"] == "s3":
        request["LogDestination"] = desired["log_destination"]
    else:
        request["LogGroupName"] = desired["log_group_name"]
        request["DeliverLogsPermissionArn"] = desired["deliver_logs_permission_arn"]
    if desired.get("log_format"):
        request["LogFormat"] = desired["log_format"]
    if tags:
        request["TagSpecifications"] = boto3_tag_specifications(tags, ["vpc-flow-log"])
    return request


def plan_present(current: list[dict[str, Any]], desired: dict[str, Any]) -> Plan:
    """Decide how to reach the desired flow log from the resource's current flow logs.

    Of the flow logs to the same destination, one that matches every setting is kept (others
    to that destination are duplicates and are deleted); when none matches, all are replaced.
    """
    candidates = [flow_log for flow_log in current if same_destination(flow_log, desired)]
    matching = [flow_log for flow_log in candidates if not differences(flow_log, desired)]
    plan = Plan()
    if matching:
        plan.keep = matching[0]
        plan.delete = [flow_log for flow_log in candidates if flow_log is not plan.keep]
        for duplicate in plan.delete:
            plan.actions.append(f"delete duplicate flow log {duplicate['flow_log_id']} to the same destination")
        if desired.get("tags") is not None:
            to_set, to_unset = compare_aws_tags(plan.keep["tags"], desired["tags"], desired["purge_tags"])
            plan.tags_to_set, plan.tags_to_unset = to_set, list(to_unset)
            if to_set or to_unset:
                plan.actions.append(
                    f"update the tags of {plan.keep['flow_log_id']}: set {sorted(to_set)}, remove {sorted(to_unset)}"
                )
        return plan
    plan.create = True
    plan.delete = candidates
    for replaced in candidates:
        changes = ", ".join(differences(replaced, desired))
        plan.actions.append(f"replace flow log {replaced['flow_log_id']} (cannot be modified: {changes})")
    if not candidates:
        plan.actions.append(f"create a flow log for {desired['resource_id']}")
    return plan


def tags_for_new_flow_log(plan: Plan, desired: dict[str, Any]) -> dict[str, str] | None:
    """The tags of a created flow log: the requested ones, plus the replaced one's if not purging."""
    if desired.get("tags") is None:
        # Tags unmanaged: a replacement keeps the tags of what it replaces.
        return plan.delete[0]["tags"] if plan.delete else None
    if desired["purge_tags"] or not plan.delete:
        return desired["tags"]
    return dict(plan.delete[0]["tags"], **desired["tags"])


def predicted_flow_log(desired: dict[str, Any], tags: dict[str, str] | None) -> dict[str, Any]:
    """The result for a flow log check mode would create (AWS has not assigned an id yet)."""
    return {
        "flow_log_id": None,
        "resource_id": desired["resource_id"],
        "traffic_type": desired["traffic_type"],
        "log_destination_type": desired["log_destination_type"],
        "log_group_name": desired["log_group_name"],
        "log_destination": desired["log_destination"],
        "deliver_logs_permission_arn": desired["deliver_logs_permission_arn"],
        "max_aggregation_interval": desired["max_aggregation_interval"],
        "log_format": desired["log_format"],
        "flow_log_status": None,
        "deliver_logs_status": None,
        "deliver_logs_error_message": None,
        "tags": dict(tags or {}),
    }


# --- AWS calls (retried on throttling) ------------------------------------------------------


# Paginators bypass the client's retry wrapper (amazon.aws never wraps get_paginator): the whole
# pagination is retried on throttling instead, as amazon.aws's own describe helpers do.
@AWSRetry.jittered_backoff()
def describe_flow_logs(client: Any, **request: Any) -> list[dict[str, Any]]:
    paginator = client.get_paginator("describe_flow_logs")
    return paginator.paginate(**request).build_full_result()["FlowLogs"]


# A flow log created a moment ago may not be visible to tag calls yet.
@NotYetVisibleRetry.jittered_backoff(catch_extra_error_codes=["InvalidFlowLogId.NotFound"])
def _create_tags(client: Any, flow_log_id: str, tags: dict[str, str]) -> None:
    tag_list = [{"Key": key, "Value": value} for key, value in tags.items()]
    client.create_tags(Resources=[flow_log_id], Tags=tag_list, aws_retry=True)


@NotYetVisibleRetry.jittered_backoff(catch_extra_error_codes=["InvalidFlowLogId.NotFound"])
def _delete_tags(client: Any, flow_log_id: str, keys: list[str]) -> None:
    client.delete_tags(Resources=[flow_log_id], Tags=[{"Key": key} for key in keys], aws_retry=True)


def find_flow_logs(client: Any, desired: dict[str, Any]) -> list[dict[str, Any]]:
    """The resource's flow logs to the desired destination, normalised, ordered by id."""
    found = [normalize_flow_log(raw) for raw in describe_flow_logs(client, Filters=describe_filters(desired))]
    return sorted(
        (flow_log for flow_log in found if same_destination(flow_log, desired)), key=lambda f: f["flow_log_id"]
    )


def read_flow_log(client: Any, flow_log_id: str) -> dict[str, Any] | None:
    found = describe_flow_logs(client, FlowLogIds=[flow_log_id])
    return normalize_flow_log(found[0]) if found else None


def delete_flow_logs(client: Any, flow_log_ids: list[str]) -> None:
    """Delete flow logs by id; one already gone counts as deleted."""
    if not flow_log_ids:
        return
    try:
        response = client.delete_flow_logs(FlowLogIds=flow_log_ids, aws_retry=True)
    except is_boto3_error_code("InvalidFlowLogId.NotFound"):
        # AWS reports unknown ids in Unsuccessful; moto raises instead (after deleting the others).
        return
    failures = [
        item
        for item in response.get("Unsuccessful", [])
        if item.get("Error", {}).get("Code") not in ("InvalidFlowLogId.NotFound",)
    ]
    if failures:
        details = "; ".join(f"{item.get('ResourceId')}: {item['Error'].get('Message')}" for item in failures)
        raise FlowLogError(f"Could not delete the flow logs: {details}")


def create_flow_log(client: Any, request: dict[str, Any]) -> str:
    """Create one flow log and return its id; AWS's per-resource failures become FlowLogError."""
    response = client.create_flow_logs(**request, aws_retry=True)
    failures = response.get("Unsuccessful") or []
    if failures or not response.get("FlowLogIds"):
        details = "; ".join(
            f"{item.get('ResourceId')}: {item.get('Error', {}).get('Code')} {item.get('Error', {}).get('Message')}"
            for item in failures
        )
        raise FlowLogError(f"Could not create the flow log for {request['ResourceIds'][0]}: {details or 'no id'}")
    return response["FlowLogIds"][0]


def ensure_present(client: Any, desired: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Make the desired flow log exist; return changed, replaced, actions and flow_log."""
    plan = plan_present(find_flow_logs(client, desired), desired)
    replaced = plan.create and bool(plan.delete)
    result: dict[str, Any] = {"changed": plan.changed, "replaced": replaced, "actions": plan.actions}
    if plan.keep is not None:
        flow_log = dict(plan.keep)
        if not check_mode:
            delete_flow_logs(client, [duplicate["flow_log_id"] for duplicate in plan.delete])
            if plan.tags_to_unset:
                _delete_tags(client, flow_log["flow_log_id"], plan.tags_to_unset)
            if plan.tags_to_set:
                _create_tags(client, flow_log["flow_log_id"], plan.tags_to_set)
        if plan.tags_to_set or plan.tags_to_unset:
            tags = {key: value for key, value in flow_log["tags"].items() if key not in plan.tags_to_unset}
            flow_log["tags"] = dict(tags, **plan.tags_to_set)
        result["flow_log"] = flow_log
        return result
    tags = tags_for_new_flow_log(plan, desired)
    if check_mode:
        result["flow_log"] = predicted_flow_log(desired, tags)
        return result
    # Delete first: AWS refuses a second flow log of the resource to the same destination.
    delete_flow_logs(client, [old["flow_log_id"] for old in plan.delete])
    flow_log_id = create_flow_log(client, create_request(desired, tags))
    created = read_flow_log(client, flow_log_id)
    result["flow_log"] = created or dict(predicted_flow_log(desired, tags), flow_log_id=flow_log_id)
    return result


def ensure_absent(client: Any, desired: dict[str, Any], check_mode: bool = False) -> dict[str, Any]:
    """Delete the resource's flow logs to the destination (any destination of the type when none given)."""
    found = find_flow_logs(client, desired)
    ids = [flow_log["flow_log_id"] for flow_log in found]
    if ids and not check_mode:
        delete_flow_logs(client, ids)
    return {
        "changed": bool(ids),
        "replaced": False,
        "actions": [f"delete flow log {flow_log_id}" for flow_log_id in ids],
        "deleted_flow_log_ids": ids,
        "flow_log": {},
    }
