"""An emulator that outlives its owner exits by itself: ``start --owner-pid PID``.

A test run or a launcher script that dies (killed, crashed, its terminal closed) cannot stop the
emulator it started; the server runs in a session of its own and would serve on, holding its port,
until someone runs ``stop``. Started with ``--owner-pid PID``, the server watches PID (every
:data:`INTERVAL` seconds) and, once it is gone, removes its ``pid`` and ``endpoint`` files and
exits as ``stop`` would make it exit (SIGTERM, which moto's server takes as a clean exit).

A process is gone when no process has its pid, when it is a zombie (dead, not yet reaped by its
parent) or when the pid now belongs to a process started later than the owner was (pid reuse):
Linux's ``/proc/PID/stat`` tells the state and start time; elsewhere only ``kill(PID, 0)``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

INTERVAL = 0.5


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """The state and start time (clock ticks after boot) of a process, from ``/proc``; None without."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, the last ")" ends it.
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], fields[19]


def start_time(pid: int) -> str | None:
    """When a process started (an opaque token, equal for the same process), or None if unknown."""
    stat = _proc_stat(pid)
    return stat[1] if stat else None


def alive(pid: int, started: str | None = None) -> bool:
    """Whether process ``pid`` runs (not a zombie; the one that started at ``started``, if given)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        pass
    stat = _proc_stat(pid)
    if stat is None:
        return not Path("/proc/self").is_dir()  # no /proc at all: kill(0) is all there is to know
    state, start = stat
    if state in ("Z", "X"):
        return False
    return started is None or start == started


def watch(pid: int, on_gone: Callable[[], None], interval: float = INTERVAL) -> threading.Thread:
    """Call ``on_gone`` (in a daemon thread) once process ``pid`` is gone."""
    started = start_time(pid)

    def run() -> None:
        while alive(pid, started):
            time.sleep(interval)
        on_gone()

    thread = threading.Thread(target=run, name=f"owner-{pid}", daemon=True)
    thread.start()
    return thread
