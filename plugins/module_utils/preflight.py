# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack's inputs checked before the first AWS call: the whole stack, or one role.

Pure Python (no Ansible import here; typing uses Ansible's ArgumentSpecValidator), used by the
``muejam.infra.stack_preflight`` action plugin (stage 0 of site.yml, every role at once, offline,
on the controller), by ``muejam.infra.role_inputs`` (each role's first task, its own slice, with
the same rules and messages) and by the ``stack_preflight`` module (read-only AWS checks).
docs/preflight.md lists every rule and why it exists. The rules live in ``rules/``, by area:

- :mod:`.rules.core`: problems, typing (argument specs), the values under check;
- :mod:`.rules.stack`: the stack's variables, every role's name, tags and port, and what spans roles;
- :mod:`.rules.settings`: the run's settings (readiness, rollout, AWS retries): types, defaults, bounds;
- :mod:`.rules.network`, :mod:`.rules.load_balancer`, :mod:`.rules.bootstrap`, :mod:`.rules.scaling`.

- :func:`check_inputs` takes the values the roles will receive (each role's defaults with the
  inventory, play, task and extra vars on top) and the roles' argument specs, and returns every
  :class:`Problem` found. It never stops at the first problem.
- :func:`check_role` does the same for one role run on its own, and returns its typed inputs.
- :func:`check_availability_zones`, :func:`check_image`, :func:`check_certificate` and
  :func:`check_stack_vpc` ask AWS what only AWS can tell, through boto3-like clients, with
  read-only calls (DescribeAvailabilityZones, DescribeImages, DescribeCertificate /
  GetServerCertificate, DescribeVpcs).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils.rules import (
    bootstrap,
    load_balancer,
    network,
    scaling,
    settings,
    stack,
)
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import (
    ROLES,
    STACK_SPEC,
    STACK_VARIABLES,
    UNSET,
    Inputs,
    Problem,
    check_option,
    check_types,
    coerce,
    describe,
    report,
    role_of,
)
from ansible_collections.muejam.infra.plugins.module_utils.rules.load_balancer import (
    ACM_ARN,
    IAM_CERTIFICATE_ARN,
    TLS_POLICIES,
    WEAK_TLS_POLICIES,
)
from ansible_collections.muejam.infra.plugins.module_utils.rules.network import derived_subnet_cidrs, usable_addresses
from ansible_collections.muejam.infra.plugins.module_utils.rules.stack import (
    PORT_VARIABLES,
    REGION_PARTITIONS,
)

__all__ = [
    "PORT_VARIABLES",
    "REGION_PARTITIONS",
    "ROLES",
    "STACK_VARIABLES",
    "TLS_POLICIES",
    "UNSET",
    "WEAK_TLS_POLICIES",
    "Problem",
    "check_inputs",
    "check_role",
    "check_types",
    "coerce",
    "derived_subnet_cidrs",
    "describe",
    "merge_values",
    "report",
    "usable_addresses",
]

PARTITIONS = tuple(sorted(set(REGION_PARTITIONS.values())))
# The stack's variables that playbooks/vars/stack.yml derives from the inventory's.
DERIVED_STACK_VARIABLES = (
    "stack_name",
    "stack_tags",
    "stack_outputs_path",
    "stack_resource_names",
    "stack_aws_environment",
    "stack_lock_holder",
)
# What the playbooks publish with set_stats for an AWX workflow's next job, which receives it as
# an extra var: known, so that a node running site.yml after another is not refused for it.
PUBLISHED_STACK_VARIABLES = ("stack_outputs",)
# Each role's own rules, by area.
ROLE_RULES: dict[str, Callable[[Inputs], None]] = {
    "networking": network.check,
    "load_balancer": load_balancer.check,
    "instance_bootstrap": bootstrap.check,
    "scaling_group": scaling.check,
}
# What a role run with state absent needs to find and delete what it made: nothing else is
# checked then, so that teardown never depends on the inputs being valid for creation.
TEARDOWN_OPTIONS = (
    "state",
    "name",
    "tags",
    "vpc_id",
    "wait_timeout",
    "delete_timeout",
    "delete_retries",
    "delete_delay",
)


def merge_values(role_defaults: Mapping[str, Mapping[str, Any]], *layers: Mapping[str, Any]) -> dict[str, Any]:
    """Each role's defaults, then every layer on top in order (the last one wins)."""
    values: dict[str, Any] = {}
    for role in ROLES:
        values.update(role_defaults.get(role) or {})
    for layer in layers:
        values.update(layer)
    return values


def wanted(name: str) -> bool:
    """A variable the preflight reads from the play: the stack's, the run's settings and every role's
    (not internal, not outputs)."""
    if name.startswith("stack_") and not name.startswith("stack__"):
        return True
    if name == "aws_region" or name in settings.RUN_SETTINGS:
        return True
    role = role_of(name)
    return role is not None and not name.startswith(f"{role}__") and name != f"{role}_outputs"


def unknown_variables(values: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """Role-prefixed or stack_ variables nobody reads: a misspelt one would be silently ignored."""
    known_stack = sorted({*STACK_VARIABLES, *DERIVED_STACK_VARIABLES, *PUBLISHED_STACK_VARIABLES} - {"aws_region"})
    problems = []
    for name in sorted(values):
        role = role_of(name)
        if role is None:
            if not name.startswith("stack_") or name.startswith("stack__") or name in known_stack:
                continue
            close = difflib.get_close_matches(name, known_stack, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(
                Problem(
                    name,
                    values[name],
                    f"not a variable of the stack ({', '.join(known_stack)}){hint}; site.yml would ignore it",
                )
            )
            continue
        known = sorted(specs.get(role) or {})
        if name in known or name.startswith(f"{role}__") or name == f"{role}_outputs":
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        problems.append(
            Problem(
                name, values[name], f"not a variable of the muejam.infra.{role} role{hint}; the role would ignore it"
            )
        )
    return problems


def _drop_echoes(problems: list[Problem], values: Mapping[str, Any]) -> list[Problem]:
    """A role port that only repeats a bad stack_app_port is reported once, at stack_app_port."""
    if not any(problem.variable == "stack_app_port" for problem in problems):
        return problems
    stack_port = values.get("stack_app_port", UNSET)
    return [
        problem
        for problem in problems
        if not (problem.variable in PORT_VARIABLES and values.get(problem.variable, UNSET) == stack_port)
    ]


def check_inputs(
    values: Mapping[str, Any],
    specs: Mapping[str, Mapping[str, Any]] | None = None,
    reported: Iterable[str] = (),
    across: bool = True,
) -> list[Problem]:
    """Every problem of the stack's inputs (empty when there is none): the preflight of site.yml.

    ``values``: the variables the roles will receive (see :func:`merge_values`) and the stack's
    (``stack_project``, ``stack_environment``, ``stack_production``, ``aws_region``,
    ``stack_app_port``). ``specs``: each role's argument spec options, to check types and choices
    and to find misspelt variables. ``reported``: variables whose problem the caller already
    has (one it could not resolve, say): no second problem is reported for them. ``across``:
    whether to apply the rules that span roles (site.yml's wiring); without them the verdict is the
    union of each role's own (what :func:`check_role` gives each role).
    """
    problems: list[Problem] = []
    typed: Mapping[str, Any] = values
    if specs:
        typed, problems = check_types(values, specs)
        problems += unknown_variables(values, specs)
    problems += settings.check(values)
    inputs = Inputs(typed, bad={problem.variable for problem in problems})
    stack.check_stack(inputs)
    for role in ROLES:
        if role == "scaling_group":
            scaling.check(inputs, wired=True)
        else:
            ROLE_RULES[role](inputs)
    if across:
        stack.check_across(inputs)
        network.check_across(inputs)
    skipped = set(reported)
    found = _drop_echoes(problems + inputs.problems, values)
    return [problem for problem in found if problem.variable not in skipped]


def check_role(
    role: str, values: Mapping[str, Any], options: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], list[Problem]]:
    """One role's inputs, for the role run on its own: (its typed options, every problem).

    ``values``: the role's variables as the role sees them (its defaults under everything else)
    and the stack's where they are set (``aws_region``, ``stack_production``). ``options``: the
    role's argument spec options. The rules are the preflight's own for this role; what spans
    roles is the preflight's alone. With ``<role>_state`` absent only what teardown needs is
    checked, and an option that cannot be converted is handed on as it is.
    """
    absent = str(values.get(f"{role}_state", "present")) == "absent"
    teardown = {f"{role}_{option}" for option in TEARDOWN_OPTIONS}
    typed: dict[str, Any] = {name: values[name] for name in STACK_VARIABLES if name in values}
    problems: list[Problem] = []
    for name, option in options.items():
        value, problem = check_option(name, values.get(name, option.get("default", UNSET)), option, role)
        if problem and (not absent or name in teardown):
            problems.append(problem)
        typed[name] = None if value is UNSET else value
    for name in STACK_VARIABLES:
        if name in typed:
            typed[name], problem = check_option(name, typed[name], STACK_SPEC[name], "stack")
            if problem:
                problems.append(problem)
    inputs = Inputs(typed, bad={problem.variable for problem in problems})
    stack.check_region(inputs)
    if absent:
        stack.check_tags(inputs, f"{role}_tags")
        if not stack.NAME.match(str(typed.get(f"{role}_name") or "")):
            inputs.add(f"{role}_name", "must be letters, digits and hyphens, not beginning or ending with a hyphen")
    else:
        ROLE_RULES[role](inputs)
    prefix = f"{role}_"
    own = {name[len(prefix) :]: value for name, value in typed.items() if name.startswith(prefix)}
    return own, problems + inputs.problems


# --- Read-only AWS checks -----------------------------------------------------------------------


def _retry(retry: bool) -> dict[str, bool]:
    """The keyword amazon.aws's retry-wrapped clients take to retry a call (none for a plain client)."""
    return {"aws_retry": True} if retry else {}


def _error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return (response.get("Error") or {}).get("Code")
    return None


def check_availability_zones(ec2: Any, zones: list[str], retry: bool = False) -> list[Problem]:
    """The zones exist in the client's region and are available (DescribeAvailabilityZones)."""
    zones_found = ec2.describe_availability_zones(**_retry(retry))["AvailabilityZones"]
    found = {zone["ZoneName"]: zone for zone in zones_found}
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
    ec2: Any,
    image_id: str,
    root_device_name: str | None = None,
    root_volume_size: int | None = None,
    retry: bool = False,
) -> list[Problem]:
    """The AMI exists and is available, with the root device and size the launch template sets."""
    try:
        images = ec2.describe_images(ImageIds=[image_id], **_retry(retry))["Images"]
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


def check_certificate(acm: Any, certificate_arn: str, iam: Any = None, retry: bool = False) -> list[Problem]:
    """The certificate exists and can serve: an ACM certificate ISSUED, an IAM one not expired.

    ACM: DescribeCertificate (in the stack's region). IAM server certificates (global):
    GetServerCertificate by the name at the end of the ARN, whose ARN must be this one.
    """
    name = "load_balancer_certificate_arn"
    iam_match = IAM_CERTIFICATE_ARN.match(certificate_arn or "")
    if iam_match and iam is not None:
        return _check_server_certificate(iam, certificate_arn, iam_match.group(3).rsplit("/", 1)[-1], retry)
    if not ACM_ARN.match(certificate_arn or ""):
        return []
    try:
        certificate = acm.describe_certificate(CertificateArn=certificate_arn, **_retry(retry))["Certificate"]
    except Exception as error:  # botocore's ClientError, duck-typed
        if _error_code(error) not in ("ResourceNotFoundException", "InvalidArnException", "ValidationException"):
            raise
        return [
            Problem(
                name,
                certificate_arn,
                "must be an ACM certificate of this account in the stack's region; ACM has none by that ARN",
            )
        ]
    status = certificate.get("Status")
    if status != "ISSUED":
        return [Problem(name, certificate_arn, f"must be an ISSUED certificate (it is {status})")]
    return []


def _check_server_certificate(iam: Any, certificate_arn: str, certificate_name: str, retry: bool) -> list[Problem]:
    name = "load_balancer_certificate_arn"
    try:
        metadata = iam.get_server_certificate(ServerCertificateName=certificate_name, **_retry(retry))[
            "ServerCertificate"
        ]["ServerCertificateMetadata"]
    except Exception as error:  # botocore's ClientError, duck-typed
        if _error_code(error) not in ("NoSuchEntity", "ValidationError"):
            raise
        metadata = None
    if metadata is None or metadata.get("Arn") != certificate_arn:
        return [
            Problem(
                name,
                certificate_arn,
                "must be an IAM server certificate of this account; IAM has none by that ARN",
            )
        ]
    expiration = metadata.get("Expiration")
    if isinstance(expiration, datetime) and expiration <= datetime.now(UTC):
        return [Problem(name, certificate_arn, f"must be a certificate that has not expired (it expired {expiration})")]
    return []


def check_stack_vpc(ec2: Any, tags: Mapping[str, Any], vpc_cidr: str, retry: bool = False) -> list[Problem]:
    """No VPC already carries the stack's tags with another CIDR block (the role would add one)."""
    filters = [{"Name": f"tag:{key}", "Values": [str(value)]} for key, value in sorted(tags.items())]
    vpcs: list[dict[str, Any]] = []
    token: dict[str, str] = {}
    while True:  # page by page, each call through the client's retries (a paginator bypasses them)
        page = ec2.describe_vpcs(Filters=filters, **token, **_retry(retry))
        vpcs += page["Vpcs"]
        if not page.get("NextToken"):
            break
        token = {"NextToken": page["NextToken"]}
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
