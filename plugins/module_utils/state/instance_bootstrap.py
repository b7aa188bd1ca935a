# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The instance_bootstrap part of the stack (role muejam.infra.instance_bootstrap): its log groups.

The role's only AWS resources are the two log groups ``/<project>/<environment>/app`` and
``.../system`` (when ``manage_log_groups``), keyed ``log_group[app]`` and ``log_group[system]``
(the role's loop items): each exists, with the role's retention and exactly the role's tags (the
stack's plus ``Name``). The user data and the agent configuration are rendered on the controller
and are no AWS resource: the scaling_group part compares the user data its launch template holds.

Reading costs one DescribeLogGroups (by the groups' common prefix, paginated) and one
ListTagsLogGroup per group found (what ``amazon.aws.cloudwatchlogs_log_group`` compares): three
calls on a converged stack, none without ``manage_log_groups``.
"""

from __future__ import annotations

import os.path
from collections.abc import Callable, Mapping
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import state

LOG_GROUPS = ("app", "system")
"""The role's log groups, by the key its loop gives them (``instance_bootstrap__log_group_names``)."""

MANAGED: dict[str, dict[str, str | None]] = {
    "Create the log groups": {
        "log_group_name": "log_group[*].name",
        "retention": "log_group[*].retention",
        "tags": "log_group[*].tags",
        "purge_tags": "log_group[*].tags",
        "state": None,  # the direction: present.yml only ever creates (absent.yml deletes, ungated)
    },
}

EXAMPLE_INPUTS: dict[str, Any] = {
    "name": "muejam-local",
    "environment": "local",
    "tags": {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"},
}


def _key(kind: str) -> str:
    return f"log_group[{kind}]"


def _group_names(names: Mapping[str, Any]) -> dict[str, str]:
    """Log group name -> the role's key for it (``log_group[app]``, ...)."""
    return {str(names[f"{kind}_log_group"]): _key(kind) for kind in LOG_GROUPS}


def _retention(group: Mapping[str, Any]) -> int | None:
    """Days the group keeps events; ``None`` for never expire (AWS then leaves ``retentionInDays`` out)."""
    days = group.get("retentionInDays")
    if days is None:
        return None
    if isinstance(days, bool) or not isinstance(days, int):
        raise state.StateError(
            f"The log group {group.get('logGroupName')} has the retention {days!r}, not a number of days"
        )
    return days


def read(
    client: Callable[[str], Any], inputs: Mapping[str, Any], names: Mapping[str, Any], retry: bool
) -> dict[str, Any]:
    """The role's log groups as they exist: ``{"resources": {log_group[kind]: {name, retention, tags} | None}}``."""
    if not inputs.get("manage_log_groups"):
        return {"resources": {}, "ids": {}}
    call = state.caller(retry)
    logs = client("logs")
    wanted_names = _group_names(names)
    prefix = os.path.commonpath(sorted(wanted_names)).rstrip("/") + "/"  # their "directory": /<project>/<env>/
    found: dict[str, Any] = dict.fromkeys(wanted_names.values())
    ids: dict[str, str] = {}
    groups = []
    request: dict[str, Any] = {"logGroupNamePrefix": prefix}
    while True:
        page = call(logs.describe_log_groups, **request)
        groups.extend(group for group in page.get("logGroups", []) if group.get("logGroupName") in wanted_names)
        if not page.get("nextToken"):
            break
        request["nextToken"] = page["nextToken"]
    for group in groups:
        name = group["logGroupName"]
        try:
            tags = call(logs.list_tags_log_group, logGroupName=name).get("tags") or {}
        except Exception as error:
            if state.not_found(error, "ResourceNotFoundException"):
                continue  # deleted since it was listed: it does not exist
            raise
        found[wanted_names[name]] = {"name": name, "retention": _retention(group), "tags": state.string_tags(tags)}
        ids[wanted_names[name]] = name
    return {"resources": found, "ids": ids}


def wanted(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    """The log groups the inputs ask for: none unless ``manage_log_groups`` (then the role leaves them alone)."""
    del found  # what is wanted does not depend on what exists
    if not inputs.get("manage_log_groups"):
        return {}
    return {
        _key(kind): {
            "name": str(names[f"{kind}_log_group"]),
            "retention": inputs["log_retention_days"],
            "tags": state.string_tags({**(inputs.get("tags") or {}), "Name": names[f"{kind}_log_group_tag"]}),
        }
        for kind in LOG_GROUPS
    }


def outputs(inputs: Mapping[str, Any], names: Mapping[str, Any], found: Mapping[str, Any]) -> dict[str, Any]:
    """The log group names of ``instance_bootstrap_outputs`` (the role renders the user data and agent config)."""
    del inputs, found  # names, not ids: the same in check mode and before the groups exist
    return {"log_group_names": {kind: str(names[f"{kind}_log_group"]) for kind in LOG_GROUPS}}
