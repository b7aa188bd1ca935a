"""EC2 DescribeTags: report NAT gateways and Elastic IPs under AWS's resource types.

What moto does: its tag store derives a tag's resource type from the resource id prefix and
calls a NAT gateway ``nat-gateway`` and an Elastic IP allocation ``vpc-elastic-ip``. So
``DescribeTags`` with ``Filters=[{"Name": "resource-type", "Values": ["natgateway"]}]`` (or
``elastic-ip``) returns nothing, and reports ``ResourceType`` with the wrong name.

What AWS does: the ``resource-type`` filter and the ``ResourceType`` field of ``DescribeTags``
use ``natgateway`` for NAT gateways and ``elastic-ip`` for Elastic IP addresses
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTags.html, filter
``resource-type``; https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_TagDescription.html).

Why the stack needs it: amazon.aws's ``ec2_vpc_nat_gateway`` and ``ec2_eip`` read the current
tags with ``DescribeTags`` filtered by ``resource-type`` (``natgateway`` / ``elastic-ip``).
Under moto they see no tags, re-add them and report ``changed`` on every run, so the
networking role could never be idempotent.
"""

from __future__ import annotations

from moto.ec2 import utils as ec2_utils

# id prefix -> the resource type AWS reports in DescribeTags
AWS_TAG_RESOURCE_TYPES = {
    ec2_utils.EC2_RESOURCE_TO_PREFIX["nat-gateway"]: "natgateway",
    ec2_utils.EC2_RESOURCE_TO_PREFIX["vpc-elastic-ip"]: "elastic-ip",
}


def apply() -> None:
    """Rename the two resource types in moto's prefix -> type map (shared by its tag store)."""
    # moto.ec2.models.tags imports this same dict object, so updating it in place is enough.
    ec2_utils.EC2_PREFIX_TO_RESOURCE.update(AWS_TAG_RESOURCE_TYPES)
