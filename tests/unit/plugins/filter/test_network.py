"""Unit tests for the muejam.infra network filters (plugins/filter/network.py)."""

from __future__ import annotations

import ipaddress
import itertools
from typing import Any, ClassVar

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.filter.network import FilterModule, subnet_cidrs
from ansible_collections.muejam.infra.plugins.module_utils import preflight


class TestSubnetCidrs:
    def test_derives_the_seed_layout_from_a_slash_16(self) -> None:
        assert subnet_cidrs("10.0.0.0/16", 3, "public") == ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"]
        assert subnet_cidrs("10.0.0.0/16", 3, "private") == ["10.0.128.0/20", "10.0.144.0/20", "10.0.160.0/20"]

    def test_defaults_to_the_public_tier(self) -> None:
        assert subnet_cidrs("10.0.0.0/16", 1) == ["10.0.0.0/20"]

    def test_generalises_to_other_prefixes(self) -> None:
        assert subnet_cidrs("172.16.0.0/20", 2, "public") == ["172.16.0.0/24", "172.16.1.0/24"]
        assert subnet_cidrs("172.16.0.0/20", 2, "private") == ["172.16.8.0/24", "172.16.9.0/24"]
        assert subnet_cidrs("192.168.10.0/24", 1, "private") == ["192.168.10.128/28"]

    def test_public_and_private_blocks_never_overlap_and_stay_in_the_vpc(self) -> None:
        blocks = subnet_cidrs("10.20.0.0/16", 8, "public") + subnet_cidrs("10.20.0.0/16", 8, "private")
        assert len(blocks) == 16
        networks = [ipaddress.ip_network(block) for block in blocks]
        assert not any(left.overlaps(right) for left, right in itertools.combinations(networks, 2))
        assert all(network.subnet_of(ipaddress.ip_network("10.20.0.0/16")) for network in networks)

    @pytest.mark.parametrize("count", [0, 9, -1, "3", True, None])
    def test_fails_on_a_count_outside_one_to_eight(self, count: object) -> None:
        with pytest.raises(AnsibleFilterError, match="count must be an integer from 1 to 8"):
            subnet_cidrs("10.0.0.0/16", count)  # type: ignore[arg-type]

    def test_fails_on_an_unknown_tier(self) -> None:
        with pytest.raises(AnsibleFilterError, match="tier must be one of public, private"):
            subnet_cidrs("10.0.0.0/16", 3, "dmz")

    @pytest.mark.parametrize("vpc_cidr", ["10.0.0.1/16", "10.0.0.0", "not-a-cidr", "fd00::/56", None])
    def test_fails_on_an_invalid_vpc_cidr(self, vpc_cidr: object) -> None:
        with pytest.raises(AnsibleFilterError, match="subnet_cidrs: "):
            subnet_cidrs(vpc_cidr, 3)  # type: ignore[arg-type]

    def test_fails_when_the_subnets_would_be_smaller_than_a_slash_28(self) -> None:
        with pytest.raises(AnsibleFilterError, match="too small"):
            subnet_cidrs("10.0.0.0/25", 2)


class TestFilterModule:
    def test_exposes_every_filter(self) -> None:
        assert set(FilterModule().filters()) == {"subnet_cidrs", "nat_zones", "route_tables", "subnets", "edge_outputs"}


class TestRouteTableFilters:
    """nat_zones and route_tables hand the role state/networking.py's rules (tested there against
    wanted()); here, what the filters add: the rule reached, and a mismatch as a filter error."""

    INPUTS: ClassVar[dict[str, Any]] = {
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "nat_gateway_mode": "single",
        "tags": {},
    }
    NAMES: ClassVar[dict[str, Any]] = {
        "public_route_table": "rt-public",
        "private_route_table": {"us-east-1a": "rt-a", "us-east-1b": "rt-b"},
    }

    def test_nat_zones(self) -> None:
        assert FilterModule().filters()["nat_zones"](self.INPUTS) == ["us-east-1a"]

    def test_route_tables(self) -> None:
        tables = FilterModule().filters()["route_tables"](
            self.INPUTS, self.NAMES, "igw-1", ["s-1", "s-2"], ["nat-a"], ["p-1", "p-2"]
        )
        assert [table["name"] for table in tables] == ["rt-public", "rt-a", "rt-b"]
        assert tables[2]["routes"] == [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-a"}]

    def test_ids_that_do_not_fit_are_a_filter_error(self) -> None:
        with pytest.raises(AnsibleFilterError, match="route_tables: 2 NAT gateway ids for 1 NAT zones"):
            FilterModule().filters()["route_tables"](
                self.INPUTS, self.NAMES, "igw-1", [], ["nat-a", "nat-b"], ["p-1", "p-2"]
            )


class TestSubnetAndEdgeFilters:
    """subnets and edge_outputs hand the role state/networking.py's rules; here, what the filters add."""

    INPUTS: ClassVar[dict[str, Any]] = {
        "name": "muejam-local",
        "availability_zones": ["us-east-1a", "us-east-1b"],
        "vpc_cidr": "10.0.0.0/16",
        "public_subnet_cidrs": [],
        "private_subnet_cidrs": ["10.0.200.0/24", "10.0.201.0/24"],
        "nat_gateway_mode": "single",
        "flow_logs_enabled": False,
        "tags": {"Project": "muejam"},
    }
    NAMES: ClassVar[dict[str, Any]] = {
        "public_subnet": {"us-east-1a": "pub-a", "us-east-1b": "pub-b"},
        "private_subnet": {"us-east-1a": "priv-a", "us-east-1b": "priv-b"},
    }

    def test_the_subnets_are_what_the_comparison_wants(self) -> None:
        subnets = FilterModule().filters()["subnets"](self.INPUTS, self.NAMES, "private")
        assert subnets == [
            {
                "cidr": "10.0.200.0/24",
                "az": "us-east-1a",
                "map_public": False,
                "tags": {"Project": "muejam", "Name": "priv-a", "Tier": "private"},
            },
            {
                "cidr": "10.0.201.0/24",
                "az": "us-east-1b",
                "map_public": False,
                "tags": {"Project": "muejam", "Name": "priv-b", "Tier": "private"},
            },
        ]
        with pytest.raises(AnsibleFilterError, match="subnets: tier must be one of public, private"):
            FilterModule().filters()["subnets"](self.INPUTS, self.NAMES, "edge")

    def test_the_edge_outputs_name_the_edge_and_keep_the_rest_as_found(self) -> None:
        found = {"ids": {}, "outputs": {"nat_public_ips": []}}
        outputs = FilterModule().filters()["edge_outputs"](self.INPUTS, found, "vpc-1", ["s-a", "s-b"], "igw-1")
        assert (outputs["vpc_id"], outputs["public_subnet_ids"], outputs["internet_gateway_id"]) == (
            "vpc-1",
            ["s-a", "s-b"],
            "igw-1",
        )
        assert outputs["private_subnet_ids"] == [] and outputs["nat_gateway_ids"] == []
        with pytest.raises(AnsibleFilterError, match="edge_outputs: "):
            FilterModule().filters()["edge_outputs"](self.INPUTS, found, "vpc-1", ["s-a"], "igw-1")


class TestDerivedSubnets:
    """The preflight (module_utils, which a module test cannot import the filter beside) derives
    the same blocks as the networking role's filter."""

    @pytest.mark.parametrize(("vpc", "count"), [("10.0.0.0/16", 3), ("10.1.0.0/20", 2), ("172.16.0.0/24", 8)])
    @pytest.mark.parametrize("tier", ["public", "private"])
    def test_match_the_networking_roles_filter(self, vpc: str, count: int, tier: str) -> None:
        assert preflight.derived_subnet_cidrs(vpc, count, tier) == subnet_cidrs(vpc, count, tier)
