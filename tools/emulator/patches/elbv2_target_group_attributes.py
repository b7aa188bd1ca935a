"""ELBv2: an HTTP(S) target group describes every attribute, with AWS's defaults.

What moto does: a new target group starts with ``deregistration_delay.timeout_seconds``,
``stickiness.enabled``, ``stickiness.type``, ``load_balancing.algorithm.type``,
``load_balancing.cross_zone.enabled``, ``slow_start.duration_seconds`` and
``waf.fail_open.enabled``; ``DescribeTargetGroupAttributes`` returns only those and the keys
modified since. ``stickiness.lb_cookie.duration_seconds``, ``stickiness.app_cookie.*`` and the
``target_group_health.*`` keys are missing.

What AWS does: ``DescribeTargetGroupAttributes`` on a target group of an Application Load
Balancer (protocol HTTP or HTTPS) returns every attribute of that kind of target group, each with
its documented default until modified (lb_cookie and app_cookie duration 86400 s, app cookie
name empty, anomaly mitigation ``off``, minimum healthy targets count 1 and percentage ``off``).
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_TargetGroupAttribute.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-target-group-attributes.html

Why the stack needs it: community.aws.elb_target_group compares its stickiness options with the
described attributes by key (``current_tg_attributes["stickiness_lb_cookie_duration_seconds"]``)
and fails with KeyError, so the load_balancer role cannot configure lb_cookie stickiness.
Modified values are still stored by moto's ``ModifyTargetGroupAttributes``.
"""

from __future__ import annotations

from typing import Any

# Attributes of an HTTP/HTTPS target group (instance or ip targets) that moto leaves out, with
# AWS's default value. moto's own keys (deregistration delay 300, stickiness off, lb_cookie type,
# round_robin, ...) already match AWS's defaults and are kept.
HTTP_DEFAULTS: dict[str, str] = {
    "stickiness.lb_cookie.duration_seconds": "86400",
    "stickiness.app_cookie.cookie_name": "",
    "stickiness.app_cookie.duration_seconds": "86400",
    "load_balancing.algorithm.anomaly_mitigation": "off",
    "target_group_health.dns_failover.minimum_healthy_targets.count": "1",
    "target_group_health.dns_failover.minimum_healthy_targets.percentage": "off",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.count": "1",
    "target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage": "off",
}

_MARK = "_muejam_target_group_attributes_patched"


def with_http_defaults(attributes: dict[str, Any]) -> dict[str, Any]:
    """Return the attributes of a new HTTP(S) target group: moto's, completed with AWS's defaults."""
    return {**HTTP_DEFAULTS, **attributes}


def apply() -> None:
    from moto.elbv2.models import FakeTargetGroup

    if getattr(FakeTargetGroup, _MARK, False):
        return
    original_init = FakeTargetGroup.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.protocol in ("HTTP", "HTTPS") and self.target_type in ("instance", "ip"):
            self.attributes = with_http_defaults(self.attributes)

    FakeTargetGroup.__init__ = init
    setattr(FakeTargetGroup, _MARK, True)
