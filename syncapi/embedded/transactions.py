"""Multi-document transactions on the embedded store, with a server's guarantees where
syncapi relies on them: a transaction's writes become visible together at its commit, or
never (an abort, its process's failure to commit).

The store has one lock, held by every read and write while it runs, and by a transaction
from its first operation to its commit or abort: no other thread reads or writes in
between, so nothing uncommitted is seen, and two transactions never interleave. One lock,
not one per database: a transaction takes locks as it goes (a device's create the shared
database's claims first, its delete the organization's database first), and two of them
taking two locks in opposite orders would wait on each other. A transaction that cannot
take the lock within `CONFLICT_SECONDS` (another transaction holds it) fails with a
server's write conflict (code 112, labelled `TransientTransactionError`): its caller aborts
it and runs it again, as with a server. Each write in a transaction first records how to
undo itself (`Undo`): the documents it may change as they were, and the ids stored before
it. An abort replays that log backwards, straight into mongomock's store: the documents it
puts back were stored before, so no index refuses them.

Only what syncapi does inside a transaction is covered: inserts, updates, replaces, deletes
and find-and-modify, as on a server (MongoDB 4.4+: collections are made by a first insert).
"""

import copy
import threading

from pymongo.errors import InvalidOperation, OperationFailure

# How long an operation outside a transaction waits for a database's lock before giving up,
# as a server's operation times out: a deadlock becomes a timeout (503), never a hung worker.
LOCK_SECONDS = 30.0
# How long a transaction waits for a lock another transaction holds before it conflicts
# (a server conflicts at once and the caller runs the transaction again; waiting here
# instead spares the embedded store's requests most of those runs).
CONFLICT_SECONDS = 5.0
WRITE_CONFLICT = 112

_LOCK = threading.RLock()  # the store's one lock (see above)


def lock_of(database_name):
    """The lock `database_name`'s reads and writes hold: the store's one lock."""
    return _LOCK


def hold(collection, seconds=LOCK_SECONDS):
    """The lock of `collection`'s database, waited for at most `seconds`."""
    lock = lock_of(collection.database.name)
    if not lock.acquire(timeout=seconds):
        raise OperationFailure("the embedded store's lock was not free in time", code=50)
    return Held(lock)


class Held:
    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lock.release()


def write_conflict():
    return OperationFailure(
        "Write conflict during plan execution",
        code=WRITE_CONFLICT,
        details={"errorLabels": ["TransientTransactionError"], "code": WRITE_CONFLICT},
    )


class Undo:
    """What one transaction's writes replaced, newest last."""

    def __init__(self):
        self._steps = []
        self._created = []  # collections that did not exist before the transaction

    def before_write(self, collection, filter_=None):
        """Keep, before a write matching `filter_` (none: an insert), the documents it may
        change or delete (every match: a write of one changes one of them) and the ids
        stored, so that an abort also removes what it inserted."""
        self.before_creating(collection)
        matched = collection._iter_documents(filter_) if filter_ is not None else ()
        stored = {document["_id"]: copy.deepcopy(document) for document in matched}
        self._steps.append((collection, stored, set(_documents(collection))))

    def before_creating(self, collection):
        """A collection (and its database) made in the transaction goes with its abort,
        its indexes with it: a write's implicit creation, `create_collection`, an index."""
        if not collection._store.is_created and collection not in self._created:
            self._created.append(collection)

    def run(self):
        """Put every collection a write touched back as it was, newest write first."""
        for collection, stored, ids_before in reversed(self._steps):
            store = collection._store
            for new_id in [key for key in _documents(collection) if key not in ids_before]:
                del store[new_id]
            for key, document in stored.items():
                store[key] = document
        for collection in self._created:
            collection._store.drop()
        self._steps.clear()
        self._created.clear()


def _documents(collection):
    """The ids `collection` stores (mongomock's ordered dict of them)."""
    return list(collection._store._documents)


class EmbeddedSession:
    """A session of the embedded client, with pymongo's transaction calls."""

    def __init__(self, client):
        self.client = client
        self._undo = None
        self._held = []
        self.ended = False

    @property
    def in_transaction(self):
        return self._undo is not None

    def start_transaction(self, read_concern=None, write_concern=None, **options):
        if self.in_transaction:
            raise InvalidOperation("Transaction already in progress")
        self._undo = Undo()
        self.sent = False
        self.committed = False

    committed = False
    # Whether the transaction ran an operation: pymongo sends a commit or an abort to the
    # server only then (one round trip), and nothing for a transaction that ran none.
    sent = False

    def commit_transaction(self):
        """Commits; again after a commit, nothing more (pymongo lets a commit whose outcome
        was unknown be sent again: the server answers it as committed)."""
        if self.committed and not self.in_transaction:
            return
        if not self.in_transaction:
            raise InvalidOperation("No transaction started")
        self._finish()
        self.committed = True

    def abort_transaction(self):
        if not self.in_transaction:
            raise InvalidOperation("No transaction started")
        try:
            self._undo.run()
        finally:
            self._finish()

    def _finish(self):
        self._undo = None
        held, self._held = self._held, []
        for lock in reversed(held):
            lock.release()

    def enter(self, collection):
        """Within a transaction, the lock of `collection`'s database, kept to its end (a
        write conflict when another transaction keeps it); the undo log, or None outside."""
        if self._undo is None:
            return None
        self.sent = True
        lock = lock_of(collection.database.name)
        if lock not in self._held:
            if not lock.acquire(timeout=CONFLICT_SECONDS):
                raise write_conflict()
            self._held.append(lock)
        return self._undo

    def recording(self):
        """The undo log of the transaction under way, or None."""
        return self._undo

    def end_session(self):
        if self.in_transaction:
            self.abort_transaction()
        self.ended = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.end_session()
