# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the instance_bootstrap role's inputs: the app's systemd unit, its environment, the agent."""

from __future__ import annotations

import re

from ansible_collections.muejam.infra.plugins.module_utils.rules import stack
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import Inputs

ROLE = "instance_bootstrap"
# Part of the log group names /<project>/<environment>/app and of the metrics namespace.
_NAME_PART = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_UNIX_USER = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
# A unit name systemctl takes (not an option: no leading '-'); with ".service" at most 255.
_UNIT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:_.-]{0,246}$")
# Absolute paths of letters, digits, '.', '_' and '-', without a trailing slash (they go into
# the unit file and a shell script unquoted).
_PATH = re.compile(r"^(/[A-Za-z0-9._-]+)+$")
_CONTROL = re.compile(r"[\n\r\x00]")
_NAMESPACE = re.compile(r"^[A-Za-z0-9._/#-][A-Za-z0-9 ._/#:-]{0,254}$")


def project(inputs: Inputs) -> str:
    """instance_bootstrap_project, or the Project tag when it is empty (as the role derives it)."""
    explicit = inputs.get("instance_bootstrap_project", "str")
    tags = inputs.get("instance_bootstrap_tags", "dict") or {}
    return explicit or str(tags.get("Project", "") or "")


def check(inputs: Inputs) -> None:
    stack.check_identity(inputs, ROLE)
    _check_names(inputs)
    _check_service(inputs)
    _check_environment(inputs)
    _check_agent(inputs)


def _check_names(inputs: Inputs) -> None:
    explicit = inputs.get("instance_bootstrap_project", "str")
    if explicit and not _NAME_PART.match(explicit):
        inputs.add(
            "instance_bootstrap_project",
            "must be empty (the Project tag) or 1-100 letters, digits, . _ - (it is part of the log group names)",
        )
    elif not explicit and "instance_bootstrap_tags" not in inputs.bad and inputs.has("instance_bootstrap_tags"):
        derived = project(inputs)
        if derived and not _NAME_PART.match(derived):
            inputs.add(
                "instance_bootstrap_tags",
                f"its Project '{derived}' names the log groups (instance_bootstrap_project is empty): it must be "
                "1-100 letters, digits, . _ -; set instance_bootstrap_project otherwise",
            )
    environment = inputs.get("instance_bootstrap_environment", "str")
    if environment is not None and not _NAME_PART.match(environment):
        inputs.add(
            "instance_bootstrap_environment",
            "must be 1-100 letters, digits, . _ - (it is part of the log group names)",
        )


def _check_service(inputs: Inputs) -> None:
    unit = inputs.get("instance_bootstrap_app_service_name", "str")
    if unit is not None and not _UNIT_NAME.match(unit):
        inputs.add(
            "instance_bootstrap_app_service_name",
            "must be a systemd unit name: letters, digits and : _ . -, beginning with a letter or digit, "
            "at most 247 characters",
        )
    user = inputs.get("instance_bootstrap_app_user", "str")
    if user is not None and not _UNIX_USER.match(user):
        inputs.add(
            "instance_bootstrap_app_user", "must be a Linux user name: lower-case letters, digits, _ or -, at most 32"
        )
    stack.check_port(inputs, "instance_bootstrap_app_port", low=1 if user in (None, "root") else 1024)
    command = inputs.get("instance_bootstrap_app_command", "str")
    if command is not None and (not re.match(r"^/[^ \t]", command) or _CONTROL.search(command)):
        inputs.add(
            "instance_bootstrap_app_command", "must be one line beginning with an absolute path (systemd's ExecStart=)"
        )
    paths = {}
    for name in (
        "instance_bootstrap_app_working_directory",
        "instance_bootstrap_app_log_file",
        "instance_bootstrap_system_log_file",
    ):
        path = inputs.get(name, "str")
        if path is not None and not _PATH.match(path):
            inputs.add(name, "must be an absolute path of letters, digits, . _ -, without a trailing /")
        elif path is not None:
            paths[name] = path
    app_log = paths.get("instance_bootstrap_app_log_file")
    if app_log is not None and app_log == paths.get("instance_bootstrap_system_log_file"):
        inputs.add(
            "instance_bootstrap_app_log_file",
            "must differ from instance_bootstrap_system_log_file (each file goes to its own log group)",
        )


def _check_environment(inputs: Inputs) -> None:
    environment = inputs.get("instance_bootstrap_app_environment", "dict")
    if environment is None:
        return
    issues = []
    for key, value in environment.items():
        if not isinstance(key, str) or not _ENV_NAME.match(key):
            issues.append(f"'{key}' is not a shell-style name")
        elif key == "PORT":
            issues.append("PORT is set by the role from instance_bootstrap_app_port")
        if isinstance(value, bool) or not isinstance(value, str | int | float) or _CONTROL.search(str(value)):
            issues.append(f"the value of {key} must be a one-line string or number (quote booleans)")
    if issues:
        # The values may be secrets: the message shows the names only.
        masked = {str(key): "(not shown)" for key in environment}
        inputs.add("instance_bootstrap_app_environment", "; ".join(issues), value=masked)


def _check_agent(inputs: Inputs) -> None:
    inputs.in_range("instance_bootstrap_metrics_collection_interval", 1, 172800, "seconds")
    paths = inputs.get("instance_bootstrap_disk_paths", "list", "str")
    if paths is not None and (not paths or any(path != "/" and not _PATH.match(path) for path in paths)):
        inputs.add("instance_bootstrap_disk_paths", "must be a non-empty list of mount points such as / or /data")
    namespace = inputs.get("instance_bootstrap_metrics_namespace", "str")
    variable = "instance_bootstrap_metrics_namespace"
    if not namespace:
        environment = inputs.get("instance_bootstrap_environment", "str")
        if (
            not project(inputs)
            or environment is None
            or {"instance_bootstrap_environment", "instance_bootstrap_tags", "instance_bootstrap_project"} & inputs.bad
        ):
            return
        namespace = f"{project(inputs)}/{environment}"
    if not _NAMESPACE.match(namespace) or namespace.startswith("AWS/"):
        inputs.add(
            variable,
            f"the metrics namespace '{namespace}' must be 1-255 letters, digits, spaces or . _ / # : -, "
            "not beginning with AWS/ (empty means <project>/<environment>)",
        )
