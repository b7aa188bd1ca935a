# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load_balancer part of the stack (role muejam.infra.load_balancer): the ALB tier read once.

Resources (keys of ``read`` and ``wanted``): ``alb_security_group``, ``target_group``,
``load_balancer`` (its listeners are its ``listeners`` attribute, by port: ``purge_listeners``
makes them exact), and with access logs on ``access_logs_bucket`` and ``access_logs_expiration``
(the bucket's lifecycle rule ``expire-access-logs``).

On a converged stack with access logs on, ``read`` makes 14 calls: EC2 DescribeVpcs (the network,
by :func:`network_info.find_network`; DescribeSubnets too when the subnets are not given) and
DescribeSecurityGroups; ELBv2 DescribeTargetGroups (by name), DescribeTargetGroupAttributes,
DescribeLoadBalancers (by name), DescribeLoadBalancerAttributes, DescribeListeners and one
DescribeTags for both ARNs; S3 GetBucketPolicy, GetBucketEncryption, GetPublicAccessBlock,
GetBucketOwnershipControls, GetBucketTagging and GetBucketLifecycleConfiguration. The account the
bucket's name holds is that of the target group's (or the ALB's) ARN: ELBv2 describes only the
caller's own load balancers and target groups, so it is the caller's; STS GetCallerIdentity is
called only when neither exists yet.

Besides ``resources`` and ``ids`` (``account`` among them, for the bucket's name and policy),
``read`` returns ``network`` (what :func:`network_info.find_network` found, empty when nothing)
and ``details`` (the ALB's DNS name and hosted zone, for the outputs).

The access logs' bucket policy is written here once (:func:`access_logs_bucket_policy`): the role
passes it to ``s3_bucket`` through the ``muejam.infra.access_logs_bucket_policy`` filter.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import names as names_table
from ansible_collections.muejam.infra.plugins.module_utils import security_groups, state
from ansible_collections.muejam.infra.plugins.module_utils.network_info import NetworkNotFound, find_network

MANAGED: dict[str, dict[str, str | None]] = {
    "Create the ALB security group": {
        "name": "alb_security_group.name",
        "description": "alb_security_group.description",
        "vpc_id": "alb_security_group.vpc",
        "rules": "alb_security_group.ingress",
        "rules_egress": "alb_security_group.egress",
        "purge_rules": "alb_security_group.ingress",
        "purge_rules_egress": "alb_security_group.egress",
        "tags": "alb_security_group.tags",
        "purge_tags": "alb_security_group.tags",
        "state": None,  # the direction: present is what this part compares
    },
    "Create the target group": {
        "name": "target_group.name",
        "protocol": "target_group.protocol",
        "port": "target_group.port",
        "vpc_id": "target_group.vpc",
        "target_type": "target_group.target_type",
        "health_check_protocol": "target_group.health_check_protocol",
        "health_check_port": "target_group.health_check_port",
        "health_check_path": "target_group.health_check_path",
        "health_check_interval": "target_group.health_check_interval",
        "health_check_timeout": "target_group.health_check_timeout",
        "healthy_threshold_count": "target_group.healthy_threshold",
        "unhealthy_threshold_count": "target_group.unhealthy_threshold",
        "successful_response_codes": "target_group.matcher",
        "stickiness_enabled": "target_group.stickiness_enabled",
        "stickiness_type": "target_group.stickiness_type",
        "stickiness_lb_cookie_duration": "target_group.stickiness_duration",
        "deregistration_delay_timeout": "target_group.deregistration_delay",
        "modify_targets": None,  # false: the targets are the Auto Scaling group's, never touched here
        "tags": "target_group.tags",
        "purge_tags": "target_group.tags",
        "state": None,  # the direction: present is what this part compares
    },
    "Create the access logs' bucket": {
        "name": "access_logs_bucket.name",
        "encryption": "access_logs_bucket.encryption",
        "public_access": "access_logs_bucket.public_access",
        "object_ownership": "access_logs_bucket.object_ownership",
        "policy": "access_logs_bucket.policy",
        "tags": "access_logs_bucket.tags",
        "purge_tags": "access_logs_bucket.tags",
        "state": None,  # the direction: present is what this part compares
    },
    "Expire old access logs": {
        "name": "access_logs_expiration.bucket",
        "rule_id": "access_logs_expiration.rule_id",
        "prefix": "access_logs_expiration.prefix",
        "expiration_days": "access_logs_expiration.expiration_days",
        "status": "access_logs_expiration.status",
        "state": None,  # the direction: present is what this part compares
    },
    "Create the ALB and its listeners": {
        "name": "load_balancer.name",
        "scheme": "load_balancer.scheme",
        "ip_address_type": "load_balancer.ip_address_type",
        "subnets": "load_balancer.subnets",
        "security_groups": "load_balancer.security_groups",
        "idle_timeout": "load_balancer.idle_timeout",
        "deletion_protection": "load_balancer.deletion_protection",
        "http_drop_invalid_header_fields": "load_balancer.drop_invalid_header_fields",
        "http2": "load_balancer.http2",
        "access_logs_enabled": "load_balancer.access_logs_enabled",
        "access_logs_s3_bucket": "load_balancer.access_logs_bucket",
        "access_logs_s3_prefix": "load_balancer.access_logs_prefix",
        "listeners": "load_balancer.listeners",
        "purge_listeners": "load_balancer.listeners",
        "tags": "load_balancer.tags",
        "purge_tags": "load_balancer.tags",
        "wait": None,  # how long the task waits for the ALB to be active, not the ALB's state
        "wait_timeout": None,  # likewise
        "state": None,  # the direction: present is what this part compares
    },
}

EXAMPLE_INPUTS: dict[str, Any] = {
    "name": "muejam-local",
    "tags": {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"},
    "certificate_arn": "arn:aws:acm:us-east-1:123456789012:certificate/77fb23c1-e811-42ae-a1b4-726db219b4e8",
    "access_logs_enabled": True,
    "target_port": 8000,
}

SECURITY_GROUP_DESCRIPTION = "{name} ALB: HTTP and HTTPS in, the app port to the VPC out"
INGRESS_DESCRIPTION = "HTTP and HTTPS from the clients"
EGRESS_DESCRIPTION = "The app port of the targets in the VPC"
EXPIRATION_RULE_ID = "expire-access-logs"
HTTPS_PORT = 443
HTTP_PORT = 80

# Elastic Load Balancing's log-delivery accounts of the regions that existed before August 2022
# (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html).
# Newer regions deliver as the service principal logdelivery.elasticloadbalancing.amazonaws.com.
ELB_LOG_DELIVERY_ACCOUNTS: dict[str, str] = {
    "us-east-1": "127311923021",
    "us-east-2": "033677994240",
    "us-west-1": "027434742980",
    "us-west-2": "797873946194",
    "af-south-1": "098369216593",
    "ap-east-1": "754344448648",
    "ap-southeast-3": "589379963580",
    "ap-south-1": "718504428378",
    "ap-northeast-3": "383597477331",
    "ap-northeast-2": "600734575887",
    "ap-southeast-1": "114774131450",
    "ap-southeast-2": "783225319266",
    "ap-northeast-1": "582318560864",
    "ca-central-1": "985666609251",
    "eu-central-1": "054676820928",
    "eu-west-1": "156460612806",
    "eu-west-2": "652711504416",
    "eu-south-1": "635631232127",
    "eu-west-3": "009996457667",
    "eu-north-1": "897822967062",
    "me-south-1": "076674570225",
    "sa-east-1": "507241528517",
    "us-gov-west-1": "048591011584",
    "us-gov-east-1": "190560391635",
}
LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"

# S3's error codes for a bucket setting that was never made (GetBucket* answers them, not empty values).
_S3_UNSET = (
    "NoSuchBucketPolicy",
    "ServerSideEncryptionConfigurationNotFoundError",
    "NoSuchPublicAccessBlockConfiguration",
    "OwnershipControlsNotFoundError",
    "NoSuchTagSet",
    "NoSuchLifecycleConfiguration",
)


# --- the access logs' bucket: its name and its policy, written once ------------------------------


def access_logs_bucket(inputs: Mapping[str, Any], account: str) -> str:
    """The access logs' bucket: the one given, or ``<name>-alb-logs-<account>`` from the names table."""
    given = str(inputs.get("access_logs_bucket") or "")
    if given:
        return given
    return names_table.resource_name("access_logs_bucket", str(inputs.get("name") or ""), account=account)


def access_logs_region(inputs: Mapping[str, Any]) -> str:
    """The ALB's region: the certificate's (an ALB's certificate is in the ALB's region)."""
    parts = str(inputs.get("certificate_arn") or "").split(":")
    return parts[3] if len(parts) > 3 else ""


def access_logs_bucket_policy(inputs: Mapping[str, Any], account: str) -> dict[str, Any]:
    """The bucket policy: plain HTTP denied; only ELB's log delivery may write, under the prefix."""
    bucket = access_logs_bucket(inputs, account)
    region = access_logs_region(inputs)
    if region in ELB_LOG_DELIVERY_ACCOUNTS:
        principal: dict[str, str] = {"AWS": f"arn:aws:iam::{ELB_LOG_DELIVERY_ACCOUNTS[region]}:root"}
    else:
        principal = {"Service": LOG_DELIVERY_SERVICE}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyPlainHttp",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "ElbLogDelivery",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{bucket}/{inputs.get('access_logs_prefix', '')}/AWSLogs/{account}/*",
            },
        ],
    }


def canonical_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """A policy document in one form whatever way it was written: IAM treats ``"a"`` and ``["a"]``
    alike and does not order statements, actions, resources or principals."""

    def as_list(value: Any) -> Any:
        if isinstance(value, str):
            return [value]
        if isinstance(value, list):
            return sorted(value, key=json.dumps)
        return value

    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical = []
    for statement in statements:
        item = dict(statement)
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in item:
                item[key] = as_list(item[key])
        for key in ("Principal", "NotPrincipal"):
            if isinstance(item.get(key), Mapping):
                item[key] = {kind: as_list(value) for kind, value in item[key].items()}
        canonical.append(item)
    return {**dict(policy), "Statement": sorted(canonical, key=lambda item: json.dumps(item, sort_keys=True))}


# --- normalisation: AWS's answers in the form wanted() writes ------------------------------------


def matcher(codes: str) -> str:
    """A matcher's codes in one order (elb_target_group compares them as a set)."""
    return ",".join(sorted({code.strip() for code in str(codes).split(",") if code.strip()}))


def _attributes(items: list[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(item["Key"]): str(item.get("Value", "")) for item in items or []}


def _flag(value: str | None) -> bool | None:
    return None if value is None else value.lower() == "true"


def _number(value: str | None) -> int | str | None:
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return value


def _reference(value: str, found_ids: Mapping[str, str]) -> str:
    """An id or ARN as the key of the part's resource it is, or as itself when it is none of them."""
    for key, resource_id in found_ids.items():
        if resource_id and value == resource_id:
            return key
    return value


def listener_action(action: Mapping[str, Any], found_ids: Mapping[str, str]) -> dict[str, Any]:
    """One default action: forward to a target group (a plain ForwardConfig is the same), redirect, or as AWS has it."""
    kind = action.get("Type", "")
    if kind == "forward":
        arn = action.get("TargetGroupArn")
        config = dict(action.get("ForwardConfig") or {})
        stickiness = config.pop("TargetGroupStickinessConfig", {"Enabled": False})
        groups = config.pop("TargetGroups", [])
        single = groups[0].get("TargetGroupArn") if len(groups) == 1 else None
        if not config and stickiness.get("Enabled") is False and (not groups or single == arn or arn is None):
            return {"type": "forward", "target_group": _reference(str(arn or single or ""), found_ids)}
        return {
            "type": "forward",
            "target_groups": sorted(
                [_reference(group.get("TargetGroupArn", ""), found_ids), group.get("Weight")] for group in groups
            ),
            "stickiness": stickiness,
        }
    if kind == "redirect":
        config = action.get("RedirectConfig", {})
        return {
            "type": "redirect",
            "protocol": config.get("Protocol", "#{protocol}"),
            "port": str(config.get("Port", "#{port}")),
            "host": config.get("Host", "#{host}"),
            "path": config.get("Path", "/#{path}"),
            "query": config.get("Query", "#{query}"),
            "status_code": config.get("StatusCode", ""),
        }
    rest = {key: value for key, value in action.items() if key not in ("Type", "Order")}
    return {"type": kind, "config": rest}


def listener(found: Mapping[str, Any], found_ids: Mapping[str, str]) -> dict[str, Any]:
    """A listener as compared: its protocol, for HTTPS and TLS its policy and certificates, its actions."""
    protocol = found.get("Protocol", "")
    actions = sorted(found.get("DefaultActions", []), key=lambda action: action.get("Order", 0))
    result: dict[str, Any] = {"protocol": protocol}
    # AWS returns no policy for HTTP listeners (the emulator returns one): it applies to TLS only.
    if protocol in ("HTTPS", "TLS"):
        result["ssl_policy"] = found.get("SslPolicy", "")
        result["certificates"] = sorted(item["CertificateArn"] for item in found.get("Certificates", []))
    result["default_actions"] = [listener_action(action, found_ids) for action in actions]
    return result


# --- read ----------------------------------------------------------------------------------------


def _pages(call: Callable[..., Any], method: Callable[..., Any], key: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a paginated describe call (EC2's NextToken, ELBv2's NextMarker)."""
    while True:
        page = call(method, **kwargs)
        yield from page.get(key, [])
        if page.get("NextToken"):
            kwargs["NextToken"] = page["NextToken"]
        elif page.get("NextMarker"):
            kwargs["Marker"] = page["NextMarker"]
        else:
            return


def _network(ec2: Any, inputs: Mapping[str, Any], retry: bool) -> dict[str, Any]:
    """The stack's VPC and public subnets as the role's tasks find them; empty when not there."""
    try:
        return find_network(
            ec2,
            str(inputs.get("name") or ""),
            inputs.get("tags") or {},
            "public",
            vpc_id=str(inputs.get("vpc_id") or ""),
            subnet_ids=list(inputs.get("subnet_ids") or []),
            min_subnets=2,
            retry=retry,
        )
    except NetworkNotFound:
        return {}


def _read_security_group(call: Callable[..., Any], ec2: Any, name: str, vpc_id: str) -> dict[str, Any] | None:
    groups = list(
        _pages(
            call,
            ec2.describe_security_groups,
            "SecurityGroups",
            Filters=state.filters({"group-name": name, "vpc-id": vpc_id}),
        )
    )
    if len(groups) > 1:
        raise state.StateError(
            f"Found {len(groups)} security groups named {name} in {vpc_id}: "
            f"{', '.join(group['GroupId'] for group in groups)}"
        )
    return groups[0] if groups else None


def _describe_by_name(call: Callable[..., Any], method: Callable[..., Any], key: str, name: str, missing: str) -> Any:
    try:
        items = call(method, Names=[name])[key]
    except Exception as error:
        if state.not_found(error, missing):
            return None
        raise
    return items[0] if items else None


def _s3_get(call: Callable[..., Any], method: Callable[..., Any], bucket: str) -> dict[str, Any] | None:
    """A GetBucket* answer; None when the setting was never made."""
    try:
        return call(method, Bucket=bucket)
    except Exception as error:
        if state.not_found(error, *_S3_UNSET):
            return None
        raise


def _read_bucket(call: Callable[..., Any], s3: Any, bucket: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The access logs' bucket and its expiration rule, normalised (None: not there)."""
    try:
        policy = _s3_get(call, s3.get_bucket_policy, bucket)
    except Exception as error:
        if state.not_found(error, "NoSuchBucket"):
            return None, None
        raise
    encryption = _s3_get(call, s3.get_bucket_encryption, bucket)
    public_access = _s3_get(call, s3.get_public_access_block, bucket)
    ownership = _s3_get(call, s3.get_bucket_ownership_controls, bucket)
    tagging = _s3_get(call, s3.get_bucket_tagging, bucket)
    lifecycle = _s3_get(call, s3.get_bucket_lifecycle_configuration, bucket)

    encryption_rules = (encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    block = (public_access or {}).get("PublicAccessBlockConfiguration", {})
    ownership_rules = (ownership or {}).get("OwnershipControls", {}).get("Rules", [])
    try:
        document = canonical_policy(json.loads(policy["Policy"])) if policy else {}
    except (TypeError, ValueError) as error:
        raise state.StateError(f"The bucket policy of {bucket} is not JSON: {error}") from error
    found_bucket = {
        "name": bucket,
        "encryption": (
            encryption_rules[0].get("ApplyServerSideEncryptionByDefault", {}).get("SSEAlgorithm", "none")
            if encryption_rules
            else "none"
        ),
        "public_access": {
            "block_public_acls": bool(block.get("BlockPublicAcls", False)),
            "block_public_policy": bool(block.get("BlockPublicPolicy", False)),
            "ignore_public_acls": bool(block.get("IgnorePublicAcls", False)),
            "restrict_public_buckets": bool(block.get("RestrictPublicBuckets", False)),
        },
        "object_ownership": ownership_rules[0].get("ObjectOwnership", "") if ownership_rules else "",
        "policy": document,
        "tags": state.tags_of((tagging or {}).get("TagSet")),
    }
    rule = next(
        (item for item in (lifecycle or {}).get("Rules", []) if item.get("ID") == EXPIRATION_RULE_ID),
        None,
    )
    return found_bucket, (expiration_rule(bucket, rule) if rule is not None else None)


def expiration_rule(bucket: str, rule: Mapping[str, Any]) -> dict[str, Any]:
    """The lifecycle rule as compared. s3_lifecycle rewrites a rule that differs in anything, so
    what it does not set (transitions, size filters, ...) is compared too, as ``other``."""
    rest = {key: value for key, value in rule.items() if key not in ("ID", "Status", "Filter", "Expiration")}
    filter_ = dict(rule.get("Filter") or {})
    prefix = filter_.pop("Prefix", rest.pop("Prefix", ""))
    if filter_:
        rest["Filter"] = filter_
    expiration = dict(rule.get("Expiration") or {})
    days = expiration.pop("Days", None)
    if expiration:
        rest["Expiration"] = expiration
    return {
        "bucket": bucket,
        "rule_id": rule.get("ID", ""),
        "prefix": prefix,
        "expiration_days": days,
        "status": str(rule.get("Status", "")).lower(),
        "other": rest,
    }


def read(
    client: Callable[[str], Any], inputs: Mapping[str, Any], names: Mapping[str, Any], retry: bool
) -> dict[str, Any]:
    call = state.caller(retry)
    ec2 = client("ec2")
    elb = client("elbv2")
    resources: dict[str, Any] = {}
    ids: dict[str, Any] = {}
    details: dict[str, str] = {}  # what the outputs publish besides ids

    network = _network(ec2, inputs, retry)
    vpc_id = network.get("vpc_id", "")
    if vpc_id:
        ids["vpc"] = vpc_id

    group = _read_security_group(call, ec2, names["alb_security_group"], vpc_id) if vpc_id else None
    if group is not None:
        ids["alb_security_group"] = group["GroupId"]

    target_group = _describe_by_name(
        call, elb.describe_target_groups, "TargetGroups", names["target_group"], "TargetGroupNotFound"
    )
    if target_group is not None:
        ids["target_group"] = target_group["TargetGroupArn"]
    alb = _describe_by_name(
        call, elb.describe_load_balancers, "LoadBalancers", names["load_balancer"], "LoadBalancerNotFound"
    )
    if alb is not None:
        if alb.get("Type", "application") != "application":
            raise state.StateError(
                f"Found a {alb.get('Type')} load balancer named {names['load_balancer']} ({alb['LoadBalancerArn']}): "
                "the stack's must be an application load balancer"
            )
        ids["load_balancer"] = alb["LoadBalancerArn"]

    arns = [item for item in (ids.get("load_balancer"), ids.get("target_group")) if item]
    tags = (
        {
            item["ResourceArn"]: state.tags_of(item.get("Tags"))
            for item in call(elb.describe_tags, ResourceArns=arns)["TagDescriptions"]
        }
        if arns
        else {}
    )
    references = {key: ids.get(key, "") for key in ("alb_security_group", "target_group")}

    if group is not None:
        resources["alb_security_group"] = {
            "name": group.get("GroupName", ""),
            "description": group.get("Description", ""),
            "vpc": group.get("VpcId", ""),
            "ingress": security_groups.found_rules(group.get("IpPermissions")),
            "egress": security_groups.found_rules(group.get("IpPermissionsEgress")),
            "tags": state.tags_of(group.get("Tags")),
        }
    if target_group is not None:
        attributes = _attributes(
            call(elb.describe_target_group_attributes, TargetGroupArn=target_group["TargetGroupArn"])["Attributes"]
        )
        resources["target_group"] = {
            "name": target_group.get("TargetGroupName", ""),
            "protocol": target_group.get("Protocol", ""),
            "port": target_group.get("Port"),
            "vpc": target_group.get("VpcId", ""),
            "target_type": target_group.get("TargetType", ""),
            "health_check_protocol": target_group.get("HealthCheckProtocol", ""),
            "health_check_port": target_group.get("HealthCheckPort", ""),
            "health_check_path": target_group.get("HealthCheckPath", ""),
            "health_check_interval": target_group.get("HealthCheckIntervalSeconds"),
            "health_check_timeout": target_group.get("HealthCheckTimeoutSeconds"),
            "healthy_threshold": target_group.get("HealthyThresholdCount"),
            "unhealthy_threshold": target_group.get("UnhealthyThresholdCount"),
            "matcher": matcher(target_group.get("Matcher", {}).get("HttpCode", "")),
            "stickiness_enabled": _flag(attributes.get("stickiness.enabled")),
            "stickiness_type": attributes.get("stickiness.type"),
            "stickiness_duration": _number(attributes.get("stickiness.lb_cookie.duration_seconds")),
            "deregistration_delay": _number(attributes.get("deregistration_delay.timeout_seconds")),
            "tags": tags.get(target_group["TargetGroupArn"], {}),
        }
    if alb is not None:
        arn = alb["LoadBalancerArn"]
        attributes = _attributes(call(elb.describe_load_balancer_attributes, LoadBalancerArn=arn)["Attributes"])
        listeners = list(_pages(call, elb.describe_listeners, "Listeners", LoadBalancerArn=arn))
        for item in listeners:
            if item.get("Port") == HTTPS_PORT:
                ids["https_listener"] = item["ListenerArn"]
            elif item.get("Port") == HTTP_PORT:
                ids["http_listener"] = item["ListenerArn"]
        details["dns_name"] = alb.get("DNSName", "")
        details["canonical_hosted_zone_id"] = alb.get("CanonicalHostedZoneId", "")
        resources["load_balancer"] = {
            "name": alb.get("LoadBalancerName", ""),
            "scheme": alb.get("Scheme", ""),
            "ip_address_type": alb.get("IpAddressType", ""),
            "subnets": sorted(zone["SubnetId"] for zone in alb.get("AvailabilityZones", [])),
            "security_groups": sorted(_reference(item, references) for item in alb.get("SecurityGroups", [])),
            "idle_timeout": _number(attributes.get("idle_timeout.timeout_seconds")),
            "deletion_protection": _flag(attributes.get("deletion_protection.enabled")),
            "drop_invalid_header_fields": _flag(attributes.get("routing.http.drop_invalid_header_fields.enabled")),
            "http2": _flag(attributes.get("routing.http2.enabled")),
            "access_logs_enabled": _flag(attributes.get("access_logs.s3.enabled")),
            "access_logs_bucket": attributes.get("access_logs.s3.bucket", ""),
            "access_logs_prefix": attributes.get("access_logs.s3.prefix", ""),
            "listeners": {str(item["Port"]): listener(item, references) for item in listeners},
            "tags": tags.get(arn, {}),
        }

    account = ""
    if inputs.get("access_logs_enabled"):
        account = _account(call, client, inputs, ids)
        bucket = access_logs_bucket(inputs, account)
        found_bucket, found_rule = _read_bucket(call, client("s3"), bucket)
        resources["access_logs_bucket"] = found_bucket
        resources["access_logs_expiration"] = found_rule
    if account:
        ids["account"] = account
    return {"resources": resources, "ids": ids, "network": network, "details": details}


def _account(
    call: Callable[..., Any], client: Callable[[str], Any], inputs: Mapping[str, Any], ids: Mapping[str, Any]
) -> str:
    """The caller's account: from the target group's or the ALB's ARN when one exists (ELBv2
    describes only the caller's own), else STS GetCallerIdentity. Needed by the bucket's policy
    even when the bucket's name is given."""
    for arn in (ids.get("target_group"), ids.get("load_balancer")):
        if arn and len(arn.split(":")) > 4:
            return arn.split(":")[4]
    return str(call(client("sts").get_caller_identity)["Account"])


# --- wanted and outputs --------------------------------------------------------------------------


def wanted(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    network = found.get("network") or {}
    vpc_id = network.get("vpc_id") or str(inputs.get("vpc_id") or "")
    subnet_ids = network.get("subnet_ids") or list(inputs.get("subnet_ids") or [])
    vpc_cidr = network.get("vpc_cidr", "")
    target_port = int(inputs["target_port"])
    tags = state.string_tags(inputs.get("tags") or {})
    logs = bool(inputs.get("access_logs_enabled"))
    account = str((found.get("ids") or {}).get("account", ""))
    bucket = access_logs_bucket(inputs, account)
    prefix = str(inputs.get("access_logs_prefix") or "")

    result: dict[str, Any] = {
        "alb_security_group": {
            "name": names["alb_security_group"],
            "description": SECURITY_GROUP_DESCRIPTION.format(name=inputs["name"]),
            "vpc": vpc_id,
            "ingress": security_groups.sorted_rules(
                [
                    security_groups.rule("tcp", port, port, security_groups.cidr(cidr), INGRESS_DESCRIPTION)
                    for port in (HTTP_PORT, HTTPS_PORT)
                    for cidr in inputs.get("ingress_cidrs") or []
                ]
            ),
            "egress": [
                security_groups.rule(
                    "tcp", target_port, target_port, security_groups.cidr(vpc_cidr), EGRESS_DESCRIPTION
                )
            ]
            if vpc_cidr
            else [],
            "tags": {**tags, "Name": names["alb_security_group"]},
        },
        "target_group": {
            "name": names["target_group"],
            "protocol": "HTTP",
            "port": target_port,
            "vpc": vpc_id,
            "target_type": "instance",
            "health_check_protocol": "HTTP",
            "health_check_port": "traffic-port",
            "health_check_path": inputs["health_check_path"],
            "health_check_interval": int(inputs["health_check_interval"]),
            "health_check_timeout": int(inputs["health_check_timeout"]),
            "healthy_threshold": int(inputs["healthy_threshold"]),
            "unhealthy_threshold": int(inputs["unhealthy_threshold"]),
            "matcher": matcher(inputs["health_check_matcher"]),
            "stickiness_enabled": bool(inputs["stickiness_enabled"]),
            "stickiness_type": "lb_cookie",
            "stickiness_duration": int(inputs["stickiness_duration"]),
            "deregistration_delay": int(inputs["deregistration_delay"]),
            "tags": {**tags, "Name": names["target_group"]},
        },
    }
    if logs:
        result["access_logs_bucket"] = {
            "name": bucket,
            "encryption": "AES256",
            "public_access": {
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
            "object_ownership": "BucketOwnerEnforced",
            "policy": canonical_policy(access_logs_bucket_policy(inputs, account)),
            "tags": {**tags, "Name": bucket},
        }
        result["access_logs_expiration"] = {
            "bucket": bucket,
            "rule_id": EXPIRATION_RULE_ID,
            "prefix": f"{prefix}/",
            "expiration_days": int(inputs["access_logs_expiration_days"]),
            "status": "enabled",
            "other": {},
        }
    result["load_balancer"] = {
        "name": names["load_balancer"],
        "scheme": "internet-facing",
        "ip_address_type": "ipv4",
        "subnets": sorted(subnet_ids),
        "security_groups": ["alb_security_group"],
        "idle_timeout": int(inputs["idle_timeout"]),
        "deletion_protection": bool(inputs["deletion_protection"]),
        "drop_invalid_header_fields": bool(inputs["drop_invalid_header_fields"]),
        "http2": bool(inputs["http2"]),
        "access_logs_enabled": logs,
        "access_logs_bucket": bucket if logs else "",
        "access_logs_prefix": prefix if logs else "",
        "listeners": {
            str(HTTPS_PORT): {
                "protocol": "HTTPS",
                "ssl_policy": inputs["ssl_policy"],
                "certificates": [inputs["certificate_arn"]],
                "default_actions": [{"type": "forward", "target_group": "target_group"}],
            },
            str(HTTP_PORT): {
                "protocol": "HTTP",
                "default_actions": [
                    {
                        "type": "redirect",
                        "protocol": "HTTPS",
                        "port": str(HTTPS_PORT),
                        "host": "#{host}",
                        "path": "/#{path}",
                        "query": "#{query}",
                        "status_code": "HTTP_301",
                    }
                ],
            },
        },
        "tags": {**tags, "Name": names["load_balancer"]},
    }
    return result


def outputs(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    ids = found.get("ids") or {}
    details = found.get("details") or {}
    logs = bool(inputs.get("access_logs_enabled"))
    return {
        "security_group_id": ids.get("alb_security_group", ""),
        "load_balancer_arn": ids.get("load_balancer", ""),
        "load_balancer_name": names["load_balancer"],
        "dns_name": details.get("dns_name", ""),
        "canonical_hosted_zone_id": details.get("canonical_hosted_zone_id", ""),
        "target_group_arn": ids.get("target_group", ""),
        "target_group_name": names["target_group"],
        "https_listener_arn": ids.get("https_listener", ""),
        "http_listener_arn": ids.get("http_listener", ""),
        "health_check_path": inputs.get("health_check_path", ""),
        "access_logs_bucket": access_logs_bucket(inputs, str(ids.get("account", ""))) if logs else "",
    }
