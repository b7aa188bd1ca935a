# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A security group's rules in one form, and the plain-Python logic of the security_group module.

The one form: a flat rule per source, ``{"protocol", "from_port", "to_port", "source",
"description"}``, sorted and once each (:func:`sorted_rules`). AWS groups a group's permissions
and orders them as it likes; :func:`found_rules` flattens what ``DescribeSecurityGroups`` returns
and :func:`wanted_rules` what a task gives (the options of ``amazon.aws.ec2_security_group``'s
``rules``: ``proto``, ``ports``, ``cidr_ip``, ``cidr_ipv6``, ``group_id``, ``prefix_list_id``,
``rule_desc``), so the stack's comparisons (state/load_balancer.py, state/scaling_group.py,
state/networking.py) and the module compare the same thing.

amazon.aws's ``ec2_security_group`` sleeps a fixed 3 s after it creates a group (to re-read the
egress rule AWS adds) and compares rules its own way. Here a new group's rules are known without
re-reading: AWS gives a new VPC security group exactly one rule, all traffic out to 0.0.0.0/0
(https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html), which the plan
revokes when it is not wanted. :func:`plan` turns wanted and found into ordered steps (what the
module returns as ``changes``): rules to add are authorized before those to remove are revoked,
so a changed source never leaves a moment with neither; a rule whose description alone differs is
updated in place (``UpdateSecurityGroupRuleDescriptions*``), never revoked. :func:`apply` makes
the calls through ``call(method, **request)``, which the module gives (amazon.aws's retries of
throttling and 5xx errors, and of ``InvalidGroup.NotFound`` while AWS does not show a new group
yet: plugins/module_utils/retries.py). Like the stack's parts, nothing here imports Ansible.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import state

# What AWS answers for the protocols a task may name (it stores 6 as tcp, and so on).
PROTOCOLS = {"tcp": "tcp", "6": "tcp", "udp": "udp", "17": "udp", "icmp": "icmp", "1": "icmp", "all": "-1", "-1": "-1"}
# The rule AWS gives every new VPC security group.
DEFAULT_EGRESS = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
# Where a rule's source goes in a permission, and the source's key there.
SOURCE_KEYS = (
    ("IpRanges", "CidrIp"),
    ("Ipv6Ranges", "CidrIpv6"),
    ("PrefixListIds", "PrefixListId"),
    ("UserIdGroupPairs", "GroupId"),
)
DIRECTIONS = ("ingress", "egress")
# What AWS answers while it does not show a group created a moment ago (the module retries it).
NOT_YET_VISIBLE = ["InvalidGroup.NotFound"]


class SecurityGroupError(Exception):
    """A problem the module reports as its failure message."""


def cidr(value: str) -> str:
    """A CIDR block as AWS stores it (host bits cleared); anything else as it is."""
    try:
        return str(ipaddress.ip_network(value, strict=False))
    except ValueError:
        return value


def rule(protocol: Any, from_port: Any, to_port: Any, source: str, description: str = "") -> dict[str, Any]:
    """One rule in the one form."""
    return {
        "protocol": str(protocol),
        "from_port": from_port,
        "to_port": to_port,
        "source": source,
        "description": description or "",
    }


def _key(item: Mapping[str, Any], description: bool = True) -> tuple[Any, ...]:
    ports = tuple(-1 if item[name] is None else item[name] for name in ("from_port", "to_port"))
    return (item["protocol"], *ports, item["source"], *((item["description"],) if description else ()))


def sorted_rules(rules: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rules once each, by protocol, ports, source and description (AWS orders them freely)."""
    unique = {_key(item): dict(item) for item in rules}
    return [unique[key] for key in sorted(unique)]


def found_rules(permissions: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """IpPermissions (or IpPermissionsEgress) as AWS returns them, in the one form."""
    rules = []
    for permission in permissions or []:
        protocol = permission.get("IpProtocol", "")
        from_port, to_port = permission.get("FromPort"), permission.get("ToPort")
        for list_key, source_key in SOURCE_KEYS:
            for item in permission.get(list_key) or []:
                rules.append(rule(protocol, from_port, to_port, item.get(source_key, ""), item.get("Description", "")))
    return sorted_rules(rules)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(item) for item in (value if isinstance(value, list) else [value])]


def _port_ranges(protocol: str, ports: list[Any]) -> list[tuple[int | None, int | None]]:
    if protocol == "-1":
        return [(None, None)]
    if not ports:
        if protocol == "icmp":
            return [(-1, -1)]
        raise SecurityGroupError(f"A {protocol} rule needs ports (a port or a range 'from-to').")
    ranges = []
    for port in ports:
        text = str(port).strip()
        low, high = text.split("-", 1) if "-" in text[1:] else (text, "")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise SecurityGroupError(f"The port {port!r} is neither a port nor a range 'from-to'.") from None
        if first > last:
            raise SecurityGroupError(f"The port range {port!r} runs backwards.")
        ranges.append((first, last))
    return ranges


def wanted_rules(options: Iterable[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """The module's rules (or rules_egress) option in the one form."""
    rules = []
    for option in options or []:
        proto = str(option.get("proto", "tcp")).lower()
        if proto not in PROTOCOLS:
            raise SecurityGroupError(f"The protocol {option.get('proto')!r} is not one of {', '.join(PROTOCOLS)}.")
        protocol = PROTOCOLS[proto]
        sources = (
            [cidr(item) for item in _as_list(option.get("cidr_ip"))]
            + [cidr(item) for item in _as_list(option.get("cidr_ipv6"))]
            + _as_list(option.get("prefix_list_id"))
            + _as_list(option.get("group_id"))
        )
        if not sources:
            raise SecurityGroupError(
                f"A rule ({proto} {option.get('ports')}) needs a source:"
                " cidr_ip, cidr_ipv6, prefix_list_id or group_id."
            )
        for from_port, to_port in _port_ranges(protocol, _as_list(option.get("ports"))):
            description = option.get("rule_desc") or ""
            rules.extend(rule(protocol, from_port, to_port, source, description) for source in sources)
    return sorted_rules(rules)


def _source_entry(source: str, description: str) -> tuple[str, dict[str, str]]:
    if source.startswith("sg-"):
        list_key, source_key = "UserIdGroupPairs", "GroupId"
    elif source.startswith("pl-"):
        list_key, source_key = "PrefixListIds", "PrefixListId"
    elif ":" in source:
        list_key, source_key = "Ipv6Ranges", "CidrIpv6"
    else:
        list_key, source_key = "IpRanges", "CidrIp"
    entry = {source_key: source}
    if description:
        entry["Description"] = description
    return list_key, entry


def permission(item: Mapping[str, Any]) -> dict[str, Any]:
    """One rule as the IpPermissions entry that authorizes, revokes or describes it."""
    result: dict[str, Any] = {"IpProtocol": item["protocol"]}
    if item["from_port"] is not None:
        result["FromPort"], result["ToPort"] = item["from_port"], item["to_port"]
    list_key, entry = _source_entry(item["source"], item["description"])
    result[list_key] = [entry]
    return result


def plan(
    name: str,
    wanted: Mapping[str, Any],
    found: Mapping[str, Any] | None,
    purge: Mapping[str, bool],
    purge_tags: bool = True,
) -> list[dict[str, Any]]:
    """The steps from what was found (None: no group) to the wanted group.

    ``wanted`` has ``description``, ``ingress`` and ``egress`` (rules in the one form) and ``tags``;
    ``found`` the same read from AWS (:func:`view`). ``purge`` says by direction whether rules not
    wanted are revoked. A found group whose description differs is refused: AWS cannot change it.
    """
    steps: list[dict[str, Any]] = []
    if found is None:
        steps.append({"action": "create", "group": name, "description": wanted["description"], "tags": wanted["tags"]})
        found = {"ingress": [], "egress": found_rules([DEFAULT_EGRESS]), "tags": dict(wanted["tags"])}
    elif found["description"] != wanted["description"]:
        raise SecurityGroupError(
            f"The security group {name} ({found.get('id')}) has the description {found['description']!r}, not"
            f" {wanted['description']!r}: AWS cannot change a security group's description. Delete the group"
            " (tear the stack down) to have it made again with the new one."
        )
    for direction in DIRECTIONS:
        have = {_key(item, description=False): item for item in found[direction]}
        want = {_key(item, description=False): item for item in wanted[direction]}
        added = [want[key] for key in sorted(want) if key not in have]
        described = [want[key] for key in sorted(want) if key in have and have[key] != want[key]]
        removed = [have[key] for key in sorted(have) if key not in want] if purge[direction] else []
        steps += [{"action": "authorize", "direction": direction, "rule": item} for item in added]
        steps += [{"action": "describe", "direction": direction, "rule": item} for item in described]
        steps += [{"action": "revoke", "direction": direction, "rule": item} for item in removed]
    to_set, to_unset = state.tag_changes(found["tags"], wanted["tags"], purge_tags)
    if to_set:
        steps.append({"action": "set_tags", "tags": to_set})
    if to_unset:
        steps.append({"action": "remove_tags", "keys": to_unset})
    return steps


def view(group: Mapping[str, Any]) -> dict[str, Any]:
    """A group from DescribeSecurityGroups in the form plan() compares and the module returns."""
    return {
        "id": group["GroupId"],
        "name": group.get("GroupName", ""),
        "description": group.get("Description", ""),
        "vpc_id": group.get("VpcId", ""),
        "ingress": found_rules(group.get("IpPermissions")),
        "egress": found_rules(group.get("IpPermissionsEgress")),
        "tags": state.tags_of(group.get("Tags")),
    }


def predicted(name: str, vpc_id: str, found: Mapping[str, Any] | None, steps: list[dict[str, Any]]) -> dict[str, Any]:
    """The group as the steps would leave it (check mode, or nothing to change)."""
    group = {
        "id": None,
        "name": name,
        "description": "",
        "vpc_id": vpc_id,
        "ingress": [],
        "egress": found_rules([DEFAULT_EGRESS]),
        "tags": {},
        **(dict(found) if found else {}),
    }
    for step in steps:
        action = step["action"]
        if action == "create":
            group.update(description=step["description"], tags=dict(step["tags"]))
        elif action in ("authorize", "describe"):
            kept = [item for item in group[step["direction"]] if _key(item, False) != _key(step["rule"], False)]
            group[step["direction"]] = sorted_rules([*kept, step["rule"]])
        elif action == "revoke":
            group[step["direction"]] = [item for item in group[step["direction"]] if item != step["rule"]]
        elif action == "set_tags":
            group["tags"] = {**group["tags"], **step["tags"]}
        elif action == "remove_tags":
            group["tags"] = {key: value for key, value in group["tags"].items() if key not in step["keys"]}
    return group


def find(call: Callable[..., Any], client: Any, name: str, vpc_id: str) -> dict[str, Any] | None:
    """The VPC's group of that name (names are unique in a VPC), or None."""
    filters = state.filters({"vpc-id": vpc_id, "group-name": name})
    groups = call(client.describe_security_groups, Filters=filters)["SecurityGroups"]
    return groups[0] if groups else None


def apply(
    call: Callable[..., Any], client: Any, name: str, vpc_id: str, group_id: str | None, steps: list[dict[str, Any]]
) -> str:
    """Make the steps' calls in order; return the group's id."""
    methods = {
        ("authorize", "ingress"): client.authorize_security_group_ingress,
        ("authorize", "egress"): client.authorize_security_group_egress,
        ("revoke", "ingress"): client.revoke_security_group_ingress,
        ("revoke", "egress"): client.revoke_security_group_egress,
        ("describe", "ingress"): client.update_security_group_rule_descriptions_ingress,
        ("describe", "egress"): client.update_security_group_rule_descriptions_egress,
    }
    for step in steps:
        action = step["action"]
        if action == "create":
            request = {"GroupName": name, "Description": step["description"], "VpcId": vpc_id}
            if step["tags"]:
                tags = [{"Key": key, "Value": value} for key, value in step["tags"].items()]
                request["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": tags}]
            group_id = call(client.create_security_group, **request)["GroupId"]
        elif action == "set_tags":
            tags = [{"Key": key, "Value": value} for key, value in step["tags"].items()]
            call(client.create_tags, Resources=[group_id], Tags=tags)
        elif action == "remove_tags":
            call(client.delete_tags, Resources=[group_id], Tags=[{"Key": key} for key in step["keys"]])
        else:
            call(methods[(action, step["direction"])], GroupId=group_id, IpPermissions=[permission(step["rule"])])
    if group_id is None:
        raise SecurityGroupError(f"No security group {name} in {vpc_id} to change.")
    return group_id


def ensure_present(
    call: Callable[..., Any],
    client: Any,
    name: str,
    vpc_id: str,
    description: str,
    rules: Iterable[Mapping[str, Any]] | None,
    rules_egress: Iterable[Mapping[str, Any]] | None,
    tags: Mapping[str, Any] | None,
    purge: Mapping[str, bool],
    purge_tags: bool = True,
    check_mode: bool = False,
) -> dict[str, Any]:
    """Read, plan and (outside check mode) apply; return changed, changes and security_group."""
    wanted = {
        "description": description,
        "ingress": wanted_rules(rules),
        "egress": wanted_rules(rules_egress),
        "tags": state.string_tags(tags or {}),
    }
    group = find(call, client, name, vpc_id)
    found = view(group) if group else None
    steps = plan(name, wanted, found, purge, purge_tags)
    if check_mode or not steps:
        result = predicted(name, vpc_id, found, steps)
    else:
        group_id = apply(call, client, name, vpc_id, found["id"] if found else None, steps)
        groups = call(client.describe_security_groups, GroupIds=[group_id])["SecurityGroups"]
        result = view(groups[0])
    return {"changed": bool(steps), "changes": steps, "security_group": result, "group_id": result["id"]}
