"""The one form of a security group's rules, and the plan of ec2_vpc_security_group."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.muejam.infra.plugins.module_utils import security_groups as sg
from ansible_collections.muejam.infra.plugins.module_utils.security_groups import SecurityGroupError

PURGE = {"ingress": True, "egress": True}


def wanted(**changes: Any) -> dict[str, Any]:
    return {"description": "d", "ingress": [], "egress": [], "tags": {"Name": "g"}, **changes}


class TestFoundRules:
    def test_one_rule_per_source_sorted(self) -> None:
        permissions = [
            {
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}, {"CidrIp": "0.0.0.0/0", "Description": "all"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                "PrefixListIds": [{"PrefixListId": "pl-1"}],
                "UserIdGroupPairs": [{"GroupId": "sg-2", "Description": "peer"}],
            }
        ]
        assert [(rule["source"], rule["description"]) for rule in sg.found_rules(permissions)] == [
            ("0.0.0.0/0", "all"),
            ("10.0.0.0/8", ""),
            ("::/0", ""),
            ("pl-1", ""),
            ("sg-2", "peer"),
        ]


class TestWantedRules:
    def test_each_port_and_source_makes_a_rule_in_the_form_aws_returns(self) -> None:
        rules = sg.wanted_rules(
            [{"proto": "6", "ports": ["443", 80], "cidr_ip": ["10.1.2.3/16"], "cidr_ipv6": "2001:db8::1/64"}]
        )
        assert rules == sg.found_rules(
            [
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]},
                {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.1.0.0/16"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "2001:db8::/64"}]},
            ]
        )

    def test_ranges_all_traffic_and_icmp(self) -> None:
        assert [
            (r["protocol"], r["from_port"], r["to_port"])
            for r in sg.wanted_rules([{"ports": ["8000-8010"], "group_id": "sg-1"}])
        ] == [("tcp", 8000, 8010)]
        assert sg.wanted_rules([{"proto": "all", "cidr_ip": "0.0.0.0/0"}]) == sg.found_rules([sg.DEFAULT_EGRESS])
        assert sg.wanted_rules([{"proto": "icmp", "cidr_ip": "0.0.0.0/0"}])[0]["from_port"] == -1

    @pytest.mark.parametrize(
        ("rule", "message"),
        [
            ({"proto": "gre", "cidr_ip": "0.0.0.0/0", "ports": [1]}, "'gre' is not one of"),
            ({"ports": [80]}, "needs a source"),
            ({"cidr_ip": "0.0.0.0/0"}, "needs ports"),
            ({"ports": ["http"], "cidr_ip": "0.0.0.0/0"}, "'http' is neither"),
            ({"ports": ["90-80"], "cidr_ip": "0.0.0.0/0"}, "runs backwards"),
        ],
    )
    def test_a_rule_that_cannot_be_made_is_refused_naming_it(self, rule: dict[str, Any], message: str) -> None:
        with pytest.raises(SecurityGroupError, match=message):
            sg.wanted_rules([rule])

    def test_permission_round_trips_every_kind_of_source(self) -> None:
        for source in ("10.0.0.0/8", "::/0", "pl-1", "sg-1"):
            item = sg.rule("udp", 53, 53, source, "dns")
            assert sg.found_rules([sg.permission(item)]) == [item]
        assert "FromPort" not in sg.permission(sg.rule("-1", None, None, "0.0.0.0/0"))


class TestPlan:
    def test_a_new_group_loses_the_egress_rule_aws_gives_it_unless_wanted(self) -> None:
        steps = sg.plan("g", wanted(), None, PURGE)
        assert [step["action"] for step in steps] == ["create", "revoke"]
        assert steps[1]["rule"] == sg.found_rules([sg.DEFAULT_EGRESS])[0]
        kept = sg.plan("g", wanted(egress=sg.found_rules([sg.DEFAULT_EGRESS])), None, PURGE)
        assert [step["action"] for step in kept] == ["create"]
        assert [step["action"] for step in sg.plan("g", wanted(), None, {"ingress": True, "egress": False})] == [
            "create"
        ]

    def test_adds_before_it_removes_and_updates_a_description_in_place(self) -> None:
        old, new = sg.rule("tcp", 80, 80, "10.0.0.0/8", "a"), sg.rule("tcp", 443, 443, "10.0.0.0/8", "a")
        found = {"id": "sg-1", "description": "d", "ingress": [old], "egress": [], "tags": {"Name": "g"}}
        steps = sg.plan("g", wanted(ingress=[new, sg.rule("tcp", 22, 22, "10.0.0.0/8", "b")]), found, PURGE)
        assert [step["action"] for step in steps] == ["authorize", "authorize", "revoke"]
        described = sg.plan("g", wanted(ingress=[sg.rule("tcp", 80, 80, "10.0.0.0/8", "other")]), found, PURGE)
        assert [step["action"] for step in described] == ["describe"]
        assert sg.plan("g", wanted(), found, {"ingress": False, "egress": True}) == []

    def test_tags_set_and_removed_but_never_awss_own(self) -> None:
        found = {
            "id": "sg-1",
            "description": "d",
            "ingress": [],
            "egress": [],
            "tags": {"Name": "g", "x": "1", "aws:y": "2"},
        }
        steps = sg.plan("g", wanted(tags={"Name": "g", "z": "3"}), found, PURGE)
        assert steps == [{"action": "set_tags", "tags": {"z": "3"}}, {"action": "remove_tags", "keys": ["x"]}]
        assert sg.plan("g", wanted(tags={"Name": "g", "x": "1"}), found, PURGE, purge_tags=False) == []

    def test_a_changed_group_description_is_refused(self) -> None:
        found = {"id": "sg-1", "description": "old", "ingress": [], "egress": [], "tags": {}}
        with pytest.raises(SecurityGroupError, match=r"g \(sg-1\) has the description 'old', not 'd'"):
            sg.plan("g", wanted(), found, PURGE)

    def test_predicted_is_what_the_steps_leave(self) -> None:
        rule = sg.rule("tcp", 443, 443, "0.0.0.0/0", "")
        steps = sg.plan("g", wanted(ingress=[rule]), None, PURGE)
        group = sg.predicted("g", "vpc-1", None, steps)
        assert (group["id"], group["ingress"], group["egress"], group["tags"]) == (None, [rule], [], {"Name": "g"})
