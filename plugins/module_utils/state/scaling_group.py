# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scaling_group part of the stack (role muejam.infra.scaling_group): the app security group, the
instances' IAM role and instance profile, the launch template, the Auto Scaling group, its scaling
policies (the two simple ones and the two CPU alarms that trigger them, or one target tracking policy
whose alarms AWS owns: ``scaling_group_policy_type``), and whether the private subnets have egress yet.

What the role's tasks pass is restated here as wanted attributes, once per option (``MANAGED`` says
which attribute covers which option, and tests/unit/state/test_coverage.py holds the two together);
tests/unit/state/test_rerun.py proves a converged stack compares in sync. The user data is compared
by the SHA-256 digest of what the launch template stores (its base64 text), never returned.

Resources (keys): ``app_security_group``, ``instance_role``, ``instance_profile``,
``launch_template``, ``auto_scaling_group``, ``scaling_policy[<name>]``, ``alarm[<name>]`` and
``private_subnet_egress[<subnet id>]`` (its NAT gateway, if its default route has one, available).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import names as names_table
from ansible_collections.muejam.infra.plugins.module_utils import network_info, security_groups, state

# The metrics amazon.aws.autoscaling_group enables with metrics_collection (its metrics_list default).
GROUP_METRICS = (
    "GroupDesiredCapacity",
    "GroupInServiceInstances",
    "GroupMaxSize",
    "GroupMinSize",
    "GroupPendingInstances",
    "GroupStandbyInstances",
    "GroupTerminatingInstances",
    "GroupTotalInstances",
)

TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
METADATA_OPTIONS = {
    "http_endpoint": "enabled",
    "http_tokens": "required",
    "http_protocol_ipv6": "disabled",
    "instance_metadata_tags": "disabled",
}
# What ec2_launch_template's options set in a version's LaunchTemplateData; any other key found is a
# difference (the module would make a version without it).
TEMPLATE_DATA = (
    "ImageId",
    "InstanceType",
    "UserData",
    "IamInstanceProfile",
    "Monitoring",
    "MetadataOptions",
    "BlockDeviceMappings",
    "NetworkInterfaces",
    "TagSpecifications",
)
CPU_ALARM = {
    "namespace": "AWS/EC2",
    "metric_name": "CPUUtilization",
    "statistic": "Average",
    "treat_missing_data": "missing",
    # cloudwatch_metric_alarm sets these to its defaults ([]), so they are exact too.
    "ok_actions": [],
    "insufficient_data_actions": [],
}
# The target tracking policy's metric: the group's average AWS/EC2 CPUUtilization.
TARGET_TRACKING_METRIC = "ASGAverageCPUUtilization"
# The names (keys of the names table) of each policy type's policies and of the alarms the role makes for them.
POLICIES = {"simple": ("scale_out_policy", "scale_in_policy"), "target_tracking": ("target_tracking_policy",)}
ALARMS = {"simple": ("cpu_high_alarm", "cpu_low_alarm"), "target_tracking": ()}

_SG = "app_security_group"
# The description of the app group's outbound rules (roles/scaling_group/tasks/iam.yml gives the same).
EGRESS_DESCRIPTION = "Package repositories and AWS APIs"
_ROLE = "instance_role"
_PROFILE = "instance_profile"
_TEMPLATE = "launch_template"
_GROUP = "auto_scaling_group"

MANAGED: dict[str, dict[str, str | None]] = {
    "Create the app security group": {
        "name": "app_security_group.name",
        "description": "app_security_group.description",
        "vpc_id": "app_security_group.vpc_id",
        "rules": "app_security_group.ingress",
        "rules_egress": "app_security_group.egress",
        "purge_rules": "app_security_group.ingress",
        "purge_rules_egress": "app_security_group.egress",
        "tags": "app_security_group.tags",
        "purge_tags": "app_security_group.tags",
        "state": None,  # present: the resource exists (every key's existence is compared)
    },
    "Create the instances' IAM role": {
        "name": "instance_role.name",
        "description": "instance_role.description",
        "assume_role_policy_document": "instance_role.trust_policy",
        "managed_policies": "instance_role.managed_policies",
        "purge_policies": "instance_role.managed_policies",
        "create_instance_profile": None,  # false: the profile is the next task's (instance_profile.*)
        "delete_instance_profile": None,  # acts only when the role is deleted (state absent)
        "tags": "instance_role.tags",
        "purge_tags": "instance_role.tags",
        "state": None,  # present: the resource exists
    },
    "Create the instance profile": {
        "name": "instance_profile.name",
        "role": "instance_profile.roles",
        "tags": "instance_profile.tags",
        "purge_tags": "instance_profile.tags",
        "state": None,  # present: the resource exists
    },
    "Create the launch template": {
        "name": "launch_template.name",
        "image_id": "launch_template.image_id",
        "instance_type": "launch_template.instance_type",
        "user_data": "launch_template.user_data_sha256",
        "iam_instance_profile": "launch_template.iam_instance_profile",
        "monitoring": "launch_template.detailed_monitoring",
        "metadata_options": "launch_template.metadata_options",
        "block_device_mappings": "launch_template.block_device_mappings",
        "network_interfaces": "launch_template.network_interfaces",
        "tag_specifications": "launch_template.tag_specifications",
        "default_version": "launch_template.default_version",
        "tags": "launch_template.tags",
        "purge_tags": "launch_template.tags",
        "state": None,  # present: the resource exists
    },
    "Create or update the Auto Scaling group": {
        "name": "auto_scaling_group.name",
        "launch_template": "auto_scaling_group.launch_template",
        "vpc_zone_identifier": "auto_scaling_group.subnets",
        "target_group_arns": "auto_scaling_group.target_groups",
        "health_check_type": "auto_scaling_group.health_check_type",
        "health_check_period": "auto_scaling_group.health_check_grace_period",
        "min_size": "auto_scaling_group.min_size",
        "max_size": "auto_scaling_group.max_size",
        "desired_capacity": "auto_scaling_group.desired_capacity",
        "default_cooldown": "auto_scaling_group.default_cooldown",
        "metrics_collection": "auto_scaling_group.metrics",
        "metrics_granularity": "auto_scaling_group.metrics",
        "wait_for_instances": None,  # how the run waits for the instances, nothing the group keeps
        "wait_timeout": None,  # how long that wait lasts
        "tags": "auto_scaling_group.tags",
        "purge_tags": "auto_scaling_group.tags",
        "state": None,  # present: the resource exists
    },
    "Create the scaling policies": {
        "name": "scaling_policy[*].name",
        "asg_name": "scaling_policy[*].auto_scaling_group",
        "policy_type": "scaling_policy[*].policy_type",
        "adjustment_type": "scaling_policy[*].adjustment_type",
        "scaling_adjustment": "scaling_policy[*].scaling_adjustment",
        "cooldown": "scaling_policy[*].cooldown",
        "state": None,  # present: the resource exists
    },
    "Create the target tracking scaling policy": {
        "name": "scaling_policy[*].name",
        "asg_name": "scaling_policy[*].auto_scaling_group",
        "policy_type": "scaling_policy[*].policy_type",
        "target_tracking_config": "scaling_policy[*].target_tracking",
        "estimated_instance_warmup": "scaling_policy[*].estimated_instance_warmup",
        "state": None,  # present: the resource exists
    },
    # The other type's, found: wanted None, so their existence is compared.
    "Remove the scaling policies of the other type": {
        "name": "scaling_policy[*].name",
        "state": None,  # absent: the resource does not exist
    },
    "Remove the CPU alarms of the simple policies": {
        "name": "alarm[*].name",
        "state": None,  # absent: the resource does not exist
    },
    "Create the CPU alarms": {
        "name": "alarm[*].name",
        "description": "alarm[*].description",
        "namespace": "alarm[*].namespace",
        "metric_name": "alarm[*].metric_name",
        "statistic": "alarm[*].statistic",
        "comparison": "alarm[*].comparison",
        "threshold": "alarm[*].threshold",
        "period": "alarm[*].period",
        "evaluation_periods": "alarm[*].evaluation_periods",
        "dimensions": "alarm[*].dimensions",
        "alarm_actions": "alarm[*].alarm_actions",
        "treat_missing_data": "alarm[*].treat_missing_data",
        "state": None,  # present: the resource exists
    },
    # Runs in sync too (tasks/refresh.yml): the module compares the instances' versions itself
    # (module_utils/instance_refresh.plan), so the comparison's skip hides nothing of it.
    "Start or join the instance refresh": {
        "autoscaling_group_name": "auto_scaling_group.name",
        # AWS sets the refresh's desired version on the group when it succeeds.
        "launch_template_version": "auto_scaling_group.launch_template",
        "preferences": None,  # how a refresh replaces the instances, nothing the group keeps
        "state": None,  # started: a refresh runs or ran to the version
        "wait": None,  # the rollout gate (playbooks/tasks/rollout.yml) waits
    },
}

EXAMPLE_INPUTS: dict[str, Any] = {
    "name": "muejam-local",
    "tags": {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"},
    "ami_id": "ami-04681a1dbd79675a5",
    "user_data": "#!/bin/bash\necho muejam\n",
}
# Further inputs under which wanted() compares other resources (tests/unit/state/test_coverage.py).
EXAMPLE_VARIANTS: tuple[dict[str, Any], ...] = ({"policy_type": "target_tracking"},)


def scaling_names(policy_type: str, names: Mapping[str, Any]) -> dict[str, list[str]]:
    """The policies and alarms the role makes for ``policy_type`` (``policies``, ``alarms``) and those it
    removes, the other type's (``other_policies``, ``other_alarms``)."""
    other = next(kind for kind in POLICIES if kind != policy_type)
    return {
        "policies": [names[key] for key in POLICIES[policy_type]],
        "alarms": [names[key] for key in ALARMS[policy_type]],
        "other_policies": [names[key] for key in POLICIES[other]],
        "other_alarms": [names[key] for key in ALARMS[other]],
    }


def scaling_group_capacity(found_group: Mapping[str, Any], desired: int, min_size: int, max_size: int) -> int:
    """The desired capacity to set: ``desired`` for a new group, else the group's own clamped into [min, max].

    The scaling policies own the capacity of a running group, so a re-run never undoes a scale-out.
    """
    if not found_group:
        return int(desired)
    return min(max(int(found_group["desired_capacity"]), int(min_size)), int(max_size))


def user_data_digest(stored: str) -> str:
    """The SHA-256 digest of a launch template's user data as it stores it (the base64 text)."""
    return hashlib.sha256(stored.encode()).hexdigest()


def alarm_description(direction: str, group: str, adjustment: int, threshold: int, periods: int, period: int) -> str:
    """The CPU alarm's description as tasks/scaling.yml writes it (``direction``: out above, in below)."""
    where = "above" if direction == "out" else "below"
    return (
        f"Scale {group} {direction} by {abs(int(adjustment))} when the average CPU is {where} {threshold} % "
        f"for {periods} x {period} s"
    )


# --- read -----------------------------------------------------------------------------------------


def read(
    client: Callable[[str], Any], inputs: Mapping[str, Any], names: Mapping[str, Any], retry: bool
) -> dict[str, Any]:
    call = state.caller(retry)
    ec2 = client("ec2")
    resources: dict[str, Any] = {}
    ids: dict[str, Any] = _network(ec2, inputs, retry)

    groups = _security_groups(call, ec2, inputs, names, ids["vpc_id"])
    app = groups.get(names[_SG])
    resources[_SG] = _security_group(app) if app else None
    ids["app_security_group_id"] = app["GroupId"] if app else ""
    alb = groups.get(names_table.resource_name("alb_security_group", inputs["name"]))
    ids["alb_security_group_id"] = inputs.get("alb_security_group_id") or (alb["GroupId"] if alb else "")
    ids["target_group_arn"] = inputs.get("target_group_arn") or _target_group(call, client, inputs)

    iam = client("iam")
    resources[_ROLE], ids["instance_role_arn"] = _role(call, iam, names[_ROLE])
    resources[_PROFILE], ids["instance_profile_arn"] = _instance_profile(call, iam, names[_PROFILE])

    resources[_TEMPLATE], template_ids = _launch_template(call, ec2, names[_TEMPLATE])
    ids.update(template_ids)

    autoscaling = client("autoscaling")
    group = _first(
        _pages(
            call, autoscaling.describe_auto_scaling_groups, "AutoScalingGroups", AutoScalingGroupNames=[names[_GROUP]]
        )
    )
    resources[_GROUP] = _group(group) if group else None
    ids["auto_scaling_group_arn"] = group["AutoScalingGroupARN"] if group else ""

    # Both types' policies and alarms: those of the type not chosen are removed (scaling_names).
    kinds = scaling_names(inputs["policy_type"], names)
    policy_names = kinds["policies"] + kinds["other_policies"]
    policies = {}
    if group:
        request = {"AutoScalingGroupName": names[_GROUP], "PolicyNames": policy_names}
        policies = {
            p["PolicyName"]: p for p in _pages(call, autoscaling.describe_policies, "ScalingPolicies", **request)
        }
    for name in policy_names:
        resources[f"scaling_policy[{name}]"] = _policy(policies[name]) if name in policies else None
    ids["policy_arns"] = {name: policy["PolicyARN"] for name, policy in policies.items() if name in policy_names}
    # The alarms AWS made for a target tracking policy (TargetTracking-<group>-AlarmHigh-<id>, ...).
    ids["policy_alarms"] = {
        name: sorted(alarm["AlarmName"] for alarm in policy.get("Alarms") or []) for name, policy in policies.items()
    }
    ids["other_policies"] = [name for name in kinds["other_policies"] if name in policies]

    alarm_names = kinds["alarms"] + kinds["other_alarms"]
    request = {"AlarmNames": alarm_names, "AlarmTypes": ["MetricAlarm"]}
    alarms = {a["AlarmName"]: a for a in _pages(call, client("cloudwatch").describe_alarms, "MetricAlarms", **request)}
    for name in alarm_names:
        resources[f"alarm[{name}]"] = _alarm(alarms[name]) if name in alarms else None
    ids["other_alarms"] = [name for name in kinds["other_alarms"] if name in alarms]

    if ids["vpc_id"] and ids["subnet_ids"]:
        for subnet, egress in network_info.read_egress(ec2, ids["vpc_id"], ids["subnet_ids"], retry).items():
            resources[f"private_subnet_egress[{subnet}]"] = {
                "pending_nat_gateway": network_info.pending_nat_gateway(egress)
            }
    return {"resources": resources, "ids": ids}


def _pages(call: Callable[..., Any], method: Callable[..., Any], key: str, **request: Any) -> list[dict[str, Any]]:
    """Every item under ``key`` of a describe call, all pages (NextToken, or IAM's Marker)."""
    items: list[dict[str, Any]] = []
    while True:
        response = call(method, **request)
        items.extend(response.get(key) or [])
        if response.get("NextToken"):
            request["NextToken"] = response["NextToken"]
        elif response.get("IsTruncated") and response.get("Marker"):
            request["Marker"] = response["Marker"]
        else:
            return items


def _first(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    return items[0] if items else None


def _network(ec2: Any, inputs: Mapping[str, Any], retry: bool) -> dict[str, Any]:
    """The VPC and the private subnets: as given (no call), else found as stack_network_info finds them."""
    vpc_id, subnet_ids = inputs.get("vpc_id") or "", list(inputs.get("subnet_ids") or [])
    if vpc_id and subnet_ids:
        return {"vpc_id": vpc_id, "subnet_ids": subnet_ids}
    try:
        network = network_info.find_network(
            ec2, inputs["name"], inputs["tags"], "private", vpc_id=vpc_id, subnet_ids=subnet_ids, retry=retry
        )
    except network_info.NetworkNotFound:
        return {"vpc_id": vpc_id, "subnet_ids": subnet_ids}
    return {"vpc_id": network["vpc_id"], "subnet_ids": network["subnet_ids"]}


def _security_groups(
    call: Callable[..., Any], ec2: Any, inputs: Mapping[str, Any], names: Mapping[str, Any], vpc_id: str
) -> dict[str, dict[str, Any]]:
    """The app security group and, unless given, the ALB's (by their names in the VPC): one call."""
    if not vpc_id:
        return {}
    wanted = [names[_SG]]
    if not inputs.get("alb_security_group_id"):
        wanted.append(names_table.resource_name("alb_security_group", inputs["name"]))
    request = {"Filters": state.filters({"vpc-id": vpc_id, "group-name": wanted})}
    return {
        group["GroupName"]: group for group in _pages(call, ec2.describe_security_groups, "SecurityGroups", **request)
    }


def _target_group(call: Callable[..., Any], client: Callable[[str], Any], inputs: Mapping[str, Any]) -> str:
    name = names_table.resource_name("target_group", inputs["name"])
    try:
        groups = call(client("elbv2").describe_target_groups, Names=[name])["TargetGroups"]
    except Exception as error:
        if state.not_found(error, "TargetGroupNotFound"):
            return ""
        raise
    return groups[0]["TargetGroupArn"] if groups else ""


def _security_group(group: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": group["GroupName"],
        "description": group.get("Description", ""),
        "vpc_id": group.get("VpcId", ""),
        "ingress": security_groups.found_rules(group.get("IpPermissions")),
        "egress": security_groups.found_rules(group.get("IpPermissionsEgress")),
        "tags": state.tags_of(group.get("Tags")),
    }


def _policy_document(document: Any) -> Any:
    """A policy document as IAM returns it (boto3 decodes it; the raw API URL-encodes its JSON)."""
    if isinstance(document, str):
        try:
            return json.loads(urllib.parse.unquote(document))
        except ValueError as error:
            raise state.StateError(f"The trust policy of the instances' IAM role is not JSON: {document!r}") from error
    return document


def _role(call: Callable[..., Any], iam: Any, name: str) -> tuple[dict[str, Any] | None, str]:
    try:
        role = call(iam.get_role, RoleName=name)["Role"]
    except Exception as error:
        if state.not_found(error, "NoSuchEntity"):
            return None, ""
        raise
    attached = _pages(call, iam.list_attached_role_policies, "AttachedPolicies", RoleName=name)
    return {
        "name": role["RoleName"],
        "description": role.get("Description", ""),
        "trust_policy": _policy_document(role.get("AssumeRolePolicyDocument")),
        "managed_policies": sorted(policy["PolicyArn"] for policy in attached),
        "tags": state.tags_of(role.get("Tags")),
    }, role["Arn"]


def _instance_profile(call: Callable[..., Any], iam: Any, name: str) -> tuple[dict[str, Any] | None, str]:
    try:
        profile = call(iam.get_instance_profile, InstanceProfileName=name)["InstanceProfile"]
    except Exception as error:
        if state.not_found(error, "NoSuchEntity"):
            return None, ""
        raise
    return {
        "name": profile["InstanceProfileName"],
        "roles": sorted(role["RoleName"] for role in profile.get("Roles") or []),
        "tags": state.tags_of(profile.get("Tags")),
    }, profile["Arn"]


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _snake_keys(value: Any) -> Any:
    """AWS's CamelCase keys as the modules' snake_case options, in nested dicts and lists."""
    if isinstance(value, Mapping):
        return {_snake(str(key)): _snake_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_snake_keys(item) for item in value]
    return value


def _launch_template(call: Callable[..., Any], ec2: Any, name: str) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The template (its tags, default version) and its latest version's data: two calls."""
    request = {"Filters": state.filters({"launch-template-name": name})}
    template = _first(_pages(call, ec2.describe_launch_templates, "LaunchTemplates", **request))
    if not template:
        return None, {"launch_template_id": "", "launch_template_latest_version": 0}
    template_id = template["LaunchTemplateId"]
    versions = _pages(
        call, ec2.describe_launch_template_versions, "LaunchTemplateVersions", LaunchTemplateId=template_id,
        Versions=["$Latest"],
    )  # fmt: skip
    latest = max(versions, key=lambda version: version["VersionNumber"]) if versions else {}
    data = latest.get("LaunchTemplateData") or {}
    profile = data.get("IamInstanceProfile") or {}
    interfaces = []
    for interface in _snake_keys(data.get("NetworkInterfaces") or []):
        interfaces.append({**interface, "groups": sorted(interface.get("groups") or [])})
    found = {
        "name": template["LaunchTemplateName"],
        "image_id": data.get("ImageId", ""),
        "instance_type": data.get("InstanceType", ""),
        "user_data_sha256": user_data_digest(data.get("UserData", "")),
        "iam_instance_profile": profile.get("Arn") or profile.get("Name") or "",
        "detailed_monitoring": bool((data.get("Monitoring") or {}).get("Enabled", False)),
        "metadata_options": _snake_keys(data.get("MetadataOptions") or {}),
        "block_device_mappings": sorted(
            _snake_keys(data.get("BlockDeviceMappings") or []), key=lambda mapping: mapping.get("device_name", "")
        ),
        "network_interfaces": sorted(interfaces, key=lambda interface: interface.get("device_index", 0)),
        "tag_specifications": {
            spec.get("ResourceType", ""): state.tags_of(spec.get("Tags"))
            for spec in data.get("TagSpecifications") or []
        },
        "other_settings": sorted(key for key in data if key not in TEMPLATE_DATA),
        "version_description": latest.get("VersionDescription") or "",
        "default_version": template.get("DefaultVersionNumber"),
        "tags": state.tags_of(template.get("Tags")),
    }
    return found, {"launch_template_id": template_id, "launch_template_latest_version": template["LatestVersionNumber"]}


def _propagated(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


def _group(group: Mapping[str, Any]) -> dict[str, Any]:
    template = group.get("LaunchTemplate")
    return {
        "name": group["AutoScalingGroupName"],
        "launch_template": (
            {"name": template.get("LaunchTemplateName", ""), "version": str(template.get("Version", ""))}
            if template
            else state.MISSING
        ),
        "subnets": sorted(subnet for subnet in str(group.get("VPCZoneIdentifier") or "").split(",") if subnet),
        "target_groups": sorted(group.get("TargetGroupARNs") or []),
        "health_check_type": group.get("HealthCheckType"),
        "health_check_grace_period": group.get("HealthCheckGracePeriod"),
        "min_size": group.get("MinSize"),
        "max_size": group.get("MaxSize"),
        "desired_capacity": group.get("DesiredCapacity"),
        "default_cooldown": group.get("DefaultCooldown"),
        "metrics": sorted(
            f"{metric['Metric']}:{metric.get('Granularity', '')}"
            for metric in group.get("EnabledMetrics") or []
            if metric.get("Metric") in GROUP_METRICS
        ),
        "tags": {
            str(tag["Key"]): {
                "value": str(tag.get("Value", "")),
                "propagate_at_launch": _propagated(tag.get("PropagateAtLaunch")),
            }
            for tag in group.get("Tags") or []
        },
    }


def _policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": policy["PolicyName"],
        "auto_scaling_group": policy.get("AutoScalingGroupName", ""),
        "policy_type": policy.get("PolicyType", "SimpleScaling"),
        "adjustment_type": policy.get("AdjustmentType"),
        "scaling_adjustment": policy.get("ScalingAdjustment"),
        "cooldown": policy.get("Cooldown"),
        "target_tracking": target_tracking(policy.get("TargetTrackingConfiguration")),
        "estimated_instance_warmup": policy.get("EstimatedInstanceWarmup"),
    }


def target_tracking(config: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A TargetTrackingConfiguration as compared: its predefined metric (empty for a customized one), the
    target as a float (AWS returns a double; the inventory gives an integer) and DisableScaleIn, which
    AWS may leave out when it is false. None for a policy without one."""
    if not config:
        return None
    target = config.get("TargetValue")
    return {
        "predefined_metric_type": (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType", ""),
        "target_value": float(target) if target is not None else None,
        "disable_scale_in": bool(config.get("DisableScaleIn", False)),
    }


def _alarm(alarm: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": alarm["AlarmName"],
        "description": alarm.get("AlarmDescription", ""),
        "namespace": alarm.get("Namespace"),
        "metric_name": alarm.get("MetricName"),
        "statistic": alarm.get("Statistic"),
        "comparison": alarm.get("ComparisonOperator"),
        "threshold": float(alarm["Threshold"]) if alarm.get("Threshold") is not None else None,
        "period": alarm.get("Period"),
        "evaluation_periods": alarm.get("EvaluationPeriods"),
        "dimensions": {str(d["Name"]): str(d["Value"]) for d in alarm.get("Dimensions") or []},
        "alarm_actions": sorted(alarm.get("AlarmActions") or []),
        "ok_actions": sorted(alarm.get("OKActions") or []),
        "insufficient_data_actions": sorted(alarm.get("InsufficientDataActions") or []),
        # cloudwatch_metric_alarm counts an alarm made before the option existed as "missing".
        "treat_missing_data": alarm.get("TreatMissingData", "missing"),
    }


# --- wanted ---------------------------------------------------------------------------------------


def wanted(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    ids = found.get("ids") or {}
    resources = found.get("resources") or {}
    tags = state.string_tags(inputs["tags"])

    def named(key: str) -> dict[str, str]:
        return {**tags, "Name": names[key]}

    name = inputs["name"]
    latest = int(ids.get("launch_template_latest_version") or 1)  # a new template's is 1
    group = names[_GROUP]
    policy_arns = ids.get("policy_arns") or {}
    root_ebs = {
        "volume_size": int(inputs["root_volume_size"]),
        "volume_type": inputs["root_volume_type"],
        "encrypted": True,
        "delete_on_termination": True,
    }
    if inputs.get("root_volume_kms_key_id"):
        root_ebs["kms_key_id"] = inputs["root_volume_kms_key_id"]
    app_port = int(inputs["app_port"])
    stored_user_data = base64.b64encode(str(inputs.get("user_data") or "").encode()).decode()
    result: dict[str, Any] = {
        _SG: {
            "name": names[_SG],
            "description": f"{name} app instances: the app port from the ALB only",
            "vpc_id": ids.get("vpc_id", ""),
            "ingress": [
                security_groups.rule(
                    "tcp", app_port, app_port, ids.get("alb_security_group_id", ""), "The app port from the ALB"
                )
            ],
            "egress": security_groups.sorted_rules(
                security_groups.rule(
                    "tcp", int(port), int(port), security_groups.cidr(inputs["egress_cidr"]), EGRESS_DESCRIPTION
                )
                for port in inputs["egress_ports"]
            ),
            "tags": named(_SG),
        },
        _ROLE: {
            "name": names[_ROLE],
            "description": f"{name} app instances",
            "trust_policy": TRUST_POLICY,
            "managed_policies": sorted(inputs["managed_policy_arns"]),
            "tags": named(_ROLE),
        },
        _PROFILE: {"name": names[_PROFILE], "roles": [names[_ROLE]], "tags": named(_PROFILE)},
        _TEMPLATE: {
            "name": names[_TEMPLATE],
            "image_id": inputs["ami_id"],
            "instance_type": inputs["instance_type"],
            "user_data_sha256": user_data_digest(stored_user_data),
            "iam_instance_profile": ids.get("instance_profile_arn", ""),
            "detailed_monitoring": bool(inputs["detailed_monitoring"]),
            "metadata_options": {**METADATA_OPTIONS, "http_put_response_hop_limit": int(inputs["metadata_hop_limit"])},
            "block_device_mappings": [{"device_name": inputs["root_device_name"], "ebs": root_ebs}],
            "network_interfaces": [
                {
                    "associate_public_ip_address": False,
                    "delete_on_termination": True,
                    "device_index": 0,
                    "groups": [ids.get("app_security_group_id", "")],
                }
            ],
            "tag_specifications": {"instance": named("instance"), "volume": named("root_volume")},
            "other_settings": [],
            "version_description": "",
            "default_version": latest,
            "tags": named(_TEMPLATE),
        },
        _GROUP: {
            "name": group,
            "launch_template": {"name": names[_TEMPLATE], "version": str(latest)},
            "subnets": sorted(ids.get("subnet_ids") or []),
            "target_groups": [ids.get("target_group_arn", "")],
            "health_check_type": inputs["health_check_type"],
            "health_check_grace_period": int(inputs["health_check_grace_period"]),
            "min_size": int(inputs["min_size"]),
            "max_size": int(inputs["max_size"]),
            "desired_capacity": scaling_group_capacity(
                resources.get(_GROUP) or {}, inputs["desired_capacity"], inputs["min_size"], inputs["max_size"]
            ),
            "default_cooldown": int(inputs["default_cooldown"]),
            "metrics": (
                sorted(f"{metric}:{inputs['metrics_granularity']}" for metric in GROUP_METRICS)
                if inputs["metrics_collection"]
                else []
            ),
            "tags": {
                **{key: {"value": value, "propagate_at_launch": True} for key, value in tags.items()},
                "Name": {"value": group, "propagate_at_launch": False},
            },
        },
    }
    result.update(_scaling(inputs, names, policy_arns))
    # The instances need egress from their first boot: a subnet whose NAT gateway is not available yet is
    # a difference, so the role runs its tasks and waits for it before it creates or updates the group.
    for subnet in ids.get("subnet_ids") or []:
        result[f"private_subnet_egress[{subnet}]"] = {"pending_nat_gateway": ""}
    return result


def _scaling(inputs: Mapping[str, Any], names: Mapping[str, Any], policy_arns: Mapping[str, str]) -> dict[str, Any]:
    """The chosen type's policies (and the simple policies' alarms); the other type's must not exist."""
    group = names[_GROUP]
    policy_type = inputs["policy_type"]
    kinds = scaling_names(policy_type, names)
    result: dict[str, Any] = {f"scaling_policy[{name}]": None for name in kinds["other_policies"]}
    result.update({f"alarm[{name}]": None for name in kinds["other_alarms"]})
    if policy_type == "target_tracking":
        name = names["target_tracking_policy"]
        result[f"scaling_policy[{name}]"] = {
            "name": name,
            "auto_scaling_group": group,
            "policy_type": "TargetTrackingScaling",
            "target_tracking": {
                "predefined_metric_type": TARGET_TRACKING_METRIC,
                "target_value": float(inputs["target_cpu"]),
                "disable_scale_in": bool(inputs["target_disable_scale_in"]),
            },
            "estimated_instance_warmup": int(inputs["target_instance_warmup"]),
        }
        return result
    for key, adjustment in (("scale_out_policy", "scale_out_adjustment"), ("scale_in_policy", "scale_in_adjustment")):
        result[f"scaling_policy[{names[key]}]"] = {
            "name": names[key],
            "auto_scaling_group": group,
            "policy_type": "SimpleScaling",
            "adjustment_type": "ChangeInCapacity",
            "scaling_adjustment": int(inputs[adjustment]),
            "cooldown": int(inputs["scaling_cooldown"]),
        }
    alarms = (
        ("cpu_high_alarm", "out", "GreaterThanThreshold", "cpu_high_threshold", "scale_out"),
        ("cpu_low_alarm", "in", "LessThanThreshold", "cpu_low_threshold", "scale_in"),
    )
    for key, direction, comparison, threshold, scaling in alarms:
        result[f"alarm[{names[key]}]"] = {
            "name": names[key],
            "description": alarm_description(
                direction,
                group,
                inputs[f"{scaling}_adjustment"],
                inputs[threshold],
                inputs["alarm_evaluation_periods"],
                inputs["alarm_period"],
            ),
            **CPU_ALARM,
            "comparison": comparison,
            "threshold": float(inputs[threshold]),
            "period": int(inputs["alarm_period"]),
            "evaluation_periods": int(inputs["alarm_evaluation_periods"]),
            "dimensions": {"AutoScalingGroupName": group},
            "alarm_actions": [policy_arns.get(names[f"{scaling}_policy"], "")],
        }
    return result


# --- outputs --------------------------------------------------------------------------------------


def outputs(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    """``scaling_group_outputs`` from what exists (empty ids for what does not)."""
    ids = found.get("ids") or {}
    policy_arns = ids.get("policy_arns") or {}
    return {
        "security_group_id": ids.get("app_security_group_id", ""),
        "iam_role_name": names[_ROLE],
        "iam_role_arn": ids.get("instance_role_arn", ""),
        "instance_profile_name": names[_PROFILE],
        "instance_profile_arn": ids.get("instance_profile_arn", ""),
        "launch_template_id": ids.get("launch_template_id", ""),
        "launch_template_name": names[_TEMPLATE],
        "autoscaling_group_name": names[_GROUP],
        "autoscaling_group_arn": ids.get("auto_scaling_group_arn", ""),
        "scale_out_policy_arn": policy_arns.get(names["scale_out_policy"], ""),
        "scale_in_policy_arn": policy_arns.get(names["scale_in_policy"], ""),
        "target_tracking_policy_arn": policy_arns.get(names["target_tracking_policy"], ""),
        # The alarms that scale the group: ours for the simple policies, AWS's for a target tracking policy.
        "alarm_names": (
            list(ids.get("policy_alarms", {}).get(names["target_tracking_policy"], []))
            if inputs["policy_type"] == "target_tracking"
            else [names["cpu_high_alarm"], names["cpu_low_alarm"]]
        ),
    }
