"""EC2: the root volume sits at the image's root device; a template's mapping for it configures it.

What moto does: an instance launched without a ``BlockDeviceMappings`` request parameter gets a
default root volume, unencrypted 8 GiB, always attached as ``/dev/sda1`` whatever the image's
``RootDeviceName`` (``/dev/xvda`` for Amazon Linux 2). When it is launched from a launch template
(RunInstances with ``LaunchTemplate``, or an Auto Scaling group), the template's
``BlockDeviceMappings`` are then all attached as additional volumes: a template that maps
``/dev/xvda`` encrypted gp3 20 GiB gives the instance an unencrypted ``/dev/sda1`` *and* an
encrypted ``/dev/xvda``.

What AWS does: the instance's root volume is the image's root device (``RootDeviceName``). A block
device mapping for that device name - in the request or in the launch template - does not add a
volume: it configures the root volume (size, type, IOPS, throughput, encryption and key,
delete-on-termination); what it leaves out comes from the image's own mapping (Amazon Linux 2:
8 GiB gp2, deleted on termination). Mappings for other device names add volumes.
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/block-device-mapping-concepts.html
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/RootDeviceStorage.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_LaunchTemplateEbsBlockDeviceRequest.html

Why the stack needs it: the scaling_group role's launch template maps the AMI's root device
encrypted gp3. Under moto every instance of the group also had an unencrypted root volume, so the
stack audit (muejam.infra.stack_audit, EC2.3) failed on a compliant stack as soon as the
group had instances.

What this corrects: the default root volume is attached at the image's root device name (every
launch that gets moto's default root volume); for an instance launched from a template, the
template's mapping for that device configures the root volume instead of adding a second one.
Not modelled: the image's own mapping (moto's catalogue images carry made-up ones), so what the
template leaves out keeps moto's defaults (8 GiB, moto's default type, unencrypted, deleted on
termination); a request's own ``BlockDeviceMappings`` keep moto's handling.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_launch_template_root_volume_patched"
# The template's Ebs settings for the root device of an instance, None when it has none.
_ROOT_EBS = "_muejam_template_root_ebs"
# moto's size of a default root volume, in GiB.
DEFAULT_ROOT_SIZE = 8


def root_ebs(template_data: dict[str, Any], root_device_name: str) -> dict[str, Any] | None:
    """The Ebs settings of the template's mapping for ``root_device_name``, None when there is none."""
    for mapping in template_data.get("BlockDeviceMappings") or []:
        if mapping.get("DeviceName") == root_device_name and "Ebs" in mapping and mapping.get("NoDevice") is None:
            return dict(mapping["Ebs"])
    return None


def root_volume_arguments(ebs: dict[str, Any] | None) -> tuple[dict[str, Any], bool]:
    """The create_volume arguments of a root volume and its delete-on-termination flag."""
    ebs = ebs or {}
    arguments = {
        "size": ebs.get("VolumeSize") or DEFAULT_ROOT_SIZE,
        "snapshot_id": ebs.get("SnapshotId"),
        "encrypted": bool(ebs.get("Encrypted", False)),
        "kms_key_id": ebs.get("KmsKeyId"),
        "volume_type": ebs.get("VolumeType"),
        "iops": ebs.get("Iops"),
        "throughput": ebs.get("Throughput"),
    }
    return arguments, bool(ebs.get("DeleteOnTermination", True))


def apply() -> None:
    from moto.ec2.models.instances import Instance

    if getattr(Instance, _MARK, False):
        return
    original_init = Instance.__init__
    original_add_block_device = Instance.add_block_device

    setattr(Instance, _ROOT_EBS, None)

    def __init__(
        self: Any, ec2_backend: Any, image_id: str, user_data: Any, security_groups: list[Any], **kwargs: Any
    ) -> None:
        original_init(self, ec2_backend, image_id, user_data, security_groups, **kwargs)
        # moto applies a template's mappings only when the request has none (so does this patch).
        if kwargs.get("launch_template") and "block_device_mappings" not in kwargs:
            template_data = ec2_backend._get_template_from_args(kwargs["launch_template"]).data
            setattr(self, _ROOT_EBS, root_ebs(template_data, self.root_device_name))

    def setup_defaults(self: Any) -> None:
        arguments, delete_on_termination = root_volume_arguments(getattr(self, _ROOT_EBS))
        volume = self.ec2_backend.create_volume(zone_name=self._placement.zone, **arguments)
        self.ec2_backend.attach_volume(volume.id, self.id, self.root_device_name, delete_on_termination)

    def add_block_device(self: Any, size: int, device_path: str, *args: Any, **kwargs: Any) -> None:
        if (
            getattr(self, _ROOT_EBS) is not None
            and device_path == self.root_device_name
            and device_path in self.block_device_mapping
        ):
            return  # the template's mapping for the root device already configured the root volume
        original_add_block_device(self, size, device_path, *args, **kwargs)

    Instance.__init__ = __init__
    Instance.setup_defaults = setup_defaults
    Instance.add_block_device = add_block_device
    setattr(Instance, _MARK, True)
