# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The vocabulary of the input rules: problems, the values under check, and typing.

Types are Ansible's: each role's ``meta/argument_specs.yml`` is run through
``ArgumentSpecValidator``, the code that checks and converts any module's options, so a value
from ``-e key=90`` or an AWX survey is converted (or refused) exactly as it would be for a
module option, and the roles' own argument validation gives the same verdict.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROLES = ("networking", "load_balancer", "instance_bootstrap", "scaling_group")
STACK_VARIABLES = (
    "stack_project",
    "stack_environment",
    "stack_production",
    "aws_region",
    "stack_app_port",
    "stack_outputs_dir",
    "stack_expected_environment",
    "stack_drift_path",
)
# The stack's own variables, typed like role options (the inventory sets them; site.yml derives from them).
STACK_SPEC: dict[str, dict[str, Any]] = {
    "stack_project": {"type": "str"},
    "stack_environment": {"type": "str"},
    "stack_production": {"type": "bool"},
    "aws_region": {"type": "str"},
    "stack_app_port": {"type": "int"},
    # Where the outputs file goes (playbooks/vars/stack.yml stack_outputs_path); optional.
    "stack_outputs_dir": {"type": "path"},
    # The environment a job was launched for (an AWX survey's answer); optional, must be stack_environment.
    "stack_expected_environment": {"type": "str"},
    # Where playbooks/drift.yml writes its report; optional (default: beside the outputs file).
    "stack_drift_path": {"type": "path"},
}
# AWS ids that more than one role takes as an input (a role run alone is given them).
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
VPC_ID = re.compile(r"^vpc-[0-9a-f]{8}([0-9a-f]{9})?$")
SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8}([0-9a-f]{9})?$")
# The argument spec keys ArgumentSpecValidator reads; the rest (description, default) is documentation.
_SPEC_KEYS = ("type", "elements", "choices", "no_log")


class _Unset:
    """A variable that is not set anywhere (no default, no inventory value)."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


@dataclass(frozen=True)
class Problem:
    """One bad input: the variable, the value it has, and what is allowed."""

    variable: str
    value: Any
    allowed: str

    def __str__(self) -> str:
        return f"{self.variable} is {describe(self.value)}: {self.allowed}"

    def as_dict(self) -> dict[str, Any]:
        value = None if self.value is UNSET else self.value
        return {"variable": self.variable, "value": value, "allowed": self.allowed, "message": str(self)}


def describe(value: Any) -> str:
    """A value as the messages show it: 'text', 42, true, ["a", "b"], {"k": "v"}, not set."""
    if value is UNSET:
        return "not set"
    if isinstance(value, str):
        text = value if len(value) <= 120 else value[:117] + "..."
        return f"'{text}'"
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return repr(value)


def report(problems: list[Problem], scope: str = "The stack's inputs") -> str:
    """The one failure message: every problem, one line each."""
    count = len(problems)
    header = (
        f"{scope} have {count} problem{'s' if count != 1 else ''}; nothing was changed in AWS. "
        "Fix them (see docs/preflight.md) and run again:"
    )
    return "\n".join([header, *(f"- {problem}" for problem in problems)])


def role_of(name: str) -> str | None:
    """The role a variable belongs to by its prefix (``networking_vpc_cidr`` -> networking)."""
    return next((role for role in ROLES if name.startswith(f"{role}_")), None)


# --- Typing, as Ansible types module options ------------------------------------------------------

_TYPE_WORDS = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean (true or false)",
    "list": "a list",
    "dict": "a mapping",
    "raw": "any value",
}
_PLURAL_WORDS = {"str": "strings", "int": "integers", "float": "numbers", "bool": "booleans", "dict": "mappings"}


def type_words(kind: str, elements: str | None = None) -> str:
    """What a spec type allows, in words: 'an integer', 'a list of strings'."""
    what = _TYPE_WORDS.get(kind, kind)
    if kind == "list" and elements:
        what += f" of {_PLURAL_WORDS.get(elements, elements)}"
    return what


def coerce(value: Any, kind: str, elements: str | None = None) -> tuple[bool, Any]:
    """Convert one value to a spec type with ArgumentSpecValidator; (False, None) when it cannot."""
    option: dict[str, Any] = {"type": kind}
    if elements:
        option["elements"] = elements
    result = ArgumentSpecValidator({"value": option}).validate({"value": value})
    if result.error_messages:
        return False, None
    return True, result.validated_parameters["value"]


def check_option(name: str, value: Any, option: Mapping[str, Any], owner: str) -> tuple[Any, Problem | None]:
    """One option's value checked and converted against its spec: (typed value, problem or None)."""
    if value is UNSET or value is None:
        if option.get("required"):
            return value, Problem(name, UNSET, f"the {owner} role requires it")
        return value, None
    kind = option.get("type", "str")
    spec = {key: option[key] for key in _SPEC_KEYS if key in option}
    spec.setdefault("type", kind)
    result = ArgumentSpecValidator({name: spec}).validate({name: value})
    if not result.error_messages:
        return result.validated_parameters[name], None
    ok, _typed = coerce(value, kind, option.get("elements"))
    if ok and option.get("choices"):
        allowed = ", ".join(str(choice) for choice in option["choices"])
        return value, Problem(name, value, f"must be one of: {allowed}")
    return value, Problem(name, value, f"must be {type_words(kind, option.get('elements'))}")


def check_types(
    values: Mapping[str, Any], specs: Mapping[str, Mapping[str, Any]]
) -> tuple[dict[str, Any], list[Problem]]:
    """Check each option of each role in ``specs`` (role -> options) and of the stack; convert them.

    Returns the values with every valid option converted to its type, and the problems.
    """
    converted = dict(values)
    problems: list[Problem] = []
    owners: list[tuple[str, Mapping[str, Any]]] = [("stack", STACK_SPEC)]
    owners += [(role, specs[role]) for role in ROLES if role in specs]
    for owner, options in owners:
        for name, option in (options or {}).items():
            if owner == "stack" and name not in values:
                continue
            typed, problem = check_option(name, values.get(name, UNSET), option, owner)
            if problem:
                problems.append(problem)
            elif typed is not UNSET:
                converted[name] = typed
    return converted, problems


class Inputs:
    """The values under check (already typed), with accessors that skip a variable found bad."""

    def __init__(self, values: Mapping[str, Any], bad: Iterable[str] = ()) -> None:
        self.values = values
        self.bad = set(bad)
        self.problems: list[Problem] = []

    def add(self, variable: str, allowed: str, value: Any = UNSET) -> None:
        shown = self.values.get(variable, UNSET) if value is UNSET else value
        self.problems.append(Problem(variable, shown, allowed))
        self.bad.add(variable)

    def has(self, name: str) -> bool:
        """Set (not UNSET, not None) and not found bad."""
        return name not in self.bad and self.values.get(name, UNSET) not in (UNSET, None)

    def get(self, name: str, kind: str, elements: str | None = None) -> Any:
        """The value converted to ``kind``; None when unset, None or already found bad."""
        if not self.has(name):
            return None
        ok, typed = coerce(self.values[name], kind, elements)
        if not ok:
            self.add(name, f"must be {type_words(kind, elements)}")
            return None
        return typed

    def in_range(self, name: str, low: int | None, high: int | None, why: str = "") -> int | None:
        value = self.get(name, "int")
        if value is None:
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            if high is None:
                allowed = f"must be {low} or more"
            elif low is None:
                allowed = f"must be {high} or less"
            else:
                allowed = f"must be from {low} to {high}"
            self.add(name, allowed + (f" ({why})" if why else ""))
            return None
        return value


def ipv4_network(cidr: Any) -> ipaddress.IPv4Network | None:
    """A strict IPv4 network (no host bits set), or None."""
    if not isinstance(cidr, str) or "/" not in cidr:
        return None
    try:
        network = ipaddress.ip_network(cidr.strip(), strict=True)
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None
