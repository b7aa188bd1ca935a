"""The teardown's order and waits (plugins/module_utils/teardown.py): the dependency table, the
scheduler against fake handlers on a fake clock, and the AWS handlers against moto in-process."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry, RetryingBotoClientWrapper
from botocore.exceptions import ClientError
from moto import mock_aws

from ansible_collections.muejam.infra.plugins.module_utils import names, teardown
from ansible_collections.muejam.infra.plugins.module_utils.teardown import (
    BY_KEY,
    DELETING,
    KINDS,
    PARTS,
    InUse,
    Left,
    Resource,
    Teardown,
    plan,
)
from ansible_collections.muejam.infra.plugins.plugin_utils.role_files import load_roles
from tools.emulator import patches


class TestKinds:
    def test_every_kind_waits_only_for_kinds_before_it(self) -> None:
        seen: set[str] = set()
        for kind in KINDS:
            assert set(kind.after) <= seen, f"{kind.key} waits for {set(kind.after) - seen}, which come later"
            seen.add(kind.key)

    def test_every_kind_belongs_to_a_part(self) -> None:
        assert {kind.part for kind in KINDS} == set(PARTS)

    def test_the_long_waits_start_first(self) -> None:
        at_once = [kind.key for kind in KINDS if not kind.after]
        assert at_once[:3] == ["nat_gateway", "auto_scaling_group", "instance"]
        assert {"alarm", "load_balancer", "launch_template", "instance_profile", "log_group"} <= set(at_once)

    def test_what_the_waits_hold_waits_for_them(self) -> None:
        assert "instance" in BY_KEY["app_security_group"].after
        assert "nat_gateway" in BY_KEY["elastic_ip"].after
        assert "load_balancer" in BY_KEY["target_group"].after
        assert {"nat_gateway", "instance", "load_balancer"} <= set(BY_KEY["vpc_in_use"].after)
        assert {"subnet", "internet_gateway", "route_table"} <= set(BY_KEY["vpc"].after)

    def test_what_lives_in_the_vpc_waits_for_its_check_itself(self) -> None:
        # Waiting is not transitive through a kind of which nothing is found (a VPC without subnets).
        for key in ("route_table", "internet_gateway", "subnet", "flow_log", "vpc"):
            assert "vpc_in_use" in BY_KEY[key].after, key


class TestPlan:
    def test_every_part_by_default_in_the_tables_order(self) -> None:
        assert plan(PARTS) == list(KINDS)

    def test_one_part_plans_its_own_kinds(self) -> None:
        assert {kind.part for kind in plan(["load_balancer"])} == {"load_balancer"}
        assert [kind.key for kind in plan(["instance_bootstrap"])] == ["log_group"]

    def test_the_order_of_the_parts_does_not_matter(self) -> None:
        assert plan(["scaling_group", "networking"]) == plan(["networking", "scaling_group"])

    def test_an_unknown_part_is_refused(self) -> None:
        with pytest.raises(ValueError, match="Unknown parts"):
            plan(["network"])


# --- the scheduler, against fake handlers on a fake clock -----------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class FakeAWS:
    """Handlers over resources by kind: ``takes`` seconds of deletion (polled), ``in_use_until`` the
    time a deletion stops being refused, ``errors`` to raise; every call recorded with its time."""

    def __init__(
        self,
        clock: Clock,
        found: dict[str, list[Resource]],
        takes: dict[str, float] | None = None,
        in_use_until: dict[str, float] | None = None,
        errors: dict[str, Exception] | None = None,
    ) -> None:
        self.clock = clock
        self.found = found
        self.takes = takes or {}
        self.in_use_until = in_use_until or {}
        self.errors = errors or {}
        self.gone_at: dict[str, float] = {}
        self.calls: list[tuple[float, str, str]] = []

    def find(self, key: str) -> list[Resource]:
        self.calls.append((self.clock.now, "find", key))
        return copy.deepcopy(self.found.get(key, []))

    def delete(self, key: str, resource: Resource) -> bool:
        self.calls.append((self.clock.now, "delete", resource.id))
        if resource.id in self.errors:
            raise self.errors[resource.id]
        if self.clock.now < self.in_use_until.get(resource.id, 0):
            raise InUse("DependencyViolation: in use")
        if self.takes.get(resource.id):
            self.gone_at[resource.id] = self.clock.now + self.takes[resource.id]
            return False
        return True

    def poll(self, key: str, resources: list[Resource]) -> dict[str, str]:
        self.calls.append((self.clock.now, "poll", key))
        return {r.id: "deleting" for r in resources if self.clock.now < self.gone_at.get(r.id, self.clock.now - 1)}

    def deleted(self) -> list[str]:
        return [item for _unused, action, item in self.calls if action == "delete"]

    def first(self, item: str) -> float:
        return next(when for when, action, name in self.calls if action == "delete" and name == item)


def whole_stack() -> dict[str, list[Resource]]:
    """One resource or a few of every kind, as a converged stack has them."""
    found: dict[str, list[Resource]] = {kind.key: [Resource(kind.key, kind.key)] for kind in KINDS}
    found["nat_gateway"] = [Resource("nat_gateway", f"nat-{zone}") for zone in "abc"]
    found["elastic_ip"] = [Resource("elastic_ip", f"eip-{zone}") for zone in "abc"]
    found["instance"] = [Resource("instance", f"i-{n}") for n in (1, 2)]
    found["subnet"] = [Resource("subnet", f"subnet-{n}") for n in range(6)]
    return found


# The waits of the latency model at scale 0.5: NAT gateways deleting 30 s, instances shutting down 22.5 s.
AWS_TIME = {"nat-a": 30, "nat-b": 30, "nat-c": 30, "auto_scaling_group": 22.5, "i-1": 22.5, "i-2": 22.5}


def run(aws: FakeAWS, clock: Clock, parts: tuple[str, ...] = PARTS, **options: Any) -> dict[str, Any]:
    options.setdefault("interval", 2)
    return Teardown(aws, plan(parts), clock=clock, sleep=clock.sleep, **options).run()


class TestTeardown:
    def test_starts_every_wait_at_once_before_anything_that_waits(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        run(aws, clock)
        started = aws.deleted()
        first_dependent = min(started.index(item) for item in ("app_security_group", "eip-a", "subnet-0", "vpc"))
        for item in ("nat-a", "nat-b", "nat-c", "auto_scaling_group", "load_balancer", "alarm"):
            assert started.index(item) < first_dependent
        assert started[:3] == ["nat-a", "nat-b", "nat-c"]
        assert {aws.first(item) for item in ("nat-a", "auto_scaling_group", "launch_template", "log_group")} == {0.0}

    def test_the_waits_overlap_the_run_takes_the_longest_of_them(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock)
        assert result["left"] == []
        # 30 s of NAT gateway deletion, then at most one poll interval: not 30 + 22.5.
        assert 30 <= clock.now <= 32
        assert aws.first("app_security_group") < 30 <= aws.first("eip-a")
        assert aws.first("vpc") == clock.now

    def test_what_a_wait_held_goes_in_the_round_it_is_gone(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        run(aws, clock)
        instances_gone = next(when for when, action, key in aws.calls if action == "poll" and when >= 22.5)
        assert aws.first("app_security_group") == instances_gone
        assert aws.first("alb_security_group") == instances_gone

    def test_polls_one_describe_per_kind_and_round(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock)
        polled = [key for _unused, action, key in aws.calls if action == "poll"]
        assert {key: polled.count(key) <= result["rounds"] for key in polled} == dict.fromkeys(polled, True)
        assert polled.count("nat_gateway") == result["rounds"]  # the longest wait: in every round
        assert all(seconds <= 2 for seconds in clock.sleeps)

    def test_removes_everything_and_reports_it(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock)
        assert result["changed"] is True
        ids = [row["id"] for row in result["removed"]]
        assert "vpc_in_use" not in ids  # a check, no resource
        expected = {r.id for key, rows in whole_stack().items() for r in rows if not BY_KEY[key].check}
        assert set(ids) == expected and len(ids) == len(expected)
        assert {row["kind"] for row in result["removed"] if row["id"] == "alb_security_group"} == {"security_group"}

    def test_retries_a_deletion_aws_refuses_while_something_holds_it(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME, in_use_until={"subnet-3": 35})
        result = run(aws, clock)
        assert result["left"] == []
        assert aws.deleted().count("subnet-3") > 1
        assert aws.first("vpc") >= 35

    def test_an_error_leaves_the_resource_and_what_waits_for_it_and_removes_the_rest(self) -> None:
        clock = Clock()
        denied = RuntimeError("AccessDenied")
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME, errors={"app_security_group": denied})
        result = run(aws, clock)
        left = {row["id"]: row["reason"] for row in result["left"]}
        assert left["app_security_group"] == "AccessDenied"
        assert left["alb_security_group"] == "waits for security_group app_security_group, which is left"
        # The network stops before what the VPC still holds; its NAT gateways and addresses go.
        assert {"route_table", "subnet-0", "vpc", "flow_log"} <= set(left)
        removed = {row["id"] for row in result["removed"]}
        assert {"nat-a", "eip-a", "auto_scaling_group", "launch_template", "target_group", "log_group"} <= removed
        assert "flow_logs_role" in left  # the VPC's flow logs stay, and so does what delivers them

    def test_a_failed_check_leaves_what_waits_for_it_with_its_reason(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), errors={"vpc_in_use": Left("the VPC vpc-1 still holds sg-1")})
        result = run(aws, clock, parts=("networking",))
        left = {row["id"]: row["reason"] for row in result["left"]}
        assert "vpc_in_use" not in left
        assert left["vpc"] == left["subnet-0"] == "the VPC vpc-1 still holds sg-1"
        assert {"nat-a", "eip-a"} <= {row["id"] for row in result["removed"]}

    def test_gives_up_at_the_timeout_naming_what_is_left_and_how_long_it_waited(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes={**AWS_TIME, "nat-b": 900})
        result = run(aws, clock, timeout=60)
        left = {row["id"]: row["reason"] for row in result["left"]}
        assert left["nat-b"] == "still deleting after 60 s (wait_timeout)"
        assert left["eip-a"] == "waits for nat_gateway nat-b after 60 s (wait_timeout)"
        assert "app_security_group" not in left  # what waited for the instances only went
        assert 60 <= clock.now <= 62

    def test_a_part_removed_alone_waits_for_no_other_part(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock, parts=("load_balancer",))
        assert {row["id"] for row in result["removed"]} == {
            "load_balancer",
            "target_group",
            "access_logs_bucket",
            "alb_security_group",
        }
        assert {key for _unused, action, key in aws.calls if action == "find"} == {
            kind.key for kind in KINDS if kind.part == "load_balancer"
        }

    def test_what_is_already_deleting_is_waited_for_and_not_deleted_again(self) -> None:
        clock = Clock()
        found = whole_stack()
        for resource in found["nat_gateway"]:
            resource.status = DELETING
        aws = FakeAWS(clock, found)
        aws.gone_at = {"nat-a": 10, "nat-b": 10, "nat-c": 10}
        result = run(aws, clock)
        assert not {"nat-a", "nat-b", "nat-c"} & set(aws.deleted())
        assert {"nat-a", "nat-b", "nat-c"} <= {row["id"] for row in result["removed"]}
        assert aws.first("eip-a") >= 10

    def test_nothing_found_is_no_change(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, {})
        assert run(aws, clock) == {"changed": False, "removed": [], "left": [], "rounds": 0}
        assert clock.sleeps == []

    def test_check_mode_deletes_nothing_and_lists_what_it_would(self) -> None:
        clock = Clock()
        aws = FakeAWS(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock, check_mode=True)
        assert aws.deleted() == [] and clock.sleeps == []
        assert result["changed"] is True and result["left"] == []
        assert len(result["removed"]) == sum(len(rows) for key, rows in whole_stack().items() if not BY_KEY[key].check)

    def test_a_kind_that_cannot_be_looked_for_is_left_and_the_rest_goes(self) -> None:
        clock = Clock()

        class Failing(FakeAWS):
            def find(self, key: str) -> list[Resource]:
                if key == "alarm":
                    raise RuntimeError("AccessDenied")
                return super().find(key)

        aws = Failing(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock)
        assert result["left"] == [
            {"kind": "alarm", "id": "(unknown)", "name": "", "reason": "could not look for it: AccessDenied"}
        ]
        assert "vpc" in {row["id"] for row in result["removed"]}

    def test_aws_in_use_errors_are_retried(self) -> None:
        clock = Clock()

        refusal = ClientError(
            {"Error": {"Code": "DependencyViolation", "Message": "has a dependent object"}}, "DeleteVpc"
        )

        class Flaky(FakeAWS):
            def delete(self, key: str, resource: Resource) -> bool:
                if resource.id == "vpc" and self.clock.now < 40:
                    self.calls.append((self.clock.now, "delete", resource.id))
                    raise refusal
                return super().delete(key, resource)

        aws = Flaky(clock, whole_stack(), takes=AWS_TIME)
        result = run(aws, clock)
        assert result["left"] == []
        assert aws.deleted().count("vpc") > 1


class TestLeftovers:
    def test_what_the_check_finds_and_the_run_left_unnamed_is_left(self) -> None:
        result = {"changed": True, "removed": [], "left": [{"kind": "vpc", "id": "vpc-1", "name": "", "reason": "x"}]}
        merged = teardown.with_leftovers(result, [("vpc", "vpc-1"), ("alarm", "a")], check_mode=False)
        assert merged["left"] == [
            {"kind": "vpc", "id": "vpc-1", "name": "", "reason": "x"},
            {"kind": "alarm", "id": "a", "name": "a", "reason": "still exists after the teardown"},
        ]

    def test_in_check_mode_what_would_be_removed_is_not_left(self) -> None:
        result = {"changed": True, "removed": [{"kind": "alarm", "id": "a", "name": "a"}], "left": []}
        merged = teardown.with_leftovers(result, [("alarm", "a"), ("vpc", "vpc-9")], check_mode=True)
        assert [row["id"] for row in merged["left"]] == ["vpc-9"]

    def test_the_summary_names_what_is_left_and_why(self) -> None:
        result = {"removed": [{"kind": "alarm", "id": "a"}], "left": [{"kind": "vpc", "id": "vpc-1", "reason": "x"}]}
        assert teardown.summary("s", result, False) == "Left behind by the stack s: vpc vpc-1 (x). Removed 1 resources."
        assert teardown.summary("s", {"removed": [], "left": []}, False) == "Nothing of the stack s to remove."
        assert teardown.summary("s", result, True) == "Would remove from the stack s: alarm a."


class TestInputs:
    def test_the_module_defaults_are_the_roles_defaults(self) -> None:
        defaults = {key: value for role in load_roles()[0].values() for key, value in role.items()}
        inputs = teardown.Inputs(name="n", tags={})
        assert inputs.access_logs_delete_bucket is defaults["load_balancer_access_logs_delete_bucket"]
        assert inputs.manage_log_groups is defaults["instance_bootstrap_manage_log_groups"]
        assert inputs.access_logs_bucket == defaults["load_balancer_access_logs_bucket"]
        assert inputs.flow_logs_log_group_name == defaults["networking_flow_logs_log_group_name"]
        assert inputs.project == defaults["instance_bootstrap_project"]

    def test_name_and_the_two_tags_are_required(self) -> None:
        assert teardown.check_inputs(teardown.Inputs(name="", tags={"Project": "p"})) == [
            "name must be the stack's name (<project>-<environment>)",
            "tags must set Environment",
        ]


# --- the AWS handlers, against moto in-process ----------------------------------------------------

REGION = "us-east-1"
STACK = "muejam-unit"
TAGS = {"Project": "muejam", "Environment": "unit", "ManagedBy": "muejam.infra"}


def tag_list(name: str) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in {**TAGS, "Name": name}.items()]


@pytest.fixture
def aws() -> Iterator[Any]:
    patches.apply_all()  # the emulator's corrections (a terminated instance's interface goes, ...)
    with mock_aws():
        clients: dict[str, Any] = {}

        def client(service: str) -> Any:
            if service not in clients:
                clients[service] = RetryingBotoClientWrapper(
                    boto3.client(service, region_name=REGION), AWSRetry.jittered_backoff()
                )
            return clients[service]

        yield client


def build(client: Any) -> dict[str, Any]:
    """A small stack as the roles make it: VPC, subnets, IGW, route tables, one NAT gateway with its
    address, security groups, ALB, target group, launch template, group, alarms, roles, log groups."""
    n = names.stack_names(STACK, zones=[f"{REGION}a"], project="muejam", environment="unit")
    ec2 = client("ec2").client
    vpc = ec2.create_vpc(
        CidrBlock="10.9.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tag_list(n["vpc"])}]
    )["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(
            VpcId=vpc,
            CidrBlock=f"10.9.{index}.0/24",
            AvailabilityZone=f"{REGION}{zone}",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": tag_list(f"{STACK}-{index}")}],
        )["Subnet"]["SubnetId"]
        for index, zone in enumerate("ab")
    ]
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": tag_list(n["internet_gateway"])}]
    )["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[0])
    allocation = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": tag_list(n["nat_gateway"][f"{REGION}a"])}],
    )["AllocationId"]
    ec2.create_nat_gateway(SubnetId=subnets[0], AllocationId=allocation)
    groups = {}
    for key in ("alb_security_group", "app_security_group"):
        groups[key] = ec2.create_security_group(
            GroupName=n[key],
            Description=key,
            VpcId=vpc,
            TagSpecifications=[{"ResourceType": "security-group", "Tags": tag_list(n[key])}],
        )["GroupId"]
    elb = client("elbv2").client
    alb = elb.create_load_balancer(
        Name=n["load_balancer"], Subnets=subnets, SecurityGroups=[groups["alb_security_group"]]
    )
    arn = alb["LoadBalancers"][0]["LoadBalancerArn"]
    elb.modify_load_balancer_attributes(
        LoadBalancerArn=arn, Attributes=[{"Key": "deletion_protection.enabled", "Value": "true"}]
    )
    elb.create_target_group(Name=n["target_group"], Protocol="HTTP", Port=8000, VpcId=vpc)
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    ec2.create_launch_template(
        LaunchTemplateName=n["launch_template"],
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": tag_list(n["launch_template"])}],
    )
    autoscaling = client("autoscaling").client
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName=n["auto_scaling_group"],
        LaunchTemplate={"LaunchTemplateName": n["launch_template"], "Version": "$Latest"},
        MinSize=1,
        MaxSize=2,
        DesiredCapacity=1,
        VPCZoneIdentifier=subnets[1],
    )
    for key in ("cpu_high_alarm", "cpu_low_alarm"):
        put_cpu_alarm(client, n[key])
    iam = client("iam").client
    trust = '{"Version": "2012-10-17", "Statement": []}'
    for key in ("instance_role", "flow_logs_role"):
        iam.create_role(RoleName=n[key], AssumeRolePolicyDocument=trust)
    document = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}'
    )
    policy = iam.create_policy(PolicyName=f"{STACK}-read", PolicyDocument=document)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=n["instance_role"], PolicyArn=policy)
    iam.put_role_policy(RoleName=n["flow_logs_role"], PolicyName=n["flow_logs_policy"], PolicyDocument=document)
    iam.create_instance_profile(InstanceProfileName=n["instance_profile"])
    iam.add_role_to_instance_profile(InstanceProfileName=n["instance_profile"], RoleName=n["instance_role"])
    logs = client("logs").client
    for key in ("app_log_group", "system_log_group", "flow_logs_log_group"):
        logs.create_log_group(logGroupName=n[key])
    ec2.create_flow_logs(
        ResourceIds=[vpc],
        ResourceType="VPC",
        TrafficType="ALL",
        LogGroupName=n["flow_logs_log_group"],
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/x",
    )
    return {"vpc": vpc, "names": n}


def put_cpu_alarm(client: Any, name: str) -> None:
    client("cloudwatch").client.put_metric_alarm(
        AlarmName=name,
        MetricName="CPUUtilization",
        Namespace="AWS/EC2",
        Statistic="Average",
        Period=60,
        EvaluationPeriods=1,
        Threshold=50,
        ComparisonOperator="GreaterThanThreshold",
    )


def remove(client: Any, check_mode: bool = False, **inputs: Any) -> dict[str, Any]:
    return teardown.teardown(
        client,
        teardown.Inputs(name=STACK, tags=TAGS, **inputs),
        check_mode=check_mode,
        timeout=30,
        interval=0,
        check_leftovers=True,
    )


class TestStackOnMoto:
    def test_removes_every_resource_and_leaves_nothing(self, aws: Any) -> None:
        build(aws)
        result = remove(aws)
        assert result["left"] == [], result["msg"]
        kinds = {row["kind"] for row in result["removed"]}
        assert {
            "vpc",
            "subnet",
            "internet_gateway",
            "route_table",
            "nat_gateway",
            "elastic_ip",
            "security_group",
            "load_balancer",
            "target_group",
            "launch_template",
            "auto_scaling_group",
            "alarm",
            "iam_role",
            "instance_profile",
            "log_group",
            "flow_log",
        } <= kinds
        assert teardown.Stack(aws, teardown.Inputs(name=STACK, tags=TAGS)).leftovers() == []

    def test_a_target_tracking_policy_goes_with_the_group_and_its_alarms_with_it(self, aws: Any) -> None:
        built = build(aws)
        group = built["names"]["auto_scaling_group"]
        aws("autoscaling").client.put_scaling_policy(
            AutoScalingGroupName=group,
            PolicyName=built["names"]["target_tracking_policy"],
            PolicyType="TargetTrackingScaling",
            TargetTrackingConfiguration={
                "PredefinedMetricSpecification": {"PredefinedMetricType": "ASGAverageCPUUtilization"},
                "TargetValue": 50.0,
            },
        )
        cloudwatch = aws("cloudwatch").client
        prefix = f"TargetTracking-{group}-"
        assert len(cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"]) == 2
        result = remove(aws)
        assert result["left"] == [], result["msg"]
        assert cloudwatch.describe_alarms(AlarmNamePrefix=prefix)["MetricAlarms"] == []
        assert aws("autoscaling").client.describe_policies()["ScalingPolicies"] == []

    def test_an_alarm_left_of_a_target_tracking_policy_is_a_leftover(self, aws: Any) -> None:
        group = names.stack_names(STACK, role="scaling_group")["auto_scaling_group"]
        stray = f"TargetTracking-{group}-AlarmHigh-0123"
        put_cpu_alarm(aws, stray)
        assert ("alarm", stray) in teardown.Stack(aws, teardown.Inputs(name=STACK, tags=TAGS)).leftovers()

    def test_a_second_run_finds_nothing_and_changes_nothing(self, aws: Any) -> None:
        build(aws)
        remove(aws)
        again = remove(aws)
        assert (again["changed"], again["removed"], again["left"]) == (False, [], [])
        assert again["msg"] == f"Nothing of the stack {STACK} to remove."

    def test_check_mode_lists_everything_and_deletes_nothing(self, aws: Any) -> None:
        built = build(aws)
        result = remove(aws, check_mode=True)
        assert result["changed"] is True and result["left"] == []
        assert ("vpc", built["vpc"]) in {(row["kind"], row["id"]) for row in result["removed"]}
        assert aws("ec2").describe_vpcs(VpcIds=[built["vpc"]])["Vpcs"]
        assert result["msg"].startswith(f"Would remove from the stack {STACK}: ")

    def test_the_network_alone_stops_at_what_another_part_left_in_the_vpc(self, aws: Any) -> None:
        built = build(aws)
        result = teardown.teardown(
            aws, teardown.Inputs(name=STACK, tags=TAGS), parts=["networking"], timeout=30, interval=0
        )
        left = {row["kind"]: row["reason"] for row in result["left"]}
        assert "still holds the security groups" in left["vpc"]
        assert built["names"]["app_security_group"] in left["vpc"]
        removed = {row["kind"] for row in result["removed"]}
        assert {"nat_gateway", "elastic_ip"} <= removed
        assert "subnet" not in removed

    def test_a_vpc_holding_somebody_elses_security_group_is_left_naming_it(self, aws: Any) -> None:
        ec2 = aws("ec2").client
        vpc = ec2.create_vpc(
            CidrBlock="10.8.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tag_list(f"{STACK}-vpc")}]
        )["Vpc"]["VpcId"]
        group = ec2.create_security_group(GroupName="somebodys", Description="not the stack's", VpcId=vpc)["GroupId"]
        result = remove(aws)
        left = {(row["kind"], row["id"]): row["reason"] for row in result["left"]}
        assert f"still holds the security groups ['{group}'] named ['somebodys']" in left[("vpc", vpc)]
        assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]
        assert result["msg"].startswith(f"Left behind by the stack {STACK}: vpc {vpc} (the VPC {vpc} ")

    def test_a_kept_access_logs_bucket_is_kept_and_is_no_leftover(self, aws: Any) -> None:
        build(aws)
        bucket = names.resource_name("access_logs_bucket", STACK, account="123456789012")
        s3 = aws("s3").client
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key="alb/log.gz", Body=b"log")
        kept = remove(aws, access_logs_delete_bucket=False)
        assert kept["left"] == [] and s3.head_bucket(Bucket=bucket)
        deleted = remove(aws)
        assert deleted["removed"] == [{"kind": "s3_bucket", "id": bucket, "name": bucket}]
        assert bucket not in {item["Name"] for item in s3.list_buckets()["Buckets"]}
