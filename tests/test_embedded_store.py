"""The embedded store applies each write whole, as a server does, whatever the threads; keeps
documents of at most 16 MiB; and checks unique indexes where a write changes their entries."""

import threading

import bson
import mongomock
import pytest
from pymongo import ReturnDocument, UpdateOne
from pymongo.errors import (
    BulkWriteError,
    DocumentTooLarge,
    DuplicateKeyError,
    OperationFailure,
    WriteError,
)

from syncapi.embedded import upserts
from syncapi.embedded.document_size import MAX_BSON_SIZE
from syncapi.embedded.store import EmbeddedClient
from tests.helpers import slowed_reads

THREADS = 16


def at_once(work):
    barrier = threading.Barrier(THREADS)
    results = []

    def run(number):
        barrier.wait()
        results.append(work(number))

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_an_incremented_counter_hands_each_value_out_once(monkeypatch):
    counters = EmbeddedClient().db.counters
    slowed_reads(monkeypatch)
    seqs = at_once(
        lambda _: counters.find_one_and_update(
            {"_id": "c"}, {"$inc": {"seq": 1}}, upsert=True, return_document=ReturnDocument.AFTER
        )["seq"]
    )
    assert sorted(seqs) == list(range(1, THREADS + 1))


def test_one_conditional_write_of_a_version_wins(monkeypatch):
    documents = EmbeddedClient().db.documents
    documents.insert_one({"_id": 1, "revision": 1})
    slowed_reads(monkeypatch)
    won = at_once(
        lambda number: (
            documents.find_one_and_update(
                {"_id": 1, "revision": 1}, {"$set": {"by": number}, "$inc": {"revision": 1}}
            )
            is not None
        )
    )
    assert won.count(True) == 1
    assert documents.find_one()["revision"] == 2


# 16 MiB at most (a server's maxBsonObjectSize)

PIECE = "x" * 1_000_000


def grown(megabytes):
    """Keys of 1 MB strings: a document of about `megabytes` MB."""
    return {f"k{index}": PIECE for index in range(megabytes)}


@pytest.fixture
def documents():
    collection = EmbeddedClient().db.documents
    collection.insert_one({"_id": 1, "revision": 1, **grown(16)})  # 16.0 MB: kept
    return collection


def test_an_insert_over_16_mib_is_refused_as_pymongo_refuses_it(documents):
    with pytest.raises(DocumentTooLarge):
        documents.insert_one({"_id": 2, **grown(17)})
    with pytest.raises(DocumentTooLarge):
        documents.insert_many([{"_id": 3}, {"_id": 4, **grown(17)}])
    assert [document["_id"] for document in documents.find({}, {"_id": 1})] == [1]


def server_code(error):
    """The server's code of a failed write (a bulk write's: its first write error's)."""
    if isinstance(error, BulkWriteError):
        return error.details["writeErrors"][0]["code"]
    return error.code


GROWING = {"$set": {"more": PIECE * 2}, "$inc": {"revision": 1}}


@pytest.mark.parametrize(
    ("write", "error"),
    [
        (lambda c: c.update_one({"_id": 1}, GROWING), WriteError),
        (lambda c: c.update_many({}, GROWING), WriteError),
        (lambda c: c.replace_one({"_id": 1}, grown(17)), WriteError),
        (lambda c: c.find_one_and_update({"_id": 1}, GROWING), OperationFailure),
        (lambda c: c.bulk_write([UpdateOne({"_id": 1}, GROWING)]), BulkWriteError),
        (lambda c: c.update_one({"_id": 9}, {"$set": grown(17)}, upsert=True), WriteError),
    ],
)
def test_a_write_growing_a_document_past_16_mib_fails_as_on_a_server(documents, write, error):
    with pytest.raises(error) as raised:
        write(documents)
    assert server_code(raised.value) == 17419  # errors.py's 413
    stored = documents.find_one({"_id": 1})
    assert stored["revision"] == 1 and "more" not in stored  # rolled back whole
    assert documents.count_documents({}) == 1


def test_a_document_of_16_mib_exactly_is_kept():
    collection = EmbeddedClient().db.documents
    collection.insert_one({"_id": 1, "a": ""})
    room = MAX_BSON_SIZE - len(bson.encode({"_id": 1, "a": ""}))
    collection.update_one({"_id": 1}, {"$set": {"a": "x" * room}})
    assert len(collection.find_one()["a"]) == room


# Unique indexes: checked where a write changes a document's entries, as on a server


@pytest.fixture
def devices(monkeypatch):
    collection = EmbeddedClient().db.devices
    partial = {"machineId": {"$type": "string"}}
    collection.create_index("machineId", unique=True, partialFilterExpression=partial)
    collection.insert_many([{"_id": 1, "machineId": "A"}, {"_id": 2, "machineId": "B"}])
    scans = []
    ensure = mongomock.Collection._ensure_uniques
    monkeypatch.setattr(
        mongomock.Collection, "_ensure_uniques", lambda c, d: scans.append(d) or ensure(c, d)
    )
    return collection, scans


@pytest.mark.parametrize(
    "write",
    [
        lambda c: c.update_one({"_id": 2}, {"$set": {"machineId": "A"}}),
        lambda c: c.update_many({"_id": 2}, [{"$set": {"machineId": "A"}}]),
        lambda c: c.replace_one({"_id": 2}, {"machineId": "A"}),
        lambda c: c.update_one({"machineId": "A", "x": 1}, {"$set": {"y": 1}}, upsert=True),
        lambda c: c.insert_one({"machineId": "A"}),
    ],
)
def test_a_write_making_a_duplicate_is_refused_and_undone(devices, write):
    collection, _ = devices
    with pytest.raises(DuplicateKeyError):
        write(collection)
    assert sorted(d["machineId"] for d in collection.find()) == ["A", "B"]


def test_a_document_entering_a_partial_index_is_checked():
    """Its key unchanged, but the index's filter takes it now: a new entry."""
    collection = EmbeddedClient().db.users
    active = {"active": True}
    collection.create_index("email", unique=True, partialFilterExpression=active)
    collection.insert_many([{"_id": 1, "email": "a@x.io", "active": True}])
    collection.insert_one({"_id": 2, "email": "a@x.io", "active": False})
    with pytest.raises(DuplicateKeyError):
        collection.update_one({"_id": 2}, {"$set": {"active": True}})
    assert collection.find_one({"_id": 2})["active"] is False


def test_an_update_leaving_unique_entries_alone_scans_nothing(devices):
    """mongomock scans the collection for each unique index of each changed document."""
    collection, scans = devices
    collection.update_many({}, [{"$set": {"tags": ["line-1"]}}])
    collection.update_one({"_id": 1}, {"$set": {"name": "Lathe"}})
    assert scans == []
    collection.update_one({"_id": 1}, {"$set": {"machineId": "C"}})
    assert [document["_id"] for document in scans] == [1]


# Upserts: a query, then an insert, as a server runs them


def upserted_at_once(monkeypatch, collection, filter, change):
    """Two upserts of `filter` in two threads, both past their query (finding nothing) before
    either inserts: the interleaving of two first upserts on a server. Each one's outcome,
    its result or the error it raised."""
    query, gate, queried = upserts.matches, threading.Barrier(2, timeout=5), set()

    def matches(target, wanted):
        found = query(target, wanted)
        if threading.get_ident() not in queried:  # the query; later calls are the insert's
            queried.add(threading.get_ident())
            gate.wait()
        return found

    monkeypatch.setattr(upserts, "matches", matches)
    outcomes = []

    def upsert():
        try:
            outcomes.append(collection.update_one(filter, change, upsert=True))
        except DuplicateKeyError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=upsert) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return outcomes


def test_an_upsert_a_server_retries_updates_what_the_other_inserted(monkeypatch):
    """Equalities on exactly a unique index's fields (`_id` here), which the change leaves
    alone: the server retries the refused insert as an update."""
    claims = EmbeddedClient().db.claims
    change = {"$inc": {"holders": 1}}
    outcomes = upserted_at_once(monkeypatch, claims, {"_id": "CN1"}, change)

    assert not any(isinstance(outcome, Exception) for outcome in outcomes)
    assert sorted(outcome.upserted_id is None for outcome in outcomes) == [False, True]
    assert list(claims.find()) == [{"_id": "CN1", "holders": 2}]


def test_an_upsert_a_server_does_not_retry_fails_with_e11000(monkeypatch):
    """A machine claim's filter: `organizationId` is beyond the unique index's fields."""
    claims = EmbeddedClient().db.claims
    filter = {"_id": "CN1", "organizationId": "acme"}
    outcomes = upserted_at_once(monkeypatch, claims, filter, {"$inc": {"holders": 1}})

    errors = [outcome for outcome in outcomes if isinstance(outcome, DuplicateKeyError)]
    assert len(errors) == 1 and errors[0].code == 11000
    assert list(claims.find()) == [{"_id": "CN1", "organizationId": "acme", "holders": 1}]


def test_an_upsert_changing_the_unique_key_is_not_retried(monkeypatch):
    users = EmbeddedClient().db.users
    users.create_index("email", unique=True)
    change = {"$set": {"email": "a@x.io", "name": "Ana"}}
    outcomes = upserted_at_once(monkeypatch, users, {"email": "a@x.io"}, change)

    assert sum(isinstance(outcome, DuplicateKeyError) for outcome in outcomes) == 1
    assert users.count_documents({}) == 1


def test_upserts_without_a_unique_index_on_their_filter_make_two_documents(monkeypatch):
    events = EmbeddedClient().db.events
    outcomes = upserted_at_once(monkeypatch, events, {"name": "boot"}, {"$inc": {"seen": 1}})

    assert all(outcome.upserted_id is not None for outcome in outcomes)
    assert [event["seen"] for event in events.find()] == [1, 1]
