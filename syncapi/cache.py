"""A short-lived, per-process memo for dashboard KPIs (`ANALYTICS_CACHE_SECONDS`).

The console polls counts that scan all history or every tenant. Ten open dashboards should
cost one query, not ten, so a value is kept for a few seconds, and requests that arrive while
it is being computed wait for that computation and share its outcome, failure included (a
hung backend then costs each of them one timeout, not one each in turn). Failures are never
kept: the next request tries again.
"""

import threading
import time
from concurrent.futures import Future

from flask import current_app

EXTENSION_KEY = "syncapi.cache"
MAX_KEYS = 1024  # keys include callers' organization sets; expired ones are dropped past this


class TimedMemo:
    def __init__(self, seconds, clock=time.monotonic, max_keys=MAX_KEYS):
        self.seconds = seconds
        self.max_keys = max_keys
        self._clock = clock
        self._values = {}  # key -> (expires at, value)
        self._running = {}  # key -> Future of the computation under way
        self._guard = threading.Lock()

    def get(self, key, compute):
        if self.seconds <= 0:
            return compute()
        with self._guard:
            entry = self._values.get(key)
            if entry is not None and entry[0] > self._clock():
                return entry[1]
            running = self._running.get(key)
            if running is None:
                future = self._running[key] = Future()
        if running is not None:
            return running.result()  # the owner's value, or its exception raised here
        try:
            value = compute()
        except Exception as error:
            with self._guard:
                del self._running[key]
            future.set_exception(error)
            raise
        with self._guard:
            del self._running[key]
            self._store(key, value)
        future.set_result(value)
        return value

    def _store(self, key, value):
        now = self._clock()
        self._values.pop(key, None)
        if len(self._values) >= self.max_keys:
            self._values = {k: entry for k, entry in self._values.items() if entry[0] > now}
            while len(self._values) >= self.max_keys:
                del self._values[next(iter(self._values))]  # the oldest entry
        self._values[key] = (now + self.seconds, value)


def init_app(app):
    app.extensions[EXTENSION_KEY] = TimedMemo(app.config["ANALYTICS_CACHE_SECONDS"])


def remember(key, compute):
    """`compute()`, or its value from less than `ANALYTICS_CACHE_SECONDS` ago."""
    return current_app.extensions[EXTENSION_KEY].get(key, compute)
