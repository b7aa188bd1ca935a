"""EC2: an instance launched from a launch template gets the template's MetadataOptions.

What moto does: RunInstances with ``LaunchTemplate`` (and an Auto Scaling group launching from a
template, which goes through the same backend call) builds the instance's metadata options from
the request's ``MetadataOptions`` only. The template's ``MetadataOptions`` are dropped, so every
such instance shows moto's defaults: ``HttpTokens: optional`` (IMDSv1 allowed) and
``HttpPutResponseHopLimit: 1``, whatever the template says.

What AWS does: an instance launched from a launch template is configured with the template's
parameters, ``MetadataOptions`` included; parameters given in the RunInstances request itself
override the template's.
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-new-instances.html#configure-IMDS-new-instances-instance-settings
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateInstanceMetadataOptionsRequest.html
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/LaunchTemplates.html

Why the stack needs it: the scaling_group role's launch template requires IMDSv2
(``HttpTokens: required``). Under moto the group's instances allowed IMDSv1, so the stack audit
(muejam.infra.stack_audit, EC2.8) failed on a compliant stack as soon as the group had instances.

Not modelled: which members of a request's ``MetadataOptions`` override the template's is not
spelled out by AWS; here each member given in the request overrides that member of the template.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_launch_template_metadata_options_patched"


def merged_metadata_options(
    template_options: dict[str, Any] | None, request_options: dict[str, Any] | None
) -> dict[str, Any]:
    """The metadata options of an instance: the template's, each member given in the request overriding it."""
    return {**(template_options or {}), **(request_options or {})}


def apply() -> None:
    from moto.ec2.models.instances import InstanceBackend

    if getattr(InstanceBackend, _MARK, False):
        return
    original_run_instances = InstanceBackend.run_instances

    def run_instances(
        self: Any, image_id: str, count: int, user_data: Any, security_group_names: list[str], **kwargs: Any
    ) -> Any:
        if kwargs.get("launch_template"):
            template_data = self._get_template_from_args(kwargs["launch_template"]).data
            kwargs["metadata_options"] = merged_metadata_options(
                template_data.get("MetadataOptions"), kwargs.get("metadata_options")
            )
        return original_run_instances(self, image_id, count, user_data, security_group_names, **kwargs)

    InstanceBackend.run_instances = run_instances
    setattr(InstanceBackend, _MARK, True)
