"""ec2_vpc_security_group against the real emulator, run as users run it: ansible-playbook with
module_defaults pointing at the emulator. The tests of the class run in order on one VPC."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import security_groups

NAME = "sg-test-alb"
TAGS = {"Name": NAME, "Project": "muejam", "Environment": "test"}


@pytest.fixture(scope="module")
def vpc_id(emulator: dict[str, Any]) -> str:
    return emulator["client"]("ec2").create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]


def args_for(vpc_id: str, **changes: Any) -> dict[str, Any]:
    args = {
        "name": NAME,
        "description": "test ALB: HTTP and HTTPS in",
        "vpc_id": vpc_id,
        "rules": [{"proto": "tcp", "ports": [80, 443], "cidr_ip": ["0.0.0.0/0"], "rule_desc": "from the clients"}],
        "rules_egress": [{"proto": "tcp", "ports": ["8000"], "cidr_ip": "10.40.1.2/16", "rule_desc": "to the app"}],
        "tags": TAGS,
    }
    return {**args, **changes}


def run_module(emulator: dict[str, Any], args: dict[str, Any], check: bool = False) -> dict[str, Any]:
    return emulator["run_module"]("muejam.infra.ec2_vpc_security_group", args, check)


def groups_named(emulator: dict[str, Any], vpc_id: str) -> list[dict[str, Any]]:
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [NAME]}]
    return emulator["client"]("ec2").describe_security_groups(Filters=filters)["SecurityGroups"]


class TestSecurityGroup:
    def test_check_mode_reports_the_group_to_create_and_creates_nothing(
        self, emulator: dict[str, Any], vpc_id: str
    ) -> None:
        result = run_module(emulator, args_for(vpc_id), check=True)
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        assert result["group_id"] is None
        assert result["changes"][0]["action"] == "create"
        assert groups_named(emulator, vpc_id) == []

    def test_creates_the_group_exactly_with_no_second_look(self, emulator: dict[str, Any], vpc_id: str) -> None:
        emulator["mark"]("create")
        result = run_module(emulator, args_for(vpc_id))
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is True
        # One look before, the creation with its tags, the rules, one read for the result: no re-read
        # of the new group to learn its default rule, no wait.
        assert emulator["actions_since"]("create") == [
            "DescribeSecurityGroups",
            "CreateSecurityGroup",
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupIngress",
            "AuthorizeSecurityGroupEgress",
            "RevokeSecurityGroupEgress",
            "DescribeSecurityGroups",
        ]
        (group,) = groups_named(emulator, vpc_id)
        assert result["group_id"] == group["GroupId"]
        # What AWS has is what was asked, in the form the stack's comparison reads: the egress rule
        # AWS gives a new group (all traffic out) revoked, the CIDR block as AWS stores it.
        assert security_groups.found_rules(group["IpPermissions"]) == [
            security_groups.rule("tcp", port, port, "0.0.0.0/0", "from the clients") for port in (80, 443)
        ]
        assert security_groups.found_rules(group["IpPermissionsEgress"]) == [
            security_groups.rule("tcp", 8000, 8000, "10.40.0.0/16", "to the app")
        ]
        assert {tag["Key"]: tag["Value"] for tag in group["Tags"]} == TAGS
        assert result["security_group"]["egress"] == security_groups.found_rules(group["IpPermissionsEgress"])

    def test_a_second_run_changes_nothing_in_one_call(self, emulator: dict[str, Any], vpc_id: str) -> None:
        emulator["mark"]("again")
        result = run_module(emulator, args_for(vpc_id))
        assert not result.get("failed"), result.get("msg")
        assert result["changed"] is False
        assert result["changes"] == []
        assert emulator["actions_since"]("again") == ["DescribeSecurityGroups"]

    def test_a_new_source_is_authorized_before_the_old_one_is_revoked(
        self, emulator: dict[str, Any], vpc_id: str
    ) -> None:
        changed = args_for(
            vpc_id, rules=[{"ports": [80, 443], "cidr_ip": ["192.0.2.0/24"], "rule_desc": "from the clients"}]
        )
        result = run_module(emulator, changed)
        assert not result.get("failed"), result.get("msg")
        steps = [(step["action"], step["direction"], step["rule"]["source"]) for step in result["changes"]]
        assert steps == [
            ("authorize", "ingress", "192.0.2.0/24"),
            ("authorize", "ingress", "192.0.2.0/24"),
            ("revoke", "ingress", "0.0.0.0/0"),
            ("revoke", "ingress", "0.0.0.0/0"),
        ]
        (group,) = groups_named(emulator, vpc_id)
        assert {rule["source"] for rule in security_groups.found_rules(group["IpPermissions"])} == {"192.0.2.0/24"}
        assert run_module(emulator, changed)["changed"] is False

    def test_a_changed_description_of_a_rule_is_updated_in_place(self, emulator: dict[str, Any], vpc_id: str) -> None:
        changed = args_for(
            vpc_id,
            rules=[{"ports": [80, 443], "cidr_ip": ["192.0.2.0/24"], "rule_desc": "from the clients"}],
            rules_egress=[{"ports": [8000], "cidr_ip": ["10.40.0.0/16"], "rule_desc": "to the app port"}],
        )
        emulator["mark"]("describe")
        result = run_module(emulator, changed)
        assert not result.get("failed"), result.get("msg")
        assert [step["action"] for step in result["changes"]] == ["describe"]
        assert "RevokeSecurityGroupEgress" not in emulator["actions_since"]("describe")
        (group,) = groups_named(emulator, vpc_id)
        assert [rule["description"] for rule in security_groups.found_rules(group["IpPermissionsEgress"])] == [
            "to the app port"
        ]

    def test_tags_are_made_exact(self, emulator: dict[str, Any], vpc_id: str) -> None:
        base = args_for(
            vpc_id,
            rules=[{"ports": [80, 443], "cidr_ip": ["192.0.2.0/24"], "rule_desc": "from the clients"}],
            rules_egress=[{"ports": [8000], "cidr_ip": ["10.40.0.0/16"], "rule_desc": "to the app port"}],
        )
        tags = {"Name": NAME, "Project": "muejam", "Owner": "web"}
        result = run_module(emulator, {**base, "tags": tags})
        assert not result.get("failed"), result.get("msg")
        assert [step["action"] for step in result["changes"]] == ["set_tags", "remove_tags"]
        (group,) = groups_named(emulator, vpc_id)
        assert {tag["Key"]: tag["Value"] for tag in group["Tags"]} == tags

    def test_a_changed_group_description_is_refused_before_any_change(
        self, emulator: dict[str, Any], vpc_id: str
    ) -> None:
        emulator["mark"]("refused")
        result = run_module(emulator, args_for(vpc_id, description="another description", rules=[]))
        assert result.get("failed") is True
        assert NAME in result["msg"] and "another description" in result["msg"] and "cannot change" in result["msg"]
        assert emulator["actions_since"]("refused") == ["DescribeSecurityGroups"]
