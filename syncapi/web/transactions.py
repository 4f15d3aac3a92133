"""Every request that changes data runs its view in one MongoDB transaction, on every server:
its writes, their change-log entry, the claims, counts and token revocations they make
become visible together at the commit, or not at all. A fault anywhere before the commit
leaves nothing changed, so a 503 tells the truth and a retry starts clean; there is no
second code path without transactions and no half-made change for anyone to repair.

- The view gets the request's databases bound to the transaction's session
  (`in_session`): `g.tenant_db`, and `handles.shared_db()` while it runs.
- A failure labelled `TransientTransactionError` (a write conflict, a failover, a network
  error before the commit) aborts and runs the view again after a jittered pause,
  `ATTEMPTS` times at most (all within the request's `MONGODB_WRITE_TIMEOUT_MS`); a
  commit labelled `UnknownTransactionCommitResult` is committed again (a commit is
  idempotent), `COMMITS` times at most. Anything else aborts and is answered as ever (a
  404, 409, 412: nothing was changed).
- A commit whose outcome stays unknown answers 503 with `details` "the change may have been
  applied" (`MAY_HAVE_BEEN_APPLIED`); every other 503 means nothing changed.
- The commit waits for a majority (`w: "majority"`): an acknowledged change survives a
  failover. Reads in a transaction are `local` (its snapshot, with its own writes): a
  transaction that creates a collection or an index explicitly must read "local" (MongoDB
  manual, "Read Concern 'local'"; a new organization's and application's do), and the
  change log's feed, outside any transaction, reads majority-committed entries.
- A standalone server has no transactions: a replica set is required (one node is
  enough: `mongod --replSet rs0`, then `rs.initiate()`), said as a 503 naming it on a
  write. The embedded store keeps its own (`embedded.transactions`).

What no transaction may hold (dropping a database) runs after the commit (`after_commit`),
and whatever that leaves unfinished is finished by the retry or the reconciler: an
organization's delete (`repositories.organization_deletes`).
"""

import random
import time
from functools import wraps

from flask import g, request
from pymongo.errors import PyMongoError, ServerSelectionTimeoutError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from syncapi.core.failures import Unavailable
from syncapi.core.in_session import DatabaseInSession
from syncapi.extensions import mongo_client

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
ATTEMPTS = 5
LOCAL = ReadConcern("local")
COMMITS = 3
MAY_HAVE_BEEN_APPLIED = "the change may have been applied"
CONFLICTED = "the change kept meeting others or a failover; nothing was changed: retry"
REPLICA_SET_NEEDED = (
    "syncapi needs a replica set for transactions; a one-node replica set is enough"
    " (mongod --replSet rs0, then rs.initiate())"
)
TRANSIENT = "TransientTransactionError"
ILLEGAL_OPERATION = 20
UNKNOWN_COMMIT = "UnknownTransactionCommitResult"


def init_app(app):
    """After the blueprints: every view serving a write method runs in a transaction."""
    for rule in app.url_map.iter_rules():
        if rule.methods & WRITE_METHODS and rule.endpoint in app.view_functions:
            view = app.view_functions[rule.endpoint]
            if not hasattr(view, "in_transaction") and not hasattr(view, "changes_nothing"):
                app.view_functions[rule.endpoint] = in_transaction(view)


def changes_nothing(view):
    """Marks a view that a write method serves but that only reads (its question is a
    body): no transaction, which would hold the embedded store's lock while it asks InfluxDB."""
    view.changes_nothing = True
    return view


def in_transaction(view):
    @wraps(view)
    def run(*args, **kwargs):
        if request.method not in WRITE_METHODS:
            return view(*args, **kwargs)
        return run_in_transaction(lambda: view(*args, **kwargs))

    run.in_transaction = True
    return run


def run_in_transaction(call):
    """`call()` within one transaction, run again on a transient failure."""
    with mongo_client().start_session() as session:
        for attempt in range(1, ATTEMPTS + 1):
            session.start_transaction(read_concern=LOCAL, write_concern=WriteConcern(w="majority"))
            try:
                answer = _bound(session, call)
            except PyMongoError as error:
                _abort(session)
                if _worth_again(error):
                    if attempt < ATTEMPTS:
                        _back_off(attempt)
                        continue
                    raise Unavailable("MongoDB unavailable", details=CONFLICTED) from error
                refusal = standalone_refusal(error)
                if refusal is not None:
                    raise refusal from None
                raise
            except BaseException:
                _abort(session)
                raise
            if _commit(session, last=attempt == ATTEMPTS):
                _finish(g.pop("after_commit", []))
                return answer
    raise AssertionError("unreachable")  # pragma: no cover


def after_commit(task):
    """`task()` once the request's transaction has committed: what no transaction may hold
    (dropping a database). A driver failure there answers 503 "the change may have been
    applied": the change took effect, and its retry or the reconciler finishes it."""
    g.after_commit.append(task)


def _finish(tasks):
    for task in tasks:
        try:
            task()
        except PyMongoError as error:
            raise Unavailable("MongoDB unavailable", details=MAY_HAVE_BEEN_APPLIED) from error


def _bound(session, call):
    """`call()` with the request's databases bound to `session`."""
    g.after_commit = []
    tenant = g.get("tenant_db")
    if tenant is not None:
        g.tenant_db = DatabaseInSession(tenant, session)
    g.mongo_session = session
    try:
        return call()
    finally:
        g.pop("mongo_session", None)
        if tenant is not None:
            g.tenant_db = tenant


def _back_off(attempt):
    """A pause before running a transaction again, longer each time and jittered (5 ms to
    0.5 s, as pymongo's `with_transaction`), so that writers of one organization, whose
    changes all move its log's counter, do not meet again at once."""
    time.sleep(random.uniform(0, min(0.5, 0.005 * 2**attempt)))


def _worth_again(error):
    """A transient failure (a conflict, a failover, a connection lost), except one that
    spent the request's time already: no server to select, or a timeout. Those answer at
    once, as outside a transaction."""
    if isinstance(error, ServerSelectionTimeoutError) or error.timeout:
        return False
    return error.has_error_label(TRANSIENT)


def _abort(session):
    if session.in_transaction:
        try:
            session.abort_transaction()
        except PyMongoError:  # the server aborts an abandoned transaction itself
            pass


def _commit(session, last):
    """True once committed; False when the whole transaction should run again."""
    for _ in range(COMMITS):
        try:
            session.commit_transaction()
            return True
        except PyMongoError as error:
            if error.has_error_label(UNKNOWN_COMMIT):
                continue
            if error.has_error_label(TRANSIENT):
                if not last:
                    return False
                raise Unavailable("MongoDB unavailable", details=CONFLICTED) from error
            raise
    raise Unavailable("MongoDB unavailable", details=MAY_HAVE_BEEN_APPLIED)


def bound(db):
    """`db` bound to the request's transaction, when one runs."""
    session = g.get("mongo_session") if g else None
    return DatabaseInSession(db, session) if session is not None else db


def in_progress():
    return g.get("mongo_session") is not None


def standalone_refusal(error):
    """The 503 of a standalone server, which refuses a transaction's first operation with
    "Transaction numbers are only allowed on a replica set member or mongos" (code 20,
    IllegalOperation); None for any other error."""
    if getattr(error, "code", None) == ILLEGAL_OPERATION and "replica set" in str(error):
        return Unavailable("MongoDB unavailable", details=REPLICA_SET_NEEDED)
    return None
