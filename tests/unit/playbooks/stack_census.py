"""What an emulator's account holds of the stack muejam-local: one count per kind of resource,
read with retries (fault injection may still be on)."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = "us-east-1"
STACK = "muejam-local"
# What site.yml builds with inventories/local: three zones, a NAT gateway and EIP per zone.
EXACTLY_THE_STACK = {
    "vpcs": 1,
    "subnets": 6,
    "nat_gateways": 3,
    "elastic_ips": 3,
    "load_balancers": 1,
    "target_groups": 1,
    "auto_scaling_groups": 1,
    "scaling_policies": 2,
    "alarms": 2,
}
NOTHING = dict.fromkeys(EXACTLY_THE_STACK, 0)


def _named(call: Any, key: str, missing: str, **kwargs: Any) -> list[Any]:
    try:
        return call(**kwargs)[key]
    except ClientError as error:
        if error.response["Error"]["Code"] == missing:
            return []
        raise


def stack_counts(endpoint: str) -> dict[str, int]:
    config = Config(retries={"mode": "standard", "total_max_attempts": 10})

    def client(service: str) -> Any:
        return boto3.client(
            service,
            region_name=REGION,
            endpoint_url=endpoint,
            config=config,
            aws_access_key_id="census",
            aws_secret_access_key="testing",
        )

    tags = [{"Name": "tag:Environment", "Values": ["local"]}, {"Name": "tag:Project", "Values": ["muejam"]}]
    ec2, elbv2, autoscaling = client("ec2"), client("elbv2"), client("autoscaling")
    nats = ec2.describe_nat_gateways(Filters=tags)["NatGateways"]
    groups = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[f"{STACK}-asg"])["AutoScalingGroups"]
    policies = autoscaling.describe_policies(AutoScalingGroupName=f"{STACK}-asg")["ScalingPolicies"] if groups else []
    return {
        "vpcs": len(ec2.describe_vpcs(Filters=tags)["Vpcs"]),
        "subnets": len(ec2.describe_subnets(Filters=tags)["Subnets"]),
        "nat_gateways": len([nat for nat in nats if nat["State"] in ("pending", "available")]),
        "elastic_ips": len(ec2.describe_addresses()["Addresses"]),
        "load_balancers": len(
            _named(elbv2.describe_load_balancers, "LoadBalancers", "LoadBalancerNotFound", Names=[f"{STACK}-alb"])
        ),
        "target_groups": len(
            _named(elbv2.describe_target_groups, "TargetGroups", "TargetGroupNotFound", Names=[f"{STACK}-tg"])
        ),
        "auto_scaling_groups": len(groups),
        "scaling_policies": len(policies),
        "alarms": len(client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{STACK}-")["MetricAlarms"]),
    }
