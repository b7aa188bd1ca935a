"""The filters around muejam.infra.stack_state: difference, drift_report and without_secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.filter.state import (
    FilterModule,
    difference,
    drift_report,
    without_secrets,
)
from ansible_collections.muejam.infra.plugins.module_utils import drift
from ansible_collections.muejam.infra.plugins.module_utils.state import Difference

ROOT = Path(__file__).resolve().parents[4]


class TestDifference:
    def test_writes_one_line_naming_resource_attribute_wanted_and_found(self):
        row = {"resource": "log_group[app]", "attribute": "retention", "wanted": 30, "found": 7}
        assert difference(row) == "log_group[app] retention: wanted 30, found 7"

    def test_writes_the_line_the_modules_python_writes(self):
        row = Difference("log_group[system]", "tags", {"Name": "a"}, {"Name": "b"})
        assert difference(row.as_dict()) == str(row)

    def test_quotes_strings_so_an_empty_one_shows(self):
        row = {"resource": "vpc", "attribute": "cidr", "wanted": "10.0.0.0/16", "found": ""}
        assert difference(row) == "vpc cidr: wanted '10.0.0.0/16', found ''"

    def test_reports_a_missing_resource_by_its_existence(self):
        row = {"resource": "log_group[app]", "attribute": "exists", "wanted": True, "found": False}
        assert difference(row) == "log_group[app] exists: wanted True, found False"

    def test_shows_subclassed_strings_and_mappings_as_plain_ones(self):
        class Tagged(str):
            def __repr__(self) -> str:
                return f"Tagged({str(self)!r})"

        row = {"resource": Tagged("vpc"), "attribute": "tags", "wanted": {Tagged("Name"): Tagged("x")}, "found": None}
        assert difference(row) == "vpc tags: wanted {'Name': 'x'}, found None"

    @pytest.mark.parametrize("row", [None, "vpc", {"resource": "vpc", "attribute": "cidr", "wanted": 1}])
    def test_refuses_what_is_not_a_difference(self, row):
        with pytest.raises(AnsibleFilterError, match="difference: expected one of stack_state's differences"):
            difference(row)


class TestWithoutSecrets:
    def test_drops_the_options_the_argument_spec_marks_no_log(self):
        inputs = {"name": "muejam-local", "app_environment": {"DB_PASSWORD": "s3cret"}, "log_retention_days": 30}
        assert without_secrets(inputs, "instance_bootstrap") == {"name": "muejam-local", "log_retention_days": 30}

    def test_keeps_every_input_of_a_role_without_secrets(self):
        inputs = {"name": "muejam-local", "vpc_cidr": "10.0.0.0/16"}
        assert without_secrets(inputs, "networking") == inputs

    def test_drops_exactly_the_no_log_options_of_each_role(self):
        for role in ("networking", "load_balancer", "instance_bootstrap", "scaling_group"):
            options = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())[
                "argument_specs"
            ]["main"]["options"]
            inputs = {name[len(role) + 1 :]: "value" for name in options}
            kept = without_secrets(inputs, role)
            secret = {name[len(role) + 1 :] for name, option in options.items() if option.get("no_log")}
            assert set(kept) == set(inputs) - secret, role

    def test_does_not_change_the_inputs_it_is_given(self):
        inputs = {"name": "muejam-local", "app_environment": {"KEY": "value"}}
        without_secrets(inputs, "instance_bootstrap")
        assert inputs == {"name": "muejam-local", "app_environment": {"KEY": "value"}}

    def test_refuses_a_role_the_collection_does_not_have(self):
        with pytest.raises(AnsibleFilterError, match=r"without_secrets: the role must be one of .*'database'"):
            without_secrets({}, "database")

    def test_refuses_inputs_that_are_not_a_mapping(self):
        with pytest.raises(AnsibleFilterError, match="expected the role's inputs"):
            without_secrets(["name"], "networking")


def test_the_plugin_provides_its_filters_each_documented_beside_it():
    provided = FilterModule().filters()
    assert sorted(provided) == ["difference", "drift_report", "without_secrets"]
    for name in provided:
        docs = yaml.safe_load((ROOT / "plugins" / "filter" / f"{name}.yml").read_text())
        assert docs["DOCUMENTATION"]["name"] == name
        assert docs["RETURN"]["_value"]["type"]


class TestDriftReport:
    def test_reports_the_parts_differences_as_module_utils_drift_does(self):
        parts = {
            "load_balancer": {
                "differences": [{"resource": "target_group", "attribute": "port", "wanted": 80, "found": 81}],
                "names": {"target_group": "muejam-dev-tg"},
            }
        }
        assert drift_report(parts) == drift.report(parts)
        assert drift_report(parts)["resources"] == ["load_balancer/target_group (muejam-dev-tg): port"]

    def test_fails_naming_the_part_that_is_not_a_drift(self):
        with pytest.raises(AnsibleFilterError, match="drift_report: The drift of scaling_group"):
            drift_report({"scaling_group": "in sync"})

    def test_fails_on_what_is_not_a_mapping(self):
        with pytest.raises(AnsibleFilterError, match="expected"):
            drift_report(["networking"])
