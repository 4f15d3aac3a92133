"""Faults injected at the embedded store's driver calls, as a replica set raises them.

`Injector` counts the calls one thread makes (those a driver sends to the server, as
`round_trips` counts them, a transaction's commit included) and fails the k-th:

- `raised`: before the server applies it (a connection lost on the way there);
- `applied`: after the server applied it (a timeout on the way back).

With `lasting`, every later call fails too (the outage lasts, or the process died); without,
the later calls succeed. The error is what pymongo raises: `AutoReconnect`, labelled
`TransientTransactionError` inside a transaction and `UnknownTransactionCommitResult` on a
commit, as the driver labels network errors there (the Transactions specification, "Error
labels"). A failed abort is not injected: pymongo ignores an abort's errors, and the
server aborts an abandoned transaction itself (`transactionLifetimeLimitSeconds`).
"""

import threading
from dataclasses import dataclass, field

import mongomock
from pymongo.errors import AutoReconnect

from syncapi.embedded.store import EmbeddedCollection, EmbeddedDatabase
from syncapi.embedded.transactions import EmbeddedSession
from tests.round_trips import CLIENT_CALLS, COLLECTION_CALLS, DATABASE_CALLS

RAISED, APPLIED = "raised", "applied"
MODES = (RAISED, APPLIED)
NEVER = 10**9


@dataclass
class Injector:
    fail_at: int = NEVER  # the 1-based call that fails
    mode: str = RAISED
    lasting: bool = False
    thread: int = field(default_factory=threading.get_ident)
    calls: list = field(default_factory=list)
    _depth: threading.local = field(default_factory=threading.local)

    @property
    def count(self):
        return len(self.calls)

    def stop(self):
        """The outage ends: no later call fails."""
        self.fail_at = NEVER
        self.lasting = False

    def _failing(self):
        number = len(self.calls)
        return number == self.fail_at or (self.lasting and number > self.fail_at)

    def wrap(self, cls, name, labels):
        original = getattr(cls, name)
        injector = self

        def faulty(target, *args, **kwargs):
            depth = getattr(injector._depth, "value", 0)
            if depth or threading.get_ident() != injector.thread:
                return original(target, *args, **kwargs)
            injector.calls.append(name)
            failing = injector._failing()
            injector._depth.value = depth + 1
            try:
                if failing and injector.mode == RAISED:
                    raise _error(name, labels(target, kwargs))
                result = original(target, *args, **kwargs)
                if failing:
                    raise _error(name, labels(target, kwargs))
                return result
            finally:
                injector._depth.value = depth

        faulty.__name__ = name
        return faulty


def _error(name, labels):
    error = AutoReconnect(f"injected fault: connection lost at {name}")
    for label in labels:
        error._add_error_label(label)
    return error


def _in_transaction(target, kwargs):
    session = kwargs.get("session")
    return ["TransientTransactionError"] if session is not None and session.in_transaction else []


def _commit(target, kwargs):
    return ["UnknownTransactionCommitResult"]


def install(monkeypatch, injector):
    """Route every driver call of the embedded store through `injector`."""
    for name in COLLECTION_CALLS:
        for cls in (EmbeddedCollection, mongomock.Collection):
            if name in vars(cls):
                monkeypatch.setattr(cls, name, injector.wrap(cls, name, _in_transaction))
    for name in DATABASE_CALLS:
        for cls in (EmbeddedDatabase, mongomock.database.Database):
            if name in vars(cls):
                monkeypatch.setattr(cls, name, injector.wrap(cls, name, _in_transaction))
    for name in CLIENT_CALLS:
        cls = mongomock.MongoClient
        monkeypatch.setattr(cls, name, injector.wrap(cls, name, _in_transaction))
    commit = injector.wrap(EmbeddedSession, "commit_transaction", _commit)
    monkeypatch.setattr(EmbeddedSession, "commit_transaction", _only_when_sent(commit))
    return injector


def _only_when_sent(wrapped):
    """A commit goes to the server only when the transaction ran an operation."""
    original = EmbeddedSession.commit_transaction

    def commit(session):
        return wrapped(session) if session.sent else original(session)

    return commit


class Failover:
    """A replica set's failover, modelled on the embedded store: a transaction committed
    below `w: "majority"` is acknowledged once the primary has it, before a majority does;
    an election then makes primary a member that never had it, and the old primary rolls it
    back (MongoDB manual, "Rollbacks During Replica Set Failover"). `fail_over()` rolls back
    every such commit, newest first. A commit at `w: "majority"` is acknowledged only once a
    majority has it: no failover takes it back."""

    def __init__(self):
        self.unreplicated = []

    def install(self, monkeypatch):
        start, commit, model = (
            EmbeddedSession.start_transaction,
            EmbeddedSession.commit_transaction,
            self,
        )

        def start_transaction(session, read_concern=None, write_concern=None, **options):
            session.write_concern = write_concern
            return start(session, read_concern, write_concern, **options)

        def commit_transaction(session):
            undo = session.recording()
            commit(session)
            concern = getattr(session, "write_concern", None)
            if undo is not None and (concern is None or concern.document.get("w") != "majority"):
                model.unreplicated.append(undo)

        monkeypatch.setattr(EmbeddedSession, "start_transaction", start_transaction)
        monkeypatch.setattr(EmbeddedSession, "commit_transaction", commit_transaction)
        return self

    def fail_over(self):
        for undo in reversed(self.unreplicated):
            undo.run()
        self.unreplicated.clear()
