"""The `Idempotency-Key`s of the creates (`web.idempotency` says what they mean), kept in the
database of the organization they belong to (the shared one for routes outside one), one
document per key and caller in `idempotency_keys`:

    {_id: '["<caller>","<key>"]', state: "pending" | "done", owner, process, fingerprint,
     expiresAt, status, body, headers}

- `_id`: the caller's `sub` (null with authentication off) and the key, as a JSON array.
  Every lookup is by `_id`, served by its index, which is also what makes two claims of one
  key exclude each other: the second insert fails on it, with no index of syncapi's own to
  have been built first (an organization older than this collection has none of its own).
- `pending`: a request holds the key (`owner`, its own random id; `process`, the process
  it runs in) until `expiresAt`; written before and outside the request's transaction, so
  that a concurrent retry sees it.
- `done`: the answer of a create (`status`, `body` as sent, `headers`), written in the
  create's own transaction: it exists if and only if the create committed. Kept until
  `expiresAt`, 24 hours on.

The TTL index on `expiresAt` (`indexes`) removes both kinds; a document past its `expiresAt`
that the monitor has not yet removed (it runs every minute) is treated as gone.

What runs outside the create's transaction reads and writes with a majority: the marker is
then in the majority snapshot the transaction reads (`transactions`), and a key is never
answered from an answer a failover could still undo.
"""

import json

from pymongo.errors import DuplicateKeyError
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

COLLECTION = "idempotency_keys"
PENDING, DONE = "pending", "done"
MAJORITY = {"write_concern": WriteConcern("majority"), "read_concern": ReadConcern("majority")}


def _keys(db):
    """The collection, outside a transaction (a majority's reads and writes)."""
    return db.get_collection(COLLECTION, **MAJORITY)


def key_id(caller, key):
    """The `_id` of `key` of `caller`: one string, so that no two pairs share one."""
    return json.dumps([caller, key], separators=(",", ":"))


def pending(key, owner, process, fingerprint, expires_at):
    """What a request holding `key` (`key_id`) writes before it runs."""
    return {
        "_id": key,
        "state": PENDING,
        "owner": owner,
        "process": process,
        "fingerprint": fingerprint,
        "expiresAt": expires_at,
    }


def insert(db, marker):
    """Claims a key no document holds; False when one does (found with `find`)."""
    try:
        _keys(db).insert_one(marker)
    except DuplicateKeyError:
        return False
    return True


def find(db, key):
    return _keys(db).find_one({"_id": key})


def take_over(db, found, marker):
    """Replaces `found` (expired, or its request gone) by `marker`; False when something else
    replaced or removed it first."""
    replacement = {name: value for name, value in marker.items() if name != "_id"}
    filter_ = {"_id": found["_id"], "owner": found["owner"]}
    return _keys(db).replace_one(filter_, replacement).matched_count == 1


def complete(db, key, owner, answer, expires_at):
    """In the create's transaction: the key's `answer` (`status`, `body`, `headers`), kept
    until `expires_at`. False when the request no longer holds the key (it ran past its
    `expiresAt` and a retry took it over)."""
    filter_ = {"_id": key, "owner": owner, "state": PENDING}
    update = {"$set": {**answer, "state": DONE, "expiresAt": expires_at}}
    return db[COLLECTION].update_one(filter_, update).matched_count == 1


def release(db, key, owner):
    """The key again free, when its request stored no answer (a 4xx or 5xx, or a fault):
    only this request's own `pending` marker is removed, never an answer."""
    _keys(db).delete_one({"_id": key, "owner": owner, "state": PENDING})
