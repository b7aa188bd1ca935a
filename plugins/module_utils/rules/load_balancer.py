# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rules of the load_balancer role's inputs: listeners, TLS, certificate, target group, access logs."""

from __future__ import annotations

import re

from ansible_collections.muejam.infra.plugins.module_utils import names
from ansible_collections.muejam.infra.plugins.module_utils.rules import stack
from ansible_collections.muejam.infra.plugins.module_utils.rules.core import (
    SUBNET_ID,
    UUID,
    VPC_ID,
    Inputs,
    describe,
    ipv4_network,
)

ROLE = "load_balancer"
# HTTPS listener policies that allow TLS 1.2 and newer only (Elastic Load Balancing, "Security
# policies for your Application Load Balancer"): the TLS13-1-2, TLS13-1-3, TLS-1-2 and FS-1-2
# families, their FIPS and post-quantum (PQ) variants.
TLS_POLICIES = (
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09",
    "ELBSecurityPolicy-TLS-1-2-2017-01",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
    "ELBSecurityPolicy-FS-1-2-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10",
)
# Policies that still allow TLS 1.0 or 1.1, named in the message so that the reason is plain.
WEAK_TLS_POLICIES = (
    "ELBSecurityPolicy-2016-08",
    "ELBSecurityPolicy-2015-05",
    "ELBSecurityPolicy-TLS-1-0-2015-04",
    "ELBSecurityPolicy-TLS-1-1-2017-01",
    "ELBSecurityPolicy-TLS13-1-0-2021-06",
    "ELBSecurityPolicy-TLS13-1-1-2021-06",
    "ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04",
    "ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04",
    "ELBSecurityPolicy-FS-2018-06",
    "ELBSecurityPolicy-FS-1-1-2019-08",
)

ACM_ARN = re.compile(rf"^arn:(aws[a-z-]*):acm:([a-z0-9-]+):(\d{{12}}):certificate/{UUID}$")
IAM_CERTIFICATE_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):server-certificate/([\w+=,.@/-]{1,512})$")
# One code, a list of codes, or one range (Elastic Load Balancing: "200,202" or "200-299").
_MATCHER = re.compile(r"^(\d{3}(,\d{3})*|\d{3}-\d{3})$")


def check(inputs: Inputs) -> None:
    explicit_bucket = inputs.get("load_balancer_access_logs_bucket", "str")
    logs = inputs.get("load_balancer_access_logs_enabled", "bool")
    skip = () if logs and not explicit_bucket else ("access_logs_bucket",)
    stack.check_identity(inputs, ROLE, skip=skip)
    _check_network(inputs)
    stack.check_port(inputs, "load_balancer_target_port")
    policy = inputs.get("load_balancer_ssl_policy", "str")
    if policy is not None and policy not in TLS_POLICIES:
        reason = "it allows TLS 1.0 or 1.1; " if policy in WEAK_TLS_POLICIES else ""
        inputs.add(
            "load_balancer_ssl_policy",
            f"{reason}must be a policy that allows only TLS 1.2 and newer: one of the ELBSecurityPolicy-TLS13-1-2-*, "
            "-TLS13-1-3-*, -TLS-1-2-* or -FS-1-2-* policies, such as ELBSecurityPolicy-TLS13-1-2-2021-06 "
            "(docs/preflight.md lists them)",
        )

    _check_certificate_arn(inputs)
    inputs.in_range("load_balancer_idle_timeout", 1, 4000, "seconds")
    path = inputs.get("load_balancer_health_check_path", "str")
    if path is not None and (not path.startswith("/") or len(path) > 1024 or re.search(r"\s", path)):
        inputs.add(
            "load_balancer_health_check_path",
            "must be a path beginning with /, without spaces, at most 1024 characters",
        )
    interval = inputs.in_range("load_balancer_health_check_interval", 5, 300, "seconds")
    timeout = inputs.in_range("load_balancer_health_check_timeout", 2, 120, "seconds")
    if interval is not None and timeout is not None and timeout >= interval:
        inputs.add(
            "load_balancer_health_check_timeout",
            f"must be less than load_balancer_health_check_interval ({interval} s)",
        )
    inputs.in_range("load_balancer_healthy_threshold", 2, 10, "consecutive checks")
    inputs.in_range("load_balancer_unhealthy_threshold", 2, 10, "consecutive checks")
    matcher = inputs.get("load_balancer_health_check_matcher", "str")
    if matcher is not None:
        codes = [int(code) for code in re.findall(r"\d+", matcher)] if _MATCHER.match(matcher) else []
        reversed_range = "-" in matcher and len(codes) == 2 and codes[0] >= codes[1]
        if not codes or reversed_range or any(not 200 <= code <= 499 for code in codes):
            inputs.add(
                "load_balancer_health_check_matcher",
                "must be one HTTP code, a list of codes or one range, from 200 to 499, such as 200, 200,202 or "
                "200-299 (Elastic Load Balancing does not take a list and a range together)",
            )
    inputs.in_range("load_balancer_stickiness_duration", 1, 604800, "seconds, up to 7 days")
    inputs.in_range("load_balancer_deregistration_delay", 0, 3600, "seconds")
    inputs.in_range("load_balancer_wait_timeout", 1, None, "seconds")
    inputs.in_range("load_balancer_delete_retries", 1, None)
    inputs.in_range("load_balancer_delete_delay", 0, None, "seconds")
    protected = inputs.get("load_balancer_deletion_protection", "bool")
    if protected is False and stack.production(inputs):
        inputs.add(
            "load_balancer_deletion_protection",
            "must be true where stack_production is true (the production ALB is protected against deletion; "
            "teardown.yml turns the protection off itself)",
        )

    _check_access_logs(inputs)


def _check_network(inputs: Inputs) -> None:
    vpc_id = inputs.get("load_balancer_vpc_id", "str")
    if vpc_id and not VPC_ID.match(vpc_id):
        inputs.add("load_balancer_vpc_id", "must be empty (found by the stack's tags) or a VPC id such as vpc-0123abcd")
    subnets = inputs.get("load_balancer_subnet_ids", "list", "str")
    if subnets and (len(subnets) < 2 or not all(SUBNET_ID.match(subnet) for subnet in subnets)):
        inputs.add(
            "load_balancer_subnet_ids",
            "must be empty (found by the stack's tags) or two or more subnet ids such as subnet-0123abcd, "
            "one per availability zone",
        )
    cidrs = inputs.get("load_balancer_ingress_cidrs", "list", "str")
    if cidrs is not None:
        invalid = [cidr for cidr in cidrs if ipv4_network(cidr) is None]
        if not cidrs or invalid:
            inputs.add(
                "load_balancer_ingress_cidrs",
                "must be a non-empty list of IPv4 CIDR blocks with no host bits set, such as 0.0.0.0/0"
                + (f" (not {describe(invalid)})" if invalid else ""),
            )


def _check_access_logs(inputs: Inputs) -> None:
    bucket = inputs.get("load_balancer_access_logs_bucket", "str")
    if bucket and not names.valid_name("access_logs_bucket", bucket):
        inputs.add(
            "load_balancer_access_logs_bucket",
            "must be empty (the role names it <name>-alb-logs-<account>) or an S3 bucket name: "
            "3-63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit",
        )
    prefix = inputs.get("load_balancer_access_logs_prefix", "str")
    if prefix is not None and (
        not prefix or prefix.startswith("/") or prefix.endswith("/") or "AWSLogs" in prefix or len(prefix) > 900
    ):
        inputs.add(
            "load_balancer_access_logs_prefix",
            "must be a key prefix without a leading or trailing / and without AWSLogs (ELB adds /AWSLogs/...)",
        )
    inputs.in_range("load_balancer_access_logs_expiration_days", 1, None, "days")


def _check_certificate_arn(inputs: Inputs) -> None:
    name = "load_balancer_certificate_arn"
    arn = inputs.get(name, "str")
    if name in inputs.bad:
        return
    if not arn:
        inputs.add(name, "must be the ARN of an ISSUED ACM certificate in the stack's region (the HTTPS listener's)")
        return
    region = inputs.get("aws_region", "str")
    partition = stack.partition(inputs)
    acm = ACM_ARN.match(arn)
    iam = IAM_CERTIFICATE_ARN.match(arn)
    if not acm and not iam:
        inputs.add(
            name,
            "must be an ACM certificate ARN such as arn:aws:acm:us-east-1:111111111111:certificate/"
            "0a1b2c3d-1111-2222-3333-444455556666 (or an IAM server certificate ARN)",
        )
        return
    arn_partition = (acm or iam).group(1)  # type: ignore[union-attr]
    if acm and region is not None and acm.group(2) != region and "aws_region" not in inputs.bad:
        inputs.add(name, f"must be a certificate in the stack's region, aws_region {region} (it is in {acm.group(2)})")
    elif partition is not None and arn_partition != partition:
        inputs.add(name, f"must be in the partition of aws_region {region}: arn:{partition}:...")
