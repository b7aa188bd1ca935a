# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack's security audit: AWS Security Hub Foundational Security Best Practices controls.

Pure functions over plain dicts shaped as boto3 returns them (``describe_load_balancers``,
``describe_security_groups``, ...), so they are testable without Ansible and without AWS. Each
``check_*`` function takes the described resources it needs and returns one result::

    {"control": "ELB.4", "title": "...", "status": "PASS" | "FAIL" | "NOT_REQUIRED",
     "checked": ["muejam-production-alb"], "failures": [{"resource": "...", "reason": "..."}],
     "note": "..."}

A resource that should exist but was not found is a failure naming it: an audit of a stack that
does not exist never passes. ``NOT_REQUIRED`` is only given by the production-only controls
(ELB.5, ELB.6) outside production when the setting is off; it does not fail the audit.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

from ansible_collections.muejam.infra.plugins.module_utils.names import resource_name

PASS = "PASS"
FAIL = "FAIL"
NOT_REQUIRED = "NOT_REQUIRED"

WORLD_CIDRS = ("0.0.0.0/0", "::/0")
WORLD_PORTS = (80, 443)


def result(
    control: str,
    title: str,
    failures: list[dict[str, str]],
    checked: Iterable[str] = (),
    note: str = "",
    status: str | None = None,
) -> dict[str, Any]:
    """One control's result: FAIL when there are failures, else PASS (unless told)."""
    return {
        "control": control,
        "title": title,
        "status": status or (FAIL if failures else PASS),
        "checked": list(checked),
        "failures": failures,
        "note": note,
    }


def failure(resource: str, reason: str) -> dict[str, str]:
    return {"resource": resource, "reason": reason}


def tag_value(resource: dict[str, Any], key: str) -> str:
    """The value of a tag in boto3's Tags list ([{Key, Value}]), or an empty string."""
    for tag in resource.get("Tags") or []:
        if tag.get("Key") == key:
            return tag.get("Value") or ""
    return ""


def labelled(identifier: str, name: str) -> str:
    return f"{identifier} ({name})" if name and name != identifier else identifier


def vpc_label(vpc: dict[str, Any]) -> str:
    return labelled(vpc["VpcId"], tag_value(vpc, "Name"))


def security_group_label(group: dict[str, Any]) -> str:
    return labelled(group["GroupId"], group.get("GroupName") or tag_value(group, "Name"))


def subnet_label(subnet: dict[str, Any]) -> str:
    return labelled(subnet["SubnetId"], tag_value(subnet, "Name"))


def version_label(version: dict[str, Any]) -> str:
    return f"{version['LaunchTemplateId']} ({version['LaunchTemplateName']}) version {version['VersionNumber']}"


def instance_label(instance: dict[str, Any]) -> str:
    return instance["InstanceId"]


def missing(what: str, name: str) -> dict[str, str]:
    return failure(name, f"{what} not found")


# --- Elastic Load Balancing -----------------------------------------------------------------


def check_elb_1(load_balancer: dict[str, Any] | None, listeners: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """ELB.1: every HTTP listener redirects to HTTPS (default action and rules), and there is HTTPS."""
    title = "HTTP listeners redirect to HTTPS"
    if load_balancer is None:
        return result("ELB.1", title, [missing("load balancer", name)])
    alb = load_balancer["LoadBalancerName"]
    failures: list[dict[str, str]] = []
    https = [listener for listener in listeners if listener.get("Protocol") == "HTTPS"]
    if not https:
        failures.append(failure(alb, "no HTTPS listener to redirect to"))
    for listener in listeners:
        if listener.get("Protocol") != "HTTP":
            continue
        where = f"{alb} HTTP:{listener.get('Port')}"
        actions = [("default action", action) for action in listener.get("DefaultActions") or []]
        for rule in listener.get("Rules") or []:
            if not rule.get("IsDefault"):
                actions += [(f"rule {rule.get('Priority')}", action) for action in rule.get("Actions") or []]
        for which, action in actions:
            kind = action.get("Type")
            if kind == "redirect":
                protocol = (action.get("RedirectConfig") or {}).get("Protocol")
                if protocol != "HTTPS":
                    failures.append(failure(where, f"{which} redirects to {protocol}, not HTTPS"))
            elif kind != "fixed-response":
                failures.append(failure(where, f"{which} is {kind}, not a redirect to HTTPS"))
    return result("ELB.1", title, failures, [alb])


def check_elb_4(load_balancer: dict[str, Any] | None, attributes: dict[str, str], name: str) -> dict[str, Any]:
    """ELB.4: the ALB drops invalid HTTP header fields."""
    title = "ALB drops invalid HTTP headers"
    if load_balancer is None:
        return result("ELB.4", title, [missing("load balancer", name)])
    alb = load_balancer["LoadBalancerName"]
    value = attributes.get("routing.http.drop_invalid_header_fields.enabled", "false")
    failures = [] if value == "true" else [failure(alb, f"routing.http.drop_invalid_header_fields.enabled is {value}")]
    return result("ELB.4", title, failures, [alb])


def production_only(control: str, title: str, alb: str, problem: str | None, production: bool) -> dict[str, Any]:
    """A control required in production only: outside it, a setting that is off is NOT_REQUIRED."""
    if problem is None:
        return result(control, title, [], [alb])
    if production:
        return result(control, title, [failure(alb, problem)], [alb])
    return result(control, title, [], [alb], note=f"{problem}; required only in production", status=NOT_REQUIRED)


def check_elb_5(
    load_balancer: dict[str, Any] | None, attributes: dict[str, str], name: str, production: bool
) -> dict[str, Any]:
    """ELB.5: access logs go to an S3 bucket (required in production)."""
    title = "ALB access logs to S3 (production)"
    if load_balancer is None:
        return result("ELB.5", title, [missing("load balancer", name)])
    enabled = attributes.get("access_logs.s3.enabled", "false")
    bucket = attributes.get("access_logs.s3.bucket", "")
    problem = None
    if enabled != "true":
        problem = "access_logs.s3.enabled is false"
    elif not bucket:
        problem = "access_logs.s3.bucket is empty"
    return production_only("ELB.5", title, load_balancer["LoadBalancerName"], problem, production)


def check_elb_6(
    load_balancer: dict[str, Any] | None, attributes: dict[str, str], name: str, production: bool
) -> dict[str, Any]:
    """ELB.6: deletion protection is on (required in production)."""
    title = "ALB deletion protection (production)"
    if load_balancer is None:
        return result("ELB.6", title, [missing("load balancer", name)])
    value = attributes.get("deletion_protection.enabled", "false")
    problem = None if value == "true" else f"deletion_protection.enabled is {value}"
    return production_only("ELB.6", title, load_balancer["LoadBalancerName"], problem, production)


def check_elb_13(load_balancer: dict[str, Any] | None, name: str, minimum: int = 2) -> dict[str, Any]:
    """ELB.13: the ALB spans at least two availability zones."""
    title = f"ALB spans {minimum}+ availability zones"
    if load_balancer is None:
        return result("ELB.13", title, [missing("load balancer", name)])
    alb = load_balancer["LoadBalancerName"]
    zones = sorted({zone["ZoneName"] for zone in load_balancer.get("AvailabilityZones") or []})
    failures = [] if len(zones) >= minimum else [failure(alb, f"in {len(zones)} zone(s): {', '.join(zones) or 'none'}")]
    return result("ELB.13", title, failures, [alb])


# --- Auto Scaling ---------------------------------------------------------------------------


def check_autoscaling_1(
    group: dict[str, Any] | None, name: str, target_group: dict[str, Any] | None = None
) -> dict[str, Any]:
    """AutoScaling.1: the group serves the stack's target group and uses its (ELB) health checks."""
    title = "Auto Scaling group uses ELB health checks"
    if group is None:
        return result("AutoScaling.1", title, [missing("Auto Scaling group", name)])
    label = group["AutoScalingGroupName"]
    failures = []
    attached = group.get("TargetGroupARNs") or []
    if not (attached or group.get("LoadBalancerNames")):
        failures.append(failure(label, "attached to no target group or load balancer"))
    elif target_group is not None and target_group["TargetGroupArn"] not in attached:
        failures.append(failure(label, f"not attached to the target group {target_group['TargetGroupName']}"))
    if group.get("HealthCheckType") != "ELB":
        failures.append(failure(label, f"HealthCheckType is {group.get('HealthCheckType')}, not ELB"))
    return result("AutoScaling.1", title, failures, [label])


def check_autoscaling_2(
    group: dict[str, Any] | None, subnets: list[dict[str, Any]], name: str, minimum: int = 2
) -> dict[str, Any]:
    """AutoScaling.2: the group covers at least two availability zones."""
    title = f"Auto Scaling group spans {minimum}+ availability zones"
    if group is None:
        return result("AutoScaling.2", title, [missing("Auto Scaling group", name)])
    label = group["AutoScalingGroupName"]
    zones = set(group.get("AvailabilityZones") or [])
    if not zones:  # derive them from the group's subnets
        zone_of = {subnet["SubnetId"]: subnet.get("AvailabilityZone") for subnet in subnets}
        wanted = [item for item in (group.get("VPCZoneIdentifier") or "").split(",") if item]
        zones = {zone_of[subnet] for subnet in wanted if zone_of.get(subnet)}
    ordered = sorted(zones)
    failures = (
        []
        if len(ordered) >= minimum
        else [failure(label, f"in {len(ordered)} zone(s): {', '.join(ordered) or 'none'}")]
    )
    return result("AutoScaling.2", title, failures, [label])


# --- EC2 / VPC ------------------------------------------------------------------------------


def check_ec2_2(vpc: dict[str, Any] | None, security_groups: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """EC2.2: the VPC's default security group allows no traffic in or out."""
    title = "VPC default security group has no rules"
    if vpc is None:
        return result("EC2.2", title, [missing("VPC", name)])
    defaults = [group for group in security_groups if group.get("GroupName") == "default"]
    if not defaults:
        return result("EC2.2", title, [failure(vpc_label(vpc), "default security group not found")])
    failures = []
    for group in defaults:
        inbound, outbound = len(group.get("IpPermissions") or []), len(group.get("IpPermissionsEgress") or [])
        if inbound or outbound:
            failures.append(failure(security_group_label(group), f"{inbound} inbound and {outbound} outbound rule(s)"))
    return result("EC2.2", title, failures, [security_group_label(group) for group in defaults])


def retention_problem(group_name: str, log_groups: list[dict[str, Any]]) -> str | None:
    """Why a log group does not keep its events for a bounded time, or None when it does."""
    found = [group for group in log_groups if group.get("logGroupName") == group_name]
    if not found:
        return f"log group {group_name} not found"
    if not found[0].get("retentionInDays"):
        return f"log group {group_name} has no retention (never expires)"
    return None


def check_ec2_6(
    vpc: dict[str, Any] | None, flow_logs: list[dict[str, Any]], log_groups: list[dict[str, Any]], name: str
) -> dict[str, Any]:
    """EC2.6: an active flow log of the VPC (ALL or REJECT traffic) delivers to a log group with retention."""
    title = "VPC flow logs to CloudWatch Logs with a retention"
    if vpc is None:
        return result("EC2.6", title, [missing("VPC", name)])
    label = vpc_label(vpc)
    ours = [log for log in flow_logs if log.get("ResourceId") == vpc["VpcId"]]
    if not ours:
        return result("EC2.6", title, [failure(label, "no flow log")], [label])
    problems = []
    for log in ours:
        where = f"flow log {log.get('FlowLogId')}"
        destination = log.get("LogDestinationType", "cloud-watch-logs")
        if log.get("FlowLogStatus", "ACTIVE") != "ACTIVE":
            problems.append(f"{where} is {log.get('FlowLogStatus')}")
        elif log.get("TrafficType") not in ("ALL", "REJECT"):
            problems.append(f"{where} logs {log.get('TrafficType')} traffic only, not rejected traffic")
        elif destination != "cloud-watch-logs":
            problems.append(f"{where} delivers to {destination}, not CloudWatch Logs")
        elif not log.get("LogGroupName"):
            problems.append(f"{where} names no log group")
        else:
            problem = retention_problem(log["LogGroupName"], log_groups)
            if problem is None:
                return result("EC2.6", title, [], [label, where])
            problems.append(f"{where}: {problem}")
    return result("EC2.6", title, [failure(label, "; ".join(problems))], [label])


def check_ec2_15(vpc: dict[str, Any] | None, subnets: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """EC2.15: no subnet of the VPC assigns public IPv4 addresses on launch (private ones included)."""
    title = "Subnets do not assign public IPs"
    if vpc is None:
        return result("EC2.15", title, [missing("VPC", name)])
    if not subnets:
        return result("EC2.15", title, [failure(vpc_label(vpc), "has no subnets")])
    private = [subnet for subnet in subnets if tag_value(subnet, "Tier") == "private"]
    failures = [
        failure(subnet_label(subnet), "MapPublicIpOnLaunch is true")
        for subnet in subnets
        if subnet.get("MapPublicIpOnLaunch")
    ]
    if not private:
        failures.append(failure(vpc_label(vpc), "no private subnet (tagged Tier: private)"))
    return result("EC2.15", title, failures, [subnet_label(subnet) for subnet in subnets])


def world_sources(permission: dict[str, Any]) -> list[str]:
    cidrs = [item.get("CidrIp") for item in permission.get("IpRanges") or []]
    cidrs += [item.get("CidrIpv6") for item in permission.get("Ipv6Ranges") or []]
    return [cidr for cidr in cidrs if cidr in WORLD_CIDRS]


def describe_ports(permission: dict[str, Any]) -> str:
    protocol = str(permission.get("IpProtocol"))
    if protocol == "-1":
        return "all traffic"
    low, high = permission.get("FromPort"), permission.get("ToPort")
    if low is None or low == -1:
        return f"{protocol} all ports"
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


def check_ec2_18_19(
    security_groups: list[dict[str, Any]], load_balancer: dict[str, Any] | None, vpc: dict[str, Any] | None, name: str
) -> dict[str, Any]:
    """EC2.18/EC2.19: only TCP 80 and 443 are open to the world, and only on the ALB's security groups."""
    title = "Only 80/443 open to the world, on the ALB only"
    if vpc is None:
        return result("EC2.18/EC2.19", title, [missing("VPC", name)])
    alb_groups = set((load_balancer or {}).get("SecurityGroups") or [])
    failures = []
    for group in security_groups:
        for permission in group.get("IpPermissions") or []:
            sources = world_sources(permission)
            if not sources:
                continue
            single_port = permission.get("FromPort") == permission.get("ToPort")
            web = permission.get("IpProtocol") == "tcp" and single_port and permission.get("FromPort") in WORLD_PORTS
            if web and group["GroupId"] in alb_groups:
                continue
            why = f"{describe_ports(permission)} open to {', '.join(sources)}"
            if web:
                why += " on a security group that is not the ALB's"
            failures.append(failure(security_group_label(group), why))
    return result("EC2.18/EC2.19", title, failures, [security_group_label(group) for group in security_groups])


def group_template(group: dict[str, Any] | None) -> dict[str, Any]:
    """The launch template specification of an Auto Scaling group ({} when it has none)."""
    if not group:
        return {}
    if group.get("LaunchTemplate"):
        return group["LaunchTemplate"]
    policy = group.get("MixedInstancesPolicy") or {}
    return (policy.get("LaunchTemplate") or {}).get("LaunchTemplateSpecification") or {}


def audited_versions(versions: list[dict[str, Any]], group: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The template versions that launch instances: the default, the latest and the group's, oldest first."""
    if not versions:
        return []
    by_number = {int(version["VersionNumber"]): version for version in versions}
    latest = max(by_number)
    defaults = [number for number, version in by_number.items() if version.get("DefaultVersion")]
    wanted = {latest, *defaults}
    spec = group_template(group)
    template_id, template_name = versions[0].get("LaunchTemplateId"), versions[0].get("LaunchTemplateName")
    if (
        spec
        and spec.get("LaunchTemplateId", template_id) == template_id
        and spec.get("LaunchTemplateName", template_name) == template_name
    ):
        version = str(spec.get("Version") or "$Default")
        if version == "$Latest":
            wanted.add(latest)
        elif version.isdigit():
            wanted.add(int(version))
    return [by_number[number] for number in sorted(wanted) if number in by_number]


def launch_template_check(
    control: str,
    title: str,
    template: dict[str, Any] | None,
    versions: list[dict[str, Any]],
    name: str,
    problems_of: Callable[[dict[str, Any]], list[str]],
) -> list[dict[str, str]] | dict[str, Any]:
    """Failures of every audited launch template version, or a finished result when there is none."""
    if template is None:
        return result(control, title, [missing("launch template", name)])
    if not versions:
        return result(control, title, [failure(name, "launch template has no version")])
    return [failure(version_label(version), problem) for version in versions for problem in problems_of(version)]


def check_ec2_8_170(
    template: dict[str, Any] | None,
    versions: list[dict[str, Any]],
    instances: list[dict[str, Any]],
    name: str,
) -> dict[str, Any]:
    """EC2.8/EC2.170: IMDSv2 is required by the launch template and on the group's running instances."""
    control, title = "EC2.8/EC2.170", "IMDSv2 required (launch template, instances)"

    def problems(version: dict[str, Any]) -> list[str]:
        options = version.get("LaunchTemplateData", {}).get("MetadataOptions") or {}
        if options.get("HttpEndpoint") == "disabled" or options.get("HttpTokens") == "required":
            return []
        return [f"MetadataOptions.HttpTokens is {options.get('HttpTokens') or 'unset (optional)'}"]

    failures = launch_template_check(control, title, template, versions, name, problems)
    if isinstance(failures, dict):
        return failures
    for instance in instances:
        options = instance.get("MetadataOptions") or {}
        if options.get("HttpEndpoint") != "disabled" and options.get("HttpTokens") != "required":
            failures.append(
                failure(instance_label(instance), f"instance allows IMDSv1 (HttpTokens {options.get('HttpTokens')})")
            )
    checked = [version_label(version) for version in versions] + [instance_label(instance) for instance in instances]
    return result(control, title, failures, checked)


def check_ec2_25(template: dict[str, Any] | None, versions: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """EC2.25: no network interface of the launch template gets a public IPv4 address."""
    control, title = "EC2.25", "Launch template assigns no public IP"

    def problems(version: dict[str, Any]) -> list[str]:
        interfaces = version.get("LaunchTemplateData", {}).get("NetworkInterfaces") or []
        return [
            f"network interface {interface.get('DeviceIndex')} has AssociatePublicIpAddress true"
            for interface in interfaces
            if interface.get("AssociatePublicIpAddress")
        ]

    failures = launch_template_check(control, title, template, versions, name, problems)
    if isinstance(failures, dict):
        return failures
    return result(control, title, failures, [version_label(version) for version in versions])


def check_ec2_3(
    template: dict[str, Any] | None,
    versions: list[dict[str, Any]],
    volumes: list[dict[str, Any]],
    encryption_by_default: bool,
    name: str,
) -> dict[str, Any]:
    """EC2.3: EBS volumes are encrypted: the template's mappings (or the account default) and attached volumes."""
    control, title = "EC2.3", "EBS volumes encrypted"

    def problems(version: dict[str, Any]) -> list[str]:
        if encryption_by_default:
            return []  # every new volume of the account and region is encrypted
        mappings = [
            item for item in version.get("LaunchTemplateData", {}).get("BlockDeviceMappings") or [] if "Ebs" in item
        ]
        if not mappings:
            return ["no EBS block device mapping (the AMI's volumes are used) and EBS encryption by default is off"]
        return [f"{item.get('DeviceName')} is not encrypted" for item in mappings if not item["Ebs"].get("Encrypted")]

    failures = launch_template_check(control, title, template, versions, name, problems)
    if isinstance(failures, dict):
        return failures
    for volume in volumes:
        if not volume.get("Encrypted"):
            attached = ", ".join(
                f"{item.get('InstanceId')} {item.get('Device')}" for item in volume.get("Attachments") or []
            )
            failures.append(failure(volume["VolumeId"], f"not encrypted (attached to {attached or 'nothing'})"))
    checked = [version_label(version) for version in versions] + [volume["VolumeId"] for volume in volumes]
    return result(control, title, failures, checked)


# --- IAM and CloudWatch Logs ----------------------------------------------------------------


def policy_document(document: Any) -> dict[str, Any]:
    """A policy document as a dict: boto3 decodes it, the raw API returns URL-encoded JSON."""
    if isinstance(document, str):
        return json.loads(unquote(document))
    return document or {}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def wildcard_actions(document: Any) -> list[str]:
    """What each Allow statement grants by wildcard: '*', 'service:*', or NotAction (all but some)."""
    found = []
    for statement in as_list(policy_document(document).get("Statement")):
        if statement.get("Effect") != "Allow":
            continue
        label = statement.get("Sid") or "statement"
        for action in as_list(statement.get("Action")):
            if action == "*" or (isinstance(action, str) and action.endswith(":*")):
                found.append(f"{label} allows {action}")
        if "NotAction" in statement:
            found.append(f"{label} allows every action but {', '.join(map(str, as_list(statement['NotAction'])))}")
    return found


def check_iam_1_21(role: dict[str, Any] | None, policies: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """IAM.1/IAM.21: no policy of the instance role allows '*' or 'service:*' actions.

    ``policies`` are {"name", "kind": "inline"|"managed", "document"} for every inline and attached policy.
    """
    title = "No wildcard actions in the instance role's policies"
    if role is None:
        return result("IAM.1/IAM.21", title, [missing("IAM role", name)])
    failures = [
        failure(f"{role['RoleName']} {policy['kind']} policy {policy['name']}", grant)
        for policy in policies
        for grant in wildcard_actions(policy.get("document"))
    ]
    checked = [role["RoleName"]] + [f"{policy['kind']} policy {policy['name']}" for policy in policies]
    return result("IAM.1/IAM.21", title, failures, checked)


def check_log_retention(log_groups: list[dict[str, Any]], prefix: str, required: Iterable[str] = ()) -> dict[str, Any]:
    """Logs.Retention: the stack's log groups (under prefix, and the required ones) expire their events."""
    title = "Log groups have a retention"
    failures = []
    names = sorted({group["logGroupName"] for group in log_groups if group["logGroupName"].startswith(prefix)})
    if not names:
        failures.append(failure(f"{prefix}*", "no log group found"))
    for name in sorted(set(required) - set(names)):
        names.append(name)
    for name in names:
        problem = retention_problem(name, log_groups)
        if problem is not None:
            failures.append(failure(name, problem.replace(f"log group {name} ", "")))
    return result("Logs.Retention", title, failures, names)


# --- The whole audit ------------------------------------------------------------------------


def audit(stack: dict[str, Any]) -> list[dict[str, Any]]:
    """Every control on one described stack (the dict stack_audit gathers), in the table's order."""
    name = stack["name"]
    alb, alb_name = stack.get("load_balancer"), resource_name("load_balancer", name)
    attributes = stack.get("load_balancer_attributes") or {}
    vpc, vpc_name = stack.get("vpc"), resource_name("vpc", name)
    group, group_name = stack.get("autoscaling_group"), resource_name("auto_scaling_group", name)
    template, template_name = stack.get("launch_template"), resource_name("launch_template", name)
    versions = stack.get("launch_template_versions") or []
    security_groups = stack.get("security_groups") or []
    subnets = stack.get("subnets") or []
    log_groups = stack.get("log_groups") or []
    flow_log_groups = [log["LogGroupName"] for log in stack.get("flow_logs") or [] if log.get("LogGroupName")]
    production = bool(stack.get("production"))
    return [
        check_elb_1(alb, stack.get("listeners") or [], alb_name),
        check_elb_4(alb, attributes, alb_name),
        check_elb_5(alb, attributes, alb_name, production),
        check_elb_6(alb, attributes, alb_name, production),
        check_elb_13(alb, alb_name),
        check_autoscaling_1(group, group_name, stack.get("target_group")),
        check_autoscaling_2(group, subnets, group_name),
        check_ec2_2(vpc, security_groups, vpc_name),
        check_ec2_6(vpc, stack.get("flow_logs") or [], log_groups, vpc_name),
        check_ec2_8_170(template, versions, stack.get("instances") or [], template_name),
        check_ec2_15(vpc, subnets, vpc_name),
        check_ec2_18_19(security_groups, alb, vpc, vpc_name),
        check_ec2_25(template, versions, template_name),
        check_ec2_3(
            template, versions, stack.get("volumes") or [], bool(stack.get("ebs_encryption_by_default")), template_name
        ),
        check_iam_1_21(stack.get("role"), stack.get("role_policies") or [], resource_name("instance_role", name)),
        check_log_retention(log_groups, stack.get("log_group_prefix") or "", flow_log_groups),
    ]


def failed_controls(results: list[dict[str, Any]]) -> list[str]:
    return [item["control"] for item in results if item["status"] == FAIL]


def failure_lines(results: list[dict[str, Any]]) -> list[str]:
    """One line per failing resource: 'CONTROL RESOURCE: why'."""
    return [
        f"{item['control']} {problem['resource']}: {problem['reason']}"
        for item in results
        if item["status"] == FAIL
        for problem in item["failures"]
    ]


def render_table(results: list[dict[str, Any]]) -> str:
    """A plain-text table: one line per control, one more per further failing resource, and a summary.

    Columns: CONTROL, STATUS, TITLE, RESOURCE, WHY. A failing control names each failing
    resource and why; a NOT_REQUIRED one gives its note; a passing one leaves them empty.
    """
    header = ("CONTROL", "STATUS", "TITLE", "RESOURCE", "WHY")
    rows: list[tuple[str, str, str, str, str]] = []
    for item in results:
        first = (item["control"], item["status"], item["title"])
        if item["failures"]:
            for index, problem in enumerate(item["failures"]):
                lead = first if index == 0 else ("", "", "")
                rows.append((*lead, problem["resource"], problem["reason"]))
        elif item["status"] == NOT_REQUIRED:
            rows.append((*first, ", ".join(item["checked"]), item["note"]))
        else:
            rows.append((*first, "", ""))
    widths = [max(len(row[column]) for row in [header, *rows]) for column in range(4)]

    def line(row: tuple[str, ...]) -> str:
        cells = [cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)]
        return "  ".join([*cells, row[4]]).rstrip()

    counts = {status: sum(1 for item in results if item["status"] == status) for status in (PASS, FAIL, NOT_REQUIRED)}
    summary = f"{len(results)} controls: {counts[PASS]} PASS, {counts[FAIL]} FAIL, {counts[NOT_REQUIRED]} NOT_REQUIRED"
    return "\n".join([line(header), line((*("-" * width for width in widths), "---")), *map(line, rows), summary])
