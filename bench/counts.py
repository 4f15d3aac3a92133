"""Database operations per request: MongoDB round trips, InfluxDB queries, clients built.

mongomock emits no command events, so the round trips are counted by the tests' own wrapper
around the embedded store (`tests/round_trips.py`, which imports neither pytest nor any
fixture: it is given `Patches` below in place of pytest's `monkeypatch`). Each request is
counted in the steady state: its second call, within the memo periods (the first call of a
process makes the shared indexes and fills the memos once).
"""

import mongomock
import pymongo
from influxdb_client_3 import InfluxDBClient3

from tests import round_trips

CLIENT_CLASSES = (mongomock.MongoClient, pymongo.MongoClient, InfluxDBClient3)
_MISSING = object()


class Patches:
    """The one method of pytest's `monkeypatch` that `round_trips.install` calls, and undo."""

    def __init__(self):
        self._undo = []

    def setattr(self, target, name, value):
        self._undo.append((target, name, vars(target).get(name, _MISSING)))
        setattr(target, name, value)

    def undo(self):
        for target, name, value in reversed(self._undo):
            if value is _MISSING:
                delattr(target, name)
            else:
                setattr(target, name, value)
        self._undo.clear()


class Counter:
    """Counts, while installed, every round trip of this thread, every client built (by any
    thread) and every query the InfluxDB stand-in receives."""

    def __init__(self, standin=None):
        self.standin = standin
        self.clients_built = 0
        self._patches = Patches()
        self.trips = None

    def __enter__(self):
        self.trips = round_trips.install(self._patches)
        for cls in CLIENT_CLASSES:
            self._patches.setattr(cls, "__init__", self._counting(cls.__init__))
        return self

    def __exit__(self, *exc):
        self._patches.undo()

    def _counting(self, init):
        def counted(client, *args, **kwargs):
            self.clients_built += 1
            return init(client, *args, **kwargs)

        return counted

    def of(self, call):
        """`{mongodb, influxdb, clients}` of one steady-state request."""
        call()
        self.trips.clear()
        built, queries = self.clients_built, self._queries()
        call()
        return {
            "mongodb": self.trips.count(),
            "mongodb_calls": [f"{c.namespace} {c.operation}" for c in self.trips.calls],
            "influxdb": self._queries() - queries,
            "clients": self.clients_built - built,
        }

    def _queries(self):
        return len(self.standin.tickets) if self.standin is not None else 0
