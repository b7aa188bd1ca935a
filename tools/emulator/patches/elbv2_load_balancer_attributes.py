"""ELBv2: an Application Load Balancer describes every attribute, with AWS's defaults.

What moto does: a new load balancer starts with five attributes (``access_logs.s3.bucket``,
``access_logs.s3.prefix``, ``deletion_protection.enabled``, ``load_balancing.cross_zone.enabled``
set to ``false``); ``DescribeLoadBalancerAttributes`` returns only those and the keys modified
since. ``idle_timeout.timeout_seconds``, ``routing.http2.enabled``,
``routing.http.drop_invalid_header_fields.enabled`` and the other keys are missing.

What AWS does: ``DescribeLoadBalancerAttributes`` on an Application Load Balancer returns every
attribute of that load balancer type, each with its documented default until modified
(idle timeout 60 s, HTTP/2 on, desync mitigation ``defensive``, cross-zone load balancing always
``true`` for ALBs, ...).
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_LoadBalancerAttribute.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html

Why the stack needs it: amazon.aws.elb_application_lb compares its options with the described
attributes by key (``elb_attributes["idle_timeout_timeout_seconds"]``, ...) and fails with
KeyError on the first missing one, so the load_balancer role cannot create or update its ALB.
Modified values are still stored by moto's ``ModifyLoadBalancerAttributes``.
"""

from __future__ import annotations

from typing import Any

# Every Application Load Balancer attribute of the API reference that moto accepts in
# ModifyLoadBalancerAttributes, with AWS's default value.
APPLICATION_DEFAULTS: dict[str, str] = {
    "access_logs.s3.enabled": "false",
    "access_logs.s3.bucket": "",
    "access_logs.s3.prefix": "",
    "client_keep_alive.seconds": "3600",
    "connection_logs.s3.enabled": "false",
    "connection_logs.s3.bucket": "",
    "connection_logs.s3.prefix": "",
    "deletion_protection.enabled": "false",
    "health_check_logs.s3.enabled": "false",
    "idle_timeout.timeout_seconds": "60",
    "load_balancing.cross_zone.enabled": "true",
    "routing.http.desync_mitigation_mode": "defensive",
    "routing.http.drop_invalid_header_fields.enabled": "false",
    "routing.http.preserve_host_header.enabled": "false",
    "routing.http.x_amzn_tls_version_and_cipher_suite.enabled": "false",
    "routing.http.xff_client_port.enabled": "false",
    "routing.http.xff_header_processing.mode": "append",
    "routing.http2.enabled": "true",
    "waf.fail_open.enabled": "false",
    "zonal_shift.config.enabled": "false",
}

_MARK = "_muejam_load_balancer_attributes_patched"


def apply() -> None:
    from moto.elbv2.models import FakeLoadBalancer

    if getattr(FakeLoadBalancer, _MARK, False):
        return
    original_init = FakeLoadBalancer.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if self.type == "application":
            # moto's own ALB defaults differ from AWS's (cross-zone "false"): AWS's win.
            self.attrs = dict(APPLICATION_DEFAULTS)

    FakeLoadBalancer.__init__ = init
    setattr(FakeLoadBalancer, _MARK, True)
