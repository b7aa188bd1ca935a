#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: health_readiness
version_added: 0.1.0
short_description: Wait until a web tier behind an ALB is ready to serve, for real
description:
  - Polls three things until they all pass for O(consecutive) polls in a row, or fails at
    O(timeout) with one message naming everything that was not ready.
  - The Auto Scaling group (when O(autoscaling_group_name) is given) has at least its desired
    number of instances C(InService) and C(Healthy).
  - Every target registered in the target group is C(healthy), and at least
    O(min_healthy_targets) are. An ALB fails open (with every target unhealthy it routes to all
    of them), so a 200 through the ALB alone proves nothing; the target states do. States other
    than C(healthy) are reported with AWS's reason code (C(Elb.InitialHealthChecking),
    C(Target.FailedHealthChecks), C(Target.Timeout), ...) and its meaning.
  - >-
    The health URL answers C(200) with a body whose overall status is healthy and whose
    required components are all ok. Two body formats are understood, told apart by the
    content type and the shape of C(checks) - the MueJam format
    C({"status": "healthy", "checks": {"database": "ok", "cache": "ok"}}) (503 and
    C("status": "unhealthy") when a check fails) and the IETF draft "Health Check Response
    Format for HTTP APIs" (C(application/health+json), status C(pass)/C(warn)/C(fail), checks
    keyed C(component:measurement) holding arrays of objects).
  - Connection errors, TLS errors, redirects, slow answers, non-JSON bodies and AWS API errors
    make a poll fail with their cause, kept for the final message; they never end the wait
    early. Waits between failing polls grow by half up to O(max_interval), with jitter, while nothing
    changes; a poll that shows progress (a target's state, the group's instance counts, the HTTP status
    or a component changed) brings the wait back to O(interval), as a stack coming up soon changes again,
    and the wait stays at O(interval) while AWS reports it is bringing the stack up (a target C(initial),
    its registration or first health checks under way, or an instance C(Pending)).
  - Read-only. It never reports a change, and in check mode it runs its checks for real.
author:
  - muejam.infra maintainers (@muejam)
options:
  target_group:
    description: The target group, by ARN or by name.
    type: str
    required: true
  autoscaling_group_name:
    description:
      - The Auto Scaling group whose instances serve the target group.
      - Without it the group is not checked and O(min_healthy_targets) defaults to 1.
    type: str
  url:
    description:
      - The health URL to GET.
      - Default C(https://<DNS name of the target group's load balancer><health check path>),
        that is the ALB's own name and the target group's health check path (C(/health)).
    type: str
  components:
    description:
      - The components that must be ok (C(database) also matches IETF keys such as
        C(database:responseTime)).
      - Default every component the endpoint reports. An empty list checks none (only the
        overall status).
    type: list
    elements: str
  warn_is_ready:
    description: Whether a C(warn) status (IETF format) counts as ready.
    type: bool
    default: true
  consecutive:
    description:
      - How many passing polls in a row make "ready" (like the target group's healthy threshold).
    type: int
    default: 2
  min_healthy_targets:
    description:
      - The least number of C(healthy) targets. Default the Auto Scaling group's desired
        capacity (at least 1), or 1 without O(autoscaling_group_name).
    type: int
  timeout:
    description: Seconds to wait in all before failing.
    type: float
    default: 600
  interval:
    description: Seconds between polls at first and after a passing poll.
    type: float
    default: 5
  max_interval:
    description: The longest wait between failing polls, in seconds.
    type: float
    default: 30
  request_timeout:
    description: Seconds one GET of the health URL may take before it counts as failing.
    type: float
    default: 10
  validate_certs:
    description: Whether the health URL's TLS certificate must be valid and match its host name.
    type: bool
    default: true
  ca_path:
    description: A PEM file of CA certificates to trust for the health URL, instead of the system's.
    type: path
  headers:
    description:
      - Extra HTTP headers for the GET (a C(Host) header, a token, ...).
      - Never logged, as they may carry a credential.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details: Read-only; the checks run for real in check mode (they change nothing).
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(elasticloadbalancing:DescribeTargetGroups), C(elasticloadbalancing:DescribeTargetHealth),
    C(elasticloadbalancing:DescribeLoadBalancers), C(autoscaling:DescribeAutoScalingGroups)."
  - The health URL must answer itself; a redirect (for example HTTP to HTTPS) is reported as not ready.
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Wait until the stack serves (targets, instances and /health through the ALB)
  muejam.infra.health_readiness:
    target_group: muejam-production-tg
    autoscaling_group_name: muejam-production-asg
    timeout: 900
  register: readiness

- name: Gate on the database only, against an app's own URL with a private CA
  muejam.infra.health_readiness:
    target_group: "{{ load_balancer_outputs.target_group_arn }}"
    url: https://app.example.com/health
    ca_path: /etc/pki/internal-ca.pem
    components: [database]
    headers:
      X-Health-Token: "{{ health_token }}"
  no_log: true
"""

RETURN = r"""
ready:
  description: Whether the stack passed O(consecutive) polls in a row (always true on success).
  returned: always
  type: bool
  sample: true
polls:
  description: How many polls were made.
  returned: always
  type: int
  sample: 3
elapsed:
  description: Seconds from the first poll to the decision.
  returned: always
  type: float
  sample: 10.42
url:
  description: The health URL that was checked.
  returned: always
  type: str
  sample: https://muejam-production-alb-123.us-east-1.elb.amazonaws.com/health
target_group_arn:
  description: The target group's ARN.
  returned: always
  type: str
  sample: arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/muejam-production-tg/0123456789abcdef
targets:
  description: Every registered target at the last poll.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The instance id (or IP address).
      returned: always
      type: str
      sample: i-0123456789abcdef0
    port:
      description: The target's port.
      returned: always
      type: int
      sample: 8000
    availability_zone:
      description: The target's availability zone, when AWS reports it.
      returned: always
      type: str
      sample: us-east-1a
    state:
      description: C(initial), C(healthy), C(unhealthy), C(unused), C(draining) or C(unavailable).
      returned: always
      type: str
      sample: healthy
    reason:
      description: AWS's reason code for a state other than healthy, else null.
      returned: always
      type: str
      sample: Target.FailedHealthChecks
    description:
      description: AWS's description of the reason, or the module's when AWS gives none.
      returned: always
      type: str
      sample: Health checks failed
components:
  description: Each component the health URL reported, with its status (C(pass), C(warn), C(fail), C(unknown)).
  returned: always
  type: dict
  sample: {"database": "pass", "cache": "pass"}
autoscaling_group:
  description: The Auto Scaling group's counts at the last poll; null without O(autoscaling_group_name).
  returned: always
  type: dict
  sample:
    name: muejam-production-asg
    desired_capacity: 2
    min_size: 2
    max_size: 10
    in_service_healthy: 2
    unhealthy: 0
    lifecycle_states: {"InService": 2}
http_status:
  description: The HTTP status of the last GET of the health URL; null when none came.
  returned: always
  type: int
  sample: 200
history:
  description: The last polls (at most 10), oldest first.
  returned: always
  type: list
  elements: dict
  sample:
    - {"poll": 1, "elapsed": 0.05, "ready": false, "http_status": 503, "healthy_targets": 1,
       "problems": ["component database: fail (error: connection refused)"]}
    - {"poll": 2, "elapsed": 5.1, "ready": true, "http_status": 200, "healthy_targets": 2, "problems": []}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.readiness import (
    ReadinessError,
    ReadinessGate,
    failure_message,
    http_get,
    make_probe,
    outcome_result,
)


def find_target_group(elbv2, target_group: str) -> dict:
    key = "TargetGroupArns" if target_group.startswith("arn:") else "Names"
    try:
        groups = elbv2.describe_target_groups(**{key: [target_group]}, aws_retry=True)["TargetGroups"]
    except elbv2.exceptions.TargetGroupNotFoundException:
        groups = []
    if not groups:
        raise ReadinessError(f"target_group {target_group!r}: no such target group in this region")
    return groups[0]


def default_url(elbv2, group: dict) -> str:
    arns = group.get("LoadBalancerArns") or []
    if not arns:
        raise ReadinessError(
            f"url: not given, and the target group {group['TargetGroupName']} has no load balancer to derive it from"
        )
    balancer = elbv2.describe_load_balancers(LoadBalancerArns=arns[:1], aws_retry=True)["LoadBalancers"][0]
    return f"https://{balancer['DNSName']}{group.get('HealthCheckPath') or '/health'}"


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "target_group": {"type": "str", "required": True},
            "autoscaling_group_name": {"type": "str"},
            "url": {"type": "str"},
            "components": {"type": "list", "elements": "str"},
            "warn_is_ready": {"type": "bool", "default": True},
            "consecutive": {"type": "int", "default": 2},
            "min_healthy_targets": {"type": "int"},
            "timeout": {"type": "float", "default": 600},
            "interval": {"type": "float", "default": 5},
            "max_interval": {"type": "float", "default": 30},
            "request_timeout": {"type": "float", "default": 10},
            "validate_certs": {"type": "bool", "default": True},
            "ca_path": {"type": "path"},
            "headers": {"type": "dict", "default": {}, "no_log": True},
        },
        supports_check_mode=True,
    )
    params = module.params
    retry = AWSRetry.jittered_backoff(retries=5)
    elbv2 = module.client("elbv2", retry_decorator=retry)
    autoscaling = module.client("autoscaling", retry_decorator=retry)
    try:
        if params["min_healthy_targets"] is not None and params["min_healthy_targets"] < 0:
            raise ReadinessError(f"min_healthy_targets is {params['min_healthy_targets']}: it must be 0 or more")
        group = find_target_group(elbv2, params["target_group"])
        arn = group["TargetGroupArn"]
        url = params["url"] or default_url(elbv2, group)
        group_name = params["autoscaling_group_name"]

        def describe_targets() -> list:
            return elbv2.describe_target_health(TargetGroupArn=arn, aws_retry=True)["TargetHealthDescriptions"]

        def describe_group() -> dict | None:
            response = autoscaling.describe_auto_scaling_groups(AutoScalingGroupNames=[group_name], aws_retry=True)
            groups = response["AutoScalingGroups"]
            return groups[0] if groups else None

        def fetch():
            return http_get(
                url, params["request_timeout"], params["validate_certs"], params["ca_path"], params["headers"]
            )

        probe = make_probe(
            describe_targets,
            describe_group if group_name else None,
            fetch,
            group_name=group_name,
            required_components=params["components"],
            min_healthy=params["min_healthy_targets"],
            warn_is_ready=params["warn_is_ready"],
        )
        gate = ReadinessGate(
            probe,
            consecutive=params["consecutive"],
            timeout=params["timeout"],
            interval=params["interval"],
            max_interval=params["max_interval"],
        )
        outcome = gate.run()
    except ReadinessError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # resolving the target group or its ALB: AWS errors, reported once
        module.fail_json_aws(error, msg=f"Could not read the target group {params['target_group']}")
    result = dict(outcome_result(outcome), url=url, target_group_arn=arn, changed=False)
    if not outcome.ready:
        module.fail_json(msg=failure_message(outcome, params["timeout"]), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
