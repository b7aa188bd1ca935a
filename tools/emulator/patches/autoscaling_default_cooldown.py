"""Auto Scaling: a group's ``DefaultCooldown`` is what CreateAutoScalingGroup and
UpdateAutoScalingGroup set, 0 included.

What moto does: UpdateAutoScalingGroup ignores ``DefaultCooldown`` (its backend says "not yet
implemented"), and CreateAutoScalingGroup stores 300 when it is given as 0 (``default_cooldown if
default_cooldown else 300``).

What AWS does: both set the group's default cooldown, in seconds, to the value given, 0 to
86400 (https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html,
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html), and
leave it as it was when the update does not name it.

Why the stack needs it: the scaling_group role passes ``default_cooldown`` to
amazon.aws.autoscaling_group and muejam.infra.stack_state compares it: in the emulator a changed
cooldown was never corrected, and a cooldown of 0 was always a difference.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_default_cooldown_patched"


def given_cooldown(response: Any) -> int | None:
    """The request's DefaultCooldown (None when it does not name one)."""
    return response._get_int_param("DefaultCooldown")


def apply() -> None:
    from moto.autoscaling.responses import AutoScalingResponse

    if getattr(AutoScalingResponse, _MARK, False):
        return
    original_create = AutoScalingResponse.create_auto_scaling_group
    original_update = AutoScalingResponse.update_auto_scaling_group

    def set_cooldown(self: Any) -> None:
        cooldown = given_cooldown(self)
        if cooldown is not None:
            group = self.autoscaling_backend.autoscaling_groups[self._get_param("AutoScalingGroupName")]
            group.default_cooldown = cooldown

    def create_auto_scaling_group(self: Any) -> Any:
        result = original_create(self)
        set_cooldown(self)
        return result

    def update_auto_scaling_group(self: Any) -> Any:
        result = original_update(self)
        set_cooldown(self)
        return result

    AutoScalingResponse.create_auto_scaling_group = create_auto_scaling_group
    AutoScalingResponse.update_auto_scaling_group = update_auto_scaling_group
    setattr(AutoScalingResponse, _MARK, True)
