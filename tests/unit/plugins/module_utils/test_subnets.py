"""The plan of ec2_vpc_subnets: several subnets of a VPC, found by CIDR block."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import subnets
from ansible_collections.muejam.infra.plugins.module_utils.subnets import SubnetError


def wanted(*items: tuple[str, str], **extra: Any) -> list[dict[str, Any]]:
    return subnets.normalize_wanted([{"cidr": cidr, "az": az, "tags": {"Name": az}, **extra} for cidr, az in items])


def found_subnet(cidr: str, az: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"subnet-{az}",
        "cidr": cidr,
        "az": az,
        "map_public": False,
        "state": "available",
        "tags": {"Name": az},
        **extra,
    }


class TestPlan:
    def test_creates_what_is_missing_with_its_tags_and_leaves_what_is_right(self) -> None:
        want = wanted(("10.0.0.0/20", "a"), ("10.0.16.0/20", "b"))
        steps = subnets.plan("vpc-1", want, {"10.0.0.0/20": found_subnet("10.0.0.0/20", "a")})
        assert steps == [{"action": "create", "cidr": "10.0.16.0/20", "az": "b", "tags": {"Name": "b"}}]

    def test_map_public_and_tags_are_made_exact(self) -> None:
        found = {
            "10.0.0.0/20": found_subnet("10.0.0.0/20", "a", map_public=True, tags={"Name": "a", "x": "1", "aws:y": "2"})
        }
        steps = subnets.plan("vpc-1", wanted(("10.0.0.0/20", "a")), found)
        assert [step["action"] for step in steps] == ["set_map_public", "remove_tags"]
        assert steps[1]["keys"] == ["x"]
        assert [
            step["action"] for step in subnets.plan("vpc-1", wanted(("10.0.0.0/20", "a")), found, purge_tags=False)
        ] == ["set_map_public"]
        new = subnets.plan("vpc-1", wanted(("10.0.32.0/20", "c"), map_public=True), {})
        assert [step["action"] for step in new] == ["create", "set_map_public"]

    def test_a_subnet_in_another_zone_is_refused_naming_it(self) -> None:
        found = {"10.0.0.0/20": found_subnet("10.0.0.0/20", "b")}
        with pytest.raises(SubnetError, match=r"10.0.0.0/20 is in b \(subnet-b\), not a"):
            subnets.plan("vpc-1", wanted(("10.0.0.0/20", "a")), found)

    @pytest.mark.parametrize(
        ("items", "message"),
        [
            ((("10.0.0.1/20", "a"),), "not a network address"),
            ((("10.0.0.0/20", "a"), ("10.0.0.0/20", "b")), "two subnets"),
        ],
    )
    def test_wanted_subnets_that_cannot_be_made_are_refused(
        self, items: tuple[tuple[str, str], ...], message: str
    ) -> None:
        with pytest.raises(SubnetError, match=message):
            wanted(*items)

    def test_predicted_keeps_the_wanted_order(self) -> None:
        want = wanted(("10.0.16.0/20", "b"), ("10.0.0.0/20", "a"))
        found = {"10.0.0.0/20": found_subnet("10.0.0.0/20", "a")}
        result = subnets.predicted(want, found, subnets.plan("vpc-1", want, found))
        assert [(item["id"], item["cidr"], item["tags"]) for item in result] == [
            (None, "10.0.16.0/20", {"Name": "b"}),
            ("subnet-a", "10.0.0.0/20", {"Name": "a"}),
        ]


class TestWait:
    def test_polls_aws_until_every_subnet_is_available(self) -> None:
        answers = iter([{"a": "pending", "b": "available"}, {"a": "available", "b": "available"}])
        calls: list[list[str]] = []

        def call(_method: Any, **request: Any) -> dict[str, Any]:
            calls.append(request["SubnetIds"])
            return {"Subnets": [{"SubnetId": key, "State": value} for key, value in next(answers).items()]}

        slept: list[float] = []
        now = subnets.wait_until_available(
            call, type("C", (), {"describe_subnets": None})(), ["a", "b"], 10, sleep=slept.append
        )
        assert sorted(now) == ["a", "b"] and len(calls) == 2 and slept == [subnets.WAIT_DELAY]

    def test_gives_up_after_the_timeout_naming_what_is_pending(self) -> None:
        ticks = iter([0.0, 0.0, 5.0, 11.0])

        def call(_method: Any, **_request: Any) -> dict[str, Any]:
            return {"Subnets": [{"SubnetId": "a", "State": "pending"}]}

        with pytest.raises(SubnetError, match="subnets a were not available after 10 s"):
            subnets.wait_until_available(
                call,
                type("C", (), {"describe_subnets": None})(),
                ["a"],
                10,
                clock=lambda: next(ticks),
                sleep=lambda _s: None,
            )
