"""Running the sweep on a schedule: once now, then every interval, until asked to stop.

A sweep that fails (a provider database unreachable) is logged and tried again at the next
interval; it never stops the schedule, and a stop request ends the wait at once rather than
after it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

log = logging.getLogger("privet.retention")


def run_every(job: Callable[[], object], interval: timedelta, stop: threading.Event) -> int:
    """Call `job` now and then every `interval` until `stop` is set; returns how many runs started."""
    if interval <= timedelta(0):
        raise ValueError("interval: must be positive")
    runs = 0
    while not stop.is_set():
        runs += 1
        try:
            job()
        except Exception:
            log.exception("retention sweep failed; trying again in %s", interval)
        stop.wait(interval.total_seconds())
    return runs
