"""The change log: one `changes` collection per organization, and the shared database's.

An entry's `seq` comes from a counter document (`change_counters`, one per log) moved on by
one atomic `$inc`, so no two entries share one. The entry is inserted after its seq is taken,
so entries may land out of order: writer A takes 7, writer B takes 8 and inserts first. A
reader that answered 8 would make a poller, which asks next for what follows 8, miss 7 for
good. So a read answers only up to the horizon, read before the page: the last seq below
which every entry is written, or was given up. An entry that is missing while one after it
was written more than `GRACE` ago is given up: its writer took its seq before that later
entry's `at` and writes it within one MongoDB timeout, so it failed (the change log's write
failed after the change was made; the request logged and counted that).
"""

from datetime import timedelta

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from syncapi.failures import NotFound

COLLECTION = "changes"
COUNTERS = "change_counters"
GRACE = timedelta(seconds=60)
RECENT_LIMIT = 10_000  # the entries of the last GRACE looked at for a horizon, at most


def _next_seq(db):
    """One more than the last seq handed out in this log (1 for the first)."""
    for _ in range(2):
        try:
            counter = db[COUNTERS].find_one_and_update(
                {"_id": COLLECTION},
                {"$inc": {"seq": 1}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # two first entries at once: the other made the counter
            continue
        return counter["seq"]
    raise RuntimeError("the change counter could not be created")


def append(db, entry, clock, retention):
    """Store `entry` under the next seq; `at` is read after the seq is taken (the horizon
    relies on it), `expiresAt` is when the TTL index removes it."""
    seq = _next_seq(db)
    at = clock()
    document = {"seq": seq, "at": at, **entry, "expiresAt": at + retention}
    db[COLLECTION].insert_one(document)
    return document


def horizon(db, since, now):
    """The highest seq a read after `since` may answer: every seq up to it is written, or
    given up. Always a bound, read before the page: an entry written after this (behind
    one still in flight) waits for the next read.

    Entries written more than `GRACE` ago are settled, and so is every seq below the highest
    of them (a missing one was taken before it: given up). Above that, the bound moves on
    through the recent entries while their seqs follow each other."""
    cutoff = now - GRACE
    recent = db[COLLECTION].find({"at": {"$gt": cutoff}}, {"_id": 0, "seq": 1})
    present = {entry["seq"] for entry in recent.sort("at", ASCENDING).limit(RECENT_LIMIT)}
    # The seq index walked down from the top, past the last minute's entries: by `at`, the
    # server would sort every older entry to find the highest seq.
    old = db[COLLECTION].find({"at": {"$lte": cutoff}}, {"_id": 0, "seq": 1})
    settled = list(old.sort("seq", DESCENDING).hint([("seq", ASCENDING)]).limit(1))
    last = max([since, *(entry["seq"] for entry in settled)])
    while last + 1 in present:
        last += 1
    return last


def read(db, since, limit, now, resource_type=None, resource_id=None):
    """Up to `limit` entries after `since`, oldest first, none beyond the horizon."""
    query = {"seq": {"$gt": since, "$lte": horizon(db, since, now)}}
    if resource_id is not None:
        query = {"resource.id": resource_id, **query}
    if resource_type is not None:
        query = {"resource.type": resource_type, **query}
    found = db[COLLECTION].find(query, {"_id": 0, "expiresAt": 0})
    return list(found.sort("seq", ASCENDING).limit(limit))


def find_entry(db, seq):
    entry = db[COLLECTION].find_one({"seq": seq}, {"_id": 0, "expiresAt": 0})
    if entry is None:
        raise NotFound("Change not found")
    return entry
