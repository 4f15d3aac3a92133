"""The patterns every entity repeats: insert, find, update-and-return, delete.

Each turns the driver's outcome (a unique index hit, nothing matched) into the entity's own
error, given as a factory (`partial(NotFound, "Device not found")`) so each request
raises a fresh exception.

Every single document carries `revision`, set by the server only: 1 on insert, incremented
by every write made here (a document older code wrote gets its first on its next write).
An update and a delete return the document as it was before as well, for the change log.
"""

import re

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from syncapi.core.clock import epoch_ms, iso_now, utcnow
from syncapi.core.failures import Conflict, Stale

REVISION = "revision"
_INTEGER = re.compile(r"-?[0-9]{1,18}")  # a 64-bit integer, as an `_id` may be


def stamped(fields, iso=False):
    """`fields` as a new document: `createdAt` and `updatedAt` set by the server, now (a BSON
    date; ISO text where the contract stores text, users and the application registry), and
    its first revision (never one a body sent)."""
    now = iso_now() if iso else utcnow()
    return {**fields, "createdAt": now, "updatedAt": now, REVISION: 1}


def touched(changes, iso=False):
    """`changes` with `updatedAt` set by the server, now; a sent `revision` is not a change."""
    kept = {key: value for key, value in changes.items() if key != REVISION}
    return {**kept, "updatedAt": iso_now() if iso else utcnow()}


def revised(changes):
    """The update that `$set`s the changes and moves the revision on, in one write."""
    return {"$set": changes, "$inc": {REVISION: 1}}


def applied(before, changes):
    """The document after `revised(changes)`, computed from the one before: no second read.
    A dotted key sets the nested field, as `$set` does."""
    after = dict(before)
    for key, value in changes.items():
        *parents, last = key.split(".")
        target = after
        for name in parents:
            nested = target.get(name)
            target[name] = dict(nested) if isinstance(nested, dict) else {}
            target = target[name]
        target[last] = value
    after[REVISION] = (before.get(REVISION) or 0) + 1
    return after


def insert(collection, document, duplicate):
    """Insert; `duplicate()` is raised when a unique index refuses the document."""
    try:
        collection.insert_one(document)
    except DuplicateKeyError:
        raise duplicate() from None
    return document


def restored(before, iso=False):
    """A deleted document as its change-log entry kept it (`before`), to be inserted again
    under its own `_id`: one revision on from the one deleted (an ETag of the deleted
    version never matches it), `updatedAt` now."""
    return {
        **before,
        "updatedAt": iso_now() if iso else utcnow(),
        REVISION: (before.get(REVISION) or 0) + 1,
    }


def reinsert(collection, document, duplicate):
    """Insert a restored document; `duplicate()` when its key was taken again since, a
    conflict of its own when the document itself is back (restored already)."""
    try:
        collection.insert_one(document)
    except DuplicateKeyError:
        if collection.find_one({"_id": document["_id"]}, {"_id": 1}) is not None:
            raise Conflict("The document exists again: it was restored already") from None
        raise duplicate() from None
    return document


def update(collection, query, changes, not_found, duplicate, expected=None):
    """`$set` the changes on the one matching document: `(before, after)`, as stored either
    side of the write. With `expected` (an `If-Match`), only if it is still that version."""
    condition = _condition(collection, query, expected)
    try:
        before = condition and collection.find_one_and_update(condition, revised(changes))
    except DuplicateKeyError:
        raise duplicate() from None
    if before is None:
        raise _missed(collection, query, condition, not_found)
    return before, applied(before, changes)


def delete(collection, query, not_found, expected=None):
    """Delete the one matching document and return it as it was; with `expected`, only if it
    is still that version."""
    condition = _condition(collection, query, expected)
    deleted = condition and collection.find_one_and_delete(condition)
    if deleted is None:
        raise _missed(collection, query, condition, not_found)
    return deleted


def _condition(collection, query, expected):
    """The filter of a write, made conditional by `expected` so that the write itself checks
    it (None: it cannot match): the query, and the document being one of the versions
    listed. A revision ETag names the revision and the document's `_id` (a document deleted
    and created again is another one). A document older code wrote has no revision and a
    content ETag: it is compared here, and the write then requires it to still have no
    revision, which every write of syncapi gives it."""
    if expected is None or expected.any:
        return query
    versions = _versions(expected.versions)
    if expected.contents:
        current = collection.find_one(query)
        if current is not None and REVISION not in current and expected.matches(current):
            versions.append({"_id": current["_id"], REVISION: {"$exists": False}})
    if not versions:
        return None
    return {"$and": [query, {"$or": versions}]}


def _versions(listed):
    """The filters of the `(_id text, revision)` pairs an `If-Match` lists, one per `_id`."""
    revisions = {}
    for document_id, revision in listed:
        revisions.setdefault(document_id, set()).add(revision)
    return [
        {"_id": {"$in": id_forms(document_id)}, REVISION: {"$in": sorted(numbers)}}
        for document_id, numbers in revisions.items()
    ]


def id_forms(text):
    """Each `_id` an ETag's text may name: an ETag writes the `_id` as text, and the text of
    an ObjectId, of a string of 24 hex digits and of an integer can look alike, so the
    write's filter accepts every one of them (the rest of its filter names the document)."""
    forms = [text]
    if ObjectId.is_valid(text):
        forms.append(ObjectId(text))
    if _INTEGER.fullmatch(text):
        forms.append(int(text))
    return forms


def _missed(collection, query, condition, not_found):
    """Nothing matched: the document is missing (404), or another version (412)."""
    if condition is not query and collection.find_one(query, {"_id": 1}) is not None:
        return Stale("The document has changed since the ETag you sent; read it again")
    return not_found()


def find(collection, query, not_found):
    document = collection.find_one(query)
    if document is None:
        raise not_found()
    return document


def insert_with_new_id(collection, document, prefix, attempts=100):
    """Insert under `{prefix}_{epoch ms}`, adding `_1`, `_2`… while the unique index says taken.

    Two creates in the same millisecond therefore get two ids, whichever process made them.
    """
    base = f"{prefix}_{epoch_ms()}"
    for attempt in range(attempts):
        candidate = {"id": base if attempt == 0 else f"{base}_{attempt}", **document}
        try:
            collection.insert_one(candidate)
        except DuplicateKeyError:
            continue
        return candidate
    raise RuntimeError(f"no free id after {attempts} attempts for {base}")
