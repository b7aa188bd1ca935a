"""module_utils/drift: stack_state's differences of every part as the drift report's rows and table."""

from __future__ import annotations

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import drift

NAMES = {"target_group": "muejam-dev-tg", "auto_scaling_group": "muejam-dev-asg"}


def part(*differences: dict, names: dict | None = None) -> dict:
    return {"differences": list(differences), "names": NAMES if names is None else names}


def difference(resource: str, attribute: str, wanted, found) -> dict:
    return {"resource": resource, "attribute": attribute, "wanted": wanted, "found": found}


class TestResourceLabel:
    def test_names_the_part_the_key_and_the_aws_name(self):
        assert (
            drift.resource_label("load_balancer", "target_group", NAMES) == "load_balancer/target_group (muejam-dev-tg)"
        )

    def test_leaves_a_key_that_carries_its_name_as_it_is(self):
        names = {"alarm[muejam-dev-cpu-high]": "muejam-dev-cpu-high"}
        label = drift.resource_label("scaling_group", "alarm[muejam-dev-cpu-high]", names)
        assert label == "scaling_group/alarm[muejam-dev-cpu-high]"

    def test_names_the_key_alone_when_the_names_table_lacks_it(self):
        assert drift.resource_label("networking", "vpc", {}) == "networking/vpc"


class TestRows:
    def test_one_row_per_difference_in_the_parts_order(self):
        parts = {
            "load_balancer": part(difference("target_group", "health_check_path", "/health", "/other")),
            "scaling_group": part(
                difference("auto_scaling_group", "max_size", 10, 11),
                difference("alarm[x]", "threshold", 70.0, 90.0),
            ),
        }
        assert drift.rows(parts) == [
            {
                "part": "load_balancer",
                "resource": "load_balancer/target_group (muejam-dev-tg)",
                "attribute": "health_check_path",
                "wanted": "/health",
                "found": "/other",
            },
            {
                "part": "scaling_group",
                "resource": "scaling_group/auto_scaling_group (muejam-dev-asg)",
                "attribute": "max_size",
                "wanted": 10,
                "found": 11,
            },
            {
                "part": "scaling_group",
                "resource": "scaling_group/alarm[x]",
                "attribute": "threshold",
                "wanted": 70.0,
                "found": 90.0,
            },
        ]

    def test_no_rows_for_parts_in_sync(self):
        assert drift.rows({"networking": part(), "load_balancer": part()}) == []

    def test_refuses_a_part_without_differences(self):
        with pytest.raises(drift.DriftError, match="networking_drift"):
            drift.rows({"networking": {"in_sync": True}})

    def test_refuses_a_difference_without_its_values(self):
        with pytest.raises(drift.DriftError, match="lacks wanted, found"):
            drift.rows({"networking": part({"resource": "vpc", "attribute": "cidr"})})


class TestShown:
    def test_a_mapping_shows_the_keys_that_differ_only(self):
        wanted = {"Project": "muejam", "Environment": "dev", "Name": "x"}
        found = {"Project": "muejam", "Name": "x"}
        assert drift.shown(wanted, found) == ('{"Environment": "dev"}', '{"Environment": "(missing)"}')

    def test_a_list_shows_the_items_one_side_lacks(self):
        rule = {"protocol": "tcp", "from_port": 443}
        added = {"protocol": "tcp", "from_port": 22}
        assert drift.shown([rule], [rule, added]) == ("[]", '[{"from_port": 22, "protocol": "tcp"}]')

    def test_a_list_in_another_order_shows_whole(self):
        assert drift.shown(["a", "b"], ["b", "a"]) == ('["a", "b"]', '["b", "a"]')

    def test_scalars_show_whole_and_an_empty_string_shows(self):
        assert drift.shown(10, 11) == ("10", "11")
        assert drift.shown("/health", "") == ("/health", "''")
        assert drift.shown(True, False) == ("true", "false")


class TestTable:
    def test_aligns_a_header_a_rule_and_a_line_per_row(self):
        rows = drift.rows({"scaling_group": part(difference("auto_scaling_group", "max_size", 10, 11))})
        assert drift.table(rows) == [
            "RESOURCE                                           ATTRIBUTE  WANTED  FOUND",
            "-------------------------------------------------  ---------  ------  -----",
            "scaling_group/auto_scaling_group (muejam-dev-asg)  max_size   10      11",
        ]

    def test_no_lines_for_no_rows(self):
        assert drift.table([]) == []


class TestReport:
    def test_names_each_drifted_resource_once_with_its_attributes(self):
        parts = {
            "load_balancer": part(
                difference("target_group", "health_check_interval", 30, 17),
                difference("target_group", "tags", {"A": "b"}, {}),
            ),
            "scaling_group": part(difference("auto_scaling_group", "max_size", 10, 11)),
        }
        result = drift.report(parts)
        assert result["drifted"] is True
        assert result["resources"] == [
            "load_balancer/target_group (muejam-dev-tg): health_check_interval, tags",
            "scaling_group/auto_scaling_group (muejam-dev-asg): max_size",
        ]
        assert len(result["rows"]) == 3
        assert len(result["table"]) == 5

    def test_a_stack_in_sync_reports_nothing(self):
        assert drift.report({"networking": part()}) == {"drifted": False, "rows": [], "table": [], "resources": []}
