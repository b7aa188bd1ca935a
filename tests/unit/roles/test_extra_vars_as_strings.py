"""The stack scenario passes every int and bool variable of every role as a string (as `-e` and
AWX surveys do): this keeps its file complete and equal to what the inventory and defaults say."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
ROLES = ("networking", "load_balancer", "instance_bootstrap", "scaling_group")


def test_every_int_and_bool_variable_is_passed_as_a_string_of_its_value() -> None:
    inventory = yaml.safe_load((ROOT / "inventories/local/group_vars/all/stack.yml").read_text())
    passed = json.loads((ROOT / "molecule/stack/extra-vars-as-strings.json").read_text())
    wanted = {}
    for role in ROLES:
        specs = yaml.safe_load((ROOT / "roles" / role / "meta/argument_specs.yml").read_text())
        for name, option in specs["argument_specs"]["main"]["options"].items():
            if option.get("type") in ("int", "bool") and "default" in option:
                value = inventory.get(name, option["default"])
                wanted[name] = ("true" if value else "false") if isinstance(value, bool) else str(value)
    assert passed == wanted
    assert all(isinstance(value, str) for value in passed.values())


def test_the_stack_scenario_passes_them_to_every_playbook() -> None:
    scenario = yaml.safe_load((ROOT / "molecule/stack/molecule.yml").read_text())
    assert scenario["provisioner"]["options"]["extra-vars"].endswith("/extra-vars-as-strings.json")
