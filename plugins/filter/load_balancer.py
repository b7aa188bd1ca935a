# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The load_balancer role's documents written in Python once: the access logs' bucket policy.

The policy is the one muejam.infra.stack_state compares the bucket's with
(plugins/module_utils/state/load_balancer.py); the role passes this filter's result to s3_bucket.

Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ansible.errors import AnsibleFilterError

from ansible_collections.muejam.infra.plugins.module_utils.state import load_balancer

ACCOUNT = re.compile(r"^\d{12}$")


def access_logs_bucket_policy(inputs: Mapping[str, Any], account: str) -> dict[str, Any]:
    """The access logs' bucket policy for the role's inputs (``load_balancer__in``) and the account."""
    if not isinstance(inputs, Mapping) or "name" not in inputs:
        raise AnsibleFilterError(
            "access_logs_bucket_policy: expected the load_balancer role's inputs (load_balancer__in)"
        )
    if not ACCOUNT.match(str(account)):
        raise AnsibleFilterError(f"access_logs_bucket_policy: the account must be 12 digits, got {account!r}")
    return load_balancer.access_logs_bucket_policy(inputs, str(account))


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"access_logs_bucket_policy": access_logs_bucket_policy}
