# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's AWS modules need on the host that runs them (the controller: the
collection's playbooks run every task on localhost). It takes the place of ``amazon.aws.boto3``,
whose Python minimum is amazon.aws's own: the modules need Python 3.11 or later (``datetime.UTC``),
ansible-core 2.21 needs 3.12 on the controller, and ``make setup`` (so CI) runs them on 3.12 or later.
The boto3 and botocore minimums are amazon.aws's (``requirements.txt``)."""

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
requirements:
  - python >= 3.12
  - boto3 >= 1.35.0
  - botocore >= 1.35.0
"""
