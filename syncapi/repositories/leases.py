"""Leases in the shared database's `leases` collection: one holder per deployment for work
that must not run twice at once (the reconciler's pass, `{_id: "reconcile"}`).

A lease is taken by one upsert matching only an expired lease or the holder's own: a lease
another holds makes the upsert collide on `_id`, which a server does not retry (its filter
is not equalities alone), so the taker learns it is held. It expires by itself, so a
process that dies holding it blocks nobody for longer than its `seconds`.
"""

from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from syncapi.core.clock import utcnow

COLLECTION = "leases"


def take(shared, name, holder, seconds):
    """True when `holder` now holds the lease `name` for `seconds`."""
    now = utcnow()
    free = {"_id": name, "$or": [{"until": {"$lt": now}}, {"holder": holder}]}
    lease = {"$set": {"holder": holder, "until": now + timedelta(seconds=seconds)}}
    try:
        shared[COLLECTION].update_one(free, lease, upsert=True)
    except DuplicateKeyError:
        return False
    return True


def release(shared, name, holder):
    shared[COLLECTION].delete_one({"_id": name, "holder": holder})
