"""The embedded store's collection calls, each made under the store's lock
(`transactions`): a write applied whole, a read that sees no transaction's uncommitted
writes, and, within a transaction (`session`), a write that first records how to undo it.
`store.EmbeddedCollection` is made of these."""

import mongomock
from mongomock.collection import Cursor

from syncapi.core import clock
from syncapi.embedded import document_size, transactions, upserts


def one_at_a_time(name, filtered=True):
    """mongomock's write `name` (looked up at each call), made while holding the store's
    lock; within a transaction (`session`), after recording how to undo it."""

    def locked(self, *args, session=None, **kwargs):
        undo = session.enter(self) if session is not None else None
        if filtered and len(args) > 1 and isinstance(args[1], list):  # an update pipeline
            args = (args[0], _now_in(args[1]), *args[2:])
        with transactions.hold(self):
            if undo is not None:
                undo.before_write(self, _filter(args, kwargs) if filtered else None)
            try:
                return getattr(mongomock.Collection, name)(self, *args, **kwargs)
            except document_size.Oversized:  # rolled back by mongomock
                raise document_size.as_raised_by(name) from None

    locked.__name__ = name
    return locked


def _now_in(value):
    """An update pipeline with `$$NOW` made the store's clock, which mongomock lacks."""
    if value == "$$NOW":
        return clock.utcnow()
    if isinstance(value, list):
        return [_now_in(item) for item in value]
    if isinstance(value, dict):
        return {key: _now_in(item) for key, item in value.items()}
    return value


def _filter(args, kwargs):
    return args[0] if args else kwargs.get("filter", {})


def read(name):
    """mongomock's read `name`, made while holding the store's lock: no transaction's
    uncommitted writes are seen (`transactions`)."""

    def locked(self, *args, session=None, **kwargs):
        if session is not None:
            session.enter(self)
        with transactions.hold(self):
            return getattr(mongomock.Collection, name)(self, *args, **kwargs)

    locked.__name__ = name
    return locked


insert_one = one_at_a_time("insert_one", filtered=False)
insert_many = one_at_a_time("insert_many", filtered=False)


class EmbeddedCursor(Cursor):
    """A cursor whose results are read while holding the store's lock."""

    def _compute_results(self, with_limit_and_skip=False):
        with transactions.hold(self.collection):
            return super()._compute_results(with_limit_and_skip)


def upserting(name):
    """A write that may upsert: its query, then its insert, as a server runs them
    (`upserts`)."""
    return upserts.upserting(name, one_at_a_time(name), transactions.hold)
