"""state.compare and state.diff: what check mode reports and what --diff shows."""

from __future__ import annotations

from ansible_collections.muejam.infra.plugins.module_utils import state


def test_diff_is_one_entry_per_resource_with_the_attributes_that_differ() -> None:
    wanted = {
        "vpc": {"cidr": "10.0.0.0/16", "tags": {"Name": "a"}},
        "target_group": {"interval": 30, "path": "/health", "port": 8000},
        "nat_gateway[old]": None,
        "bucket": {"name": "b"},
    }
    found = {
        "vpc": {"cidr": "10.0.0.0/16", "tags": {"Name": "a"}},
        "target_group": {"interval": 17, "path": "/", "port": 8000},
        "nat_gateway[old]": {"id": "nat-1"},
        "bucket": None,
    }
    assert state.diff(state.compare(wanted, found)) == [
        {
            "before_header": "target_group",
            "after_header": "target_group",
            "before": {"interval": 17, "path": "/"},
            "after": {"interval": 30, "path": "/health"},
        },
        {
            "before_header": "nat_gateway[old]",
            "after_header": "nat_gateway[old]",
            "before": {"exists": True},
            "after": {"exists": False},
        },
        {"before_header": "bucket", "after_header": "bucket", "before": {"exists": False}, "after": {"exists": True}},
    ]


def test_in_sync_is_no_diff() -> None:
    same = {"vpc": {"cidr": "10.0.0.0/16"}}
    assert state.diff(state.compare(same, same)) == []


def test_an_attribute_not_found_is_reported_missing() -> None:
    differences = state.compare({"vpc": {"flow_logs": True}}, {"vpc": {}})
    assert state.diff(differences)[0]["before"] == {"flow_logs": state.MISSING}
