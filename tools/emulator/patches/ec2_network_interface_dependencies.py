"""EC2 DeleteSubnet / DeleteSecurityGroup refuse while network interfaces use them (latency model only).

What moto does: DeleteSubnet and DeleteSecurityGroup succeed whatever still uses the subnet or the
group; the network interfaces in the subnet, or with the group, are left pointing at nothing.

What AWS does: it refuses with ``DependencyViolation`` ("The subnet 'subnet-...' has dependencies
and cannot be deleted.", "resource sg-... has a dependent object") while a network interface is
in the subnet or has the security group: the interface of a NAT gateway that is not yet
``deleted``, the interfaces of an instance that is not yet ``terminated``.
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSubnet.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSecurityGroup.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html

Why the stack needs it: teardown deletes the app security group after the Auto Scaling group and
the subnets after the NAT gateways; with the latency model on (tools/emulator/latency.py) their
interfaces outlive the call that deleted them (ec2_nat_gateway_eni.py, ec2_instance_latency.py),
and this check makes a teardown that does not wait for them fail as it would on AWS. It is on
only while the model is on, so that the emulator without the model answers as before.
"""

from __future__ import annotations

from typing import Any

from tools.emulator import latency

_MARK = "_muejam_interface_dependencies_patched"


def subnet_in_use(backend: Any, subnet_id: str) -> bool:
    return any(getattr(eni.subnet, "id", None) == subnet_id for eni in list(backend.enis.values()))


def group_in_use(backend: Any, group_id: str) -> bool:
    for eni in list(backend.enis.values()):
        if any(getattr(group, "id", group) == group_id for group in eni.group_set):
            return True
    return False


def apply() -> None:
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models.security_groups import SecurityGroupBackend
    from moto.ec2.models.subnets import SubnetBackend

    if getattr(SubnetBackend, _MARK, False):
        return
    original_delete_subnet = SubnetBackend.delete_subnet
    original_delete_security_group = SecurityGroupBackend.delete_security_group

    def delete_subnet(self: Any, subnet_id: str) -> Any:
        if latency.current() is not None and subnet_in_use(self, subnet_id):
            raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
        return original_delete_subnet(self, subnet_id)

    def delete_security_group(self: Any, name: str | None = None, group_id: str | None = None) -> None:
        if latency.current() is not None:
            group = self.get_security_group_by_name_or_id(group_id or name) if (group_id or name) else None
            if group is not None and group_in_use(self, group.id):
                raise DependencyViolationError(f"resource {group.id} has a dependent object")
        return original_delete_security_group(self, name=name, group_id=group_id)

    SubnetBackend.delete_subnet = delete_subnet  # type: ignore[method-assign]
    SecurityGroupBackend.delete_security_group = delete_security_group  # type: ignore[method-assign]
    setattr(SubnetBackend, _MARK, True)
