"""A short-lived memo, and tasks run off the request path: the mechanisms, with no Flask
(`web.memo` keeps the app's one instance of each).

The console polls counts that scan all history or every tenant. Ten open dashboards should
cost one query, not ten, so a value is kept for a few seconds, and requests that arrive while
it is being computed wait for that computation and share its outcome, failure included (a
hung backend then costs each of them one timeout, not one each in turn). A failure is kept
briefly too (`FAILURE_SECONDS`), so that a backend that is down is not asked again on every
poll of every dashboard; after that, the next request tries again.
"""

import logging
import threading
import time
from concurrent.futures import Future

log = logging.getLogger(__name__)

MAX_KEYS = 1024  # keys include callers' organization sets; expired ones are dropped past this


FAILURE_SECONDS = 3  # a failing backend is asked again after this, not on every poll


class Failed:
    """A computation's failure, kept briefly in place of its value."""

    def __init__(self, error):
        self.error = error


class TimedMemo:
    def __init__(self, seconds, clock=time.monotonic, max_keys=MAX_KEYS):
        self.seconds = seconds
        self.max_keys = max_keys
        self._clock = clock
        self._values = {}  # key -> (expires at, value)
        self._running = {}  # key -> Future of the computation under way
        self._guard = threading.Lock()

    def get(self, key, compute, seconds=None, stale_on_error=False):
        """`compute()`, or its value from less than `seconds` ago (the memo's own period by
        default; 0 computes every time). With `stale_on_error`, a failure keeps serving the
        last value for another period (the revocation lists while MongoDB is down); without,
        the failure itself is kept `FAILURE_SECONDS`."""
        seconds = self.seconds if seconds is None else seconds
        if seconds <= 0:
            return compute()
        with self._guard:
            entry = self._values.get(key)
            if entry is not None and entry[0] > self._clock():
                if isinstance(entry[1], Failed):
                    raise entry[1].error
                return entry[1]
            running = self._running.get(key)
            if running is None:
                future = self._running[key] = Future()
        if running is not None:
            return running.result()  # the owner's value, or its exception raised here
        try:
            value = compute()
        except Exception as error:
            last = entry[1] if entry is not None and not isinstance(entry[1], Failed) else None
            with self._guard:
                del self._running[key]
                if stale_on_error and last is not None:
                    log.warning("%s could not be read again; the last value stays", key)
                    self._store(key, last, seconds)
                else:
                    self._store(key, Failed(error), min(seconds, FAILURE_SECONDS))
            if stale_on_error and last is not None:
                future.set_result(last)
                return last
            future.set_exception(error)
            raise
        with self._guard:
            del self._running[key]
            self._store(key, value, seconds)
        future.set_result(value)
        return value

    def forget(self, key):
        """The next `get` of `key` computes it (what it holds just changed)."""
        with self._guard:
            self._values.pop(key, None)

    def _store(self, key, value, seconds):
        now = self._clock()
        self._values.pop(key, None)
        if len(self._values) >= self.max_keys:
            self._values = {k: entry for k, entry in self._values.items() if entry[0] > now}
            while len(self._values) >= self.max_keys:
                del self._values[next(iter(self._values))]  # the oldest entry
        self._values[key] = (now + seconds, value)


class Background:
    """Runs a task in a thread of its own at most once every `seconds` per key, and never
    makes the request that starts it wait: for work a request may trigger but should not pay
    for (the organization sizes a server computes for every database)."""

    def __init__(self, clock=time.monotonic):
        self._clock = clock
        self._started = {}  # key -> when it last started
        self._running = {}  # key -> Thread
        self._guard = threading.Lock()

    def every(self, key, seconds, task):
        with self._guard:
            last = self._started.get(key)
            if key in self._running or (last is not None and self._clock() - last < seconds):
                return
            self._started[key] = self._clock()
            thread = self._running[key] = threading.Thread(
                target=self._run, args=(key, task), name=f"syncapi-{key}", daemon=True
            )
            thread.start()  # under the guard: `wait` never finds it registered but not started

    def _run(self, key, task):
        try:
            task()
        except Exception:
            log.exception("background task %s failed; it runs again later", key)
        finally:
            with self._guard:
                del self._running[key]

    def wait(self, timeout=10):
        """For tests: until the tasks under way are done."""
        with self._guard:  # every thread listed is started (`every` starts it under the guard)
            running = list(self._running.values())
        for thread in running:
            thread.join(timeout)
