# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report: muejam.infra.stack_state's differences of every part as rows and as a table.

``playbooks/drift.yml`` runs each role's compare-only entry point (``tasks_from: drift.yml``),
which publishes ``<role>_drift`` (the part's differences and the names of its resources), and
hands the four to :func:`report`. The comparison itself is stack_state's, never restated here:
this module only names, orders and prints what it found. Pure functions, no Ansible import.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

COLUMNS = ("resource", "attribute", "wanted", "found")
"""The table's columns, each a key of a row."""

_ABSENT = object()
_KEYED = re.compile(r"^(?P<kind>[a-z_]+)\[(?P<key>[^\]]+)\]$")


class DriftError(ValueError):
    """A part's report is not what a role's drift entry point publishes: the message says why."""


def resource_label(part: str, resource: str, names: Mapping[str, Any]) -> str:
    """The resource as the report names it: ``<part>/<key>``, with the AWS name from the part's
    names table when the key is one of its resources (``load_balancer/target_group (muejam-dev-tg)``).
    Keys that carry the name already (``alarm[muejam-dev-cpu-high]``) are left as they are."""
    name = names.get(resource)
    label = f"{part}/{resource}"
    if isinstance(name, str) and name and not _KEYED.match(resource):
        return f"{label} ({name})"
    return label


def rows(parts: Mapping[str, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One row per difference of every part, in the parts' order then stack_state's:
    ``{part, resource, attribute, wanted, found}``, ``resource`` as :func:`resource_label` names it."""
    result: list[dict[str, Any]] = []
    for part, report in parts.items():
        if not isinstance(report, Mapping) or not isinstance(report.get("differences"), Sequence):
            raise DriftError(
                f"The drift of {part} must be what its role's tasks_from drift.yml publishes "
                f"({part}_drift: differences and names), got {report!r}"
            )
        names = report.get("names") or {}
        for difference in report["differences"]:
            missing = [key for key in COLUMNS if key not in difference]
            if missing:
                raise DriftError(f"A difference of {part} lacks {', '.join(missing)}: {difference!r}")
            result.append(
                {
                    "part": part,
                    "resource": resource_label(part, str(difference["resource"]), names),
                    "attribute": str(difference["attribute"]),
                    "wanted": difference["wanted"],
                    "found": difference["found"],
                }
            )
    return result


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value if value else "''"
    return json.dumps(value, sort_keys=True, default=str)


def shown(wanted: Any, found: Any) -> tuple[str, str]:
    """The wanted and found cells of one row: what differs only, so that a rule added to a list of
    ten shows as that rule. Mappings show the keys whose values differ (a key one side lacks as
    ``(missing)``); lists show the items that are in one side only (``[]`` when only the order
    differs, then both in full). Other values are shown whole."""
    if isinstance(wanted, Mapping) and isinstance(found, Mapping):
        keys = [key for key in {**wanted, **found} if wanted.get(key, _ABSENT) != found.get(key, _ABSENT)]
        return (
            _text({key: wanted.get(key, "(missing)") for key in keys}),
            _text({key: found.get(key, "(missing)") for key in keys}),
        )
    if isinstance(wanted, list) and isinstance(found, list):
        only_wanted = [item for item in wanted if item not in found]
        only_found = [item for item in found if item not in wanted]
        if only_wanted or only_found:
            return _text(only_wanted), _text(only_found)
    return _text(wanted), _text(found)


def table(report_rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The rows as a fixed-width table, one string per line (a header, a rule, one line per row);
    ``[]`` for no rows."""
    if not report_rows:
        return []
    cells = [[str(row["resource"]), str(row["attribute"]), *shown(row["wanted"], row["found"])] for row in report_rows]
    header = [column.upper() for column in COLUMNS]
    widths = [max(len(line[index]) for line in [header, *cells]) for index in range(len(COLUMNS))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(value.ljust(width) for value, width in zip(values, widths, strict=True)).rstrip()

    return [line(header), line(["-" * width for width in widths]), *(line(values) for values in cells)]


def drifted_resources(report_rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each drifted resource once, in the rows' order, with its drifted attributes:
    ``load_balancer/target_group (muejam-dev-tg): health_check_path, tags``."""
    attributes: dict[str, list[str]] = {}
    for row in report_rows:
        attributes.setdefault(str(row["resource"]), []).append(str(row["attribute"]))
    return [f"{resource}: {', '.join(names)}" for resource, names in attributes.items()]


def report(parts: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The whole report: ``drifted`` (bool), ``rows`` (for the JSON file), ``table`` (lines to
    print) and ``resources`` (each drifted resource with its attributes, for the failure message)."""
    report_rows = rows(parts)
    return {
        "drifted": bool(report_rows),
        "rows": report_rows,
        "table": table(report_rows),
        "resources": drifted_resources(report_rows),
    }
