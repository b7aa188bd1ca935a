# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the stack's own variables and of what every role has: its name, tags and port.

Also the rules that span roles, which only the stage-0 preflight of site.yml applies (a role
run on its own cannot know what site.yml passes the others): every role's name is the stack's,
its tags are the stack's, its port is stack_app_port.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import names
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import ROLES, UNSET, Inputs, describe

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

ALB_LISTENER_PORTS = (80, 443)
TAG_LIMIT = 50  # tags per resource; the roles add Name (and Tier on subnets)
ROLE_ADDED_TAGS = ("Name", "Tier")
PORT_VARIABLES = ("load_balancer_target_port", "instance_bootstrap_app_port", "scaling_group_app_port")
# What site.yml passes each role from the stack's variables: (role variable, stack variable).
PASSED_FROM_STACK = (
    *((f"{role}_name", "stack_name") for role in ROLES),
    *((f"{role}_tags", "stack_tags") for role in ROLES),
    *((name, "stack_app_port") for name in PORT_VARIABLES),
    ("instance_bootstrap_environment", "stack_environment"),
)

NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$")
_TAG_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")


def partition(inputs: Inputs) -> str | None:
    """The partition of aws_region (aws, aws-cn, aws-us-gov, ...), when it is set and known."""
    region = inputs.get("aws_region", "str")
    return REGION_PARTITIONS.get(region) if region else None


def production(inputs: Inputs) -> bool:
    return bool(inputs.get("stack_production", "bool"))


def check_stack(inputs: Inputs) -> None:
    """The inventory's stack_* variables (site.yml needs each of them)."""
    for name in ("stack_project", "stack_environment"):
        value = inputs.get(name, "str")
        if value is not None and not NAME.match(value):
            inputs.add(
                name,
                "must be letters, digits and hyphens, not beginning or ending with a hyphen "
                "(the stack's name is <stack_project>-<stack_environment>, such as muejam-production)",
            )
    if inputs.values.get("stack_project", UNSET) is UNSET:
        inputs.add("stack_project", "must be set in the inventory (the project, such as muejam)")
    if inputs.values.get("stack_environment", UNSET) is UNSET:
        inputs.add("stack_environment", "must be set in the inventory (production, staging, ...)")
    if inputs.values.get("aws_region", UNSET) is UNSET:
        inputs.add("aws_region", "must be set in the inventory (the stack's region, such as us-east-1)")
    check_region(inputs)
    inputs.get("stack_production", "bool")
    check_port(inputs, "stack_app_port")
    check_expected_environment(inputs)


def check_expected_environment(inputs: Inputs) -> None:
    """A job launched for one environment (AWX: the survey's answer) with another's inventory."""
    expected = inputs.get("stack_expected_environment", "str")
    environment = inputs.get("stack_environment", "str")
    if expected is not None and environment is not None and expected != environment:
        inputs.add(
            "stack_expected_environment",
            f"must be the inventory's environment, stack_environment '{environment}': the job was launched "
            f"for '{expected}' with the inventory of '{environment}'; launch it with the inventory of '{expected}'",
        )


def check_region(inputs: Inputs) -> None:
    region = inputs.get("aws_region", "str")
    if region is not None and region not in REGION_PARTITIONS:
        close = difflib.get_close_matches(region, sorted(REGION_PARTITIONS), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        inputs.add("aws_region", f"must be an AWS region, such as us-east-1 or eu-west-1{hint}")


def _lowest_port(inputs: Inputs) -> int:
    """The lowest port the app may listen on: below 1024 only when it runs as root."""
    user = inputs.values.get("instance_bootstrap_app_user", "")
    return 1 if user in ("", "root", UNSET, None) else 1024


def check_port(inputs: Inputs, name: str, low: int = 1) -> None:
    """A port the ALB forwards to and the app listens on: not a listener's, and one the app may bind."""
    port = inputs.get(name, "int")
    if port is None:
        return
    if port in ALB_LISTENER_PORTS:
        inputs.add(
            name,
            "must not be 80 or 443: those are the ALB's listeners, and the app port is what the ALB forwards "
            "to (a distinct port keeps the app's security group rule apart from the public listeners)",
        )
    elif not low <= port <= 65535:
        user = inputs.values.get("instance_bootstrap_app_user")
        why = (
            f" (the app runs as {user} (instance_bootstrap_app_user), which cannot bind a port below 1024)"
            if low > 1
            else ""
        )
        inputs.add(name, f"must be from {low} to 65535{why}")


def check_identity(inputs: Inputs, role: str, zones: list[str] | None = None, skip: tuple[str, ...] = ()) -> None:
    """The role's name (and every name derived from it, for every AWS service) and its tags."""
    check_name(inputs, role, zones=zones, skip=skip)
    check_tags(inputs, f"{role}_tags")


def check_name(inputs: Inputs, role: str, zones: list[str] | None = None, skip: tuple[str, ...] = ()) -> None:
    variable = f"{role}_name"
    value = inputs.get(variable, "str")
    if value is None:
        return
    if not NAME.match(value):
        inputs.add(variable, "must be letters, digits and hyphens, not beginning or ending with a hyphen")
        return
    tags = inputs.get(f"{role}_tags", "dict") or {}
    issues = names.name_problems(
        role,
        value,
        zones=zones or (),
        project=str(tags.get("Project", "")),
        environment=str(tags.get("Environment", "")),
        skip=skip,
    )
    if issues:
        longest = names.longest_name(role, zones=zones or ())
        issues.append(f"the stack's name (<stack_project>-<stack_environment>) may have at most {longest} characters")
    if role == "load_balancer" and value.lower().startswith("internal-"):
        issues.append("AWS rejects load balancer names beginning with 'internal-'")
    if issues:
        inputs.add(variable, "; ".join(issues))


def check_tags(inputs: Inputs, variable: str) -> None:
    tags = inputs.get(variable, "dict")
    if tags is None:
        return
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
        inputs.add(variable, "; ".join(issues))


def check_across(inputs: Inputs) -> None:
    """What site.yml's wiring requires: every role gets the stack's name, tags and port."""
    project = inputs.values.get("stack_project", "")
    environment = inputs.values.get("stack_environment", "")
    stack_name = f"{project}-{environment}"
    stack_known = "stack_project" not in inputs.bad and "stack_environment" not in inputs.bad
    for role in ROLES:
        variable = f"{role}_name"
        value = inputs.get(variable, "str")
        if value is not None and stack_known and value != stack_name:
            inputs.add(
                variable,
                f"must be the stack's name '{stack_name}' (<stack_project>-<stack_environment>), as site.yml passes "
                "it: each stage finds the previous stage's resources by '<name>-<suffix>'",
            )
    reference: dict[str, str] | None = None
    for role in ROLES:
        variable = f"{role}_tags"
        tags = inputs.get(variable, "dict")
        if tags is None:
            continue
        normalized = {str(key): str(tag_value) for key, tag_value in tags.items()}
        if reference is None:
            reference = normalized
        elif normalized != reference:
            inputs.add(
                variable,
                f"must equal networking_tags {describe(reference)}, as site.yml passes stack_tags to every role: "
                "the stages find each other's resources by these tags",
            )
    stack_port: Any = inputs.values.get("stack_app_port", UNSET)
    low = _lowest_port(inputs)
    port = inputs.get("stack_app_port", "int")
    if port is not None and port < low:
        check_port(inputs, "stack_app_port", low=low)
    for variable in PORT_VARIABLES:
        port = inputs.get(variable, "int")
        if port is None or stack_port is UNSET or "stack_app_port" in inputs.bad:
            continue
        if port != inputs.get("stack_app_port", "int"):
            inputs.add(
                variable,
                f"must equal stack_app_port ({describe(stack_port)}), as site.yml passes it: the target group "
                "forwards to it, the app security group opens it and the app listens on it",
            )
    environment_value = inputs.get("instance_bootstrap_environment", "str")
    stack_environment = inputs.get("stack_environment", "str")
    if environment_value is not None and stack_environment is not None and environment_value != stack_environment:
        inputs.add(
            "instance_bootstrap_environment", f"must be stack_environment '{stack_environment}', as site.yml passes it"
        )
