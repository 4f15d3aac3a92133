"""The embedded MongoDB store (`mongomock://`), answering as a server does where syncapi needs
it, so that every repository runs one code path, the real server's.

mongomock has no `listDatabases` or `dbStats` command and no `$unionWith` stage, and its bulk
writes refuse the requests of the pymongo syncapi pins; this adapter gives it those four,
with a server's reply shapes:

- `listDatabases` (`nameOnly`, `filter`): each database's name, and unless `nameOnly`, its
  `sizeOnDisk` (a double, as servers report it; here estimated from the BSON of its
  documents) and `empty`;
- `dbStats`: `collections`, `objects`, `dataSize`, `storageSize`;
- `$unionWith`: the other collection's pipeline output appended to the stream, later stages
  applying to both (MongoDB 4.4+);
- `bulk_write`: each request applied in order, a `BulkWriteError` with the server's
  details when one fails (the rest go on when unordered);
- writes one thread at a time: a server applies each write whole (a find-and-modify's
  filter and change, an update's match and change, an insert's unique check and insert),
  which conditional writes and the change log's counter rely on; mongomock, written for one
  thread, reads and then writes, so two threads could both match the same version;
- multi-document transactions (`transactions`: `start_session`, then pymongo's calls):
  the store's lock held from a transaction's first operation to its commit or abort,
  reads waiting for it too, so that nothing uncommitted is seen, and an undo log an abort
  replays;
- but an upsert in two steps, its query and then its insert, as a server's: two upserts of
  one new key can both insert, and the second fails (E11000) unless a server would retry
  it (`upserts`);
- documents of at most 16 MiB, refused as pymongo and a server refuse larger ones
  (`document_size`), and unique indexes checked only where a write changes their entries,
  as a server's are (`checked_writes`: mongomock scans the collection for every document).

Everything else is mongomock as it is. Its data lives in the process that made it.
"""

import bson
import mongomock
from mongomock import aggregate, filtering
from mongomock.database import Database
from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, UpdateOne
from pymongo.errors import BulkWriteError, WriteError
from pymongo.results import BulkWriteResult

from syncapi.core import clock
from syncapi.embedded import document_size, locked_calls, transactions
from syncapi.embedded.checked_writes import CheckedWrites


class EmbeddedClient(mongomock.MongoClient):
    def get_database(self, name=None, **options):
        database = super().get_database(name, **options)
        if type(database) is Database:
            database.__class__ = EmbeddedDatabase  # the client caches it: upgrade it once
        return database

    def start_session(self, **options):
        """A session whose transactions this store keeps (`transactions.EmbeddedSession`)."""
        return transactions.EmbeddedSession(self)


class EmbeddedDatabase(Database):
    def command(self, command, **options):
        spec = {command: 1} if isinstance(command, str) else dict(command)
        spec.update(options)
        name = next(iter(spec))
        if name == "listDatabases" and self.name == "admin":
            return self._list_databases(spec)
        if name == "dbStats":
            return self._stats()
        if name == "hello":  # what syncapi reads of it: the server's clock
            return {"isWritablePrimary": True, "localTime": clock.utcnow(), "ok": 1.0}
        return super().command(command, **options)

    def with_options(self, **options):
        """This database: its reads and writes see committed data whatever the concern (a
        transaction's writes are seen only once it commits, `transactions`)."""
        return self

    def create_collection(self, name, session=None, **options):
        """A collection; in a transaction, dropped again by its abort."""
        if session is not None:
            collection = self[name]
            undo = session.enter(collection)
            if undo is not None:
                undo.before_creating(collection)
        return super().create_collection(name, **options)

    def get_collection(self, name, **options):
        collection = super().get_collection(name, **options)
        if type(collection) is mongomock.Collection:
            collection.__class__ = EmbeddedCollection
        return collection

    def _list_databases(self, spec):
        listed = []
        for name in self.client.list_database_names():
            entry = {"name": name}
            if spec.get("filter") and not filtering.filter_applies(spec["filter"], entry):
                continue
            if not spec.get("nameOnly"):
                size = float(_size(self.client[name]))
                entry.update(sizeOnDisk=size, empty=size == 0)
            listed.append(entry)
        total = sum(entry.get("sizeOnDisk", 0.0) for entry in listed)
        return {"databases": listed, "totalSize": total, "ok": 1.0}

    def _stats(self):
        names = self.list_collection_names()
        objects = sum(self[name].estimated_document_count() for name in names)
        size = float(_size(self))
        return {
            "db": self.name,
            "collections": len(names),
            "objects": objects,
            "dataSize": size,
            "storageSize": size,
            "ok": 1.0,
        }


class EmbeddedCollection(CheckedWrites, mongomock.Collection):
    def insert_one(self, document, *args, **kwargs):
        document_size.check_insertable(document)
        return locked_calls.insert_one(self, document, *args, **kwargs)

    def insert_many(self, documents, *args, **kwargs):
        documents = list(documents)
        for document in documents:
            document_size.check_insertable(document)
        return locked_calls.insert_many(self, documents, *args, **kwargs)

    update_one = locked_calls.upserting("update_one")
    update_many = locked_calls.upserting("update_many")
    replace_one = locked_calls.upserting("replace_one")
    delete_one = locked_calls.one_at_a_time("delete_one")
    delete_many = locked_calls.one_at_a_time("delete_many")
    find_one_and_update = locked_calls.upserting("find_one_and_update")
    find_one_and_delete = locked_calls.one_at_a_time("find_one_and_delete")
    find_one_and_replace = locked_calls.upserting("find_one_and_replace")
    count_documents = locked_calls.read("count_documents")
    estimated_document_count = locked_calls.read("estimated_document_count")
    distinct = locked_calls.read("distinct")

    def create_index(self, keys, session=None, **options):
        """An index; in a transaction, of a collection it made (as a server requires), which
        its abort drops."""
        undo = session.enter(self) if session is not None else None
        if undo is not None:
            undo.before_creating(self)
        with transactions.hold(self):  # whole, as a server builds it beside the writes
            return super().create_index(keys, **options)

    def with_options(self, **options):
        """This collection (see `EmbeddedDatabase.with_options`)."""
        return self

    def find(self, *args, session=None, **kwargs):
        if session is not None:
            session.enter(self)
        cursor = super().find(*args, **kwargs)
        cursor.__class__ = locked_calls.EmbeddedCursor
        return cursor

    def aggregate(self, pipeline, session=None, **options):
        if session is not None:
            session.enter(self)
        with transactions.hold(self):
            return self._aggregate(pipeline, **options)

    def _aggregate(self, pipeline, **options):
        if not any("$unionWith" in stage for stage in pipeline):
            return super().aggregate(pipeline, **options)
        documents, pending = list(self.find()), []
        for stage in pipeline:
            if "$unionWith" not in stage:
                pending.append(stage)
                continue
            documents = list(aggregate.process_pipeline(documents, self.database, pending, None))
            pending = []
            union = stage["$unionWith"]
            union = {"coll": union} if isinstance(union, str) else union
            other = self.database[union["coll"]]
            documents += list(other.aggregate(union.get("pipeline", [])))
        return aggregate.process_pipeline(documents, self.database, pending, None)

    def bulk_write(self, requests, ordered=True, session=None, **options):
        counts = dict.fromkeys(("nInserted", "nMatched", "nModified", "nRemoved", "nUpserted"), 0)
        errors, upserted = [], []
        for index, request in enumerate(requests):
            try:
                self._apply(request, counts, upserted, index, session)
            except WriteError as error:  # a duplicate, a document over 16 MiB
                errors.append({"index": index, "code": error.code, "errmsg": str(error)})
                if ordered:
                    break
        result = {**counts, "writeErrors": errors, "writeConcernErrors": [], "upserted": upserted}
        if errors:
            raise BulkWriteError(result)
        return BulkWriteResult(result, True)

    def _apply(self, request, counts, upserted, index, session):
        """One request of a bulk write, through this collection's own methods."""
        if isinstance(request, InsertOne):
            self.insert_one(request._doc, session=session)
            counts["nInserted"] += 1
            return
        if isinstance(request, DeleteOne | DeleteMany):
            delete = self.delete_one if isinstance(request, DeleteOne) else self.delete_many
            counts["nRemoved"] += delete(request._filter, session=session).deleted_count
            return
        if isinstance(request, ReplaceOne):
            outcome = self.replace_one(
                request._filter, request._doc, upsert=request._upsert, session=session
            )
        else:
            update = self.update_one if isinstance(request, UpdateOne) else self.update_many
            outcome = update(request._filter, request._doc, upsert=request._upsert, session=session)
        counts["nMatched"] += outcome.matched_count
        counts["nModified"] += outcome.modified_count
        if outcome.upserted_id is not None:
            counts["nUpserted"] += 1
            upserted.append({"index": index, "_id": outcome.upserted_id})


def _size(database):
    return sum(
        len(bson.encode(document))
        for name in database.list_collection_names()
        for document in database[name].find()
    )
