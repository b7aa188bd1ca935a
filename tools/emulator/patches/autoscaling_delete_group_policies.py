"""Auto Scaling: deleting a group deletes its scaling policies.

What moto does: DeleteAutoScalingGroup removes the group (and terminates its instances) but keeps
every scaling policy of the group in DescribePolicies, pointing at a group that no longer exists.

What AWS does: "If the group has policies, deleting the group deletes the policies, the
underlying alarm actions, and any alarm that no longer has an associated action."
(https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html,
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-process-shutdown.html).
This correction covers the policies; the alarms are not modelled (the stack deletes its alarms
itself, before the group).

Why the stack needs it: teardown (``muejam.infra.stack_teardown``) force-deletes the group and
relies on AWS to delete its policies with it, instead of deleting each policy first; against
moto the policies were left and the leftovers check reported them.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_delete_group_policies_patched"


def policies_of(policies: dict[str, Any], group_name: str) -> list[str]:
    """The names of the policies (moto's ``{name: policy}``) that belong to ``group_name``."""
    return [name for name, policy in policies.items() if policy.auto_scaling_group_name == group_name]


def apply() -> None:
    from moto.autoscaling.models import AutoScalingBackend

    if getattr(AutoScalingBackend, _MARK, False):
        return
    original = AutoScalingBackend.delete_auto_scaling_group

    def delete_auto_scaling_group(self: Any, group_name: str) -> None:
        original(self, group_name)
        for name in policies_of(self.policies, group_name):
            self.policies.pop(name, None)

    AutoScalingBackend.delete_auto_scaling_group = delete_auto_scaling_group
    setattr(AutoScalingBackend, _MARK, True)
