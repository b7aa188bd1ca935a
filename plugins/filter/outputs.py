"""Filters that shape the stack's outputs: which stage gives each, merged with an earlier run's.

Their documentation: terraform_outputs.yml and stack_outputs.yml beside this file.
"""

from __future__ import annotations

# Each output of the stack: the stage (role) whose output fact gives it, the key in that fact,
# and its value until a run of that stage gives one. playbooks/tasks/outputs.yml writes them.
STACK_OUTPUTS: dict[str, tuple[str, str, object]] = {
    "vpc_id": ("networking", "vpc_id", ""),
    "vpc_cidr": ("networking", "vpc_cidr", ""),
    "availability_zones": ("networking", "availability_zones", []),
    "public_subnet_ids": ("networking", "public_subnet_ids", []),
    "private_subnet_ids": ("networking", "private_subnet_ids", []),
    "internet_gateway_id": ("networking", "internet_gateway_id", ""),
    "nat_gateway_ids": ("networking", "nat_gateway_ids", []),
    "nat_public_ips": ("networking", "nat_public_ips", []),
    "alb_security_group_id": ("load_balancer", "security_group_id", ""),
    "alb_arn": ("load_balancer", "load_balancer_arn", ""),
    "alb_dns_name": ("load_balancer", "dns_name", ""),
    "alb_zone_id": ("load_balancer", "canonical_hosted_zone_id", ""),
    "target_group_arn": ("load_balancer", "target_group_arn", ""),
    "https_listener_arn": ("load_balancer", "https_listener_arn", ""),
    "http_listener_arn": ("load_balancer", "http_listener_arn", ""),
    "log_group_names": ("instance_bootstrap", "log_group_names", {}),
    "app_security_group_id": ("scaling_group", "security_group_id", ""),
    "iam_role_name": ("scaling_group", "iam_role_name", ""),
    "instance_profile_arn": ("scaling_group", "instance_profile_arn", ""),
    "launch_template_id": ("scaling_group", "launch_template_id", ""),
    "autoscaling_group_name": ("scaling_group", "autoscaling_group_name", ""),
    "autoscaling_group_arn": ("scaling_group", "autoscaling_group_arn", ""),
    "scale_out_policy_arn": ("scaling_group", "scale_out_policy_arn", ""),
    "scale_in_policy_arn": ("scaling_group", "scale_in_policy_arn", ""),
    "target_tracking_policy_arn": ("scaling_group", "target_tracking_policy_arn", ""),
    "alarm_names": ("scaling_group", "alarm_names", []),
}
# The stack's own outputs, from the inventory: every run gives them.
STACK_IDENTITY = ("stack_name", "environment", "region")


def terraform_type(value: object) -> object:
    """Return the Terraform type expression of a JSON-like value."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str) or value is None:
        return "string"
    if isinstance(value, list | tuple):
        element_types = {_hashable(terraform_type(item)) for item in value}
        if len(element_types) == 1:
            return ["list", terraform_type(value[0])]
        if not value:
            return ["list", "string"]
        return ["tuple", [terraform_type(item) for item in value]]
    if isinstance(value, dict):
        element_types = {_hashable(terraform_type(item)) for item in value.values()}
        if len(element_types) == 1:
            return ["map", terraform_type(next(iter(value.values())))]
        if not value:
            return ["map", "string"]
        return ["object", {key: terraform_type(item) for key, item in value.items()}]
    raise TypeError(f"terraform_outputs: cannot type a {type(value).__name__}")


def _hashable(type_expression: object) -> str:
    return repr(type_expression)


def terraform_outputs(outputs: dict, sensitive: list[str] | None = None) -> dict:
    """Shape {name: value} as `terraform output -json` does."""
    if not isinstance(outputs, dict):
        raise TypeError(f"terraform_outputs expects a dict, got {type(outputs).__name__}")
    sensitive_names = set(sensitive or [])
    return {
        name: {"sensitive": name in sensitive_names, "type": terraform_type(value), "value": value}
        for name, value in sorted(outputs.items())
    }


def plain_outputs(outputs: object) -> dict:
    """``{name: value}`` from an outputs file: ``terraform output -json``'s shape or plain."""
    if not outputs:
        return {}
    if not isinstance(outputs, dict):
        raise TypeError(f"stack_outputs: an earlier run's outputs must be a dict, got {type(outputs).__name__}")
    return {
        name: value["value"] if isinstance(value, dict) and set(value) == {"sensitive", "type", "value"} else value
        for name, value in outputs.items()
    }


def stack_outputs(stages: dict, stack: dict, previous: object = None) -> dict:
    """The stack's outputs after this run: ``{name: value}`` for every name of STACK_OUTPUTS.

    ``stages``: each stage's output fact, None (or absent) for a stage that did not run in this
    play (``--tags``). An output of a stage that ran is this run's value; one of a stage that did
    not is ``previous``'s (the outputs file an earlier run wrote, in either shape), else its empty
    value. ``stack``: ``stack_name``, ``environment`` and ``region``, which every run gives.
    """
    if not isinstance(stages, dict):
        raise TypeError(f"stack_outputs expects a dict of stage outputs, got {type(stages).__name__}")
    unknown = sorted(set(stages) - {stage for stage, _key, _empty in STACK_OUTPUTS.values()})
    if unknown:
        raise ValueError(f"stack_outputs: no output comes from {', '.join(unknown)}")
    missing = [name for name in STACK_IDENTITY if name not in stack]
    if missing:
        raise ValueError(f"stack_outputs: the stack's {', '.join(missing)} missing")
    earlier = plain_outputs(previous)
    merged: dict = {name: stack[name] for name in STACK_IDENTITY}
    for name, (stage, key, empty) in STACK_OUTPUTS.items():
        facts = stages.get(stage)
        if facts is not None:
            merged[name] = facts.get(key, empty)
        else:
            merged[name] = earlier.get(name, empty)
    return merged


class FilterModule:
    def filters(self):
        return {"terraform_outputs": terraform_outputs, "stack_outputs": stack_outputs}
