"""The launcher's small state files (stage.json, faults.json, latency.json, request-marks.json):
written atomically, and the ``--state-dir`` option every sub-command takes."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

STATE_DIR_HELP = "the emulator's state directory (default: $MUEJAM_EMULATOR_STATE or .emulator)"


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` to ``path`` atomically: a reader (the server) sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(descriptor, "w") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def state_dir_option(parser: argparse.ArgumentParser, default_state_dir: Path) -> argparse.ArgumentParser:
    """Give ``parser`` its ``--state-dir``; return the parent parser that lets its actions take it too.

    Accepted after the action as well; SUPPRESS there keeps the value given before it.
    """
    parser.add_argument("--state-dir", type=Path, default=default_state_dir, help=STATE_DIR_HELP)
    late = argparse.ArgumentParser(add_help=False)
    late.add_argument("--state-dir", type=Path, default=argparse.SUPPRESS, help=STATE_DIR_HELP)
    return late
