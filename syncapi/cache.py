"""A short-lived, per-process memo for dashboard KPIs (`ANALYTICS_CACHE_SECONDS`).

The console polls counts that scan all history or every tenant. Ten open dashboards should
cost one query, not ten, so a value is kept for a few seconds, and requests that arrive while
it is being computed wait for that computation instead of starting their own. Failures are
never kept: the next request tries again.
"""

import threading
import time

from flask import current_app

EXTENSION_KEY = "syncapi.cache"


class TimedMemo:
    def __init__(self, seconds, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._values = {}  # key -> (expires at, value)
        self._locks = {}
        self._guard = threading.Lock()

    def get(self, key, compute):
        if self.seconds <= 0:
            return compute()
        with self._key_lock(key):
            entry = self._values.get(key)
            if entry is not None and entry[0] > self._clock():
                return entry[1]
            value = compute()
            self._values[key] = (self._clock() + self.seconds, value)
            return value

    def _key_lock(self, key):
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())


def init_app(app):
    app.extensions[EXTENSION_KEY] = TimedMemo(app.config["ANALYTICS_CACHE_SECONDS"])


def remember(key, compute):
    """`compute()`, or its value from less than `ANALYTICS_CACHE_SECONDS` ago."""
    return current_app.extensions[EXTENSION_KEY].get(key, compute)
