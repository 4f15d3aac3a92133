"""Short leases on a tenant's resources, for the rare change that takes several writes which
two requests must not interleave (replacing an application's event classes).

A lease is a document of the tenant's `config` collection (`{key: "lock:<name>"}`), taken by
one upsert that matches only an expired lease: a held one makes the upsert collide on the
unique `key` index, and the second request gets `busy()`. It expires by itself after
`LEASE_SECONDS`, so a worker that dies holding it blocks nobody for long.
"""

import uuid
from contextlib import contextmanager
from datetime import timedelta

from pymongo.errors import DuplicateKeyError

from syncapi.core.clock import utcnow

LEASE_SECONDS = 30


@contextmanager
def held(db, name, busy):
    """Hold the lease `name` for the block; `busy()` is raised when another request has it."""
    key, holder, now = f"lock:{name}", uuid.uuid4().hex, utcnow()
    lease = {"holder": holder, "until": now + timedelta(seconds=LEASE_SECONDS)}
    try:
        db.config.update_one(
            {"key": key, "value.until": {"$lt": now}}, {"$set": {"value": lease}}, upsert=True
        )
    except DuplicateKeyError:
        raise busy() from None
    try:
        yield
    finally:
        db.config.delete_one({"key": key, "value.holder": holder})
