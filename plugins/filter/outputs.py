"""Filters that shape the stack's outputs."""

from __future__ import annotations

DOCUMENTATION = r"""
name: terraform_outputs
short_description: Shape a dict of values like C(terraform output -json)
version_added: 0.1.0
description:
  - "Turns a dict of C(name: value) into C(name: {value, type, sensitive}), the format
    C(terraform output -json) prints, so that scripts written for the Terraform original
    (C(jq -r .alb_dns_name.value)) keep working."
  - "Types follow Terraform's type expressions, for example C(string), C(number), C(bool),
    C([list, string]) and C([map, string])."
positional: _input, sensitive
options:
  _input:
    description: The outputs, a dict of name to value.
    type: dict
    required: true
  sensitive:
    description: Names of outputs to mark sensitive.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Write the outputs as terraform would
  ansible.builtin.copy:
    content: "{{ {'vpc_id': 'vpc-1'} | muejam.infra.terraform_outputs | to_nice_json }}"
    dest: outputs.json
    mode: "0644"
"""

RETURN = r"""
_value:
  description: "The outputs, each as C({value, type, sensitive})."
  type: dict
  sample: {"vpc_id": {"value": "vpc-0abc", "type": "string", "sensitive": false}}
"""


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


class FilterModule:
    def filters(self):
        return {"terraform_outputs": terraform_outputs}
