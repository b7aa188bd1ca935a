# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The live stack read once and compared with the wanted one: what each role would change.

One *part* per role (``networking``, ``load_balancer``, ``instance_bootstrap``,
``scaling_group``), each a module of this package with the same four names:

- ``MANAGED``: for every task of the role that changes AWS (by its name), each option the task
  passes and the compared attribute (``"<resource>.<attribute>"``) that covers it, a tuple of them
  for an option that sets several (one call for several resources), or ``None`` for an option that
  is not state (``state``, ``wait``, ...). A test reads the role's task files and
  fails when a task passes an option that is not in this table, so a task skipped because its
  part is in sync never hides a change.
- ``read(client, inputs, names, retry)``: what exists, with as few describe calls as possible
  (batched: one DescribeSubnets for every subnet, ...). ``client(service)`` returns a boto3
  client; ``retry`` adds ``aws_retry=True`` to every call, as amazon.aws's retry-wrapped clients
  take it. Returns ``{"resources": {key: attributes or None}, "ids": {...}}`` where the attributes
  are normalised to the form ``wanted`` uses.
- ``wanted(inputs, names, found)``: ``{key: attributes}`` the role makes from its inputs, or
  ``None`` for a resource that must not exist (a NAT gateway the NAT mode no longer wants).
- ``outputs(inputs, names, found)``: the role's published outputs, from what exists.

:func:`compare` turns the two into :class:`Difference` rows (resource, attribute, wanted,
found): the plan of a run, the report of check mode and of drift. Pure functions, no Ansible
import: they take boto3-like clients and plain dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MISSING = "(missing)"
"""What a difference reports as found for a resource that does not exist."""

EXISTS = "exists"
"""The attribute of a difference about a resource's existence."""


@dataclass(frozen=True)
class Difference:
    """One attribute of one resource that is not as wanted."""

    resource: str
    attribute: str
    wanted: Any
    found: Any

    def as_dict(self) -> dict[str, Any]:
        return {"resource": self.resource, "attribute": self.attribute, "wanted": self.wanted, "found": self.found}

    def __str__(self) -> str:
        return f"{self.resource} {self.attribute}: wanted {self.wanted!r}, found {self.found!r}"


def _same(wanted: Any, found: Any) -> bool:
    """Equality of normalised values; lists compare as given (parts sort what AWS does not order)."""
    return wanted == found


def compare(
    wanted: Mapping[str, Mapping[str, Any] | None], found: Mapping[str, Mapping[str, Any] | None]
) -> list[Difference]:
    """Every difference between the wanted resources and those found, in the order of ``wanted``.

    A resource wanted and not found is one difference (``exists``: wanted true, found false); a
    resource wanted ``None`` (must not exist) and found is one difference (``exists``: wanted
    false, found true). A found resource is compared attribute by attribute, on the attributes
    ``wanted`` names: an attribute missing from what was found counts as :data:`MISSING`.
    """
    differences: list[Difference] = []
    for key, attributes in wanted.items():
        existing = found.get(key)
        if attributes is None:
            if existing is not None:
                differences.append(Difference(key, EXISTS, False, True))
            continue
        if existing is None:
            differences.append(Difference(key, EXISTS, True, False))
            continue
        for attribute, value in attributes.items():
            current = existing.get(attribute, MISSING)
            if not _same(value, current):
                differences.append(Difference(key, attribute, value, current))
    return differences


def diff(differences: list[Difference]) -> list[dict[str, Any]]:
    """The differences as Ansible's ``diff`` (``--diff``): one entry per resource, ``before`` what
    was found and ``after`` what is wanted, of the attributes that differ only."""
    entries: dict[str, dict[str, Any]] = {}
    for difference in differences:
        entry = entries.setdefault(
            difference.resource,
            {"before_header": difference.resource, "after_header": difference.resource, "before": {}, "after": {}},
        )
        entry["before"][difference.attribute] = difference.found
        entry["after"][difference.attribute] = difference.wanted
    return list(entries.values())


def tags_of(items: list[Mapping[str, Any]] | None) -> dict[str, str]:
    """AWS's ``[{"Key": k, "Value": v}]`` as ``{k: v}`` (any key case: ``Key``/``key``)."""
    tags: dict[str, str] = {}
    for item in items or []:
        key = item.get("Key", item.get("key"))
        if key is not None:
            tags[str(key)] = str(item.get("Value", item.get("value", "")))
    return tags


def string_tags(tags: Mapping[str, Any]) -> dict[str, str]:
    """Tags as AWS stores them: every value a string."""
    return {str(key): str(value) for key, value in tags.items()}


def tag_changes(
    found: Mapping[str, str], wanted: Mapping[str, str], purge: bool = True
) -> tuple[dict[str, str], list[str]]:
    """The tags to set and the keys to remove to make ``found`` the ``wanted`` ones; never the tags AWS
    sets itself (``aws:...``), which cannot be removed (as amazon.aws's compare_aws_tags leaves them)."""
    to_set = {key: value for key, value in wanted.items() if found.get(key) != value}
    to_unset = sorted(key for key in found if key not in wanted and not key.startswith("aws:")) if purge else []
    return to_set, to_unset


def filters(mapping: Mapping[str, Any]) -> list[dict[str, Any]]:
    """EC2-style ``Filters`` from ``{name: value or [values]}``."""
    result = []
    for key, value in mapping.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        result.append({"Name": key, "Values": [str(item) for item in values]})
    return result


def caller(retry: bool) -> Callable[..., Any]:
    """``call(method, **kwargs)``: calls ``method`` with ``aws_retry=True`` added when ``retry``."""

    def call(method: Callable[..., Any], **kwargs: Any) -> Any:
        if retry:
            kwargs["aws_retry"] = True
        return method(**kwargs)

    return call


def not_found(error: Exception, *codes: str) -> bool:
    """Whether a botocore ClientError (or a like exception) carries one of ``codes``."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in codes


def plan(
    part: Any, client: Callable[[str], Any], inputs: Mapping[str, Any], names: Mapping[str, Any], retry: bool = False
) -> dict[str, Any]:
    """Read one part of the stack, compare it with the wanted one and say what a run would change.

    Returns ``in_sync``, ``differences`` (as dicts), ``diff`` (the same, as Ansible's ``--diff``
    shows it), ``outputs``, ``ids`` (what was found) and ``network`` (the VPC and subnets a part
    that needs the network found, by :func:`network_info.find_network`; empty for the others).
    """
    found = part.read(client, inputs, names, retry)
    differences = compare(part.wanted(inputs, names, found), found["resources"])
    return {
        "in_sync": not differences,
        "differences": [difference.as_dict() for difference in differences],
        "diff": diff(differences),
        "outputs": part.outputs(inputs, names, found),
        "ids": found.get("ids", {}),
        "network": found.get("network") or {},
    }


class StateError(Exception):
    """What was found cannot be compared (for example two VPCs with the stack's name): the message says why."""
