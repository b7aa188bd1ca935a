# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The names table: every name the stack gives a resource, written once.

The roles get their names from here (the ``muejam.infra.stack_names`` filter, and the
``<role>__names`` fact that ``muejam.infra.role_inputs`` publishes), so do the modules
(audit, readiness), teardown and the molecule scenarios; the preflight checks every name
against the rules of each AWS service that uses it (:func:`name_problems`).

A pattern's fields: ``{name}`` the stack's name (``<stack_project>-<stack_environment>``),
``{zone}`` an availability zone, ``{account}`` the AWS account id, ``{project}`` and
``{environment}`` the stack's Project and Environment.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Service:
    """A kind of AWS name: its limit and the characters it allows."""

    what: str
    limit: int
    pattern: re.Pattern[str]
    allowed: str


_ELB = Service(
    "Elastic Load Balancing name",
    32,
    re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$"),
    "letters, digits and hyphens, not beginning or ending with a hyphen",
)
_IAM_ROLE = Service("IAM role name", 64, re.compile(r"^[\w+=,.@-]+$"), "letters, digits and + = , . @ _ -")
_IAM_PROFILE = Service(
    "IAM instance profile name", 128, re.compile(r"^[\w+=,.@-]+$"), "letters, digits and + = , . @ _ -"
)
_IAM_POLICY = Service("IAM inline policy name", 128, re.compile(r"^[\w+=,.@-]+$"), "letters, digits and + = , . @ _ -")
_LAUNCH_TEMPLATE = Service(
    "launch template name", 128, re.compile(r"^[A-Za-z0-9().\-/_]{3,}$"), "3 or more letters, digits and ( ) . - / _"
)
_GROUP = Service("Auto Scaling group name", 255, re.compile(r"^[^:]+$"), "any characters but ':'")
_POLICY = Service("scaling policy name", 255, re.compile(r"^[^:]+$"), "any characters but ':'")
_ALARM = Service("CloudWatch alarm name", 255, re.compile(r"^[^\x00-\x1f]+$"), "printable characters")
_SECURITY_GROUP = Service(
    "security group name",
    255,
    re.compile(r"^(?!sg-)[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+$"),
    "letters, digits and ._-:/()#,@[]+=&;{}!$*, not beginning with sg-",
)
_TAG = Service("Name tag", 256, re.compile(r"^[\w\s.:/=+\-@]*$"), "letters, digits, spaces and _ . : / = + - @")
_LOG_GROUP = Service("log group name", 512, re.compile(r"^[\w.\-/#]+$"), "letters, digits and _ . - / #")
_BUCKET = Service(
    "S3 bucket name",
    63,
    re.compile(r"^(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|--x-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"),
    "3-63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit",
)


@dataclass(frozen=True)
class Resource:
    """One named resource of the stack."""

    key: str
    role: str
    pattern: str
    service: Service


NAMES: tuple[Resource, ...] = (
    Resource("vpc", "networking", "{name}-vpc", _TAG),
    Resource("public_subnet", "networking", "{name}-public-{zone}", _TAG),
    Resource("private_subnet", "networking", "{name}-private-{zone}", _TAG),
    Resource("internet_gateway", "networking", "{name}-igw", _TAG),
    Resource("nat_gateway", "networking", "{name}-nat-{zone}", _TAG),
    Resource("public_route_table", "networking", "{name}-public-rt", _TAG),
    Resource("private_route_table", "networking", "{name}-private-rt-{zone}", _TAG),
    Resource("flow_logs_role", "networking", "{name}-flow-logs", _IAM_ROLE),
    Resource("flow_logs_policy", "networking", "{name}-flow-logs", _IAM_POLICY),
    Resource("flow_logs_log_group_tag", "networking", "{name}-vpc-flow-logs", _TAG),
    Resource("flow_logs_log_group", "networking", "/{project}/{environment}/vpc-flow-logs", _LOG_GROUP),
    Resource("load_balancer", "load_balancer", "{name}-alb", _ELB),
    Resource("target_group", "load_balancer", "{name}-tg", _ELB),
    Resource("alb_security_group", "load_balancer", "{name}-alb-sg", _SECURITY_GROUP),
    Resource("access_logs_bucket", "load_balancer", "{name}-alb-logs-{account}", _BUCKET),
    Resource("app_log_group", "instance_bootstrap", "/{project}/{environment}/app", _LOG_GROUP),
    Resource("system_log_group", "instance_bootstrap", "/{project}/{environment}/system", _LOG_GROUP),
    Resource("app_log_group_tag", "instance_bootstrap", "{name}-app-logs", _TAG),
    Resource("system_log_group_tag", "instance_bootstrap", "{name}-system-logs", _TAG),
    Resource("app_security_group", "scaling_group", "{name}-app-sg", _SECURITY_GROUP),
    Resource("instance_role", "scaling_group", "{name}-app", _IAM_ROLE),
    Resource("instance_profile", "scaling_group", "{name}-app", _IAM_PROFILE),
    Resource("launch_template", "scaling_group", "{name}-lt", _LAUNCH_TEMPLATE),
    Resource("instance", "scaling_group", "{name}-app", _TAG),
    Resource("root_volume", "scaling_group", "{name}-app-root", _TAG),
    Resource("auto_scaling_group", "scaling_group", "{name}-asg", _GROUP),
    Resource("scale_out_policy", "scaling_group", "{name}-scale-out", _POLICY),
    Resource("scale_in_policy", "scaling_group", "{name}-scale-in", _POLICY),
    Resource("target_tracking_policy", "scaling_group", "{name}-cpu-target", _POLICY),
    Resource("cpu_high_alarm", "scaling_group", "{name}-cpu-high", _ALARM),
    Resource("cpu_low_alarm", "scaling_group", "{name}-cpu-low", _ALARM),
)
BY_KEY: dict[str, Resource] = {resource.key: resource for resource in NAMES}
# Stand-ins for the checks of names that hold a value known only at run time: the longest
# availability zone name of any region's zones, and an account id (always 12 digits).
LONGEST_ZONE = "us-gov-west-1-lax-1a"
SAMPLE_ACCOUNT = "123456789012"


def resource_name(
    key: str,
    name: str,
    zone: str = LONGEST_ZONE,
    account: str = SAMPLE_ACCOUNT,
    project: str = "",
    environment: str = "",
) -> str:
    """The name of one resource (``key`` of :data:`NAMES`) of the stack ``name``."""
    return BY_KEY[key].pattern.format(name=name, zone=zone, account=account, project=project, environment=environment)


def stack_names(
    name: str,
    zones: Iterable[str] = (),
    account: str = "",
    project: str = "",
    environment: str = "",
    role: str | None = None,
) -> dict[str, Any]:
    """Every name of the stack (or of one role's resources): key -> name, or zone -> name.

    Names with ``{account}`` are left out when no account is given.
    """
    names: dict[str, Any] = {}
    for resource in NAMES:
        if role is not None and resource.role != role:
            continue
        if "{account}" in resource.pattern and not account:
            continue
        fields = {"name": name, "account": account, "project": project, "environment": environment}
        if "{zone}" in resource.pattern:
            names[resource.key] = {zone: resource.pattern.format(zone=zone, **fields) for zone in zones}
        else:
            names[resource.key] = resource.pattern.format(zone="", **fields)
    return names


def role_names(role: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The names of the role's resources for its checked inputs."""
    tags = inputs.get("tags") or {}
    project = inputs.get("project") or tags.get("Project") or ""
    return stack_names(
        str(inputs.get("name") or ""),
        zones=inputs.get("availability_zones") or (),
        project=str(project),
        environment=str(inputs.get("environment") or tags.get("Environment") or ""),
        role=role,
    )


def valid_name(key: str, value: str) -> bool:
    """Whether AWS accepts ``value`` as the name of the resource ``key`` (its service's rules)."""
    service = BY_KEY[key].service
    return len(value) <= service.limit and bool(service.pattern.match(value))


def name_problems(
    role: str,
    name: str,
    zones: Iterable[str] = (),
    project: str = "",
    environment: str = "",
    skip: Iterable[str] = (),
) -> list[str]:
    """What AWS would refuse among the names ``role`` derives from ``name``: one line each.

    Zone names are checked with the longest of ``zones`` (or :data:`LONGEST_ZONE`), account ids
    with a 12-digit stand-in. ``skip``: keys not derived (an explicit name given instead).
    """
    zone = max(zones, key=len, default=LONGEST_ZONE)
    issues = []
    for resource in NAMES:
        if resource.role != role or resource.key in skip:
            continue
        if "{project}" in resource.pattern and not (project and environment):
            continue
        value = resource_name(resource.key, name, zone=zone, project=project, environment=environment)
        service = resource.service
        if len(value) > service.limit:
            issues.append(f"the {service.what} '{value}' would be {len(value)} characters, AWS allows {service.limit}")
        elif not service.pattern.match(value):
            issues.append(f"the {service.what} '{value}' is not allowed: AWS allows {service.allowed}")
    return issues


def longest_name(role: str, zones: Iterable[str] = ()) -> int:
    """The longest stack name every name of ``role`` allows (their limits less their suffixes)."""
    zone = max(zones, key=len, default=LONGEST_ZONE)
    longest = None
    for resource in NAMES:
        if resource.role != role or not resource.pattern.startswith("{name}"):
            continue
        rest = resource_name(resource.key, "", zone=zone)
        room = resource.service.limit - len(rest)
        longest = room if longest is None else min(longest, room)
    return longest if longest is not None else 0
