"""EC2: DescribeLaunchTemplates returns a template's tags as they are now.

What moto does: a launch template copies its tags once, when it is created
(``self.tags = self.get_tags()``), and DescribeLaunchTemplates (and CreateLaunchTemplate's
answer) return that copy: tags added by CreateTags or removed by DeleteTags later never show.

What AWS does: ``LaunchTemplate.Tags`` in DescribeLaunchTemplates are the template's tags at the
time of the call, as CreateTags and DeleteTags leave them
(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplates.html).

Why the stack needs it: amazon.aws.ec2_launch_template and muejam.infra.stack_state compare the
template's tags with the wanted ones; with moto's copy a tag removed behind the stack's back was
never seen, and a tag the role put back was never shown.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_launch_template_tags_patched"


def apply() -> None:
    from moto.ec2.models.launch_templates import LaunchTemplate

    if getattr(LaunchTemplate, _MARK, False):
        return

    def current_tags(self: Any) -> list[dict[str, str]]:
        return self.get_tags()

    def ignore_the_copy(self: Any, value: Any) -> None:
        """moto's constructor assigns the copy; the tags live in the EC2 backend's tag store."""

    LaunchTemplate.tags = property(current_tags, ignore_the_copy)
    setattr(LaunchTemplate, _MARK, True)
