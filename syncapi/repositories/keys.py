"""Keys of the deployment, in the shared database's `keys`: made once, by the first process
that needs one, and read by every other, so that every process and replica of a deployment
uses the same. No answer ever carries one.

- `content-etag`: the HMAC key of content ETags (`web.conditional`), 32 random bytes.
"""

import os

from bson import Binary
from pymongo.errors import DuplicateKeyError

from syncapi.core.clock import utcnow

CONTENT_ETAG = "content-etag"
KEY_BYTES = 32


def key(db, name):
    """The key `name`, made now if the deployment has none yet: an upsert that only inserts
    (`$setOnInsert`), so of processes making it at once, the first one's is everyone's."""
    found = db.keys.find_one({"_id": name})
    if found is None:
        made = {"key": Binary(os.urandom(KEY_BYTES)), "createdAt": utcnow()}
        try:
            db.keys.update_one({"_id": name}, {"$setOnInsert": made}, upsert=True)
        except DuplicateKeyError:  # another process's upsert came first
            pass
        found = db.keys.find_one({"_id": name})
    return bytes(found["key"])
