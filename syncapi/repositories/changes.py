"""The change log: one `changes` collection per organization, and the shared database's.

An entry's `seq` comes from a counter document (`change_counters`, one per log) moved on by
one atomic `$inc`, so no two entries share one. The entry is inserted after its seq is taken,
so entries may land out of order: writer A takes 7, writer B takes 8 and inserts first. A
reader that answered 8 would make a poller, which asks next for what follows 8, miss 7 for
good. So a read answers only up to the horizon, read before the page: the last seq below
which every entry is written, or was given up. An entry that is missing while one after it
was written more than `grace` ago is given up: its writer took its seq before that later
entry's `at` and writes it within its request's MongoDB timeout (a write request's
`MONGODB_WRITE_TIMEOUT_MS`: web/write_budget.py), so it failed (the change log's write
failed after the change was made; the request logged and counted that). `grace(timeout)`
keeps a margin of three timeouts.

The log's `seq_unique` is made with a new organization, its other indexes by the refresh
(`index_builds`), which also gives an organization older than the change log all of them;
no request makes one. The counter, not the index, keeps seqs apart.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError
from pymongo.read_concern import ReadConcern

from syncapi.core.failures import NotFound

COLLECTION = "changes"
COUNTERS = "change_counters"
MIN_GRACE = timedelta(seconds=60)
PAGE_BYTES = 8 * 1024 * 1024  # a page's snapshots, at most (one entry always fits)
RECENT_LIMIT = 10_000  # the recent entries after `since` looked at for a horizon, at most
MAJORITY = ReadConcern("majority")


@dataclass(frozen=True)
class Log:
    """A change log: the database it is in (an organization's, or the shared one), how long
    it keeps an entry (`CHANGELOG_RETENTION_DAYS`), and whether its entries are written in
    the transaction of the change they record."""

    db: Any
    retention: timedelta
    in_transaction: bool = False


def grace(timeout_ms):
    """How long after a later entry a missing one is given up: three MongoDB timeouts, at
    least a minute."""
    return max(MIN_GRACE, timedelta(milliseconds=3 * timeout_ms))


# One more than the last seq, and the server's clock as it hands it out (`$$NOW`): every
# entry's `at` comes from one clock, whichever host wrote it, so that the horizon's
# "written more than `grace` ago" compares like with like.
NEXT_SEQ = [{"$set": {"seq": {"$add": [{"$ifNull": ["$seq", 0]}, 1]}, "at": "$$NOW"}}]


def _next_seq(db):
    """`(seq, at)`: one more than the last seq handed out in this log (1 for the first),
    and when, by the server's clock."""
    for _ in range(2):
        try:
            counter = db[COUNTERS].find_one_and_update(
                {"_id": COLLECTION}, NEXT_SEQ, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:  # two first entries at once: the other made the counter
            continue
        return counter["seq"], counter["at"]
    raise RuntimeError("the change counter could not be created")


def append(db, entry, retention):
    """Store `entry` under the next seq; `at` is the server's time the seq was taken (the
    horizon relies on it), `expiresAt` is when the TTL index removes it."""
    seq, at = _next_seq(db)
    document = {"seq": seq, "at": at, **entry, "expiresAt": at + retention}
    db[COLLECTION].insert_one(document)
    return document


def horizon(db, since, now, given_up_after):
    """The highest seq a read after `since` may answer: every seq up to it is written, or
    given up. Always a bound, read before the page: an entry written after this (behind
    one still in flight) waits for the next read.

    Entries written more than `given_up_after` ago are settled, and so is every seq below
    the highest of them (a missing one was taken before it: given up). Above that, the bound
    moves on through the recent entries while their seqs follow each other: those after it,
    in seq order (the oldest recent ones could be all before `since`, and hold it there)."""
    cutoff = now - given_up_after
    # The seq index walked down from the top, past the recent entries (the only index
    # leading with seq: no hint needed, and none that a server missing it would refuse).
    old = db[COLLECTION].find({"seq": {"$gt": since}, "at": {"$lte": cutoff}}, {"_id": 0, "seq": 1})
    settled = list(old.sort("seq", DESCENDING).limit(1))
    last = max([since, *(entry["seq"] for entry in settled)])
    recent = db[COLLECTION].find(
        {"seq": {"$gt": last}, "at": {"$gt": cutoff}}, {"_id": 0, "seq": 1}
    )
    for entry in recent.sort("seq", ASCENDING).limit(RECENT_LIMIT):
        if entry["seq"] != last + 1:
            break
        last += 1
    return last


def server_time(db):
    """The server's clock (`hello`'s `localTime`), the one entries' `at` come from."""
    return db.command("hello")["localTime"]


def read(db, since, limit, given_up_after, resource_type=None, resource_id=None):
    """Up to `limit` entries after `since`, oldest first, none beyond the horizon, and
    whether more may follow: the page is also cut where its snapshots (each entry's
    `bytes`) would pass `PAGE_BYTES`. Read majority-committed: an entry a failover could
    still roll back is never answered (its write is acknowledged only once a majority has
    it, `w: "majority"`, and the read waits for no more)."""
    db = db.with_options(read_concern=MAJORITY)
    now = server_time(db)
    query = {"seq": {"$gt": since, "$lte": horizon(db, since, now, given_up_after)}}
    if resource_id is not None:
        query = {"resource.id": resource_id, **query}
    if resource_type is not None:
        query = {"resource.type": resource_type, **query}
    found = db[COLLECTION].find(query, {"_id": 0, "expiresAt": 0})
    page, size = [], 0
    for entry in found.sort("seq", ASCENDING).limit(limit):
        size += entry.get("bytes", 0)
        if page and size > PAGE_BYTES:
            return page, True
        page.append(entry)
    return page, len(page) == limit


def find_entry(db, seq):
    entry = db[COLLECTION].find_one({"seq": seq}, {"_id": 0, "expiresAt": 0})
    if entry is None:
        raise NotFound("Change not found")
    return entry
