"""MongoDB round trips, counted the way a real server would see them.

mongomock emits no command events, so the embedded store's methods are wrapped: each call a
driver would send to the server counts once (mongomock's calls to itself are not counted),
and only calls made by the thread that asks (a request's own, not a background refresh).
Each recorded call keeps what a planner would see: the collection and the filter.
"""

import threading
from dataclasses import dataclass, field

import mongomock

from syncapi.embedded.store import EmbeddedCollection, EmbeddedDatabase
from syncapi.embedded.transactions import EmbeddedSession

COLLECTION_CALLS = (
    "find",
    "find_one",
    "find_one_and_update",
    "find_one_and_delete",
    "find_one_and_replace",
    "insert_one",
    "insert_many",
    "update_one",
    "update_many",
    "replace_one",
    "delete_one",
    "delete_many",
    "count_documents",
    "estimated_document_count",
    "aggregate",
    "distinct",
    "create_index",
    "drop",
    "bulk_write",
)
DATABASE_CALLS = ("command", "list_collection_names", "create_collection", "drop_collection")
CLIENT_CALLS = ("list_database_names", "drop_database")
SESSION_CALLS = ("commit_transaction", "abort_transaction")  # sent when the transaction ran one
FILTERED = {  # the position of the filter argument, for the calls that take one
    "find": 0,
    "find_one": 0,
    "find_one_and_update": 0,
    "find_one_and_delete": 0,
    "find_one_and_replace": 0,
    "update_one": 0,
    "update_many": 0,
    "replace_one": 0,
    "delete_one": 0,
    "delete_many": 0,
    "count_documents": 0,
}


@dataclass
class Call:
    namespace: str  # "database.collection", or "database" / "client" for other calls
    operation: str
    filter: dict = None


@dataclass
class Recorder:
    thread: int = field(default_factory=threading.get_ident)
    calls: list = field(default_factory=list)
    _depth: threading.local = field(default_factory=threading.local)

    def count(self):
        return len(self.calls)

    def clear(self):
        self.calls.clear()

    def wrap(self, cls, name, namespace_of):
        original = getattr(cls, name)
        recorder = self

        def counted(target, *args, **kwargs):
            depth = getattr(recorder._depth, "value", 0)
            if depth == 0 and threading.get_ident() == recorder.thread:
                recorder.calls += calls_of(namespace_of(target), name, args, kwargs)
            recorder._depth.value = depth + 1
            try:
                return original(target, *args, **kwargs)
            finally:
                recorder._depth.value = depth

        return counted

    def wrap_session_call(self, name):
        """A transaction's commit or abort: one round trip when it ran an operation."""
        original = getattr(EmbeddedSession, name)
        recorder = self

        def counted(session, *args, **kwargs):
            if session.sent and threading.get_ident() == recorder.thread:
                recorder.calls.append(Call("client", name))
            return original(session, *args, **kwargs)

        return counted


def calls_of(namespace, operation, args, kwargs):
    """What one driver call asks of the server, as `Call`s: one per filter a planner sees
    (an aggregation's leading `$match` and each `$unionWith` branch's; each request of a
    bulk write); `{}` for a call that reads a whole collection."""
    if operation == "aggregate":
        pipeline = args[0] if args else kwargs.get("pipeline", [])
        found = [Call(namespace, operation, _leading_match(pipeline))]
        database = namespace.split(".", 1)[0]
        for stage in pipeline:
            union = stage.get("$unionWith")
            if union:
                branch = union.get("pipeline", []) if isinstance(union, dict) else []
                coll = union["coll"] if isinstance(union, dict) else union
                found.append(Call(f"{database}.{coll}", operation, _leading_match(branch)))
        return found
    if operation == "bulk_write":
        requests = args[0] if args else kwargs.get("requests", [])
        return [
            Call(
                namespace, f"bulk_write:{type(request).__name__}", getattr(request, "_filter", None)
            )
            for request in requests
        ]
    position = FILTERED.get(operation)
    if position is None:
        return [Call(namespace, operation, kwargs.get("filter"))]
    query = args[position] if len(args) > position else kwargs.get("filter")
    return [Call(namespace, operation, {} if query is None else query)]


def _leading_match(pipeline):
    return pipeline[0]["$match"] if pipeline and "$match" in pipeline[0] else {}


def install(monkeypatch):
    """Count every round trip of the embedded store from now on (this thread's)."""
    recorder = Recorder()
    for name in COLLECTION_CALLS:
        for cls in (EmbeddedCollection, mongomock.Collection):
            if name in vars(cls):
                monkeypatch.setattr(cls, name, recorder.wrap(cls, name, lambda c: c.full_name))
    for name in DATABASE_CALLS:
        for cls in (EmbeddedDatabase, mongomock.database.Database):
            if name in vars(cls):
                monkeypatch.setattr(cls, name, recorder.wrap(cls, name, lambda d: d.name))
    for name in CLIENT_CALLS:
        cls = mongomock.MongoClient
        monkeypatch.setattr(cls, name, recorder.wrap(cls, name, lambda _: "client"))
    for name in SESSION_CALLS:
        monkeypatch.setattr(EmbeddedSession, name, recorder.wrap_session_call(name))
    return recorder
