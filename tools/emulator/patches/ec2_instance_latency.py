"""EC2 instances take AWS's time (latency model only): pending after launch, shutting-down after terminate.

What moto does: RunInstances answers with instances already ``running`` (code 16), and
TerminateInstances makes them ``terminated`` (48) within the call, deleting at once the network
interfaces that go with them.

What AWS does: a launched instance is ``pending`` (0) until it is ``running``, usually well under
a minute; a terminated one is ``shutting-down`` (32) until it is ``terminated``, and the network
interfaces created with it (``DeleteOnTermination``) are deleted only then, so its subnet and its
security groups are still in use meanwhile. RegisterTargets refuses an instance that is not
running ("If the target is an EC2 instance, it must be in the running state when you register
it"); an Auto Scaling group registers its new instances itself.
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-instance-lifecycle.html
https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html
https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/terminating-instances.html
https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_RegisterTargets.html

Why the stack needs it: waits for instances (the Auto Scaling group's, the readiness gate) and
teardown's order (the app security group only after the instances are gone) are exercised only
when instances take their time. With the latency model on (tools/emulator/latency.py) an
instance's reported state (``state``, ``state_code``, ``instance_state``, ``is_running`` and the
``instance-state-name``/``-code`` filters) is computed on each read from its launch and
termination times (recorded by this patch in the server's memory) against the configuration in
force; moto's own ``_state`` stays as moto keeps it. TerminateInstances answers the state the
instance was in (``pending`` included) as PreviousState. The interfaces moto would delete at
termination are kept, and deleted (``latency.defer``, core_latency_transitions.py) once the
instance is ``terminated``. Work moto does on AWS's behalf (``latency.on_behalf_of_aws``: an Auto
Scaling group registering its pending instances) sees moto's state. With the model off, or for an
instance launched and terminated while it was off, everything is moto's.
"""

from __future__ import annotations

import copy
from typing import Any

from tools.emulator import latency

_MARK = "_muejam_instance_latency_patched"


def state_name(instance: Any) -> str:
    """The instance's State.Name now: moto's, or the latency model's while it is on."""
    return latency.instance_state_now(instance)


def view(instance: Any) -> Any:
    """moto's InstanceState object, or a copy with the model's name and code."""
    raw = instance._state
    name = state_name(instance)
    if name == raw.name:
        return raw
    shown = copy.copy(raw)
    shown.name, shown.code = name, latency.INSTANCE_CODES[name]
    return shown


def _enis_key(instance: Any) -> tuple[str, int]:
    return ("instance-enis", id(instance))


def _delete_enis(instance: Any, interfaces: list[Any]) -> None:
    for interface in interfaces:
        if interface.id in instance.ec2_backend.enis:
            interface.delete()


def apply() -> None:
    from moto.ec2.models.instances import Instance

    if getattr(Instance, _MARK, False):
        return
    original_init = Instance.__init__
    original_applies = Instance.applies
    original_terminate = Instance.terminate

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        latency.record_if_on(self, "launched")

    def applies(self: Any, filters: list[dict[str, Any]]) -> bool:
        if not filters or latency.current() is None:
            return original_applies(self, filters)
        shown = view(self)
        for entry in filters:
            if entry["name"] == "instance-state-name" and shown.name not in entry["values"]:
                return False
            if entry["name"] == "instance-state-code" and str(shown.code) not in entry["values"]:
                return False
        return True

    def terminate(self: Any) -> Any:
        key = _enis_key(self)
        if latency.current() is None and not latency.pending(key):
            return original_terminate(self)
        previous = copy.copy(view(self))
        if self._state.name != "terminated":
            latency.record(self, "terminated")
        # The interfaces moto deletes at termination stay until the instance is terminated.
        held = [nic for nic in self.nics.values() if nic.delete_on_termination]
        for nic in held:
            nic.delete_on_termination = False
        try:
            original_terminate(self)
        finally:
            for nic in held:
                nic.delete_on_termination = True
        if held and not latency.pending(key):
            latency.defer(key, lambda: state_name(self) == "terminated", lambda: _delete_enis(self, held))
        return previous

    Instance.__init__ = __init__  # type: ignore[method-assign]
    Instance.state = property(state_name)  # type: ignore[assignment,method-assign]
    Instance.state_code = property(lambda self: view(self).code)  # type: ignore[assignment,method-assign]
    Instance.instance_state = property(view)  # type: ignore[assignment,method-assign]
    Instance.is_running = lambda self: state_name(self) == "running"  # type: ignore[method-assign]
    Instance.applies = applies  # type: ignore[method-assign]
    Instance.terminate = terminate  # type: ignore[method-assign]
    setattr(Instance, _MARK, True)
