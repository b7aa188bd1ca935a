# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The scaling_group role's comparisons: what an existing Auto Scaling group and its scaling
policies would change in check mode, the capacity a re-run keeps, and the policies' ARNs.

The found policies are the results of muejam.infra.autoscaling_policy_info, already normalized by
plugins/module_utils/autoscaling_policies.py (every key present, ordered by name), so they are
compared as they are. Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.muejam.infra.plugins.module_utils.rules.scaling import (
    refresh_gate_timeout as _refresh_gate_timeout,
)

# One home for both, shared with muejam.infra.stack_state's comparison of the group.
from ansible_collections.muejam.infra.plugins.module_utils.state.scaling_group import (
    GROUP_METRICS,
    scaling_group_capacity,
)

# The settings of a scaling policy that autoscaling_policy sets, in the order reported: a simple policy's,
# then a target tracking policy's (None in the other type, found and wanted alike).
POLICY_SETTINGS = (
    "policy_type",
    "adjustment_type",
    "scaling_adjustment",
    "cooldown",
    "target_tracking",
    "estimated_instance_warmup",
)


def _render(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {_render(item)}" for key, item in value.items()) + "}"
    return "(none)" if value is None or value == "" else str(value)


def _same(found: Any, wanted: Any) -> bool:
    """Numbers as numbers (300 and "300"), mappings key by key whatever their order."""
    if isinstance(found, Mapping) and isinstance(wanted, Mapping):
        return found.keys() == wanted.keys() and all(_same(found[key], wanted[key]) for key in wanted)
    return str(found) == str(wanted)


def _propagated(value: Any) -> bool:
    # autoscaling_group_info returns a boolean; its documented sample is the string "true".
    return boolean(value, strict=False)


def _found_group_settings(group: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of a group from amazon.aws.autoscaling_group_info, in comparable form."""
    template = group.get("launch_template") or {}
    subnets = [subnet for subnet in str(group.get("vpc_zone_identifier") or "").split(",") if subnet]
    return {
        "launch_template": f"{template.get('launch_template_name', '')}:{template.get('version', '')}",
        "subnets": sorted(subnets),
        "target_groups": sorted(group.get("target_group_arns") or []),
        "health_check_type": group.get("health_check_type"),
        "health_check_period": group.get("health_check_grace_period"),
        "min_size": group.get("min_size"),
        "max_size": group.get("max_size"),
        "desired_capacity": group.get("desired_capacity"),
        "default_cooldown": group.get("default_cooldown"),
        "metrics": sorted(
            metric["metric"] for metric in group.get("enabled_metrics") or [] if metric.get("metric") in GROUP_METRICS
        ),
        "tags": sorted(
            f"{tag['key']}={tag['value']}{'' if _propagated(tag.get('propagate_at_launch')) else ' (not propagated)'}"
            for tag in group.get("tags") or []
        ),
    }


def _module_tags(tags: Iterable[Mapping[str, Any]]) -> list[str]:
    """amazon.aws.autoscaling_group's tags option (key: value pairs plus propagate_at_launch) as strings."""
    rendered = []
    for entry in tags:
        propagated = _propagated(entry.get("propagate_at_launch", True))
        for key, value in entry.items():
            if key != "propagate_at_launch":
                rendered.append(f"{key}={value}{'' if propagated else ' (not propagated)'}")
    return sorted(rendered)


def _wanted_group_settings(wanted: Mapping[str, Any]) -> dict[str, Any]:
    """The amazon.aws.autoscaling_group options the role passes, in the form of _found_group_settings."""
    template = wanted["launch_template"]
    return {
        "launch_template": f"{template['launch_template_name']}:{template['version']}",
        "subnets": sorted(wanted["vpc_zone_identifier"]),
        "target_groups": sorted(wanted["target_group_arns"]),
        "health_check_type": wanted["health_check_type"],
        "health_check_period": wanted["health_check_period"],
        "min_size": wanted["min_size"],
        "max_size": wanted["max_size"],
        "desired_capacity": wanted["desired_capacity"],
        "default_cooldown": wanted["default_cooldown"],
        "metrics": sorted(GROUP_METRICS) if boolean(wanted["metrics_collection"], strict=False) else [],
        "tags": _module_tags(wanted["tags"]),
    }


def scaling_group_changes(found_group: Mapping[str, Any], wanted: Mapping[str, Any]) -> list[str]:
    """What amazon.aws.autoscaling_group would change on ``found_group``: ``'attribute: found -> wanted'``.

    ``wanted`` holds the module's options (launch_template, vpc_zone_identifier, target_group_arns,
    health_check_type, health_check_period, min_size, max_size, desired_capacity, default_cooldown,
    metrics_collection, tags). Numbers compare as numbers, lists whatever their order.
    """
    if not isinstance(found_group, Mapping) or not isinstance(wanted, Mapping):
        raise AnsibleFilterError("scaling_group_changes: the found group and the wanted options must be mappings")
    try:
        want = _wanted_group_settings(wanted)
    except KeyError as error:
        raise AnsibleFilterError(f"scaling_group_changes: the wanted options lack {error}") from error
    have = _found_group_settings(found_group)
    return [
        f"{attribute}: {_render(have[attribute])} -> {_render(value)}"
        for attribute, value in want.items()
        if str(have[attribute]) != str(value)
    ]


def scaling_policy_changes(
    found_policies: Iterable[Mapping[str, Any]],
    wanted_policies: Iterable[Mapping[str, Any]],
    removed: Iterable[str] = (),
) -> list[str]:
    """What community.aws.autoscaling_policy would create, change or remove: ``'policy: found -> wanted'``.

    A missing policy is reported once (``'<name>: absent -> present'``), a changed one per setting
    (``'<name> cooldown: 300 -> 120'``), one of ``removed`` found once (``'<name>: present -> absent'``);
    other policies found but not wanted are left alone, as the module does.
    """
    found = {policy["policy_name"]: policy for policy in found_policies}
    changes = [f"{name}: present -> absent" for name in removed if name in found]
    for policy in wanted_policies:
        name = policy["policy_name"]
        if name not in found:
            changes.append(f"{name}: absent -> present")
            continue
        changes.extend(
            f"{name} {setting}: {_render(found[name].get(setting))} -> {_render(policy.get(setting))}"
            for setting in POLICY_SETTINGS
            if not _same(found[name].get(setting), policy.get(setting))
        )
    return changes


def policy_arns(*policy_lists: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Policy name -> ARN from autoscaling_policy results and/or autoscaling_policy_info's policies.

    Entries without an ARN (skipped loop items) are left out; a later list wins over an earlier one.
    """
    arns: dict[str, str] = {}
    for policies in policy_lists:
        for policy in policies or []:
            if policy.get("policy_arn") and policy.get("policy_name"):
                arns[policy["policy_name"]] = policy["policy_arn"]
    return arns


def refresh_gate_timeout(checkpoint_delay: Any, readiness_timeout: Any) -> int:
    """The readiness checks' timeout at a checkpoint of a rollout (rules/scaling.py has the rule)."""
    try:
        return _refresh_gate_timeout(checkpoint_delay, readiness_timeout)
    except (TypeError, ValueError) as error:
        raise AnsibleFilterError(
            f"refresh_gate_timeout: readiness_timeout {readiness_timeout!r} and the checkpoint delay "
            f"{checkpoint_delay!r} must be whole numbers of seconds"
        ) from error


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {
            "scaling_group_changes": scaling_group_changes,
            "scaling_policy_changes": scaling_policy_changes,
            "policy_arns": policy_arns,
            "scaling_group_capacity": scaling_group_capacity,
            "refresh_gate_timeout": refresh_gate_timeout,
        }
