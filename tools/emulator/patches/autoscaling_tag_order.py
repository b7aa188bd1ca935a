"""Auto Scaling: describe a group's tags sorted by key.

What moto does: a group keeps its tags in the order they were created (CreateAutoScalingGroup,
then CreateOrUpdateTags appends new keys), and DescribeAutoScalingGroups returns them in that
order.

What AWS does: DescribeAutoScalingGroups returns a group's ``Tags`` sorted by tag key, whatever
the order they were added in
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DescribeAutoScalingGroups.html,
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_TagDescription.html). The reference
does not spell the order out, but amazon.aws's own integration test of autoscaling_group
(tests/integration/targets/autoscaling_group/roles/ec2_asg/tasks/tag_operations.yml, "Add 4 new
tags - do not purge existing tags - idempotency") passes against AWS only because of it: the
module sorts the described tags in place and then compares them with a fresh description.

Why the stack needs it: amazon.aws.autoscaling_group sorts the ``Tags`` list of the group it
described in place, which also reorders the "initial properties" it compares with the group
described after the update. With moto's insertion order the two differ whenever the tags were
not created in key order, so the scaling_group role reported ``changed`` on every run.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_tag_order_patched"


def sorted_by_key(tags: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tags sorted by their ``Key``, as AWS describes them."""
    return sorted(tags, key=lambda tag: tag["Key"])


def apply() -> None:
    from moto.autoscaling.models import FakeAutoScalingGroup

    if getattr(FakeAutoScalingGroup, _MARK, False):
        return
    original = FakeAutoScalingGroup.tags

    # Every change of a group's tags (create, update, CreateOrUpdateTags, DeleteTags) goes
    # through this setter, so the stored list is always in AWS's order.
    def set_tags(self: Any, tags: list[dict[str, Any]]) -> None:
        original.fset(self, sorted_by_key(tags))

    FakeAutoScalingGroup.tags = original.setter(set_tags)
    setattr(FakeAutoScalingGroup, _MARK, True)
