"""Auto Scaling takes AWS's time (latency model only): Pending, Terminating, "Delete in progress".

What moto does: an instance a group launches is ``InService`` at once; an instance the group
removes (scale-in, DeleteAutoScalingGroup) leaves the group's description within the call, and a
deleted group is gone in the DeleteAutoScalingGroup call itself, even with ``ForceDelete``.

What AWS does: a launched instance is ``Pending`` until its EC2 instance is running and has
booted (and passed the lifecycle hooks), then ``InService``; an instance being removed is
``Terminating`` until its EC2 instance is terminated. A group deleted with ``ForceDelete`` stays
in DescribeAutoScalingGroups with ``Status: "Delete in progress"``, its instances
``Terminating``, until they have terminated; then it is gone. The group registers its new
instances with its target groups itself, while they are still pending.
https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_AutoScalingGroup.html
https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_DeleteAutoScalingGroup.html

Why the stack needs it: the scaling group role waits for InService instances, and its teardown
(amazon.aws ``autoscaling_group`` ``state: absent`` with ``wait_for_instances``: scale to 0, wait
until the group lists no instances, delete, wait until DescribeAutoScalingGroups no longer finds
the group) must not go on to the security group while instances still hold it. With the latency
model on (tools/emulator/latency.py) the Instances of DescribeAutoScalingGroups and
DescribeAutoScalingInstances are computed on each read from the EC2 instance's launch time
(ec2_instance_latency.py records it): ``Pending`` until ``instance_pending + instance_in_service``
seconds (scaled) after launch, where moto says InService; instances the group removed while the
model was on are listed ``Terminating`` until their EC2 instance is ``terminated``; and a group
deleted while it was on stays visible, ``Delete in progress``, until then. Only the descriptions
change: moto's own ``instance_states`` (capacity, scaling, registrations) are untouched. The group's
own registrations of its instances run ``latency.on_behalf_of_aws`` (RegisterTargets refuses
pending instances to callers only). A group with a staged schedule (stage.json,
autoscaling_instance_staging.py) is answered by the staging, as before; with the model off
every description is moto's. The lists of removed instances and deleted groups are kept under a
lock (moto's server is threaded).
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Mapping
from typing import Any

from tools.emulator import latency

_MARK = "_muejam_autoscaling_latency_patched"
_TERMINATING = "_muejam_terminating_instances"
_DELETING = "_muejam_deleting_groups"
DELETE_IN_PROGRESS = "Delete in progress"
_lock = threading.RLock()


def lifecycle_view(state: Any, now: float, configuration: Mapping[str, Any] | None) -> Any:
    """The InstanceState object, or a copy with the model's LifecycleState (Pending)."""
    lifecycle = latency.asg_lifecycle_state(
        state.lifecycle_state, latency.recorded(state.instance, "launched"), now, configuration
    )
    if lifecycle == state.lifecycle_state:
        return state
    shown = copy.copy(state)
    shown.lifecycle_state = lifecycle
    return shown


def terminating(group: Any) -> list[Any]:
    """The group's removed instances whose EC2 instance is not terminated yet (as Terminating)."""
    with _lock:
        leaving = group.__dict__.get(_TERMINATING)
        if not leaving:
            return []
        now = time.time()
        kept = [state for state in leaving if latency.instance_state_now(state.instance, now) != "terminated"]
        group.__dict__[_TERMINATING] = kept
        return list(kept)


def deleting(backend: Any) -> list[Any]:
    """The groups deleted while the model was on whose instances have not all terminated."""
    with _lock:
        groups = backend.__dict__.get(_DELETING)
        if not groups:
            return []
        for name, group in list(groups.items()):
            if not terminating(group) or name in backend.autoscaling_groups:
                del groups[name]
        return list(groups.values())


def _tag_filters_match(group: Any, filters: list[dict[str, Any]]) -> bool:
    """moto's DescribeAutoScalingGroups filters (tag-key, tag-value, tag:<key>) for one group."""
    for entry in filters:
        name, values = entry["Name"], entry["Values"]
        if name == "tag-key" and not any(tag["Key"] in values for tag in group.tags):
            return False
        if name == "tag-value" and not any(tag["Value"] in values for tag in group.tags):
            return False
        if name.startswith("tag:") and not any(tag["Key"] == name[4:] and tag["Value"] in values for tag in group.tags):
            return False
    return True


def apply() -> None:
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup

    if getattr(FakeAutoScalingGroup, _MARK, False):
        return
    original_instances = FakeAutoScalingGroup.instances.fget
    original_set_desired_capacity = FakeAutoScalingGroup.set_desired_capacity
    original_update_target_groups = AutoScalingBackend.update_attached_target_groups
    original_delete = AutoScalingBackend.delete_auto_scaling_group
    original_describe_groups = AutoScalingBackend.describe_auto_scaling_groups
    original_describe_instances = AutoScalingBackend.describe_auto_scaling_instances

    def instances(self: Any) -> list[Any]:
        states = original_instances(self)
        leaving = terminating(self)
        configuration = latency.current()
        if configuration is None or latency.is_staged_group(self.name):
            return states
        now = time.time()
        return [lifecycle_view(state, now, configuration) for state in states] + leaving

    def set_desired_capacity(self: Any, new_capacity: int | None) -> None:
        before = list(self.instance_states)
        original_set_desired_capacity(self, new_capacity)
        if latency.current() is None or latency.is_staged_group(self.name):
            return
        remaining = {id(state) for state in self.instance_states}
        removed = [
            state for state in before if id(state) not in remaining and state.instance._state.name == "terminated"
        ]
        views = []
        for state in removed:
            shown = copy.copy(state)
            shown.lifecycle_state = "Terminating"
            views.append(shown)
        if views:
            with _lock:
                self.__dict__.setdefault(_TERMINATING, []).extend(views)

    def update_attached_target_groups(self: Any, group_name: str) -> None:
        with latency.on_behalf_of_aws():  # the group registers its instances itself, pending ones too
            return original_update_target_groups(self, group_name)

    def delete_auto_scaling_group(self: Any, group_name: str) -> None:
        group = self.autoscaling_groups.get(group_name)
        original_delete(self, group_name)
        if group is None or latency.current() is None or latency.is_staged_group(group_name):
            return
        latency.record(group, "deleted")
        group.status = DELETE_IN_PROGRESS
        with _lock:
            self.__dict__.setdefault(_DELETING, {})[group_name] = group

    def describe_auto_scaling_groups(self: Any, names: list[str], filters: list[dict[str, Any]] | None = None) -> Any:
        groups = original_describe_groups(self, names, filters)
        for group in deleting(self):
            if names and group.name not in names:
                continue
            if filters and not _tag_filters_match(group, filters):
                continue
            groups.append(group)
        return groups

    def describe_auto_scaling_instances(self: Any, instance_ids: list[str]) -> list[Any]:
        states = original_describe_instances(self, instance_ids)
        configuration = latency.current()
        if configuration is None:
            for group in [*self.autoscaling_groups.values(), *deleting(self)]:
                terminating(group)  # forget what terminated meanwhile
            return states
        now = time.time()
        shown = [
            state
            if latency.is_staged_group(state.auto_scaling_group_name)
            else lifecycle_view(state, now, configuration)
            for state in states
        ]
        for group in [*self.autoscaling_groups.values(), *deleting(self)]:
            if latency.is_staged_group(group.name):
                continue
            shown += [state for state in terminating(group) if not instance_ids or state.instance.id in instance_ids]
        return shown

    FakeAutoScalingGroup.instances = property(instances)  # type: ignore[assignment,method-assign]
    FakeAutoScalingGroup.set_desired_capacity = set_desired_capacity  # type: ignore[method-assign]
    AutoScalingBackend.update_attached_target_groups = update_attached_target_groups  # type: ignore[method-assign]
    AutoScalingBackend.delete_auto_scaling_group = delete_auto_scaling_group  # type: ignore[method-assign]
    AutoScalingBackend.describe_auto_scaling_groups = describe_auto_scaling_groups  # type: ignore[method-assign]
    AutoScalingBackend.describe_auto_scaling_instances = describe_auto_scaling_instances  # type: ignore[method-assign]
    setattr(FakeAutoScalingGroup, _MARK, True)
