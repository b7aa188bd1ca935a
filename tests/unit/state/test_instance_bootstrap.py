"""The instance_bootstrap part of muejam.infra.stack_state: the two log groups, read and compared.

Pure tests of read/wanted with a fake CloudWatch Logs client, then drift found on the shared
converged stack: each compared attribute changed behind the stack's back, reported by name, and
put back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Converged

from ansible_collections.muejam.infra.plugins.module_utils import names, state
from ansible_collections.muejam.infra.plugins.module_utils.state import instance_bootstrap as part

INPUTS: dict[str, Any] = {
    **part.EXAMPLE_INPUTS,
    "project": "",
    "manage_log_groups": True,
    "log_retention_days": 30,
}
NAMES = names.role_names("instance_bootstrap", INPUTS)
APP = "/muejam/local/app"
SYSTEM = "/muejam/local/system"
TAGS = {"Project": "muejam", "Environment": "local", "ManagedBy": "muejam.infra"}


class FakeLogs:
    """The CloudWatch Logs calls the part makes, answered from ``groups`` (name -> describe row + tags)."""

    def __init__(self, groups: dict[str, dict[str, Any]], page_size: int = 50, vanished: tuple[str, ...] = ()):
        self.groups = groups
        self.page_size = page_size
        self.vanished = vanished  # listed, then deleted before their tags are read
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def describe_log_groups(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("DescribeLogGroups", kwargs))
        matching = sorted(name for name in self.groups if name.startswith(kwargs["logGroupNamePrefix"]))
        start = int(kwargs.get("nextToken", 0))
        page = matching[start : start + self.page_size]
        rows = [{"logGroupName": name, **self.groups[name].get("row", {})} for name in page]
        more = start + self.page_size < len(matching)
        return {"logGroups": rows, **({"nextToken": str(start + self.page_size)} if more else {})}

    def list_tags_log_group(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(("ListTagsLogGroup", kwargs))
        name = kwargs["logGroupName"]
        if name in self.vanished:
            error = {
                "Error": {"Code": "ResourceNotFoundException", "Message": "The specified log group does not exist."}
            }
            raise ClientError(error, "ListTagsLogGroup")
        return {"tags": self.groups[name].get("tags", {})}


def converged_groups(**changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Both log groups as the role makes them, with ``changes`` by kind (``app={"row": {...}}``)."""
    groups = {
        APP: {"row": {"retentionInDays": 30}, "tags": {**TAGS, "Name": "muejam-local-app-logs"}},
        SYSTEM: {"row": {"retentionInDays": 30}, "tags": {**TAGS, "Name": "muejam-local-system-logs"}},
    }
    for kind, change in changes.items():
        groups[{"app": APP, "system": SYSTEM}[kind]].update(change)
    return groups


def clients(logs: FakeLogs):
    def client(service: str) -> FakeLogs:
        assert service == "logs"
        return logs

    return client


class TestRead:
    def test_reads_both_groups_with_one_describe_and_one_tags_call_each(self):
        logs = FakeLogs(converged_groups())
        found = part.read(clients(logs), INPUTS, NAMES, retry=False)
        assert [call for call, _unused in logs.calls] == ["DescribeLogGroups", "ListTagsLogGroup", "ListTagsLogGroup"]
        assert logs.calls[0][1] == {"logGroupNamePrefix": "/muejam/local/"}
        assert found["resources"] == {
            "log_group[app]": {"name": APP, "retention": 30, "tags": {**TAGS, "Name": "muejam-local-app-logs"}},
            "log_group[system]": {
                "name": SYSTEM,
                "retention": 30,
                "tags": {**TAGS, "Name": "muejam-local-system-logs"},
            },
        }
        assert found["ids"] == {"log_group[app]": APP, "log_group[system]": SYSTEM}

    def test_passes_aws_retry_on_every_call_when_retrying(self):
        logs = FakeLogs(converged_groups())
        part.read(clients(logs), INPUTS, NAMES, retry=True)
        assert all(kwargs.get("aws_retry") is True for _unused, kwargs in logs.calls)

    def test_makes_no_call_when_the_role_does_not_manage_the_groups(self):
        def client(service: str) -> Any:
            raise AssertionError(f"no {service} client may be made")

        assert part.read(client, {**INPUTS, "manage_log_groups": False}, NAMES, retry=True) == {
            "resources": {},
            "ids": {},
        }

    def test_follows_every_page_and_ignores_the_other_groups_under_the_prefix(self):
        groups = converged_groups()
        groups.update({f"/muejam/local/a{index:02}": {} for index in range(5)})
        groups["/muejam/local/vpc-flow-logs"] = {"row": {"retentionInDays": 7}}
        logs = FakeLogs(groups, page_size=2)
        found = part.read(clients(logs), INPUTS, NAMES, retry=False)
        describes = [kwargs for call, kwargs in logs.calls if call == "DescribeLogGroups"]
        assert len(describes) == 4
        assert [kwargs.get("nextToken") for kwargs in describes] == [None, "2", "4", "6"]
        assert [kwargs["logGroupName"] for call, kwargs in logs.calls if call == "ListTagsLogGroup"] == [APP, SYSTEM]
        assert sorted(found["resources"]) == ["log_group[app]", "log_group[system]"]

    def test_a_missing_group_is_none_and_costs_no_tags_call(self):
        groups = converged_groups()
        del groups[SYSTEM]
        logs = FakeLogs(groups)
        found = part.read(clients(logs), INPUTS, NAMES, retry=False)
        assert found["resources"]["log_group[system]"] is None
        assert "log_group[system]" not in found["ids"]
        assert len(logs.calls) == 2

    def test_a_group_deleted_while_being_read_is_missing(self):
        logs = FakeLogs(converged_groups(), vanished=(APP,))
        assert part.read(clients(logs), INPUTS, NAMES, retry=False)["resources"]["log_group[app]"] is None

    def test_other_errors_of_the_tags_call_are_raised(self):
        class Denied(FakeLogs):
            def list_tags_log_group(self, **kwargs: Any) -> dict[str, Any]:
                raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListTagsLogGroup")

        with pytest.raises(ClientError, match="AccessDenied"):
            part.read(clients(Denied(converged_groups())), INPUTS, NAMES, retry=False)

    def test_a_group_that_never_expires_has_the_retention_none(self):
        logs = FakeLogs(converged_groups(app={"row": {}}))
        assert part.read(clients(logs), INPUTS, NAMES, retry=False)["resources"]["log_group[app]"]["retention"] is None

    def test_tag_values_are_read_as_strings(self):
        logs = FakeLogs(converged_groups(app={"tags": {"Name": "muejam-local-app-logs", "CostCentre": 42}}))
        tags = part.read(clients(logs), INPUTS, NAMES, retry=False)["resources"]["log_group[app]"]["tags"]
        assert tags == {"Name": "muejam-local-app-logs", "CostCentre": "42"}

    def test_refuses_a_retention_that_is_not_a_number_of_days(self):
        logs = FakeLogs(converged_groups(system={"row": {"retentionInDays": "thirty"}}))
        with pytest.raises(state.StateError, match=r"/muejam/local/system has the retention 'thirty'"):
            part.read(clients(logs), INPUTS, NAMES, retry=False)


class TestWanted:
    def test_wants_both_groups_with_the_retention_and_the_stack_tags_plus_name(self):
        assert part.wanted(INPUTS, NAMES, {"resources": {}, "ids": {}}) == {
            "log_group[app]": {"name": APP, "retention": 30, "tags": {**TAGS, "Name": "muejam-local-app-logs"}},
            "log_group[system]": {
                "name": SYSTEM,
                "retention": 30,
                "tags": {**TAGS, "Name": "muejam-local-system-logs"},
            },
        }

    def test_wants_nothing_when_the_role_does_not_manage_the_groups(self):
        assert part.wanted({**INPUTS, "manage_log_groups": False}, NAMES, {"resources": {}, "ids": {}}) == {}

    def test_the_name_tag_is_the_roles_whatever_the_tags_say(self):
        inputs = {**INPUTS, "tags": {**TAGS, "Name": "other", "Tier": 3}}
        tags = part.wanted(inputs, NAMES, {"resources": {}, "ids": {}})["log_group[system]"]["tags"]
        assert tags == {**TAGS, "Tier": "3", "Name": "muejam-local-system-logs"}

    def test_the_project_input_names_the_groups(self):
        inputs = {**INPUTS, "project": "shop"}
        wanted = part.wanted(inputs, names.role_names("instance_bootstrap", inputs), {"resources": {}, "ids": {}})
        assert [attributes["name"] for attributes in wanted.values()] == ["/shop/local/app", "/shop/local/system"]


class TestPlan:
    def plan(self, logs: FakeLogs, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
        inputs = INPUTS if inputs is None else inputs
        return state.plan(part, clients(logs), inputs, names.role_names("instance_bootstrap", inputs))

    def test_the_groups_the_role_made_are_in_sync(self):
        plan = self.plan(FakeLogs(converged_groups()))
        assert plan["in_sync"] is True
        assert plan["differences"] == []

    def test_an_empty_account_wants_both_groups(self):
        assert self.plan(FakeLogs({}))["differences"] == [
            {"resource": "log_group[app]", "attribute": "exists", "wanted": True, "found": False},
            {"resource": "log_group[system]", "attribute": "exists", "wanted": True, "found": False},
        ]

    def test_a_group_that_never_expires_differs_in_retention(self):
        assert self.plan(FakeLogs(converged_groups(app={"row": {}})))["differences"] == [
            {"resource": "log_group[app]", "attribute": "retention", "wanted": 30, "found": None}
        ]

    def test_a_tag_the_role_did_not_set_is_a_difference(self):
        extra = {**TAGS, "Name": "muejam-local-system-logs", "Owner": "someone"}
        differences = self.plan(FakeLogs(converged_groups(system={"tags": extra})))["differences"]
        assert [(row["resource"], row["attribute"], row["found"]) for row in differences] == [
            ("log_group[system]", "tags", extra)
        ]

    def test_outputs_name_the_groups_even_before_they_exist(self):
        assert self.plan(FakeLogs({}))["outputs"] == {"log_group_names": {"app": APP, "system": SYSTEM}}


# Drift on the converged stack: changed behind its back with boto3, found by the part, put back.


def plan_of(converged: Converged) -> dict[str, Any]:
    inputs = converged.inputs("instance_bootstrap")
    return state.plan(part, converged.client, inputs, names.role_names("instance_bootstrap", inputs))


def differences_of(converged: Converged) -> list[tuple[str, str]]:
    return [(row["resource"], row["attribute"]) for row in plan_of(converged)["differences"]]


@contextmanager
def restored(converged: Converged, kind: str) -> Iterator[tuple[Any, str, dict[str, Any]]]:
    """The logs client, the group's name and its wanted attributes; the group as wanted again afterwards."""
    inputs = converged.inputs("instance_bootstrap")
    wanted = part.wanted(inputs, names.role_names("instance_bootstrap", inputs), {"resources": {}, "ids": {}})
    group = wanted[f"log_group[{kind}]"]
    logs = converged.client("logs")
    try:
        yield logs, group["name"], group
    finally:
        listed = logs.describe_log_groups(logGroupNamePrefix=group["name"])["logGroups"]
        if group["name"] not in [row["logGroupName"] for row in listed]:
            logs.create_log_group(logGroupName=group["name"], tags=group["tags"])
        logs.put_retention_policy(logGroupName=group["name"], retentionInDays=group["retention"])
        current = logs.list_tags_log_group(logGroupName=group["name"])["tags"]
        if set(current) - set(group["tags"]):
            logs.untag_log_group(logGroupName=group["name"], tags=sorted(set(current) - set(group["tags"])))
        logs.tag_log_group(logGroupName=group["name"], tags=group["tags"])
    assert plan_of(converged)["in_sync"], plan_of(converged)["differences"]


def test_the_converged_groups_are_in_sync(converged: Converged):
    plan = plan_of(converged)
    assert plan["in_sync"], plan["differences"]
    assert sorted(plan["ids"]) == ["log_group[app]", "log_group[system]"]


def test_the_inputs_the_role_hands_over_hold_no_secret(converged: Converged):
    assert "app_environment" not in converged.inputs("instance_bootstrap")


@pytest.mark.parametrize("kind", ["app", "system"])
def test_finds_a_changed_retention(converged: Converged, kind: str):
    with restored(converged, kind) as (logs, name, group):
        days = 7 if group["retention"] != 7 else 14
        logs.put_retention_policy(logGroupName=name, retentionInDays=days)
        [difference] = plan_of(converged)["differences"]
        assert difference == {
            "resource": f"log_group[{kind}]",
            "attribute": "retention",
            "wanted": group["retention"],
            "found": days,
        }


@pytest.mark.parametrize("kind", ["app", "system"])
def test_finds_a_removed_retention(converged: Converged, kind: str):
    with restored(converged, kind) as (logs, name, _unused):
        logs.delete_retention_policy(logGroupName=name)
        assert differences_of(converged) == [(f"log_group[{kind}]", "retention")]


@pytest.mark.parametrize("kind", ["app", "system"])
def test_finds_a_changed_tag(converged: Converged, kind: str):
    with restored(converged, kind) as (logs, name, group):
        logs.tag_log_group(logGroupName=name, tags={"Environment": "elsewhere"})
        [difference] = plan_of(converged)["differences"]
        assert (difference["resource"], difference["attribute"]) == (f"log_group[{kind}]", "tags")
        assert difference["found"] == {**group["tags"], "Environment": "elsewhere"}


@pytest.mark.parametrize("kind", ["app", "system"])
def test_finds_an_added_tag(converged: Converged, kind: str):
    with restored(converged, kind) as (logs, name, _unused):
        logs.tag_log_group(logGroupName=name, tags={"Owner": "someone-else"})
        assert differences_of(converged) == [(f"log_group[{kind}]", "tags")]


@pytest.mark.parametrize("kind", ["app", "system"])
def test_finds_a_removed_tag(converged: Converged, kind: str):
    with restored(converged, kind) as (logs, name, _unused):
        logs.untag_log_group(logGroupName=name, tags=["ManagedBy"])
        [difference] = plan_of(converged)["differences"]
        assert (difference["resource"], difference["attribute"]) == (f"log_group[{kind}]", "tags")
        assert "ManagedBy" in difference["wanted"] and "ManagedBy" not in difference["found"]


@pytest.mark.parametrize("kind", ["app", "system"])
def test_finds_a_deleted_group(converged: Converged, kind: str):
    with restored(converged, kind) as (logs, name, _unused):
        logs.delete_log_group(logGroupName=name)
        assert plan_of(converged)["differences"] == [
            {"resource": f"log_group[{kind}]", "attribute": "exists", "wanted": True, "found": False}
        ]
