"""The 16 MiB a server keeps of one document, on the embedded store: mongomock keeps any size,
so a device grown past it by `$set`s of new keys was stored here and refused (413) on a
server. The embedded store (`store.py`) measures the BSON of what it writes and raises what
pymongo and a server raise, which `errors.py` answers with its 413 on both.

- An insert: pymongo encodes each document before sending it and refuses one larger than
  the server's `maxBsonObjectSize` (`DocumentTooLarge`); measured before mongomock sees it.
- An update, replace or upsert: the server fails a write whose resulting document would be
  larger (code 17419: "Resulting document after update is larger than 16777216"), a
  `WriteError`, or an `OperationFailure` for a find-and-modify. mongomock computes that
  document where it checks unique indexes and rolls the write back on a duplicate: the
  size is checked there, as a duplicate of its own (`Oversized`), and turned into the
  server's error once mongomock has rolled back.
"""

import bson
from pymongo.errors import DocumentTooLarge, DuplicateKeyError, OperationFailure, WriteError

MAX_BSON_SIZE = 16 * 1024 * 1024  # a server's maxBsonObjectSize
ID_SIZE = 17  # the ObjectId `_id` an insert adds: its type, "_id\0" and 12 bytes
RESULT_TOO_LARGE = 17419
FIND_AND_MODIFY = ("find_one_and_update", "find_one_and_replace", "find_one_and_delete")


class Oversized(DuplicateKeyError):
    """A write's resulting document over MAX_BSON_SIZE, raised where mongomock checks unique
    indexes so that it rolls the write back as for a duplicate; `as_raised_by` turns it into
    the server's error before it leaves the store."""

    def __init__(self, size):
        super().__init__(f"a document of {size} bytes", 11000)


def check_insertable(document):
    """DocumentTooLarge, as pymongo raises it, for a document it would not send."""
    size = len(bson.encode(document)) + (0 if "_id" in document else ID_SIZE)
    if size > MAX_BSON_SIZE:
        raise DocumentTooLarge(
            f"BSON document too large ({size} bytes) - the connected server supports BSON "
            f"document sizes up to {MAX_BSON_SIZE} bytes."
        )


def check_stored(document):
    """`Oversized` for a document, as a write would leave it, that no server keeps."""
    size = len(bson.encode(document))
    if size > MAX_BSON_SIZE:
        raise Oversized(size)


def as_raised_by(write):
    """The error a server answers the write `write` (a collection method's name) with."""
    message = f"Resulting document after update is larger than {MAX_BSON_SIZE}"
    if write in FIND_AND_MODIFY:
        return OperationFailure(message, code=RESULT_TOO_LARGE)
    return WriteError(message, code=RESULT_TOO_LARGE)
