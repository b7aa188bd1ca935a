"""EC2: an instance's network interfaces created at launch are deleted when it terminates.

What moto does: a network interface that moto creates for an instance at launch keeps
``DeleteOnTermination`` false unless the request said ``true``. Instances launched by an Auto
Scaling group (which passes no network interface specification) get such a primary interface,
so after the group is deleted their interfaces stay ``in-use`` by terminated instances and the
VPC, its subnets and its security groups cannot be deleted.

What AWS does: a network interface created together with an instance, the primary one included,
is deleted when the instance terminates unless ``DeleteOnTermination`` was set to false
(https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-eni.html, "Delete on termination";
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceNetworkInterfaceSpecification.html).
An existing interface attached at launch (``NetworkInterfaceId``) is kept.

Why the stack needs it: teardown deletes the Auto Scaling group and then the app security group,
the subnets and the VPC; each fails while terminated instances still hold interfaces.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.models.instances import Instance

_PATCHED = "_muejam_eni_delete_on_termination"


def apply() -> None:
    if getattr(Instance.prep_nics, _PATCHED, False):
        return
    original = Instance.prep_nics

    def prep_nics(self: Instance, nic_spec: list[dict[str, Any]], *args: Any, **kwargs: Any) -> None:
        original(self, nic_spec, *args, **kwargs)
        specs = {int(spec.get("DeviceIndex", 0)): spec for spec in nic_spec}
        for device_index, nic in self.nics.items():
            spec = specs.get(device_index, {})
            if spec.get("NetworkInterfaceId"):
                continue  # an existing interface: AWS keeps it
            if str(spec.get("DeleteOnTermination", "true")).lower() != "false":
                nic.delete_on_termination = True

    setattr(prep_nics, _PATCHED, True)
    Instance.prep_nics = prep_nics
