# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run's settings: how the playbooks wait, poll and retry (readiness, rollout, AWS retries).

They are no role's options: the playbooks pass them to the readiness gate
(``muejam.infra.health_readiness``), the rollout (``muejam.infra.autoscaling_instance_refresh``)
and botocore (``playbooks/vars/stack.yml``'s ``stack_aws_environment``). Each one's type, default
and bounds are written here once: the preflight checks them with the other inputs (so
``-e readiness_timeout=ten`` is refused before any AWS call), and the playbooks read every one
through the ``muejam.infra.run_setting`` lookup, which applies the default and the same check
(``playbooks/readiness.yml`` runs no preflight). Types are Ansible's, as for role options.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.muejam.infra.plugins.module_utils.rules.core import UNSET, Problem, check_option

# name -> the option's spec (type, elements, choices, no_log, as ArgumentSpecValidator reads them),
# its default ("default"; None: the module's own) and, for numbers, its lowest value ("min").
RUN_SETTINGS: dict[str, dict[str, Any]] = {
    "readiness_url": {
        "type": "str",
        "default": "",
        "description": "The URL the readiness gate polls; empty: https://<the ALB's DNS name>/health.",
    },
    "readiness_components": {
        "type": "list",
        "elements": "str",
        "default": None,
        "description": "The components of the health response that must be ok; unset: every required one.",
    },
    "readiness_consecutive": {
        "type": "int",
        "default": 2,
        "min": 1,
        "description": "Consecutive passing polls before the stack counts as ready.",
    },
    "readiness_timeout": {
        "type": "int",
        "default": 900,
        "min": 1,
        "description": "Seconds the readiness gate waits before it fails, naming every target not healthy.",
    },
    "readiness_interval": {
        "type": "float",
        "default": 5,
        "min": 0.1,
        "description": "Seconds between readiness polls (backing off to 30 s while nothing changes).",
    },
    "readiness_validate_certs": {
        "type": "bool",
        "default": True,
        "description": "Whether the readiness gate validates the endpoint's TLS certificate.",
    },
    "readiness_ca_path": {
        "type": "path",
        "default": "",
        "description": "A CA bundle on the controller to check the endpoint's certificate with; empty: the system's.",
    },
    "readiness_headers": {
        "type": "dict",
        "default": {},
        "no_log": True,
        "description": "HTTP headers sent with each readiness poll (an Authorization header, say); never logged.",
    },
    "rollout_timeout": {
        "type": "int",
        "default": 3600,
        "min": 60,
        "description": "Seconds a rollout (or its rollback) may take before the run fails.",
    },
    "rollout_poll_interval": {
        "type": "float",
        "default": 15,
        "min": 0.1,
        "description": "Seconds between reads of an instance refresh's progress.",
    },
    "aws_retry_mode": {
        "type": "str",
        "default": "standard",
        "choices": ["legacy", "standard", "adaptive"],
        "description": "botocore's retry mode for every AWS call of the run (AWS_RETRY_MODE).",
    },
    "aws_max_attempts": {
        "type": "int",
        "default": 10,
        "min": 1,
        "description": "botocore's attempts per AWS call, the first included (AWS_MAX_ATTEMPTS).",
    },
}


def _unset(value: Any) -> bool:
    """Not set: absent, null, or an empty answer (an AWX survey's blank field) of a setting that is no string."""
    return value is UNSET or value is None


def typed(name: str, value: Any = UNSET) -> tuple[Any, Problem | None]:
    """One setting's value, converted and checked, or its default when unset: (value, problem or None).
    A problem shows the value as given (-e readiness_timeout=0 is '0'), a secret one's not at all."""
    spec = RUN_SETTINGS[name]
    if _unset(value) or (value == "" and spec["type"] not in ("str", "path")):
        return spec["default"], None
    converted, problem = check_option(name, value, spec, "stack")
    allowed = problem.allowed if problem else _not_allowed(name, converted)
    if allowed is None:
        return converted, None
    return value, Problem(name, "(not shown)" if spec.get("no_log") else value, allowed)


def _not_allowed(name: str, value: Any) -> str | None:
    """What is allowed, when a converted value is not (its bounds, the URL's scheme, the headers' values)."""
    low = RUN_SETTINGS[name].get("min")
    if low is not None and value < low:
        unit = "seconds" if "timeout" in name or "interval" in name else "polls" if "consecutive" in name else ""
        return f"must be {low} or more{(' (' + unit + ')') if unit else ''}"
    if name == "readiness_url" and value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "must be empty (https://<the ALB's DNS name>/health) or an http:// or https:// URL"
    if name == "readiness_headers":
        bad = sorted(str(key) for key, header in value.items() if isinstance(header, dict | list))
        if bad:
            return f"must map header names to strings ({', '.join(bad)} do not)"
    return None


def check(values: Mapping[str, Any]) -> list[Problem]:
    """Every problem of the settings set in ``values`` (the preflight's part)."""
    problems = [typed(name, values[name])[1] for name in RUN_SETTINGS if name in values]
    return [problem for problem in problems if problem]
