"""EC2 CreateLaunchTemplate: keep the launch template's own tags out of version 1's data.

What moto does: ``CreateLaunchTemplate`` appends the request-level ``TagSpecifications``
(``ResourceType: launch-template``, the tags of the template itself) to the
``TagSpecifications`` of version 1's ``LaunchTemplateData``. ``DescribeLaunchTemplateVersions``
then shows a ``launch-template`` tag specification in the version's data that nobody asked for.

What AWS does: the request-level ``TagSpecifications`` tag the launch template resource only
("The tags to apply to the launch template on creation. To tag the launch template, the resource
type must be ``launch-template``"); the version's data keeps exactly the ``LaunchTemplateData``
of the request, whose own ``TagSpecifications`` (instance, volume, network-interface, ...) tag
the resources launched from it.
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplate.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateTagSpecificationRequest.html

Why the stack needs it: amazon.aws.ec2_launch_template compares the wanted data with the latest
version's data. Under moto the extra ``launch-template`` specification makes them differ, so the
scaling_group role created a new template version (and reported ``changed``) on every run.
"""

from __future__ import annotations

from typing import Any

# The resource type of the request-level tag specification; AWS never stores it in the data.
TEMPLATE_RESOURCE_TYPE = "launch-template"

_MARK = "_muejam_launch_template_tag_specifications_patched"


def strip_template_tags(template_data: dict[str, Any]) -> None:
    """Remove the ``launch-template`` tag specifications moto copied into ``template_data``."""
    specifications = template_data.get("TagSpecifications")
    if specifications is None:
        return
    kept = [spec for spec in specifications if spec.get("ResourceType") != TEMPLATE_RESOURCE_TYPE]
    if kept:
        template_data["TagSpecifications"] = kept
    else:
        del template_data["TagSpecifications"]


def apply() -> None:
    from moto.ec2.models.launch_templates import LaunchTemplateBackend

    if getattr(LaunchTemplateBackend, _MARK, False):
        return
    original_create = LaunchTemplateBackend.create_launch_template

    # moto's response handler has already merged the request's TagSpecifications into
    # template_data when it calls the backend; the template's tags still arrive in tag_spec.
    def create_launch_template(
        self: Any, name: str, description: str, template_data: dict[str, Any], tag_spec: dict[str, Any]
    ) -> Any:
        strip_template_tags(template_data)
        return original_create(self, name, description, template_data, tag_spec)

    LaunchTemplateBackend.create_launch_template = create_launch_template
    setattr(LaunchTemplateBackend, _MARK, True)
