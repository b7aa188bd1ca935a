#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: stack_lock
version_added: 0.1.0
short_description: Hold a lock on the stack in AWS while a run changes it
description:
  - Two runs against one environment (a laptop and AWX, say) must not interleave. Like Terraform's
    state lock, the lock lives where both see it, in the stack's account and region, as the SSM
    parameter C(/muejam.infra/<name>/lock); taking it is one atomic call (PutParameter without
    overwrite), so of two runs that start together exactly one gets it.
  - With O(state=present) it takes the lock, or fails naming the run that holds it and the command
    that breaks it. With O(state=absent) it releases the lock held under O(run_id), the run's own
    or a killed run's (C(playbooks/unlock.yml) passes the id the refusal named), so a lock is never
    taken from under a running run by mistake.
  - C(site.yml) and C(rollout.yml) take it after the preflight and release it at the end, also when a
    stage fails; C(teardown.yml) holds the same lock through the O(muejam.infra.stack_teardown#module:lock)
    option of M(muejam.infra.stack_teardown), in the one call that removes the stack. A run killed
    before its end leaves it; the next run then refuses with the holder's id and
    C(ansible-playbook playbooks/unlock.yml -i inventories/<env> -e unlock_id=<id>).
author:
  - muejam.infra maintainers (@muejam)
options:
  name:
    description: The stack's name (C(<project>-<environment>)).
    type: str
    required: true
  state:
    description: C(present) takes the lock, C(absent) releases it.
    type: str
    choices: [present, absent]
    default: present
  run_id:
    description:
      - The run's id. O(state=present) makes one when none is given (returned as RV(run_id));
        taking the lock again under the same id is a no-op.
      - Required with O(state=absent).
    type: str
  holder:
    description: Who takes the lock, as the refusal of another run shows it. Default C(<user>@<host>).
    type: str
  playbook:
    description: What the run is doing, as the refusal shows it.
    type: str
    default: a run
attributes:
  check_mode:
    support: partial
    details:
      - Nothing is written. A lock held by another run still fails the task.
      - O(state=present) reports no change even when a real run would take the lock (a check run
        holds none); O(state=absent) reports the release it would make.
  diff_mode:
    support: none
  platform:
    platforms: posix
notes:
  - "IAM: C(ssm:GetParameter), C(ssm:PutParameter), C(ssm:DeleteParameter) on
    C(arn:aws:ssm:<region>:<account>:parameter/muejam.infra/<name>/lock)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Lock the stack against other runs
  muejam.infra.stack_lock:
    name: muejam-production
    playbook: site.yml
  register: lock

- name: Release the lock
  muejam.infra.stack_lock:
    name: muejam-production
    state: absent
    run_id: "{{ lock.run_id }}"
"""

RETURN = r"""
run_id:
  description: The id the lock is held under (empty in check mode, where nothing is taken).
  returned: always
  type: str
  sample: 3f2a9c1e07b4
holder:
  description: What the lock's holder wrote (after O(state=present), this run).
  returned: when a lock is or was held
  type: dict
  sample: {"id": "3f2a9c1e07b4", "holder": "ops@laptop", "playbook": "site.yml", "since": "2026-12-01T10:00:00+00:00"}
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils import lock


def main() -> None:
    module = AnsibleAWSModule(
        argument_spec={
            "name": {"type": "str", "required": True},
            "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
            "run_id": {"type": "str"},
            "holder": {"type": "str"},
            "playbook": {"type": "str", "default": "a run"},
        },
        required_if=[("state", "absent", ["run_id"])],
        supports_check_mode=True,
    )
    params = module.params
    ssm = module.client("ssm", retry_decorator=AWSRetry.jittered_backoff())
    stack = params["name"]
    current = None
    try:
        if params["state"] == "present" and not module.check_mode:
            # One call when the lock is free (PutParameter without overwrite); the holder is read only if not.
            holder = params["holder"] or lock.default_holder()
            record, taken = lock.take(ssm, stack, holder, params["playbook"], run_id=params["run_id"], retry=True)
            module.exit_json(changed=taken, run_id=record["id"], holder=record)
        if params["state"] == "present":  # check mode: who would stop the run, taking nothing
            current = lock.check(ssm, stack, run_id=params["run_id"], retry=True)
            module.exit_json(changed=False, run_id=(current or {}).get("id", ""), holder=current)
        current = lock.read(ssm, stack, retry=True)
        if current is None:
            module.exit_json(changed=False, run_id=params["run_id"])
        if module.check_mode:
            if current.get("id") != params["run_id"]:
                raise lock.NotHolder(f"The lock of {stack} is held by {lock.describe_holder(current)}")
            module.exit_json(changed=True, run_id=params["run_id"], holder=current)
        released = lock.release(ssm, stack, params["run_id"], retry=True, current=current)
        module.exit_json(changed=released, run_id=params["run_id"], holder=current)
    except (lock.LockHeld, lock.NotHolder) as error:
        module.fail_json(msg=str(error), holder=getattr(error, "holder", current))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not {'take' if params['state'] == 'present' else 'release'} the lock")


if __name__ == "__main__":
    main()
