"""Tests of plugins/module_utils/names.py: the names table and the AWS rules of every derived name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import names

ROOT = Path(__file__).resolve().parents[4]
ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"]


class TestStackNames:
    def test_gives_the_names_the_seed_stack_uses(self) -> None:
        found = names.stack_names("muejam-production", zones=ZONES, account="123456789012")
        assert found["load_balancer"] == "muejam-production-alb"
        assert found["target_group"] == "muejam-production-tg"
        assert found["auto_scaling_group"] == "muejam-production-asg"
        assert found["launch_template"] == "muejam-production-lt"
        assert found["instance_role"] == "muejam-production-app"
        assert found["app_security_group"] == "muejam-production-app-sg"
        assert found["alb_security_group"] == "muejam-production-alb-sg"
        assert found["nat_gateway"]["us-east-1b"] == "muejam-production-nat-us-east-1b"
        assert found["access_logs_bucket"] == "muejam-production-alb-logs-123456789012"

    def test_leaves_out_names_that_need_an_account_when_none_is_given(self) -> None:
        assert "access_logs_bucket" not in names.stack_names("muejam-production")

    def test_gives_one_role_its_names_only(self) -> None:
        found = names.stack_names("muejam-local", zones=ZONES, role="scaling_group")
        assert set(found) == {resource.key for resource in names.NAMES if resource.role == "scaling_group"}

    def test_derives_log_group_names_from_project_and_environment(self) -> None:
        found = names.stack_names("x", project="muejam", environment="staging", role="instance_bootstrap")
        assert found["app_log_group"] == "/muejam/staging/app"
        assert found["system_log_group"] == "/muejam/staging/system"


class TestNameProblems:
    def test_finds_nothing_for_the_seed_names(self) -> None:
        for role in ("networking", "load_balancer", "instance_bootstrap", "scaling_group"):
            assert names.name_problems(role, "muejam-production", zones=ZONES, project="muejam", environment="p") == []

    def test_refuses_a_load_balancer_name_over_32_characters(self) -> None:
        [issue] = names.name_problems("load_balancer", "a" * 29, skip=("access_logs_bucket",))
        assert "'" + "a" * 29 + "-alb' would be 33 characters, AWS allows 32" in issue

    def test_refuses_an_iam_role_name_over_64_characters(self) -> None:
        issues = names.name_problems("scaling_group", "a" * 61)
        assert any("IAM role name" in issue and "allows 64" in issue for issue in issues)

    def test_refuses_upper_case_in_the_access_log_bucket(self) -> None:
        [issue] = names.name_problems("load_balancer", "Muejam-prod")
        assert "S3 bucket name 'Muejam-prod-alb-logs-123456789012' is not allowed" in issue

    def test_skips_a_name_given_explicitly(self) -> None:
        assert names.name_problems("load_balancer", "Muejam-prod", skip=("access_logs_bucket",)) == []

    def test_checks_zone_names_with_the_longest_zone(self) -> None:
        [issue] = names.name_problems("networking", "a" * 60, zones=["us-west-2a", "us-west-2-lax-1a"])
        assert "IAM role name" in issue  # the flow-logs role: <name>-flow-logs, 70 characters

    def test_says_how_long_the_stack_name_may_be(self) -> None:
        assert names.longest_name("load_balancer") == 32 - len("-alb")


class TestValidName:
    @pytest.mark.parametrize(
        ("key", "value", "valid"),
        [
            ("access_logs_bucket", "muejam-alb-logs-123456789012", True),
            ("access_logs_bucket", "Muejam-alb-logs", False),
            ("access_logs_bucket", "xn--muejam", False),
            ("access_logs_bucket", "ab", False),
            ("load_balancer", "muejam-alb", True),
            ("load_balancer", "-muejam", False),
            ("launch_template", "muejam-lt", True),
            ("app_security_group", "sg-muejam", False),
        ],
    )
    def test_follows_the_rules_of_the_service(self, key: str, value: str, valid: bool) -> None:
        assert names.valid_name(key, value) is valid


class TestEveryNameComesFromTheTable:
    """No role, playbook or module spells a name suffix of the table itself."""

    SUFFIXES = sorted(
        {resource.pattern.split("{name}")[1].split("{")[0] for resource in names.NAMES if "{name}" in resource.pattern},
        key=len,
        reverse=True,
    )

    @pytest.mark.parametrize("folder", ["roles", "playbooks", "plugins/modules", "molecule"])
    def test_no_file_builds_a_name_from_a_suffix(self, folder: str) -> None:
        offenders = []
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix not in (".yml", ".yaml", ".py", ".j2") or not path.is_file():
                continue
            text = path.read_text()
            for suffix in self.SUFFIXES:
                for quoted in (f"}}}}{suffix}", f"~ '{suffix}'", f'~ "{suffix}"', f'}}{suffix}"'):
                    if quoted in text:
                        offenders.append(f"{path.relative_to(ROOT)}: {quoted}")
        assert offenders == []
