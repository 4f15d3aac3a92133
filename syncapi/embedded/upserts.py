"""An upsert of the embedded store (`store.py`) as a server runs it: its query, then, when that
matched nothing, its insert, with room for other writes in between.

Two upserts of one new key at once both find nothing and both insert, and the unique index
refuses the second insert (E11000). A server (MongoDB 4.2+, SERVER-37124) retries such an
upsert itself only where that is safe: a single-document write whose filter is equalities
on exactly the fields of a unique index, a change leaving those fields alone, and another
document now holding those values; the retry then updates it. Elsewhere the client gets
the `DuplicateKeyError` and decides: a machine claim's filter, `{_id, organizationId}`, is
one the server does not retry (`machine_claims` retries it). Without a unique index on the
filter's fields both inserts are made: two documents.

The store applies each write whole under one lock, so by itself it would let no two upserts
race and would hide that error: here the query is a read made before the lock is taken,
as a server's query runs before its insert, and the insert fails, or is retried, as a
server's does.
"""

import inspect

import mongomock
from bson import ObjectId
from mongomock import filtering, helpers
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError
from pymongo.results import UpdateResult

from syncapi.embedded import document_size

RETRIES = 3  # a server bounds its own retries too (SERVER-60897)
_SCRATCH = mongomock.MongoClient().scratch.documents  # where an insert's document is built


def upserting(name, locked, lock):
    """The store's write `name` (`locked`: mongomock's, applied under `lock(collection)`, its
    database's lock), an upsert of which runs as a server runs it."""
    keywords = list(inspect.signature(getattr(mongomock.Collection, name)).parameters)[3:]

    def write(self, filter, change, *args, **kwargs):
        kwargs.update(zip(keywords, args, strict=False))
        if not kwargs.get("upsert"):
            return locked(self, filter, change, **kwargs)
        retries = 0
        while True:
            if matches(self, filter):  # the query; a match is updated
                return locked(self, filter, change, **kwargs)
            try:
                with lock(self):
                    return _insert(self, name, locked, filter, change, kwargs)
            except document_size.Oversized:
                raise document_size.as_raised_by(name) from None
            except DuplicateKeyError:
                retries += 1
                if retries > RETRIES or not _retried(self, name, filter, change):
                    raise

    write.__name__ = name
    return write


def _insert(collection, name, locked, filter, change, kwargs):
    """The insert of an upsert whose query matched nothing. With nothing matching still, it
    is mongomock's upsert; a document that came in between gets the document the upsert
    builds inserted beside it, refused where a unique index says so."""
    if not matches(collection, filter):
        return locked(collection, filter, change, **kwargs)
    try:
        plain = {key: value for key, value in kwargs.items() if key != "session"}
        getattr(mongomock.Collection, name)(_SCRATCH, filter, change, **plain)
        document = _SCRATCH.find_one()
    finally:
        _SCRATCH.delete_many({})
    session = kwargs.get("session")
    undo = session.enter(collection) if session is not None else None
    if undo is not None:  # in a transaction: its abort takes the insert back
        undo.before_write(collection)
    mongomock.Collection._insert(collection, document)
    if name.startswith("find_one_and_"):
        after = kwargs.get("return_document") == ReturnDocument.AFTER
        return (
            collection.find_one({"_id": document["_id"]}, kwargs.get("projection"))
            if after
            else None
        )
    raw = {"n": 1, "nModified": 0, "upserted": document["_id"], "updatedExisting": False, "ok": 1}
    return UpdateResult(raw, acknowledged=True)


def _retried(collection, name, filter, change):
    """Whether a server retries the upsert its unique index refused: see the module."""
    fields = _equalities(filter)
    if name == "update_many" or isinstance(change, list) or fields is None:
        return False
    keys = [("_id",)] + [
        tuple(key for key, _ in index["key"])
        for index in collection._store.indexes.values()
        if index.get("unique")
    ]
    if not any(set(key) == set(fields) for key in keys):
        return False
    if any(_changes(change, field, fields[field]) for field in fields):
        return False
    return matches(collection, filter)


def matches(collection, filter):
    """The upsert's query: whether a stored document matches `filter`. Found by its key when
    the filter names one `_id` (as a server's `_id` index finds it), else by a scan."""
    key = filter.get("_id")
    if isinstance(key, str | int | ObjectId) and not isinstance(key, bool):
        try:
            document = collection._store[key]
        except KeyError:
            return False
        return filtering.filter_applies(
            helpers.patch_datetime_awareness_in_document(filter), document
        )
    return collection.find_one(filter, {"_id": 1}) is not None


def _equalities(filter):
    """`{field: value}` of a filter made of equalities only (`{field: value}`, `$eq`), else
    None."""
    fields = {}
    for field, value in filter.items():
        if field.startswith("$"):
            return None
        if isinstance(value, dict) and any(str(key).startswith("$") for key in value):
            if list(value) != ["$eq"]:
                return None
            value = value["$eq"]
        fields[field] = value
    return fields


def _changes(change, field, value):
    """Whether `change` (an update's operators, or a replacement) alters `field`, which the
    filter holds at `value`."""
    if not any(str(key).startswith("$") for key in change):  # a replacement
        return field != "_id" and (field not in change or change[field] != value)
    for operator, fields in change.items():
        if operator == "$setOnInsert" or not isinstance(fields, dict):
            continue
        for path in fields:
            if path == field or path.startswith(f"{field}.") or field.startswith(f"{path}."):
                return True
    return False
