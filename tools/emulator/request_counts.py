"""How many AWS calls a run made: ``python -m tools.emulator requests``.

The emulator logs every AWS call it serves, and every one its fault injection answered, to
``<state-dir>/requests.log`` (tools/emulator/patches/request_log.py). This counts them: in all,
the mutating ones (anything but Describe*/List*/Get*/Head*, as CloudTrail's ``readOnly``) and
the faulted ones, and per service and action. A benchmark takes counts between two points of a
run by *marks*: ``requests mark NAME`` records how many lines the log has now, and
``requests --since-mark NAME`` counts only the calls logged after it (``--since N``: after the
first N lines)::

    python -m tools.emulator requests [--state-dir DIR] [--since N | --since-mark NAME] [--key KEY] [--json]
    python -m tools.emulator requests [--state-dir DIR] mark NAME     # prints the line count it recorded
    python -m tools.emulator requests [--state-dir DIR] marks         # the marks recorded so far

Marks are kept in ``<state-dir>/request-marks.json`` (written atomically); ``start`` of a new server
removes them with the old request log. ``--key`` counts only the calls signed with one access key
id (the emulator accepts any, so a run can sign with its own). ``--json`` prints::

    {"log": PATH, "since": N, "lines": M, "total": T, "mutating": U, "faulted": F,
     "faults": {"throttle": 2, ...},
     "services": {"ec2": {"total": .., "mutating": .., "faulted": ..,
                          "actions": {"CreateVpc": {"calls": 3, "mutating": true, "faulted": 1}}}}}
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tools.emulator import files
from tools.emulator.patches import request_log

MARKS_FILE = "request-marks.json"


def summary(requests: Iterable[request_log.Request]) -> dict[str, Any]:
    """Totals (all, mutating, faulted), the faults by kind, and the counts per service and action."""
    services: dict[str, dict[str, Any]] = {}
    faults: Counter[str] = Counter()
    total = mutating = faulted = 0
    for request in requests:
        total += 1
        mutating += request.mutating
        faulted += request.faulted
        if request.faulted:
            faults[request.fault] += 1
        service = services.setdefault(request.service, {"total": 0, "mutating": 0, "faulted": 0, "actions": {}})
        service["total"] += 1
        service["mutating"] += request.mutating
        service["faulted"] += request.faulted
        action = service["actions"].setdefault(request.action, {"calls": 0, "mutating": request.mutating, "faulted": 0})
        action["calls"] += 1
        action["faulted"] += request.faulted
    for service in services.values():
        service["actions"] = dict(sorted(service["actions"].items()))
    return {
        "total": total,
        "mutating": mutating,
        "faulted": faulted,
        "faults": dict(sorted(faults.items())),
        "services": dict(sorted(services.items())),
    }


def count(state_dir: Path | str, since: int = 0, key: str | None = None) -> dict[str, Any]:
    """The :func:`summary` of the calls logged after the first ``since`` lines (signed by ``key``)."""
    lines = request_log.line_count(state_dir)
    requests = request_log.read(state_dir, since=since)
    if key is not None:
        requests = [request for request in requests if request.access_key_id == key]
    return {"log": str(request_log.log_path(state_dir)), "since": since, "lines": lines, **summary(requests)}


# --- marks ------------------------------------------------------------------------------------


def marks_path(state_dir: Path | str) -> Path:
    return Path(state_dir) / MARKS_FILE


def marks(state_dir: Path | str) -> dict[str, dict[str, Any]]:
    """The marks recorded so far: ``{name: {"line": N, "time": epoch s}}``."""
    try:
        return json.loads(marks_path(state_dir).read_text())
    except FileNotFoundError:
        return {}


def mark(state_dir: Path | str, name: str) -> int:
    """Record the log's current line count under ``name`` (replacing a mark so named); return it."""
    if not name:
        raise ValueError("a mark needs a name")
    line = request_log.line_count(state_dir)
    recorded = {**marks(state_dir), name: {"line": line, "time": time.time()}}
    files.write_json(marks_path(state_dir), recorded)
    return line


def since_mark(state_dir: Path | str, name: str) -> int:
    """The line count recorded under ``name``."""
    recorded = marks(state_dir)
    if name not in recorded:
        known = ", ".join(sorted(recorded)) or "none"
        raise ValueError(f"no mark {name!r} in {marks_path(state_dir)} (marks: {known})")
    return int(recorded[name]["line"])


def clear_marks(state_dir: Path | str) -> None:
    marks_path(state_dir).unlink(missing_ok=True)


# --- python -m tools.emulator requests ... ----------------------------------------------------


def render(counts: dict[str, Any]) -> str:
    """The counts as a table for people."""
    faults = ", ".join(f"{kind} {number}" for kind, number in counts["faults"].items())
    lines = [
        f"{counts['total']} requests ({counts['mutating']} mutating, {counts['faulted']} faulted"
        f"{': ' + faults if faults else ''}) in {counts['log']} after line {counts['since']} of {counts['lines']}"
    ]
    rows = [("SERVICE", "ACTION", "CALLS", "MUTATING", "FAULTED")]
    for service_name, service in counts["services"].items():
        rows.append((service_name, "*", str(service["total"]), str(service["mutating"]), str(service["faulted"])))
        for action_name, action in service["actions"].items():
            mutating = str(action["calls"]) if action["mutating"] else "0"
            rows.append((service_name, action_name, str(action["calls"]), mutating, str(action["faulted"])))
    if len(rows) > 1:
        widths = [max(len(row[column]) for row in rows) for column in range(5)]
        for row in rows:
            left = f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}"
            lines.append(left + "".join(f"  {cell:>{width}}" for cell, width in zip(row[2:], widths[2:], strict=True)))
    return "\n".join(lines)


def cli(argv: list[str], default_state_dir: Path) -> None:
    """The ``requests`` sub-command of ``python -m tools.emulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.emulator requests",
        description="Count the AWS calls in the emulator's requests.log, in all and by service and action.",
    )
    late = files.state_dir_option(parser, default_state_dir)
    since = parser.add_mutually_exclusive_group()
    since.add_argument("--since", type=int, default=0, metavar="N", help="count the calls after the first N lines")
    since.add_argument("--since-mark", "--mark", dest="since_mark", metavar="NAME", help="count the calls after a mark")
    parser.add_argument("--key", metavar="ACCESS_KEY_ID", help="count only the calls signed with this access key id")
    parser.add_argument("--json", action="store_true", help="print JSON")
    actions = parser.add_subparsers(dest="action")
    marker = actions.add_parser("mark", parents=[late], help="record the log's current line count under a name")
    marker.add_argument("name")
    actions.add_parser("marks", parents=[late], help="print the marks recorded so far")

    args = parser.parse_args(argv)
    state_dir = args.state_dir.resolve()
    try:
        if args.action == "mark":
            print(mark(state_dir, args.name))
            return
        if args.action == "marks":
            print(json.dumps(marks(state_dir), indent=2, sort_keys=True))
            return
        if args.since < 0:
            parser.error("--since: must be >= 0")
        start = since_mark(state_dir, args.since_mark) if args.since_mark else args.since
        counts = count(state_dir, since=start, key=args.key)
    except ValueError as problem:
        raise SystemExit(f"emulator requests: {problem}") from None
    try:
        print(json.dumps(counts, indent=2) if args.json else render(counts), flush=True)
    except BrokenPipeError:  # `requests | head`: the reader has what it wanted; no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
