"""The demo's series in the embedded engine (`SEED_DEMO=1`): the last 24 hours at start, then
what each 10 seconds adds, from a thread of the worker, until the engine is closed. The
dashboard's `cpu` and `ram` read the last minute only, and its 24-hour figures count a
window that moves: both need the rows to keep coming."""

import logging
import threading

from syncapi.core import clock
from syncapi.embedded import demo_series
from syncapi.embedded.influx import influx_table

log = logging.getLogger(__name__)

INTERVAL = 10.0  # seconds between appends


class Feed:
    """Appends `demo_series.samples(fleet, …)` to `engine`, into `databases` (`{"main": name,
    "stats": name}`), from `start` (epoch seconds) on."""

    def __init__(self, engine, databases, fleet, start):
        self.engine, self.databases, self.fleet = engine, databases, fleet
        self.until = start
        self._stop = threading.Event()
        self._thread = None

    def advance(self, now):
        """Append the rows of [until, now) (epoch seconds); how many there were."""
        if now <= self.until:
            return 0
        rows = demo_series.samples(self.fleet, self.until, now)
        tables = {}
        for sample in rows:
            key = (self.databases[sample.database], sample.table)
            tables.setdefault(key, []).append(sample)
        for (database, name), samples in tables.items():
            self.engine.append(database, name, _table(samples))
        self.until = now
        return len(rows)

    def start(self, interval=INTERVAL):
        self._thread = threading.Thread(
            target=self._run, args=(interval,), name="syncapi-demo-feed", daemon=True
        )
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _run(self, interval):
        while not self._stop.wait(interval):
            try:
                self.advance(now())
            except Exception:  # a bad moment must not end the demo: the next one retries
                log.exception("the demo feed could not append")


def now():
    """This moment in whole epoch seconds (`clock.now`, which tests move)."""
    return int(clock.now().timestamp())


def _table(samples):
    tags = {name for sample in samples for name in sample.tags}
    rows = [{"time": s.time, **s.tags, **s.fields} for s in samples]
    return influx_table(rows, tags)
