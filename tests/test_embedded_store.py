"""The embedded store applies each write whole, as a server does, whatever the threads."""

import threading

from pymongo import ReturnDocument

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
