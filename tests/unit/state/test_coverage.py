"""Every option a role's resource tasks pass is compared by its part of muejam.infra.stack_state.

A role skips its resource tasks when its part is in sync: an option left out of the comparison
would be a change the skip hides. Each part's ``MANAGED`` table maps, for each task of the role
that changes AWS (by name), every option the task passes to the compared attribute that covers
it (``"<resource>.<attribute>"``, ``[*]`` for one per zone; a tuple of them for an option that
sets several resources, as one call for every route table does) or to ``None`` for an option that
is not state. This test reads the role's task files as Ansible would and checks both directions:
no task or option outside the table, no table entry without its task, and every attribute named
is one that ``wanted`` produces.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ansible_collections.muejam.infra.plugins.module_utils import names
from ansible_collections.muejam.infra.plugins.module_utils.state import (
    instance_bootstrap,
    load_balancer,
    networking,
    scaling_group,
)

ROOT = Path(__file__).resolve().parents[3]
PARTS = {
    "networking": networking,
    "load_balancer": load_balancer,
    "instance_bootstrap": instance_bootstrap,
    "scaling_group": scaling_group,
}
KEYWORDS = {
    "name", "when", "register", "loop", "loop_control", "vars", "tags", "block", "rescue", "always", "no_log",
    "changed_when", "failed_when", "until", "retries", "delay", "notify", "environment", "check_mode", "diff",
    "run_once", "delegate_to", "args", "become", "any_errors_fatal", "ignore_errors", "timeout", "throttle",
    "async", "poll",
}  # fmt: skip
READ_ONLY = re.compile(r"^(ansible\.builtin\.|muejam\.infra\.(role_inputs|stack_state|stack_network_info)$)|_info$")


def tasks_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    flat = []
    for entry in entries or []:
        for section in ("block", "rescue", "always"):
            if section in entry:
                flat.extend(tasks_of(entry[section]))
        if "block" not in entry:
            flat.append(entry)
    return flat


def changing_tasks(role: str) -> dict[str, tuple[str, set[str]]]:
    """name -> (module, options) of every task of the role's present direction that may change AWS."""
    found: dict[str, tuple[str, set[str]]] = {}
    for path in sorted((ROOT / "roles" / role / "tasks").glob("*.yml")):
        if path.name == "main.yml" or path.stem == "absent" or path.stem.endswith("_absent"):
            continue  # the dispatcher and the absent direction (absent.yml, <thing>_absent.yml)
        for task in tasks_of(yaml.safe_load(path.read_text())):
            module = next(key for key in task if key not in KEYWORDS)
            if READ_ONLY.search(module):
                continue
            found[task["name"]] = (module, set(task[module] or {}))
    return found


@pytest.mark.parametrize("role", list(PARTS))
def test_every_changing_task_is_in_the_table(role: str) -> None:
    table = PARTS[role].MANAGED
    tasks = changing_tasks(role)
    assert sorted(tasks) == sorted(table), "tasks of the role that change AWS vs the part's MANAGED table"


@pytest.mark.parametrize("role", list(PARTS))
def test_every_option_of_every_task_is_compared_or_declared_not_state(role: str) -> None:
    table = PARTS[role].MANAGED
    missing = {
        name: sorted(options - set(table.get(name, {})))
        for name, (_unused, options) in changing_tasks(role).items()
        if options - set(table.get(name, {}))
    }
    extra = {
        name: sorted(set(table[name]) - options)
        for name, (_unused, options) in changing_tasks(role).items()
        if name in table and set(table[name]) - options
    }
    assert missing == {}, "options the role passes that its part does not compare"
    assert extra == {}, "options in the table that the task does not pass"


def covered_by(covered: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """The attributes a table entry names: one, several (an option that sets several resources), or none."""
    if covered is None:
        return ()
    return (covered,) if isinstance(covered, str) else tuple(covered)


@pytest.mark.parametrize("role", list(PARTS))
def test_every_entry_names_an_attribute_a_tuple_of_them_or_none(role: str) -> None:
    bad = {
        f"{name}: {option}": covered
        for name, options in PARTS[role].MANAGED.items()
        for option, covered in options.items()
        if not (
            covered is None
            or (isinstance(covered, str) and covered)
            or (isinstance(covered, tuple) and covered and all(isinstance(item, str) and item for item in covered))
        )
    }
    assert bad == {}, "entries that are neither an attribute, a non-empty tuple of attributes, nor None"


def example_inputs(role: str) -> dict[str, Any]:
    """The role's defaults (its typed argument spec) with its required inputs filled in, as the demo has them."""
    spec = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]
    prefix = f"{role}_"
    inputs = {key[len(prefix) :]: option.get("default") for key, option in spec["options"].items()}
    inputs.update(PARTS[role].EXAMPLE_INPUTS)
    return inputs


@pytest.mark.parametrize("role", list(PARTS))
def test_every_attribute_in_the_table_is_one_that_wanted_produces(role: str) -> None:
    part = PARTS[role]
    produced = set()
    # The defaults, then each variant a part names (inputs under which it wants other resources).
    for variant in ({}, *getattr(part, "EXAMPLE_VARIANTS", ())):
        inputs = {**example_inputs(role), **variant}
        wanted = part.wanted(inputs, names.role_names(role, inputs), {"resources": {}, "ids": {}})
        produced |= {
            f"{re.sub(r'\[[^]]*\]', '[*]', resource)}.{attribute}"
            for resource, attributes in wanted.items()
            for attribute in (attributes or {})
        }
    named = {
        attribute
        for options in part.MANAGED.values()
        for covered in options.values()
        for attribute in covered_by(covered)
    }
    assert sorted(named - produced) == [], "attributes the table names that wanted() does not compare"
