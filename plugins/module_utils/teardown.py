# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The stack removed in one call: every resource of the chosen parts, in dependency order, with
every wait AWS imposes overlapped (``muejam.infra.stack_teardown``, and through it teardown.yml
and each role's ``absent``).

Three pieces:

- :data:`KINDS`, the dependency order, written once: every kind of resource the stack's parts own,
  the part that owns it, and the kinds that must be gone before it can be deleted. Nothing else
  orders the teardown.
- :class:`Teardown`, the scheduler: it finds every kind in the table's order and starts each
  deletion as soon as what it waits for is gone, so the NAT gateways' deletion, the Auto Scaling
  group's (its instances terminate with it) and the load balancer's all start at once, what has no
  wait of its own goes meanwhile, and one polling loop (one describe call per kind being deleted, a
  round every ``interval`` seconds, bounded by ``timeout``) waits on AWS's state for all of them;
  whatever they held goes the moment they are gone. AWS refusing a deletion because something
  still holds the resource (``DependencyViolation`` while network interfaces are released, ...)
  is retried on the next round until the timeout. Any other error leaves that resource, and what
  waits for it, and the rest goes on: the result lists what was removed and what is left and why.
  Pure: it takes the handlers, a clock and a sleep, so the order is tested without AWS.
- :class:`Stack`, the handlers: ``find_<kind>`` (what exists, by the names of the names table and
  the stack's tags), ``delete_<kind>`` (True: gone; False: deleting, to be polled) and
  ``poll_<kind>``, over boto3-like clients (each call made with ``aws_retry=True``, as amazon.aws's
  retry-wrapped clients take it); and :meth:`Stack.leftovers`, which looks for every kind of
  resource of the whole stack, as the leftovers check of teardown.yml does.

A run killed half-way is finished by the next one: what is already deleting (a NAT gateway
``deleting``, a group ``Delete in progress``, an instance ``shutting-down``) is waited for, not
deleted again, and what is gone is not found.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.muejam.infra.plugins.module_utils import flow_logs, state
from ansible_collections.muejam.infra.plugins.module_utils import names as names_table
from ansible_collections.muejam.infra.plugins.module_utils.state import instance_bootstrap, load_balancer, networking

PARTS = ("networking", "load_balancer", "instance_bootstrap", "scaling_group")


@dataclass(frozen=True)
class Kind:
    """One kind of resource: its key (the handlers' ``find_<key>``, ...), the part that owns it, the
    kind of resource ``removed`` and ``left`` name, and the kinds that must be gone before it goes.

    ``after`` names every kind it waits for itself: waiting is not transitive through a kind of
    which nothing was found (a VPC with no subnet still waits for the check of what it holds).
    """

    key: str
    part: str
    what: str
    after: tuple[str, ...] = ()
    check: bool = False  # a condition to wait for, not a resource: never reported as removed


# The dependency order of the whole stack. Those without ``after`` start at once, in this order:
# what AWS takes longest over first (NAT gateways ~1 min, the instances' shutdown ~45 s).
KINDS: tuple[Kind, ...] = (
    Kind("nat_gateway", "networking", "nat_gateway"),
    # ForceDelete: the group terminates its instances, and AWS deletes its scaling policies with it.
    Kind("auto_scaling_group", "scaling_group", "auto_scaling_group"),
    # The group's instances: terminated by the group (stray ones, whose group is gone, by the teardown).
    Kind("instance", "scaling_group", "instance"),
    Kind("alarm", "scaling_group", "alarm"),
    # Deletion protection off first, when it is on; its listeners go with it.
    Kind("load_balancer", "load_balancer", "load_balancer"),
    Kind("launch_template", "scaling_group", "launch_template"),
    Kind("instance_profile", "scaling_group", "instance_profile"),
    # Its managed policies detached, its inline policies deleted, out of every instance profile.
    Kind("instance_role", "scaling_group", "iam_role", after=("instance_profile",)),
    Kind("log_group", "instance_bootstrap", "log_group"),
    Kind("target_group", "load_balancer", "target_group", after=("load_balancer",)),
    # Emptied first (the logs in it, every version); after the ALB, which writes to it.
    Kind("access_logs_bucket", "load_balancer", "s3_bucket", after=("load_balancer",)),
    # The instances' network interfaces hold the app security group until they are terminated.
    Kind("app_security_group", "scaling_group", "security_group", after=("instance",)),
    # The app security group's ingress rule refers to the ALB's group.
    Kind("alb_security_group", "load_balancer", "security_group", after=("load_balancer", "app_security_group")),
    # AWS keeps a deleting NAT gateway's address associated, and refuses to release it, until it is deleted.
    Kind("elastic_ip", "networking", "elastic_ip", after=("nat_gateway",)),
    # The VPC holds nothing but the network's own: what the other parts own is gone first, and
    # anything else (another stage's leftovers, somebody's instance) stops the network's removal here.
    Kind(
        "vpc_in_use",
        "networking",
        "vpc",
        after=("nat_gateway", "instance", "load_balancer", "app_security_group", "alb_security_group"),
        check=True,
    ),
    Kind("route_table", "networking", "route_table", after=("vpc_in_use",)),
    # Detached first; AWS refuses while public addresses are mapped in the VPC.
    Kind("internet_gateway", "networking", "internet_gateway", after=("vpc_in_use", "nat_gateway", "elastic_ip")),
    Kind("subnet", "networking", "subnet", after=("vpc_in_use", "route_table")),
    # The VPC's flow logs stay on while anything is left in it.
    Kind("flow_log", "networking", "flow_log", after=("vpc_in_use",)),
    Kind("vpc", "networking", "vpc", after=("vpc_in_use", "route_table", "internet_gateway", "subnet", "flow_log")),
    Kind("flow_logs_role", "networking", "iam_role", after=("flow_log",)),
    Kind("flow_logs_log_group", "networking", "log_group", after=("flow_log",)),
)
BY_KEY: dict[str, Kind] = {kind.key: kind for kind in KINDS}


def plan(parts: Iterable[str]) -> list[Kind]:
    """The kinds the parts own, in the table's order (an unknown part raises ValueError)."""
    chosen = set(parts)
    unknown = sorted(chosen - set(PARTS))
    if unknown:
        raise ValueError(f"Unknown parts {unknown}: the parts are {', '.join(PARTS)}")
    return [kind for kind in KINDS if kind.part in chosen]


# --- the scheduler ----------------------------------------------------------------------------

FOUND, DELETING, REMOVED, LEFT = "found", "deleting", "removed", "left"


@dataclass
class Resource:
    """One resource found: what the handlers need to delete it, and where its removal stands."""

    kind: str
    id: str
    name: str = ""
    status: str = FOUND
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    # What AWS deletes with it, (kind, id): the group's scaling policies.
    also: list[tuple[str, str]] = field(default_factory=list)
    blocked: bool = False  # left because what it waits for is left (the reason is that one's)


class InUse(Exception):
    """AWS refuses the deletion for now (something still holds the resource): retried next round."""


class Left(Exception):
    """The resource cannot be removed by this run; the message says why."""


# Error codes meaning "something still holds it": retried until the timeout.
IN_USE_CODES = frozenset(
    {
        "DependencyViolation",
        "ResourceInUse",
        "ResourceInUseException",
        "InvalidIPAddress.InUse",
        "DeleteConflict",
        "ScalingActivityInProgress",
        "BucketNotEmpty",
    }
)


def error_code(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        return str((response.get("Error") or {}).get("Code") or "")
    return ""


def describe_error(error: BaseException) -> str:
    """An AWS error as ``Code: message``, any other exception as its message."""
    response = getattr(error, "response", None)
    if isinstance(response, Mapping) and response.get("Error"):
        details = response["Error"]
        return f"{details.get('Code', 'Error')}: {details.get('Message', '')}".rstrip(": ")
    return str(error) or type(error).__name__


class Teardown:
    """Remove the resources of ``kinds`` through ``handlers``; :meth:`run` returns what was removed and left.

    ``handlers`` has ``find(key) -> [Resource]``, ``delete(key, resource) -> bool`` (True: gone;
    False: deleting, poll it) and ``poll(key, [Resource]) -> {id: state}`` (the resources still
    there, and how they are; those missing are gone).
    """

    def __init__(
        self,
        handlers: Any,
        kinds: Iterable[Kind],
        check_mode: bool = False,
        timeout: float = 600,
        interval: float = 2,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.handlers = handlers
        self.kinds = list(kinds)
        self.keys = {kind.key for kind in self.kinds}
        self.check_mode = check_mode
        self.timeout = float(timeout)
        self.interval = float(interval)
        self.clock = clock
        self.sleep = sleep
        self.resources: dict[str, list[Resource]] = {kind.key: [] for kind in self.kinds}
        self.removed: list[Resource] = []
        self.changed = False
        self.rounds = 0  # rounds of polling what is deleting

    # The run: find and start in the table's order, then one loop of waits for everything.
    def run(self) -> dict[str, Any]:
        started = self.clock()
        deadline = started + self.timeout
        for kind in self.kinds:
            self.resources[kind.key] = self._find(kind)
            if self.check_mode:
                for resource in self.resources[kind.key]:
                    if resource.status in (FOUND, DELETING) and not kind.check:
                        self._remove(resource)
                continue
            self._advance(kind)
        while not self.check_mode and not self._settled():
            progressed = self._poll()
            advanced = [self._advance(kind) for kind in self.kinds]  # every kind, no short-circuit
            progressed = any(advanced) or progressed
            if self._settled():
                break
            now = self.clock()
            if now >= deadline:
                self._give_up(now - started)
                break
            if not progressed:
                self.sleep(max(0.0, min(self.interval, deadline - now)))
        return self.result()

    def result(self) -> dict[str, Any]:
        removed = []
        for resource in self.removed:
            removed.append({"kind": BY_KEY[resource.kind].what, "id": resource.id, "name": resource.name})
            removed.extend({"kind": what, "id": item, "name": item} for what, item in resource.also)
        left = [
            {"kind": BY_KEY[r.kind].what, "id": r.id, "name": r.name, "reason": r.reason}
            for kind in self.kinds
            if not kind.check
            for r in self.resources[kind.key]
            if r.status == LEFT
        ]
        # A run that only waited for what a killed run had started deleting still removed it.
        changed = bool(removed) or (self.changed and not self.check_mode)
        return {"changed": changed, "removed": removed, "left": left, "rounds": self.rounds}

    def _find(self, kind: Kind) -> list[Resource]:
        try:
            return list(self.handlers.find(kind.key))
        except Left as error:
            return [Resource(kind.key, "(unknown)", status=LEFT, reason=str(error))]
        except Exception as error:  # botocore's errors: this kind is left, the others go on
            reason = f"could not look for it: {describe_error(error)}"
            return [Resource(kind.key, "(unknown)", status=LEFT, reason=reason)]

    def _remove(self, resource: Resource) -> None:
        resource.status = REMOVED
        resource.reason = ""
        if not BY_KEY[resource.kind].check:
            self.removed.append(resource)

    def _settled(self) -> bool:
        return all(r.status in (REMOVED, LEFT) for rows in self.resources.values() for r in rows)

    def _waits_for(self, kind: Kind) -> tuple[list[Resource], list[Resource]]:
        """What the kind waits for in this run: (still there, left)."""
        pending, left = [], []
        for key in kind.after:
            if key not in self.keys:
                continue  # a part not removed by this run: not waited for
            for resource in self.resources[key]:
                if resource.status == LEFT:
                    left.append(resource)
                elif resource.status != REMOVED:
                    pending.append(resource)
        return pending, left

    def _advance(self, kind: Kind) -> bool:
        """Start deleting what the kind has found and waits for nothing; whether anything changed."""
        waiting = [r for r in self.resources[kind.key] if r.status == FOUND]
        if not waiting:
            return False
        pending, left = self._waits_for(kind)
        if left:
            blocker = left[0]
            reason = (
                blocker.reason
                if blocker.blocked or BY_KEY[blocker.kind].check
                else f"waits for {BY_KEY[blocker.kind].what} {blocker.id}, which is left"
            )
            for resource in waiting:
                resource.status, resource.reason, resource.blocked = LEFT, reason, True
            return True
        if pending:
            blocker = pending[0]
            for resource in waiting:
                resource.reason = f"waits for {BY_KEY[blocker.kind].what} {blocker.id}"
            return False
        progressed = False
        for resource in waiting:
            try:
                gone = self.handlers.delete(kind.key, resource)
            except InUse as error:
                resource.reason = str(error)
                continue
            except Left as error:
                resource.status, resource.reason = LEFT, str(error)
                progressed = True
                continue
            except Exception as error:  # botocore's errors
                if error_code(error) in IN_USE_CODES:
                    resource.reason = describe_error(error)
                else:
                    resource.status, resource.reason = LEFT, describe_error(error)
                    progressed = True
                continue
            progressed = True
            self.changed = self.changed or not kind.check
            if gone:
                self._remove(resource)
            else:
                resource.status, resource.reason = DELETING, "deleting"
        return progressed

    def _poll(self) -> bool:
        """One describe call per kind being deleted: what is gone is removed."""
        progressed = polled = False
        for kind in self.kinds:
            deleting = [r for r in self.resources[kind.key] if r.status == DELETING]
            if not deleting:
                continue
            polled = True
            try:
                states = self.handlers.poll(kind.key, deleting)
            except Exception as error:  # botocore's errors: polled again next round
                for resource in deleting:
                    resource.reason = f"could not see how its deletion goes: {describe_error(error)}"
                continue
            for resource in deleting:
                if states.get(resource.id) is None:
                    self._remove(resource)
                    progressed = True
                else:
                    resource.reason = f"still {states[resource.id]}"
        self.rounds += polled
        return progressed

    def _give_up(self, waited: float) -> None:
        for rows in self.resources.values():
            for resource in rows:
                if resource.status in (FOUND, DELETING):
                    resource.status = LEFT
                    resource.reason = f"{resource.reason or 'not deleted'} after {waited:.0f} s (wait_timeout)"


# --- the stack on AWS ------------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What the teardown needs to find the stack: its name and tags and the parts' own settings."""

    name: str
    tags: Mapping[str, Any]
    vpc_id: str = ""  # scaling_group: the VPC of the app security group, when given
    flow_logs_log_group_name: str = ""  # networking: empty, /<Project>/<Environment>/vpc-flow-logs
    access_logs_bucket: str = ""  # load_balancer: empty, <name>-alb-logs-<account>
    access_logs_delete_bucket: bool = True
    manage_log_groups: bool = True  # instance_bootstrap
    project: str = ""  # instance_bootstrap: the log groups' project (empty: the Project tag)
    environment: str = ""  # instance_bootstrap: the log groups' environment (empty: the Environment tag)

    def role_inputs(self, role: str) -> dict[str, Any]:
        """The inputs a role's names are made from (as muejam.infra.role_inputs hands them on)."""
        inputs: dict[str, Any] = {"name": self.name, "tags": dict(self.tags)}
        if role == "instance_bootstrap":
            inputs.update(project=self.project, environment=self.environment)
        return inputs


def check_inputs(inputs: Inputs) -> list[str]:
    """What makes the inputs unusable: teardown finds everything by the name and these two tags."""
    problems = []
    if not inputs.name:
        problems.append("name must be the stack's name (<project>-<environment>)")
    problems += [f"tags must set {key}" for key in ("Project", "Environment") if not inputs.tags.get(key)]
    return problems


def _pages(call: Callable[..., Any], method: Callable[..., Any], key: str, **request: Any) -> list[Any]:
    """Every item of a paginated call: EC2's NextToken, CloudWatch Logs' nextToken, ELBv2's NextMarker,
    IAM's Marker."""
    items: list[Any] = []
    while True:
        response = call(method, **request)
        items.extend(response.get(key) or [])
        if response.get("NextToken"):
            request["NextToken"] = response["NextToken"]
        elif response.get("nextToken"):
            request["nextToken"] = response["nextToken"]
        elif response.get("NextMarker"):
            request["Marker"] = response["NextMarker"]
        elif response.get("IsTruncated") and response.get("Marker"):
            request["Marker"] = response["Marker"]
        else:
            return items


def _name_tag(item: Mapping[str, Any]) -> str:
    return state.tags_of(item.get("Tags")).get("Name", "")


class Stack:
    """The handlers of :class:`Teardown` for the stack on AWS (``client(service)``: a boto3 client)."""

    NAT_STATES = ("pending", "available", "deleting")
    LIVE_INSTANCES = ("pending", "running", "shutting-down", "stopping", "stopped")

    def __init__(self, client: Callable[[str], Any], inputs: Inputs, retry: bool = True) -> None:
        self.client = client
        self.inputs = inputs
        self.retry = retry
        self.call = state.caller(retry)
        self.names = {part: names_table.role_names(part, inputs.role_inputs(part)) for part in PARTS}
        self.tag_filters = {f"tag:{key}": str(inputs.tags[key]) for key in ("Project", "Environment")}
        self._vpc: dict[str, Any] | None = None
        self._vpc_problem = ""
        self._vpc_read = False
        self.nat_gateways: list[dict[str, Any]] = []
        self.group: Resource | None = None  # the Auto Scaling group found (its instances go with it)
        self.instances: list[Resource] = []  # its instances, as the scheduler tracks them
        self.arns: dict[str, str] = {}  # load_balancer, target_group: for the account id

    # The dispatch of Teardown's calls: find_<kind>, delete_<kind>, poll_<kind>.
    def find(self, key: str) -> list[Resource]:
        return getattr(self, f"find_{key}")()

    def delete(self, key: str, resource: Resource) -> bool:
        return getattr(self, f"delete_{key}")(resource)

    def poll(self, key: str, resources: list[Resource]) -> dict[str, str]:
        return getattr(self, f"poll_{key}")(resources)

    def _ignoring(self, codes: Iterable[str], method: Callable[..., Any], **request: Any) -> Any:
        """A call whose error ``codes`` mean there is nothing to do (already gone): None then."""
        try:
            return self.call(method, **request)
        except Exception as error:
            if error_code(error) in set(codes):
                return None
            raise

    # --- the VPC, and what lives in it ---

    def vpc(self) -> dict[str, Any] | None:
        """The stack's VPC (named ``<name>-vpc`` with its Project and Environment tags), read once;
        None when there is none, or several (then :meth:`find_vpc` says so)."""
        if not self._vpc_read:
            self._vpc_read = True
            name = self.names["networking"]["vpc"]
            vpcs = _pages(
                self.call,
                self.client("ec2").describe_vpcs,
                "Vpcs",
                Filters=state.filters({"tag:Name": name, **self.tag_filters}),
            )
            if len(vpcs) > 1:
                self._vpc_problem = (
                    f"Found {len(vpcs)} VPCs named {name} and tagged {self.tag_filters}: "
                    f"{sorted(vpc['VpcId'] for vpc in vpcs)}; the teardown deletes one stack's VPC and will not "
                    "guess which one: delete the others by hand or retag them"
                )
            elif vpcs:
                self._vpc = vpcs[0]
        return self._vpc

    def _in_vpc(self, method: str, key: str, **filters: Any) -> list[dict[str, Any]]:
        vpc = self.vpc()
        if vpc is None:
            return []
        ec2 = self.client("ec2")
        return _pages(self.call, getattr(ec2, method), key, Filters=state.filters({"vpc-id": vpc["VpcId"], **filters}))

    def find_nat_gateway(self) -> list[Resource]:
        # Every NAT gateway in the VPC, whatever its name: nothing else can be deleted under them.
        self.nat_gateways = [
            gateway
            for gateway in self._in_vpc("describe_nat_gateways", "NatGateways", state=list(self.NAT_STATES))
            if gateway.get("State") in self.NAT_STATES
        ]
        return [
            Resource(
                "nat_gateway",
                gateway["NatGatewayId"],
                _name_tag(gateway),
                status=DELETING if gateway["State"] == "deleting" else FOUND,
            )
            for gateway in self.nat_gateways
        ]

    def delete_nat_gateway(self, resource: Resource) -> bool:
        answer = self._ignoring(
            ("NatGatewayNotFound",), self.client("ec2").delete_nat_gateway, NatGatewayId=resource.id
        )
        return answer is None

    def poll_nat_gateway(self, resources: list[Resource]) -> dict[str, str]:
        gateways = _pages(
            self.call,
            self.client("ec2").describe_nat_gateways,
            "NatGateways",
            Filters=state.filters({"nat-gateway-id": [r.id for r in resources]}),
        )
        return {
            gateway["NatGatewayId"]: gateway["State"]
            for gateway in gateways
            if gateway.get("State") not in ("deleted", "failed")
        }

    def _nat_addresses(self) -> dict[str, set[str]]:
        """The allocation ids and the network interfaces of the VPC's NAT gateways."""
        addresses = [item for gateway in self.nat_gateways for item in gateway.get("NatGatewayAddresses") or []]
        return {
            "allocations": {item["AllocationId"] for item in addresses if item.get("AllocationId")},
            "interfaces": {item["NetworkInterfaceId"] for item in addresses if item.get("NetworkInterfaceId")},
        }

    def find_elastic_ip(self) -> list[Resource]:
        # The NAT gateways' addresses, and any a failed run allocated without making its NAT gateway.
        prefix = networking.nat_name_prefix({"name": self.inputs.name})
        addresses = self.call(self.client("ec2").describe_addresses, Filters=state.filters(self.tag_filters))
        return [
            Resource("elastic_ip", address["AllocationId"], _name_tag(address), details=dict(address))
            for address in addresses.get("Addresses") or []
            if _name_tag(address).startswith(prefix) and address.get("AllocationId")
        ]

    def delete_elastic_ip(self, resource: Resource) -> bool:
        association = resource.details.get("AssociationId")
        if association and resource.id not in self._nat_addresses()["allocations"]:
            holder = resource.details.get("NetworkInterfaceId") or resource.details.get("InstanceId") or association
            raise Left(f"associated with {holder}, which is no NAT gateway of the stack's VPC: disassociate it first")
        try:
            self.call(self.client("ec2").release_address, AllocationId=resource.id)
        except Exception as error:
            code = error_code(error)
            if code == "InvalidAllocationID.NotFound":
                return True
            if code in ("AuthFailure", "InvalidIPAddress.InUse"):
                # Still associated with its NAT gateway's interface, released a moment after the gateway.
                raise InUse(describe_error(error)) from error
            raise
        return True

    def find_vpc_in_use(self) -> list[Resource]:
        vpc = self.vpc()
        return [Resource("vpc_in_use", vpc["VpcId"], self.names["networking"]["vpc"])] if vpc else []

    def delete_vpc_in_use(self, resource: Resource) -> bool:
        """Passes once the VPC holds nothing but the network's own resources."""
        groups = [
            group
            for group in self._in_vpc("describe_security_groups", "SecurityGroups")
            if group.get("GroupName") != "default"
        ]
        interfaces = self._in_vpc("describe_network_interfaces", "NetworkInterfaces")
        nat_interfaces = self._nat_addresses()["interfaces"]
        alb = f"ELB app/{self.names['load_balancer']['load_balancer']}/"

        def releasing(interface: Mapping[str, Any]) -> bool:
            # Interfaces AWS releases by itself a moment after their NAT gateway or load balancer is gone.
            return (
                interface.get("InterfaceType") == "nat_gateway"
                or interface["NetworkInterfaceId"] in nat_interfaces
                or str(interface.get("Description") or "").startswith(alb)
            )

        foreign = [interface for interface in interfaces if not releasing(interface)]
        if groups or foreign:
            holds = []
            if groups:
                holds.append(
                    f"the security groups {[g['GroupId'] for g in groups]} named {[g.get('GroupName') for g in groups]}"
                )
            if foreign:
                holds.append(
                    f"the network interfaces {[i['NetworkInterfaceId'] for i in foreign]} described as "
                    f"{[i.get('Description', '') for i in foreign]}"
                )
            raise Left(
                f"the VPC {resource.id} ({resource.name}) still holds {' and '.join(holds)}, which are not the "
                "network's own: remove the load_balancer and scaling_group parts first (teardown.yml removes every "
                "part) or delete them, then remove the network again"
            )
        if interfaces:
            ids = [interface["NetworkInterfaceId"] for interface in interfaces]
            raise InUse(f"the network interfaces {ids} are not released yet")
        return True

    def find_route_table(self) -> list[Resource]:
        # The main route table goes with the VPC; the others with their subnet associations.
        tables = self._in_vpc("describe_route_tables", "RouteTables")
        return [
            Resource(
                "route_table",
                table["RouteTableId"],
                _name_tag(table),
                details={
                    "associations": [
                        item["RouteTableAssociationId"]
                        for item in table.get("Associations") or []
                        if item.get("RouteTableAssociationId")
                    ]
                },
            )
            for table in tables
            if not any(item.get("Main") for item in table.get("Associations") or [])
        ]

    def delete_route_table(self, resource: Resource) -> bool:
        ec2 = self.client("ec2")
        for association in resource.details["associations"]:
            self._ignoring(("InvalidAssociationID.NotFound",), ec2.disassociate_route_table, AssociationId=association)
        self._ignoring(("InvalidRouteTableID.NotFound",), ec2.delete_route_table, RouteTableId=resource.id)
        return True

    def find_internet_gateway(self) -> list[Resource]:
        # The one attached to the VPC, and one a failed run left detached (found by its name and tags).
        ec2 = self.client("ec2")
        requests = [{"tag:Name": self.names["networking"]["internet_gateway"], **self.tag_filters}]
        vpc = self.vpc()
        if vpc is not None:
            requests.append({"attachment.vpc-id": vpc["VpcId"]})
        found: dict[str, dict[str, Any]] = {}
        for request in requests:
            for gateway in _pages(
                self.call, ec2.describe_internet_gateways, "InternetGateways", Filters=state.filters(request)
            ):
                found[gateway["InternetGatewayId"]] = gateway
        return [
            Resource(
                "internet_gateway",
                gateway_id,
                _name_tag(gateway),
                details={"vpcs": [item["VpcId"] for item in gateway.get("Attachments") or [] if item.get("VpcId")]},
            )
            for gateway_id, gateway in sorted(found.items())
        ]

    def delete_internet_gateway(self, resource: Resource) -> bool:
        ec2 = self.client("ec2")
        for vpc_id in resource.details["vpcs"]:
            self._ignoring(
                ("Gateway.NotAttached", "InvalidInternetGatewayID.NotFound"),
                ec2.detach_internet_gateway,
                InternetGatewayId=resource.id,
                VpcId=vpc_id,
            )
        self._ignoring(
            ("InvalidInternetGatewayID.NotFound",), ec2.delete_internet_gateway, InternetGatewayId=resource.id
        )
        return True

    def find_subnet(self) -> list[Resource]:
        return [
            Resource("subnet", subnet["SubnetId"], _name_tag(subnet))
            for subnet in self._in_vpc("describe_subnets", "Subnets")
        ]

    def delete_subnet(self, resource: Resource) -> bool:
        self._ignoring(("InvalidSubnetID.NotFound",), self.client("ec2").delete_subnet, SubnetId=resource.id)
        return True

    def find_flow_log(self) -> list[Resource]:
        vpc = self.vpc()
        if vpc is None:
            return []
        logs = _pages(
            self.call,
            self.client("ec2").describe_flow_logs,
            "FlowLogs",
            Filters=state.filters({"resource-id": vpc["VpcId"]}),
        )
        return [Resource("flow_log", item["FlowLogId"], item.get("LogGroupName") or "") for item in logs]

    def delete_flow_log(self, resource: Resource) -> bool:
        flow_logs.delete_flow_logs(self.client("ec2"), [resource.id])
        return True

    def find_vpc(self) -> list[Resource]:
        vpc = self.vpc()
        if self._vpc_problem:
            raise Left(self._vpc_problem)
        return [Resource("vpc", vpc["VpcId"], self.names["networking"]["vpc"])] if vpc else []

    def delete_vpc(self, resource: Resource) -> bool:
        self._ignoring(("InvalidVpcID.NotFound",), self.client("ec2").delete_vpc, VpcId=resource.id)
        return True

    def find_flow_logs_role(self) -> list[Resource]:
        return self._find_role("flow_logs_role", self.names["networking"]["flow_logs_role"])

    def delete_flow_logs_role(self, resource: Resource) -> bool:
        return self._delete_role(resource.id)

    def find_flow_logs_log_group(self) -> list[Resource]:
        group = networking.flow_logs_group(
            {"flow_logs_log_group_name": self.inputs.flow_logs_log_group_name}, self.names["networking"]
        )
        logs = self.client("logs")
        groups = _pages(self.call, logs.describe_log_groups, "logGroups", logGroupNamePrefix=group)
        return (
            [Resource("flow_logs_log_group", group, group)] if any(g["logGroupName"] == group for g in groups) else []
        )

    def delete_flow_logs_log_group(self, resource: Resource) -> bool:
        return self._delete_log_group(resource.id)

    # --- load_balancer ---

    def _by_name(self, key: str, method: str, items: str, missing: str) -> dict[str, Any] | None:
        name = self.names["load_balancer"][key]
        if not names_table.valid_name(key, name):
            return None  # a name ELB refuses is no load balancer or target group that can exist
        return load_balancer._describe_by_name(self.call, getattr(self.client("elbv2"), method), items, name, missing)

    def find_load_balancer(self) -> list[Resource]:
        alb = self._by_name("load_balancer", "describe_load_balancers", "LoadBalancers", "LoadBalancerNotFound")
        if alb is None:
            return []
        self.arns["load_balancer"] = alb["LoadBalancerArn"]
        return [
            Resource(
                "load_balancer",
                alb["LoadBalancerName"],
                alb["LoadBalancerName"],
                details={"arn": alb["LoadBalancerArn"]},
            )
        ]

    def delete_load_balancer(self, resource: Resource) -> bool:
        elb, arn = self.client("elbv2"), resource.details["arn"]
        attributes = self.call(elb.describe_load_balancer_attributes, LoadBalancerArn=arn)["Attributes"]
        protected = any(
            item["Key"] == "deletion_protection.enabled" and str(item.get("Value")).lower() == "true"
            for item in attributes
        )
        if protected:
            # As the load_balancer role's absent always did: protection guards the ALB against others.
            self.call(
                elb.modify_load_balancer_attributes,
                LoadBalancerArn=arn,
                Attributes=[{"Key": "deletion_protection.enabled", "Value": "false"}],
            )
        self.call(elb.delete_load_balancer, LoadBalancerArn=arn)
        return False  # gone once DescribeLoadBalancers no longer finds it

    def poll_load_balancer(self, resources: list[Resource]) -> dict[str, str]:
        alb = self._by_name("load_balancer", "describe_load_balancers", "LoadBalancers", "LoadBalancerNotFound")
        if alb is None:
            return {}
        return {alb["LoadBalancerName"]: str((alb.get("State") or {}).get("Code") or "there")}

    def find_target_group(self) -> list[Resource]:
        group = self._by_name("target_group", "describe_target_groups", "TargetGroups", "TargetGroupNotFound")
        if group is None:
            return []
        self.arns["target_group"] = group["TargetGroupArn"]
        return [
            Resource(
                "target_group",
                group["TargetGroupName"],
                group["TargetGroupName"],
                details={"arn": group["TargetGroupArn"]},
            )
        ]

    def delete_target_group(self, resource: Resource) -> bool:
        self._ignoring(
            ("TargetGroupNotFound",), self.client("elbv2").delete_target_group, TargetGroupArn=resource.details["arn"]
        )
        return True

    def find_access_logs_bucket(self) -> list[Resource]:
        if not self.inputs.access_logs_delete_bucket:
            return []  # kept, with its logs, as the load_balancer role's absent keeps it
        account = load_balancer._account(self.call, self.client, {}, self.arns)
        bucket = load_balancer.access_logs_bucket(
            {"name": self.inputs.name, "access_logs_bucket": self.inputs.access_logs_bucket}, account
        )
        if not names_table.valid_name("access_logs_bucket", bucket):
            return []  # a name S3 refuses is no bucket that can exist
        try:
            self.call(self.client("s3").head_bucket, Bucket=bucket)
        except Exception as error:
            if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                return []
            raise
        return [Resource("access_logs_bucket", bucket, bucket)]

    def delete_access_logs_bucket(self, resource: Resource) -> bool:
        s3, bucket = self.client("s3"), resource.id
        request: dict[str, Any] = {"Bucket": bucket}
        while True:
            page = self._ignoring(("NoSuchBucket",), s3.list_object_versions, **request)
            if page is None:
                return True
            objects = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in (page.get("Versions") or []) + (page.get("DeleteMarkers") or [])
            ]
            if objects:
                self.call(s3.delete_objects, Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
            if not page.get("IsTruncated"):
                break
            request.update(KeyMarker=page.get("NextKeyMarker"), VersionIdMarker=page.get("NextVersionIdMarker"))
        self._ignoring(("NoSuchBucket",), s3.delete_bucket, Bucket=bucket)
        return True

    def _security_groups(self, kind: str, name: str, vpc_id: str = "") -> list[Resource]:
        wanted = {"group-name": name, **self.tag_filters, **({"vpc-id": vpc_id} if vpc_id else {})}
        groups = _pages(
            self.call, self.client("ec2").describe_security_groups, "SecurityGroups", Filters=state.filters(wanted)
        )
        return [Resource(kind, group["GroupId"], group["GroupName"]) for group in groups]

    def find_alb_security_group(self) -> list[Resource]:
        return self._security_groups("alb_security_group", self.names["load_balancer"]["alb_security_group"])

    def delete_alb_security_group(self, resource: Resource) -> bool:
        return self._delete_security_group(resource)

    def _delete_security_group(self, resource: Resource) -> bool:
        self._ignoring(("InvalidGroup.NotFound",), self.client("ec2").delete_security_group, GroupId=resource.id)
        return True

    # --- instance_bootstrap ---

    def find_log_group(self) -> list[Resource]:
        if not self.inputs.manage_log_groups:
            return []  # not the role's: left alone, as the instance_bootstrap role's absent leaves them
        found = instance_bootstrap.read(
            self.client, {"manage_log_groups": True}, self.names["instance_bootstrap"], self.retry
        )
        return [Resource("log_group", group, group) for group in found["ids"].values()]

    def delete_log_group(self, resource: Resource) -> bool:
        return self._delete_log_group(resource.id)

    def _delete_log_group(self, group: str) -> bool:
        self._ignoring(("ResourceNotFoundException",), self.client("logs").delete_log_group, logGroupName=group)
        return True

    # --- scaling_group ---

    def find_auto_scaling_group(self) -> list[Resource]:
        autoscaling = self.client("autoscaling")
        name = self.names["scaling_group"]["auto_scaling_group"]
        groups = self.call(autoscaling.describe_auto_scaling_groups, AutoScalingGroupNames=[name])
        if not groups.get("AutoScalingGroups"):
            return []
        group = groups["AutoScalingGroups"][0]
        policies = _pages(self.call, autoscaling.describe_policies, "ScalingPolicies", AutoScalingGroupName=name)
        self.group = Resource(
            "auto_scaling_group",
            name,
            name,
            status=DELETING if group.get("Status") == "Delete in progress" else FOUND,
            also=[("scaling_policy", policy["PolicyName"]) for policy in policies],
        )
        return [self.group]

    def delete_auto_scaling_group(self, resource: Resource) -> bool:
        self.call(
            self.client("autoscaling").delete_auto_scaling_group, AutoScalingGroupName=resource.id, ForceDelete=True
        )
        return False  # "Delete in progress" until its instances are terminated

    def poll_auto_scaling_group(self, resources: list[Resource]) -> dict[str, str]:
        if any(instance.status in (FOUND, DELETING) for instance in self.instances):
            # A group is "Delete in progress" until its instances are terminated: no need to ask before.
            return {r.id: "Delete in progress" for r in resources}
        groups = self.call(
            self.client("autoscaling").describe_auto_scaling_groups, AutoScalingGroupNames=[r.id for r in resources]
        )
        return {group["AutoScalingGroupName"]: group.get("Status") or "there" for group in groups["AutoScalingGroups"]}

    def _instances(self, **filters: Any) -> list[dict[str, Any]]:
        reservations = _pages(
            self.call, self.client("ec2").describe_instances, "Reservations", Filters=state.filters(filters)
        )
        return [instance for reservation in reservations for instance in reservation.get("Instances") or []]

    def find_instance(self) -> list[Resource]:
        group = self.names["scaling_group"]["auto_scaling_group"]
        instances = self._instances(
            **{"tag:aws:autoscaling:groupName": group, "instance-state-name": list(self.LIVE_INSTANCES)}
        )
        self.instances = [
            Resource(
                "instance",
                instance["InstanceId"],
                _name_tag(instance),
                status=DELETING if instance["State"]["Name"] == "shutting-down" else FOUND,
            )
            for instance in instances
        ]
        return self.instances

    def delete_instance(self, resource: Resource) -> bool:
        if self.group is not None:
            if self.group.status == LEFT:
                raise Left(f"its Auto Scaling group {self.group.id} is left")
            if self.group.status == FOUND:
                raise InUse(f"waits for its Auto Scaling group {self.group.id} to be deleted")
            return False  # the group terminates its instances itself
        # A group gone and its instance still there (a run killed at the wrong moment): terminated here.
        self.call(self.client("ec2").terminate_instances, InstanceIds=[resource.id])
        return False

    def poll_instance(self, resources: list[Resource]) -> dict[str, str]:
        instances = self._instances(**{"instance-id": [r.id for r in resources]})
        return {
            instance["InstanceId"]: instance["State"]["Name"]
            for instance in instances
            if instance["State"]["Name"] != "terminated"
        }

    def find_alarm(self) -> list[Resource]:
        names = [self.names["scaling_group"]["cpu_high_alarm"], self.names["scaling_group"]["cpu_low_alarm"]]
        alarms = _pages(
            self.call,
            self.client("cloudwatch").describe_alarms,
            "MetricAlarms",
            AlarmNames=names,
            AlarmTypes=["MetricAlarm"],
        )
        return [Resource("alarm", alarm["AlarmName"], alarm["AlarmName"]) for alarm in alarms]

    def delete_alarm(self, resource: Resource) -> bool:
        self._ignoring(("ResourceNotFound",), self.client("cloudwatch").delete_alarms, AlarmNames=[resource.id])
        return True

    def find_launch_template(self) -> list[Resource]:
        name = self.names["scaling_group"]["launch_template"]
        templates = _pages(
            self.call,
            self.client("ec2").describe_launch_templates,
            "LaunchTemplates",
            Filters=state.filters({"launch-template-name": name}),
        )
        return [
            Resource(
                "launch_template",
                t["LaunchTemplateName"],
                t["LaunchTemplateName"],
                details={"id": t["LaunchTemplateId"]},
            )
            for t in templates
        ]

    def delete_launch_template(self, resource: Resource) -> bool:
        self._ignoring(
            ("InvalidLaunchTemplateId.NotFound", "InvalidLaunchTemplateName.NotFoundException"),
            self.client("ec2").delete_launch_template,
            LaunchTemplateId=resource.details["id"],
        )
        return True

    def find_instance_profile(self) -> list[Resource]:
        name = self.names["scaling_group"]["instance_profile"]
        answer = self._ignoring(("NoSuchEntity",), self.client("iam").get_instance_profile, InstanceProfileName=name)
        if answer is None:
            return []
        roles = [role["RoleName"] for role in answer["InstanceProfile"].get("Roles") or []]
        return [Resource("instance_profile", name, name, details={"roles": roles})]

    def delete_instance_profile(self, resource: Resource) -> bool:
        iam = self.client("iam")
        for role in resource.details["roles"]:
            self._ignoring(
                ("NoSuchEntity",), iam.remove_role_from_instance_profile, InstanceProfileName=resource.id, RoleName=role
            )
        self._ignoring(("NoSuchEntity",), iam.delete_instance_profile, InstanceProfileName=resource.id)
        return True

    def find_instance_role(self) -> list[Resource]:
        return self._find_role("instance_role", self.names["scaling_group"]["instance_role"])

    def delete_instance_role(self, resource: Resource) -> bool:
        return self._delete_role(resource.id)

    def find_app_security_group(self) -> list[Resource]:
        return self._security_groups(
            "app_security_group", self.names["scaling_group"]["app_security_group"], self.inputs.vpc_id
        )

    def delete_app_security_group(self, resource: Resource) -> bool:
        return self._delete_security_group(resource)

    # --- IAM roles ---

    def _find_role(self, kind: str, name: str) -> list[Resource]:
        answer = self._ignoring(("NoSuchEntity",), self.client("iam").get_role, RoleName=name)
        return [] if answer is None else [Resource(kind, name, name)]

    def _delete_role(self, name: str) -> bool:
        """Detach its managed policies, delete its inline ones, take it out of every instance profile, delete it."""
        iam, gone = self.client("iam"), ("NoSuchEntity",)
        for policy in _pages(self.call, iam.list_attached_role_policies, "AttachedPolicies", RoleName=name):
            self._ignoring(gone, iam.detach_role_policy, RoleName=name, PolicyArn=policy["PolicyArn"])
        for policy_name in _pages(self.call, iam.list_role_policies, "PolicyNames", RoleName=name):
            self._ignoring(gone, iam.delete_role_policy, RoleName=name, PolicyName=policy_name)
        for profile in _pages(self.call, iam.list_instance_profiles_for_role, "InstanceProfiles", RoleName=name):
            self._ignoring(
                gone,
                iam.remove_role_from_instance_profile,
                InstanceProfileName=profile["InstanceProfileName"],
                RoleName=name,
            )
        self._ignoring(gone, iam.delete_role, RoleName=name)
        return True

    # --- the leftovers check: every kind of resource of the whole stack ---

    def leftovers(self) -> list[tuple[str, str]]:
        """(kind, id or name) of every resource of the stack that exists: by the stack's tags, or by
        its name prefix where AWS cannot filter by tag. Read-only (18 calls)."""
        ec2, prefix = self.client("ec2"), f"{self.inputs.name}-"
        tagged = {"Filters": state.filters(self.tag_filters)}
        found: list[tuple[str, str]] = []
        for what, method, key, id_key, extra in (
            ("vpc", "describe_vpcs", "Vpcs", "VpcId", {}),
            ("subnet", "describe_subnets", "Subnets", "SubnetId", {}),
            ("route_table", "describe_route_tables", "RouteTables", "RouteTableId", {}),
            ("internet_gateway", "describe_internet_gateways", "InternetGateways", "InternetGatewayId", {}),
            (
                "nat_gateway",
                "describe_nat_gateways",
                "NatGateways",
                "NatGatewayId",
                {"state": [*self.NAT_STATES, "failed"]},
            ),
            ("security_group", "describe_security_groups", "SecurityGroups", "GroupId", {}),
            ("launch_template", "describe_launch_templates", "LaunchTemplates", "LaunchTemplateName", {}),
        ):
            request = {"Filters": state.filters({**self.tag_filters, **extra})}
            items = _pages(self.call, getattr(ec2, method), key, **request)
            if what == "nat_gateway":
                items = [item for item in items if item.get("State") != "deleted"]
            found += [(what, item[id_key]) for item in items]
        found += [
            ("elastic_ip", item["AllocationId"])
            for item in self.call(ec2.describe_addresses, **tagged).get("Addresses") or []
        ]
        elb = self.client("elbv2")
        for what, method, key, name_key in (
            ("load_balancer", elb.describe_load_balancers, "LoadBalancers", "LoadBalancerName"),
            ("target_group", elb.describe_target_groups, "TargetGroups", "TargetGroupName"),
        ):
            found += [
                (what, item[name_key]) for item in _pages(self.call, method, key) if item[name_key].startswith(prefix)
            ]
        autoscaling = self.client("autoscaling")
        for what, method, key, name_key in (
            (
                "auto_scaling_group",
                autoscaling.describe_auto_scaling_groups,
                "AutoScalingGroups",
                "AutoScalingGroupName",
            ),
            ("scaling_policy", autoscaling.describe_policies, "ScalingPolicies", "PolicyName"),
        ):
            found += [
                (what, item[name_key]) for item in _pages(self.call, method, key) if item[name_key].startswith(prefix)
            ]
        # Ours by the stack's prefix, and those AWS made for a target tracking policy of the group (it deletes
        # them with the policy, so one found here is a leftover too).
        group = self.names["scaling_group"]["auto_scaling_group"]
        for alarm_prefix in (prefix, f"TargetTracking-{group}-"):
            alarms = _pages(
                self.call, self.client("cloudwatch").describe_alarms, "MetricAlarms", AlarmNamePrefix=alarm_prefix
            )
            found += [("alarm", item["AlarmName"]) for item in alarms]
        iam = self.client("iam")
        found += [
            ("iam_role", item["RoleName"])
            for item in _pages(self.call, iam.list_roles, "Roles")
            if item["RoleName"].startswith(prefix)
        ]
        found += [
            ("instance_profile", item["InstanceProfileName"])
            for item in _pages(self.call, iam.list_instance_profiles, "InstanceProfiles")
            if item["InstanceProfileName"].startswith(prefix)
        ]
        log_prefix = f"/{self.inputs.tags['Project']}/{self.inputs.tags['Environment']}/"
        groups = _pages(self.call, self.client("logs").describe_log_groups, "logGroups", logGroupNamePrefix=log_prefix)
        found += [("log_group", item["logGroupName"]) for item in groups]
        if self.inputs.access_logs_delete_bucket:  # a bucket kept on purpose is no leftover
            bucket_prefix = names_table.resource_name("access_logs_bucket", self.inputs.name, account="")
            given = self.inputs.access_logs_bucket
            found += [
                ("s3_bucket", item["Name"])
                for item in self.call(self.client("s3").list_buckets).get("Buckets") or []
                if item["Name"].startswith(bucket_prefix) or (given and item["Name"] == given)
            ]
        return found


def with_leftovers(result: Mapping[str, Any], leftovers: Iterable[tuple[str, str]], check_mode: bool) -> dict[str, Any]:
    """The result with what the leftovers check found and the run did not account for, as left.

    In check mode, what the run would remove is not left (nothing was deleted yet)."""
    accounted = {(row["kind"], row["id"]) for row in [*result["left"], *(result["removed"] if check_mode else [])]}
    left = list(result["left"])
    for what, item in leftovers:
        if (what, item) not in accounted:
            reason = "not removed by this run's parts" if check_mode else "still exists after the teardown"
            left.append({"kind": what, "id": item, "name": item, "reason": reason})
            accounted.add((what, item))
    return {**result, "left": left}


def summary(name: str, result: Mapping[str, Any], check_mode: bool) -> str:
    """One line: what is left and why, else what was (or would be) removed."""
    if result["left"] and not check_mode:
        rows = "; ".join(f"{row['kind']} {row['id']} ({row['reason']})" for row in result["left"])
        return f"Left behind by the stack {name}: {rows}. Removed {len(result['removed'])} resources."
    if not result["removed"]:
        return f"Nothing of the stack {name} to remove."
    rows = ", ".join(f"{row['kind']} {row['id']}" for row in result["removed"])
    return f"{'Would remove' if check_mode else 'Removed'} from the stack {name}: {rows}."


def teardown(
    client: Callable[[str], Any],
    inputs: Inputs,
    parts: Iterable[str] = PARTS,
    check_mode: bool = False,
    timeout: float = 600,
    interval: float = 2,
    check_leftovers: bool = False,
    retry: bool = True,
) -> dict[str, Any]:
    """Remove the parts of the stack; ``changed``, ``removed``, ``left`` (and ``msg``)."""
    stack = Stack(client, inputs, retry=retry)
    result = Teardown(stack, plan(parts), check_mode=check_mode, timeout=timeout, interval=interval).run()
    if check_leftovers:
        result = with_leftovers(result, stack.leftovers(), check_mode)
    result["msg"] = summary(inputs.name, result, check_mode)
    return result
