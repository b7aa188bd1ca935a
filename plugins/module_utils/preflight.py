# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stage 0 of site.yml: every input of the stack checked before the first AWS call.

Pure Python (no Ansible import), used by the ``muejam.infra.stack_preflight`` action plugin
(offline checks, on the controller) and module (read-only AWS checks). docs/preflight.md lists
every rule and why it exists.

- :func:`check_inputs` takes the values the roles will receive (each role's defaults with the
  inventory, play, task and extra vars on top) and, optionally, the roles' argument specs, and
  returns every :class:`Problem` found: types and choices from the specs first, then the rules
  that span fields and roles. It never stops at the first problem.
- :func:`check_availability_zones`, :func:`check_image`, :func:`check_certificate` and
  :func:`check_stack_vpc` ask AWS what only AWS can tell, through boto3-like clients, with
  read-only calls (DescribeAvailabilityZones, DescribeImages, DescribeCertificate, DescribeVpcs).
"""

from __future__ import annotations

import difflib
import ipaddress
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations, islice
from typing import Any

ROLES = ("networking", "load_balancer", "instance_bootstrap", "scaling_group")
STACK_VARIABLES = ("stack_project", "stack_environment", "stack_production", "aws_region", "stack_app_port")


class _Unset:
    """A variable that is not set anywhere (no default, no inventory value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Problem:
    """One bad input: the variable, the value it has, and what is allowed."""

    variable: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"{self.variable} is {describe(self.value)}: {self.allowed}"

    def as_dict(self) -> dict[str, Any]:
        value = None if self.value is UNSET else self.value
        return {"variable": self.variable, "value": value, "allowed": self.allowed, "message": str(self)}


def describe(value: Any) -> str:
    """A value as the messages show it: 'text', 42, true, ["a", "b"], {"k": "v"}, not set."""
    if value is UNSET:
        return "not set"
    if isinstance(value, str):
        text = value if len(value) <= 120 else value[:117] + "..."
        return f"'{text}'"
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def report(problems: list[Problem]) -> str:
    """The one failure message of the preflight: every problem, one line each."""
    count = len(problems)
    header = (
        f"The stack's inputs have {count} problem{'s' if count != 1 else ''}; nothing was changed in AWS. "
        "Fix them (see docs/preflight.md) and run again:"
    )
    return "\n".join([header, *(f"- {problem}" for problem in problems)])


def merge_values(role_defaults: Mapping[str, Mapping[str, Any]], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """Each role's defaults, then every layer on top in order (the last one wins)."""
    values: dict[str, Any] = {}
    for role in ROLES:
        values.update(role_defaults.get(role) or {})
    for layer in layers:
        values.update(layer)
    return values


# --- AWS facts the rules need -------------------------------------------------------------------

# Every region of the commercial, China, GovCloud, European Sovereign Cloud and ISO partitions
# (botocore's endpoint data; tests/unit/plugins/module_utils/test_preflight.py keeps them in step).
REGION_PARTITIONS: dict[str, str] = {
    **dict.fromkeys(
        [
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
        "aws",
    ),
    "cn-north-1": "aws-cn",
    "cn-northwest-1": "aws-cn",
    "us-gov-east-1": "aws-us-gov",
    "us-gov-west-1": "aws-us-gov",
    "eusc-de-east-1": "aws-eusc",
    "us-iso-east-1": "aws-iso",
    "us-iso-west-1": "aws-iso",
    "us-isob-east-1": "aws-iso-b",
    "us-isob-west-1": "aws-iso-b",
    "eu-isoe-west-1": "aws-iso-e",
    "us-isof-east-1": "aws-iso-f",
    "us-isof-south-1": "aws-iso-f",
}
PARTITIONS = tuple(sorted(set(REGION_PARTITIONS.values())))

# HTTPS listener policies that allow TLS 1.2 and newer only (Elastic Load Balancing, "Security
# policies for your Application Load Balancer"): the TLS13-1-2, TLS13-1-3, TLS-1-2 and FS-1-2
# families, their FIPS and post-quantum (PQ) variants.
TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
# Policies that still allow TLS 1.0 or 1.1, named in the message so that the reason is plain.
WEAK_TLS_POLICIES = (
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
)

ALB_LISTENER_PORTS = (80, 443)
SUBNET_RESERVED_ADDRESSES = 5  # AWS keeps the first four and the last address of every subnet
ALB_FREE_ADDRESSES = 8  # an ALB needs at least 8 free addresses in each of its subnets
TAG_LIMIT = 50  # tags per resource; the roles add Name (and Tier on subnets)
ROLE_ADDED_TAGS = ("Name", "Tier")

# Every resource name the roles build from <name>, and AWS's limit for it.
RESOURCE_NAMES: tuple[tuple[str, str, str, int], ...] = (
    ("load_balancer_name", "-alb", "load balancer", 32),
    ("load_balancer_name", "-tg", "target group", 32),
    ("load_balancer_name", "-alb-sg", "security group", 255),
    ("scaling_group_name", "-app", "IAM role", 64),
    ("scaling_group_name", "-app", "instance profile", 128),
    ("scaling_group_name", "-lt", "launch template", 128),
    ("scaling_group_name", "-asg", "Auto Scaling group", 255),
    ("scaling_group_name", "-app-sg", "security group", 255),
    ("scaling_group_name", "-scale-out", "scaling policy", 255),
    ("scaling_group_name", "-cpu-high", "CloudWatch alarm", 255),
    ("networking_name", "-private-rt-us-gov-west-1a", "route table Name tag", 256),
    ("instance_bootstrap_name", "-system-logs", "log group Name tag", 256),
)
NAME_VARIABLES = ("networking_name", "load_balancer_name", "instance_bootstrap_name", "scaling_group_name")
TAG_VARIABLES = ("networking_tags", "load_balancer_tags", "instance_bootstrap_tags", "scaling_group_tags")
PORT_VARIABLES = ("load_balancer_target_port", "instance_bootstrap_app_port", "scaling_group_app_port")

_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$")
_AZ = re.compile(r"^([a-z]{2}(?:-[a-z]+)+-\d+)(?:-[a-z]+-\d+)?[a-z]$")
_TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_ACM_ARN = re.compile(rf"^arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{{12}}):certificate/{_UUID}$")
_IAM_CERTIFICATE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):server-certificate/[\w+=,.@/-]+$")
_POLICY_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(aws|\d{12}):policy/[\w+=,.@/-]+$")
_KMS_KEY = re.compile(
    rf"^({_UUID}|mrk-[0-9a-f]{{32}}|alias/[\w/-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{{12}}:(key/({_UUID}|mrk-[0-9a-f]{{32}})|alias/[\w/-]+))$"
)
_AMI = re.compile(r"^ami-([0-9a-f]{8}|[0-9a-f]{17})$")
_INSTANCE_TYPE = re.compile(
    r"^[a-z][a-z0-9-]*[0-9][a-z0-9-]*\.(nano|micro|small|medium|large|xlarge|[0-9]+xlarge|metal(-[0-9]+xl)?)$"
)
_MATCHER = re.compile(r"^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$")
_LOG_GROUP_TEXT = re.compile(r"^[\w.\-/#]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNIX_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
_UNIT_NAME = re.compile(r"^[A-Za-z0-9:_.\\-]+$")
_ABSOLUTE_PATH = re.compile(r"^/[^\s]*$")
_DEVICE = re.compile(r"^/dev/[a-z0-9]+$")


# --- Types from the roles' argument specs -------------------------------------------------------

_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean (true or false)",
    "list": "a list",
    "dict": "a mapping",
    "raw": "any value",
}
_PLURAL_WORDS = {"str": "strings", "int": "integers", "float": "numbers", "bool": "booleans", "dict": "mappings"}
_TRUE = frozenset({"yes", "on", "1", "true", "y", "t"})
_FALSE = frozenset({"no", "off", "0", "false", "n", "f"})


def coerce(value: Any, kind: str, elements: str | None = None) -> tuple[bool, Any]:
    """Convert a value to an argument spec type as Ansible would; (False, None) when it cannot."""
    if kind == "raw":
        return True, value
    if kind == "str":
        if isinstance(value, str):
            return True, value
        if isinstance(value, int | float) and not isinstance(value, bool):
            return True, str(value)
        return False, None
    if kind == "int":
        if isinstance(value, bool):
            return False, None
        if isinstance(value, int):
            return True, value
        if isinstance(value, float) and value.is_integer():
            return True, int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            return True, int(value)
        return False, None
    if kind == "float":
        if isinstance(value, bool):
            return False, None
        try:
            return True, float(value)
        except (TypeError, ValueError):
            return False, None
    if kind == "bool":
        if isinstance(value, bool):
            return True, value
        text = str(value).strip().lower() if isinstance(value, str | int) else None
        if text in _TRUE:
            return True, True
        if text in _FALSE:
            return True, False
        return False, None
    if kind == "list":
        if isinstance(value, str):
            value = [item.strip() for item in value.split(",")] if value else []
        if not isinstance(value, list | tuple):
            return False, None
        if elements is None:
            return True, list(value)
        converted = []
        for item in value:
            ok, item_value = coerce(item, elements)
            if not ok:
                return False, None
            converted.append(item_value)
        return True, converted
    if kind == "dict":
        return (True, dict(value)) if isinstance(value, Mapping) else (False, None)
    return True, value


def check_types(
    values: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], list[Problem]]:
    """Check each role option against its spec (type, elements, choices, required).

    ``specs`` maps a role to the ``options`` of its ``main`` entry point. Returns the values
    converted to their types, and the problems.
    """
    converted = dict(values)
    problems: list[Problem] = []
    for role in ROLES:
        for name, option in (specs.get(role) or {}).items():
            value = values.get(name, UNSET)
            if value is UNSET or value is None:
                if option.get("required"):
                    problems.append(Problem(name, UNSET, f"the {role} role requires it"))
                continue
            kind = option.get("type", "str")
            elements = option.get("elements")
            ok, typed = coerce(value, kind, elements)
            if not ok:
                what = _TYPE_WORDS.get(kind, kind)
                if kind == "list" and elements:
                    what += f" of {_PLURAL_WORDS.get(elements, elements)}"
                problems.append(Problem(name, value, f"must be {what}"))
                continue
            choices = option.get("choices")
            if choices:
                chosen = typed if kind == "list" else [typed]
                wrong = [item for item in chosen if item not in choices]
                if wrong:
                    allowed = ", ".join(str(choice) for choice in choices)
                    problems.append(Problem(name, value, f"must be one of: {allowed}"))
                    continue
            converted[name] = typed
    return converted, problems


def unknown_variables(values: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Role-prefixed variables no role knows: a misspelt one is silently ignored by the role."""
    known = {name for options in specs.values() for name in options}
    problems = []
    for name in sorted(values):
        role = next((role for role in ROLES if name.startswith(f"{role}_")), None)
        if role is None or name in known or name.startswith(f"{role}__") or name == f"{role}_outputs":
            continue
        close = difflib.get_close_matches(name, sorted(known), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(
            Problem(
                name, values[name], f"not a variable of the muejam.infra.{role} role{hint}; the role would ignore it"
            )
        )
    return problems


# --- The rules ------------------------------------------------------------------------------------


class _Inputs:
    """The values under check, with typed accessors that skip a variable already found bad."""

    def __init__(self, values: Mapping[str, Any], bad: Iterable[str] = ()) -> None:
        self.values = values
        self.bad = set(bad)
        self.problems: list[Problem] = []

    def add(self, variable: str, allowed: str, value: Any = UNSET) -> None:
        shown = self.values.get(variable, UNSET) if value is UNSET else value
        self.problems.append(Problem(variable, shown, allowed))
        self.bad.add(variable)

    def get(self, name: str, kind: str, elements: str | None = None) -> Any:
        """The value converted to ``kind``; None when unset, None or already found bad."""
        if name in self.bad:
            return None
        value = self.values.get(name, UNSET)
        if value is UNSET or value is None:
            return None
        ok, typed = coerce(value, kind, elements)
        if not ok:
            self.add(name, f"must be {_TYPE_WORDS.get(kind, kind)}")
            return None
        return typed

    def in_range(self, name: str, low: int | None, high: int | None, why: str = "") -> int | None:
        value = self.get(name, "int")
        if value is None:
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                allowed = f"must be {low} or more"
            elif low is None:
                allowed = f"must be {high} or less"
            else:
                allowed = f"must be from {low} to {high}"
            self.add(name, allowed + (f" ({why})" if why else ""))
            return None
        return value


def _network(cidr: Any) -> ipaddress.IPv4Network | None:
    """A strict IPv4 network (no host bits set), or None."""
    if not isinstance(cidr, str) or "/" not in cidr:
        return None
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None


def derived_subnet_cidrs(vpc_cidr: str, count: int, tier: str) -> list[str]:
    """The subnets the networking role derives when none are given (muejam.infra.subnet_cidrs).

    The VPC is split in 16 blocks; public subnets take the first ones of the bottom half,
    private subnets the first ones of the top half.
    """
    vpc = ipaddress.ip_network(vpc_cidr, strict=True)
    first = 0 if tier == "public" else 8
    return [str(block) for block in islice(vpc.subnets(prefixlen_diff=4), first, first + count)]


def usable_addresses(cidr: str) -> int:
    """Addresses a subnet offers its resources: AWS reserves five in every subnet."""
    return ipaddress.ip_network(cidr).num_addresses - SUBNET_RESERVED_ADDRESSES


def _check_stack(inputs: _Inputs) -> None:
    for name in ("stack_project", "stack_environment"):
        value = inputs.get(name, "str")
        if value is not None and not _NAME.match(value):
            inputs.add(
                name,
                "must be letters, digits and hyphens, not beginning or ending with a hyphen "
                "(the stack's name is <stack_project>-<stack_environment>, such as muejam-production)",
            )
    if inputs.values.get("stack_project", UNSET) is UNSET:
        inputs.add("stack_project", "must be set in the inventory (the project, such as muejam)")
    if inputs.values.get("stack_environment", UNSET) is UNSET:
        inputs.add("stack_environment", "must be set in the inventory (production, staging, ...)")
    region = inputs.get("aws_region", "str")
    if inputs.values.get("aws_region", UNSET) is UNSET:
        inputs.add("aws_region", "must be set in the inventory (the stack's region, such as us-east-1)")
    elif region is not None and region not in REGION_PARTITIONS:
        close = difflib.get_close_matches(region, sorted(REGION_PARTITIONS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        inputs.add("aws_region", f"must be an AWS region, such as us-east-1 or eu-west-1{hint}")
    inputs.get("stack_production", "bool")


def _production(inputs: _Inputs) -> bool:
    return bool(inputs.get("stack_production", "bool"))


def _partition(inputs: _Inputs) -> str | None:
    region = inputs.get("aws_region", "str")
    return REGION_PARTITIONS.get(region) if region else None


def _check_names(inputs: _Inputs) -> None:
    project = inputs.values.get("stack_project", "")
    environment = inputs.values.get("stack_environment", "")
    stack_name = f"{project}-{environment}"
    for name in NAME_VARIABLES:
        value = inputs.get(name, "str")
        if value is None:
            continue
        if not _NAME.match(value):
            inputs.add(name, "must be letters, digits and hyphens, not beginning or ending with a hyphen")
            continue
        if value != stack_name and "stack_project" not in inputs.bad and "stack_environment" not in inputs.bad:
            inputs.add(
                name,
                f"must be the stack's name '{stack_name}' (<stack_project>-<stack_environment>), as site.yml passes "
                "it: each stage finds the previous stage's resources by '<name>-<suffix>'",
            )
            continue
        violations = [
            (suffix, what, limit)
            for variable, suffix, what, limit in RESOURCE_NAMES
            if variable == name and len(value) + len(suffix) > limit
        ]
        issues = [
            f"the {what} name '{value}{suffix}' would be {len(value) + len(suffix)} characters, AWS allows {limit}"
            for suffix, what, limit in violations
        ]
        if violations:
            longest = min(limit - len(suffix) for suffix, _what, limit in violations)
            issues.append(
                f"the stack's name (<stack_project>-<stack_environment>) may have at most {longest} characters"
            )
        if name == "load_balancer_name" and value.lower().startswith("internal-"):
            issues.append("AWS rejects load balancer names beginning with 'internal-'")
        if issues:
            inputs.add(name, "; ".join(issues))


def _check_tags(inputs: _Inputs) -> None:
    reference: dict[str, Any] | None = None
    for name in TAG_VARIABLES:
        tags = inputs.get(name, "dict")
        if tags is None:
            continue
        issues = []
        for required in ("Project", "Environment"):
            if not str(tags.get(required, "") or "").strip():
                issues.append(f"it must set {required} (discovery and teardown find the stack's resources by it)")
        if len(tags) > TAG_LIMIT - len(ROLE_ADDED_TAGS):
            issues.append(
                f"at most {TAG_LIMIT - len(ROLE_ADDED_TAGS)} tags (AWS allows {TAG_LIMIT}; the roles add Name and Tier)"
            )
        for key, tag_value in tags.items():
            key_text = str(key)
            value_text = "" if tag_value is None else str(tag_value)
            if not 1 <= len(key_text) <= 128 or not _TAG_TEXT.match(key_text):
                issues.append(f"the key '{key_text}' must be 1-128 letters, digits, spaces or _ . : / = + - @")
            elif key_text.lower().startswith("aws:"):
                issues.append(f"the key '{key_text}' must not begin with aws: (reserved by AWS)")
            if len(value_text) > 256 or not _TAG_TEXT.match(value_text):
                issues.append(f"the value of {key_text} must be 0-256 letters, digits, spaces or _ . : / = + - @")
            if isinstance(tag_value, dict | list):
                issues.append(f"the value of {key_text} must be a string")
        if issues:
            inputs.add(name, "; ".join(issues))
            continue
        normalized = {str(key): str(tag_value) for key, tag_value in tags.items()}
        if reference is None:
            reference = normalized
        elif normalized != reference:
            inputs.add(
                name,
                f"must equal networking_tags {describe(reference)}, as site.yml passes stack_tags to every role: "
                "the stages find each other's resources by these tags",
            )


def _check_ports(inputs: _Inputs) -> None:
    user = inputs.values.get("instance_bootstrap_app_user", "")
    low = 1 if user == "root" else 1024
    why = f"the app runs as {user} (instance_bootstrap_app_user), which cannot bind a port below 1024"
    stack_port = inputs.values.get("stack_app_port", UNSET)
    for name in ("stack_app_port", *PORT_VARIABLES):
        if name != "stack_app_port" and inputs.values.get(name, UNSET) == stack_port:
            continue  # what site.yml passes: a problem of stack_app_port is reported once, there
        port = inputs.get(name, "int")
        if port is None:
            continue
        if port in ALB_LISTENER_PORTS:
            inputs.add(
                name,
                "must not be 80 or 443: those are the ALB's listeners, and the app port is what the ALB forwards "
                "to (a distinct port keeps the app's security group rule apart from the public listeners)",
            )
        elif not low <= port <= 65535:
            inputs.add(name, f"must be from {low} to 65535" + (f" ({why})" if low > 1 else ""))
        elif name != "stack_app_port" and stack_port is not UNSET:
            inputs.add(
                name,
                f"must equal stack_app_port ({describe(stack_port)}), as site.yml passes it: the target group "
                "forwards to it, the app security group opens it and the app listens on it",
            )
    ports = inputs.get("scaling_group_egress_ports", "list", "int")
    if ports is not None:
        wrong = [port for port in ports if not 1 <= port <= 65535]
        if wrong:
            inputs.add("scaling_group_egress_ports", f"every port must be from 1 to 65535 (not {describe(wrong)})")


def _check_network(inputs: _Inputs) -> None:
    vpc_cidr = inputs.get("networking_vpc_cidr", "str")
    vpc = _network(vpc_cidr)
    if vpc_cidr is not None and (vpc is None or not 16 <= vpc.prefixlen <= 28):
        inputs.add(
            "networking_vpc_cidr",
            "must be an IPv4 CIDR block from /16 to /28 with no host bits set, such as 10.0.0.0/16",
        )
        vpc = None

    zones = inputs.get("networking_availability_zones", "list", "str")
    region = inputs.get("aws_region", "str")
    if zones is not None:
        issues = []
        if len(zones) < 2:
            issues.append("at least two availability zones (the ALB needs two; the seed uses three)")
        if len(set(zones)) != len(zones):
            issues.append("distinct availability zones")
        malformed = [zone for zone in zones if not _AZ.match(zone)]
        if malformed:
            issues.append(f"availability zone names such as us-east-1a (not {describe(malformed)})")
        elif region is not None and "aws_region" not in inputs.bad:
            elsewhere = [zone for zone in zones if _AZ.match(zone).group(1) != region]  # type: ignore[union-attr]
            if elsewhere:
                issues.append(f"zones of aws_region {region} (not {describe(elsewhere)})")
        if issues:
            inputs.add("networking_availability_zones", "must name " + " and ".join(issues))
            zones = None

    mode = inputs.get("networking_nat_gateway_mode", "str")
    if mode is not None and mode not in ("per_az", "single", "none"):
        inputs.add("networking_nat_gateway_mode", "must be one of: per_az, single, none")
        mode = None
    inputs.in_range("networking_wait_timeout", 1, None, "seconds")

    if vpc is None or zones is None:
        return
    plans: dict[str, list[str]] = {}
    for tier in ("public", "private"):
        name = f"networking_{tier}_subnet_cidrs"
        cidrs = inputs.get(name, "list", "str")
        if cidrs is None:
            return
        if not cidrs:
            if vpc.prefixlen > 24 or len(zones) > 8:
                inputs.add(
                    name,
                    f"must be set, one block per zone: it is derived from networking_vpc_cidr only for a VPC of /24 "
                    f"or larger over at most 8 zones (the VPC is /{vpc.prefixlen}, the zones are {len(zones)})",
                )
                return
            plans[name] = derived_subnet_cidrs(str(vpc), len(zones), tier)
            continue
        issues = []
        if len(cidrs) != len(zones):
            issues.append(
                f"one block per availability zone ({len(zones)}, in the order of networking_availability_zones)"
            )
        networks = [_network(cidr) for cidr in cidrs]
        invalid = [cidr for cidr, network in zip(cidrs, networks, strict=True) if network is None]
        if invalid:
            issues.append(f"IPv4 CIDR blocks with no host bits set (not {describe(invalid)})")
        sizes = [
            cidr for cidr, network in zip(cidrs, networks, strict=True) if network and not 16 <= network.prefixlen <= 28
        ]
        if sizes:
            issues.append(f"blocks from /16 to /28 (not {describe(sizes)})")
        outside = [
            cidr for cidr, network in zip(cidrs, networks, strict=True) if network and not network.subnet_of(vpc)
        ]
        if outside:
            issues.append(f"blocks inside networking_vpc_cidr {vpc} (not {describe(outside)})")
        if issues:
            inputs.add(name, "must hold " + " and ".join(issues) + ", or be empty to derive them")
            return
        plans[name] = [str(network) for network in networks if network is not None]

    public = plans["networking_public_subnet_cidrs"]
    private = plans["networking_private_subnet_cidrs"]
    labelled = [("networking_public_subnet_cidrs", cidr) for cidr in public] + [
        ("networking_private_subnet_cidrs", cidr) for cidr in private
    ]
    overlaps = [
        (left, right)
        for left, right in combinations(labelled, 2)
        if ipaddress.ip_network(left[1]).overlaps(ipaddress.ip_network(right[1]))
    ]
    if overlaps:
        (left_name, left_cidr), (right_name, right_cidr) = overlaps[0]
        given = [name for name in (right_name, left_name) if inputs.values.get(name)]
        inputs.add(
            given[0] if given else "networking_vpc_cidr",
            f"no two subnets may overlap: {left_cidr} ({left_name}) overlaps {right_cidr} ({right_name})",
        )
        return

    # Sizes: every public subnet holds an ALB node (8 free addresses) and, where there is one,
    # the zone's NAT gateway; every private subnet holds its zone's share of the ASG's maximum
    # when one zone is lost (the group rebalances into the others), plus one instance that
    # rebalancing may launch before it terminates one.
    public_name = (
        "networking_public_subnet_cidrs"
        if inputs.values.get("networking_public_subnet_cidrs")
        else "networking_vpc_cidr"
    )
    for index, cidr in enumerate(public):
        nat = 1 if mode == "per_az" or (mode == "single" and index == 0) else 0
        needed = ALB_FREE_ADDRESSES + nat
        if usable_addresses(cidr) < needed:
            inputs.add(
                public_name,
                f"the public subnet {cidr} has {usable_addresses(cidr)} usable addresses; it needs {needed} "
                f"(8 for the ALB{', 1 for the NAT gateway' if nat else ''})",
            )
            break
    max_size = inputs.get("scaling_group_max_size", "int")
    if max_size is None or max_size < 1:
        return
    spread = max(len(zones) - 1, 1)
    needed = math.ceil(max_size / spread) + 1
    private_name = (
        "networking_private_subnet_cidrs"
        if inputs.values.get("networking_private_subnet_cidrs")
        else "networking_vpc_cidr"
    )
    for cidr in private:
        if usable_addresses(cidr) < needed:
            inputs.add(
                private_name,
                f"the private subnet {cidr} has {usable_addresses(cidr)} usable addresses; scaling_group_max_size "
                f"{max_size} over {len(zones)} zones needs {needed} in each (the maximum over the zones left when one "
                "fails, plus one for rebalancing): use larger subnets or a smaller maximum",
            )
            break


def _check_load_balancer(inputs: _Inputs) -> None:
    cidrs = inputs.get("load_balancer_ingress_cidrs", "list", "str")
    if cidrs is not None:
        invalid = [cidr for cidr in cidrs if _network(cidr) is None]
        if not cidrs or invalid:
            inputs.add(
                "load_balancer_ingress_cidrs",
                "must be a non-empty list of IPv4 CIDR blocks with no host bits set, such as 0.0.0.0/0"
                + (f" (not {describe(invalid)})" if invalid else ""),
            )

    policy = inputs.get("load_balancer_ssl_policy", "str")
    if policy is not None and policy not in TLS_POLICIES:
        reason = "it allows TLS 1.0 or 1.1; " if policy in WEAK_TLS_POLICIES else ""
        inputs.add(
            "load_balancer_ssl_policy",
            f"{reason}must be a policy that allows only TLS 1.2 and newer: one of the ELBSecurityPolicy-TLS13-1-2-*, "
            "-TLS13-1-3-*, -TLS-1-2-* or -FS-1-2-* policies, such as ELBSecurityPolicy-TLS13-1-2-2021-06 "
            "(docs/preflight.md lists them)",
        )

    _check_certificate_arn(inputs)
    inputs.in_range("load_balancer_idle_timeout", 1, 4000, "seconds")
    path = inputs.get("load_balancer_health_check_path", "str")
    if path is not None and (not path.startswith("/") or len(path) > 1024 or re.search(r"\s", path)):
        inputs.add(
            "load_balancer_health_check_path",
            "must be a path beginning with /, without spaces, at most 1024 characters",
        )
    interval = inputs.in_range("load_balancer_health_check_interval", 5, 300, "seconds")
    timeout = inputs.in_range("load_balancer_health_check_timeout", 2, 120, "seconds")
    if interval is not None and timeout is not None and timeout >= interval:
        inputs.add(
            "load_balancer_health_check_timeout",
            f"must be less than load_balancer_health_check_interval ({interval} s)",
        )
    inputs.in_range("load_balancer_healthy_threshold", 2, 10, "consecutive checks")
    inputs.in_range("load_balancer_unhealthy_threshold", 2, 10, "consecutive checks")
    matcher = inputs.get("load_balancer_health_check_matcher", "str")
    if matcher is not None:
        codes = [int(code) for code in re.findall(r"\d+", matcher)] if _MATCHER.match(matcher) else []
        if not codes or any(not 200 <= code <= 499 for code in codes):
            inputs.add(
                "load_balancer_health_check_matcher",
                "must be HTTP codes from 200 to 499 such as 200, 200,202 or 200-299",
            )
    inputs.in_range("load_balancer_stickiness_duration", 1, 604800, "seconds, up to 7 days")
    inputs.in_range("load_balancer_deregistration_delay", 0, 3600, "seconds")
    inputs.in_range("load_balancer_wait_timeout", 1, None, "seconds")
    inputs.in_range("load_balancer_delete_retries", 1, None)
    inputs.in_range("load_balancer_delete_delay", 0, None, "seconds")
    protected = inputs.get("load_balancer_deletion_protection", "bool")
    if protected is False and _production(inputs):
        inputs.add(
            "load_balancer_deletion_protection",
            "must be true where stack_production is true (the production ALB is protected against deletion; "
            "teardown.yml turns the protection off itself)",
        )


def _check_certificate_arn(inputs: _Inputs) -> None:
    name = "load_balancer_certificate_arn"
    arn = inputs.get(name, "str")
    if name in inputs.bad:
        return
    if not arn:
        inputs.add(name, "must be the ARN of an ISSUED ACM certificate in the stack's region (the HTTPS listener's)")
        return
    region = inputs.get("aws_region", "str")
    partition = _partition(inputs)
    acm = _ACM_ARN.match(arn)
    iam = _IAM_CERTIFICATE_ARN.match(arn)
    if not acm and not iam:
        inputs.add(
            name,
            "must be an ACM certificate ARN such as arn:aws:acm:us-east-1:111111111111:certificate/"
            "0a1b2c3d-1111-2222-3333-444455556666 (or an IAM server certificate ARN)",
        )
        return
    arn_partition = (acm or iam).group(1)  # type: ignore[union-attr]
    if acm and region is not None and acm.group(2) != region and "aws_region" not in inputs.bad:
        inputs.add(name, f"must be a certificate in the stack's region, aws_region {region} (it is in {acm.group(2)})")
    elif partition is not None and arn_partition != partition:
        inputs.add(name, f"must be in the partition of aws_region {region}: arn:{partition}:...")


def _check_bootstrap(inputs: _Inputs) -> None:
    environment = inputs.get("instance_bootstrap_environment", "str")
    stack_environment = inputs.get("stack_environment", "str")
    if environment is not None and not _LOG_GROUP_TEXT.match(environment):
        inputs.add(
            "instance_bootstrap_environment", "must be letters, digits or _ . - (it is part of the log group names)"
        )
    elif environment is not None and stack_environment is not None and environment != stack_environment:
        inputs.add(
            "instance_bootstrap_environment", f"must be stack_environment '{stack_environment}', as site.yml passes it"
        )
    project = inputs.get("instance_bootstrap_project", "str")
    if project and not _LOG_GROUP_TEXT.match(project):
        inputs.add(
            "instance_bootstrap_project",
            "must be empty or letters, digits or _ . - (it is part of the log group names)",
        )
    namespace = inputs.get("instance_bootstrap_metrics_namespace", "str")
    if namespace and (len(namespace) > 255 or ":" in namespace or namespace.startswith("AWS/")):
        inputs.add(
            "instance_bootstrap_metrics_namespace",
            "must be empty or a CloudWatch namespace: at most 255 characters, no ':', not beginning with AWS/",
        )
    command = inputs.get("instance_bootstrap_app_command", "str")
    if command is not None and (not command.startswith("/") or "\n" in command):
        inputs.add(
            "instance_bootstrap_app_command", "must be one line beginning with an absolute path (systemd's ExecStart=)"
        )
    for name in (
        "instance_bootstrap_app_working_directory",
        "instance_bootstrap_app_log_file",
        "instance_bootstrap_system_log_file",
    ):
        path = inputs.get(name, "str")
        if path is not None and not _ABSOLUTE_PATH.match(path):
            inputs.add(name, "must be an absolute path without spaces")
    paths = inputs.get("instance_bootstrap_disk_paths", "list", "str")
    if paths is not None and any(not _ABSOLUTE_PATH.match(path) for path in paths):
        inputs.add("instance_bootstrap_disk_paths", "must be absolute mount points such as /")
    user = inputs.get("instance_bootstrap_app_user", "str")
    if user is not None and not _UNIX_USER.match(user):
        inputs.add(
            "instance_bootstrap_app_user", "must be a Linux user name: lower-case letters, digits, _ or -, at most 32"
        )
    unit = inputs.get("instance_bootstrap_app_service_name", "str")
    if unit is not None and not _UNIT_NAME.match(unit):
        inputs.add("instance_bootstrap_app_service_name", "must be a systemd unit name: letters, digits and : _ . - \\")
    environment_vars = inputs.get("instance_bootstrap_app_environment", "dict")
    if environment_vars is not None:
        issues = []
        for key, value in environment_vars.items():
            if not isinstance(key, str) or not _ENV_NAME.match(key):
                issues.append(f"'{key}' is not a shell-style name")
            elif key == "PORT":
                issues.append("PORT is set by the role from instance_bootstrap_app_port")
            if isinstance(value, bool) or not isinstance(value, str | int | float) or "\n" in str(value):
                issues.append(f"the value of {key} must be a one-line string or number (quote booleans)")
        if issues:
            inputs.add("instance_bootstrap_app_environment", "; ".join(issues))
    inputs.in_range("instance_bootstrap_metrics_collection_interval", 1, 172800, "seconds")


def _check_scaling_group(inputs: _Inputs) -> None:
    ami = inputs.get("scaling_group_ami_id", "str")
    if "scaling_group_ami_id" not in inputs.bad and (not ami or not _AMI.match(ami)):
        inputs.add("scaling_group_ami_id", "must be an AMI id such as ami-0123456789abcdef0 (it has no default)")
    instance_type = inputs.get("scaling_group_instance_type", "str")
    if instance_type is not None and not _INSTANCE_TYPE.match(instance_type):
        inputs.add("scaling_group_instance_type", "must be an EC2 instance type such as t3.medium or m7i.large")
    device = inputs.get("scaling_group_root_device_name", "str")
    if device is not None and not _DEVICE.match(device):
        inputs.add("scaling_group_root_device_name", "must be a device name such as /dev/xvda")
    inputs.in_range("scaling_group_root_volume_size", 1, 16384, "GiB")
    key = inputs.get("scaling_group_root_volume_kms_key_id", "str")
    if key and not _KMS_KEY.match(key):
        inputs.add(
            "scaling_group_root_volume_kms_key_id",
            "must be empty, a KMS key id, an alias/... name or a KMS key or alias ARN",
        )
    inputs.in_range("scaling_group_metadata_hop_limit", 1, 64)
    egress = inputs.get("scaling_group_egress_cidr", "str")
    if egress is not None and _network(egress) is None:
        inputs.add("scaling_group_egress_cidr", "must be an IPv4 CIDR block with no host bits set, such as 0.0.0.0/0")
    arns = inputs.get("scaling_group_managed_policy_arns", "list", "str")
    partition = _partition(inputs)
    if arns is not None:
        wrong = [arn for arn in arns if not _POLICY_ARN.match(arn)]
        elsewhere = [
            arn for arn in arns if partition and _POLICY_ARN.match(arn) and _POLICY_ARN.match(arn).group(1) != partition
        ]  # type: ignore[union-attr]
        if wrong:
            inputs.add(
                "scaling_group_managed_policy_arns",
                f"must be IAM policy ARNs such as arn:aws:iam::aws:policy/Name (not {describe(wrong)})",
            )
        elif elsewhere:
            inputs.add(
                "scaling_group_managed_policy_arns",
                f"must be in the partition of aws_region: arn:{partition}:iam::... (not {describe(elsewhere)})",
            )

    minimum = inputs.in_range("scaling_group_min_size", 0, None, "instances")
    maximum = inputs.in_range("scaling_group_max_size", 1, None, "instances")
    desired = inputs.in_range("scaling_group_desired_capacity", 0, None, "instances")
    if minimum is not None and maximum is not None and minimum > maximum:
        inputs.add("scaling_group_min_size", f"must not exceed scaling_group_max_size ({maximum})")
        minimum = None
    if desired is not None and (
        (minimum is not None and desired < minimum) or (maximum is not None and desired > maximum)
    ):
        inputs.add(
            "scaling_group_desired_capacity",
            f"must be from scaling_group_min_size ({minimum}) to scaling_group_max_size ({maximum})",
        )
    if minimum is not None and minimum < 2 and _production(inputs):
        inputs.add(
            "scaling_group_min_size",
            "must be 2 or more where stack_production is true: one instance's failure must leave one serving",
        )
    inputs.in_range("scaling_group_health_check_grace_period", 0, None, "seconds")
    inputs.in_range("scaling_group_default_cooldown", 0, None, "seconds")
    inputs.in_range("scaling_group_scaling_cooldown", 0, None, "seconds")
    inputs.in_range("scaling_group_wait_timeout", 1, None, "seconds")
    inputs.in_range("scaling_group_delete_timeout", 1, None, "seconds")
    inputs.in_range("scaling_group_delete_retries", 1, None)
    inputs.in_range("scaling_group_delete_delay", 0, None, "seconds")
    inputs.in_range("scaling_group_scale_out_adjustment", 1, None, "instances added")
    inputs.in_range("scaling_group_scale_in_adjustment", None, -1, "a negative change in capacity")
    high = inputs.in_range("scaling_group_cpu_high_threshold", 0, 100, "percent CPU")
    low = inputs.in_range("scaling_group_cpu_low_threshold", 0, 100, "percent CPU")
    if high is not None and low is not None and high <= low:
        inputs.add(
            "scaling_group_cpu_high_threshold",
            f"must be above scaling_group_cpu_low_threshold ({low}): scale-out above scale-in",
        )
    periods = inputs.in_range("scaling_group_alarm_evaluation_periods", 1, None)
    period = inputs.get("scaling_group_alarm_period", "int")
    if period is not None and (period <= 0 or (period not in (10, 30) and period % 60 != 0)):
        inputs.add("scaling_group_alarm_period", "must be 10, 30 or a multiple of 60 seconds")
        period = None
    if period is not None and periods is not None:
        window = period * periods
        if window < 60:
            inputs.add(
                "scaling_group_alarm_period",
                f"times scaling_group_alarm_evaluation_periods ({periods}) is {window} s; it must be at least 60 s "
                "so that a short spike does not scale the group",
            )
        elif window > 86400:
            inputs.add(
                "scaling_group_alarm_period",
                f"times scaling_group_alarm_evaluation_periods ({periods}) is {window} s; "
                "CloudWatch evaluates at most one day",
            )


def check_inputs(
    values: Mapping[str, Any],
    specs: Mapping[str, Mapping[str, Any]] | None = None,
    reported: Iterable[str] = (),
) -> list[Problem]:
    """Every problem of the stack's inputs (empty when there is none).

    ``values``: the variables the roles will receive (see :func:`merge_values`) and the stack's
    (``stack_project``, ``stack_environment``, ``stack_production``, ``aws_region``,
    ``stack_app_port``). ``specs``: each role's argument spec options, to check types and choices
    and to find misspelt role variables. ``reported``: variables whose problem the caller already
    has (one it could not resolve, say): no second problem is reported for them.
    """
    problems: list[Problem] = []
    typed: Mapping[str, Any] = values
    if specs:
        typed, problems = check_types(values, specs)
        problems += unknown_variables(values, specs)
    inputs = _Inputs(typed, bad={problem.variable for problem in problems})
    for rule in (
        _check_stack,
        _check_names,
        _check_tags,
        _check_ports,
        _check_network,
        _check_load_balancer,
        _check_bootstrap,
        _check_scaling_group,
    ):
        rule(inputs)
    skipped = set(reported)
    return [problem for problem in problems + inputs.problems if problem.variable not in skipped]


# --- Read-only AWS checks -----------------------------------------------------------------------


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return (response.get("Error") or {}).get("Code")
    return None


def check_availability_zones(ec2: Any, zones: list[str]) -> list[Problem]:
    """The zones exist in the client's region and are available (DescribeAvailabilityZones)."""
    found = {zone["ZoneName"]: zone for zone in ec2.describe_availability_zones()["AvailabilityZones"]}
    missing = [zone for zone in zones if zone not in found]
    unavailable = [zone for zone in zones if zone in found and found[zone].get("State") != "available"]
    problems = []
    if missing:
        problems.append(
            Problem(
                "networking_availability_zones",
                zones,
                f"{describe(missing)} do not exist in the region (it has {describe(sorted(found))})",
            )
        )
    if unavailable:
        problems.append(Problem("networking_availability_zones", zones, f"{describe(unavailable)} are not available"))
    return problems


def check_image(
    ec2: Any, image_id: str, root_device_name: str | None = None, root_volume_size: int | None = None
) -> list[Problem]:
    """The AMI exists and is available, with the root device and size the launch template sets."""
    try:
        images = ec2.describe_images(ImageIds=[image_id])["Images"]
    except Exception as error:  # botocore's ClientError, duck-typed to stay free of imports
        if _error_code(error) not in ("InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable"):
            raise
        images = []
    if not images:
        return [
            Problem(
                "scaling_group_ami_id",
                image_id,
                "must be an AMI that exists in the stack's region and that the account may launch",
            )
        ]
    image = images[0]
    problems = []
    if image.get("State", "available") != "available":
        problems.append(
            Problem("scaling_group_ami_id", image_id, f"must be an available AMI (it is {image.get('State')})")
        )
    root = image.get("RootDeviceName")
    if root_device_name and root and root != root_device_name:
        problems.append(
            Problem(
                "scaling_group_root_device_name",
                root_device_name,
                f"must be the AMI's root device {root}: otherwise the encrypted volume is an extra disk "
                "and the root volume is not encrypted",
            )
        )
    for mapping in image.get("BlockDeviceMappings", []):
        size = (mapping.get("Ebs") or {}).get("VolumeSize")
        if mapping.get("DeviceName") == root and size and root_volume_size is not None and root_volume_size < size:
            problems.append(
                Problem(
                    "scaling_group_root_volume_size",
                    root_volume_size,
                    f"must be at least the AMI's root snapshot, {size} GiB",
                )
            )
    return problems


def check_certificate(acm: Any, certificate_arn: str) -> list[Problem]:
    """The ACM certificate exists and is ISSUED (an IAM server certificate is not checked)."""
    if not _ACM_ARN.match(certificate_arn or ""):
        return []
    try:
        certificate = acm.describe_certificate(CertificateArn=certificate_arn)["Certificate"]
    except Exception as error:  # botocore's ClientError, duck-typed
        if _error_code(error) not in ("ResourceNotFoundException", "InvalidArnException", "ValidationException"):
            raise
        return [
            Problem(
                "load_balancer_certificate_arn",
                certificate_arn,
                "must be an ACM certificate of this account in the stack's region; ACM has none by that ARN",
            )
        ]
    status = certificate.get("Status")
    if status != "ISSUED":
        return [
            Problem("load_balancer_certificate_arn", certificate_arn, f"must be an ISSUED certificate (it is {status})")
        ]
    return []


def check_stack_vpc(ec2: Any, tags: Mapping[str, Any], vpc_cidr: str) -> list[Problem]:
    """No VPC already carries the stack's tags with another CIDR block (the role would add one)."""
    filters = [{"Name": f"tag:{key}", "Values": [str(value)]} for key, value in sorted(tags.items())]
    vpcs = ec2.get_paginator("describe_vpcs").paginate(Filters=filters).build_full_result()["Vpcs"]
    others = [vpc for vpc in vpcs if vpc.get("CidrBlock") != vpc_cidr]
    if not others:
        return []
    found = ", ".join(f"{vpc['VpcId']} ({vpc.get('CidrBlock')})" for vpc in others)
    return [
        Problem(
            "networking_vpc_cidr",
            vpc_cidr,
            f"the VPC {found} already carries the stack's tags {describe(dict(tags))} with another CIDR block: "
            "the networking role would create a second VPC beside it; use its CIDR block, or remove it first "
            "(teardown.yml)",
        )
    ]
