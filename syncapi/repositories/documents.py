"""The patterns every entity repeats: insert, find, update-and-return, delete.

Each turns the driver's outcome (a unique index hit, nothing matched) into the entity's own
error, given as a factory (`partial(NotFound, "Device not found")`) so each request
raises a fresh exception.
"""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from syncapi.clock import epoch_ms, iso_now, utcnow


def stamped(fields, iso=False):
    """`fields` as a new document: `createdAt` and `updatedAt` set by the server, now (a BSON
    date; ISO text where the contract stores text, users and the application registry)."""
    now = iso_now() if iso else utcnow()
    return {**fields, "createdAt": now, "updatedAt": now}


def touched(changes, iso=False):
    """`changes` with `updatedAt` set by the server, now."""
    return {**changes, "updatedAt": iso_now() if iso else utcnow()}


def insert(collection, document, duplicate):
    """Insert; `duplicate()` is raised when a unique index refuses the document."""
    try:
        collection.insert_one(document)
    except DuplicateKeyError:
        raise duplicate() from None
    return document


def update(collection, query, changes, not_found, duplicate):
    """`$set` the changes on the one matching document and return it as stored after."""
    try:
        document = collection.find_one_and_update(
            query, {"$set": changes}, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError:
        raise duplicate() from None
    if document is None:
        raise not_found()
    return document


def delete(collection, query, not_found):
    if collection.delete_one(query).deleted_count == 0:
        raise not_found()


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
