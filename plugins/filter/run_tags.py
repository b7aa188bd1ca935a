# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether a run's --tags and --skip-tags select a task tagged with one of some tags, by ansible-core's
own rule (``Taggable.evaluate_tags``), not a second copy of it.

Each filter is documented in the YAML file of its name beside this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from ansible.errors import AnsibleFilterError
from ansible.playbook.base import Base
from ansible.playbook.taggable import Taggable


class _Tagged(Base, Taggable):
    """A task that has only tags, as ``evaluate_tags`` sees one."""

    def __init__(self, tags: list[str]) -> None:
        super().__init__()
        self.tags = tags

    def _get_all_taggable_objects(self) -> Iterator[Any]:
        yield self


def any_tag_runs(tags: Iterable[str], run_tags: Iterable[str], skip_tags: Iterable[str]) -> bool:
    """Whether a task tagged with any one of ``tags`` runs under ``ansible_run_tags`` and ``ansible_skip_tags``."""
    if isinstance(tags, str) or isinstance(run_tags, str) or isinstance(skip_tags, str):
        raise AnsibleFilterError("any_tag_runs: tags, run_tags and skip_tags must be lists")
    only, skip = list(run_tags), list(skip_tags)
    return any(_Tagged([str(tag)]).evaluate_tags(only, skip, {}) for tag in tags)


class FilterModule:
    """Tag selection by ansible-core's rule."""

    def filters(self) -> dict[str, object]:
        return {"any_tag_runs": any_tag_runs}
