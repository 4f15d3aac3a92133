"""A database handle whose data operations are made in one session, its transaction's: what
a write request's view is given (`transactions`), so that the repositories, which take a
database and know nothing of sessions, write within the request's transaction unchanged.

Only the calls a transaction may hold get the session: reads and writes of documents, and
the creation of a collection with its indexes (allowed in a transaction when it makes the
collection, MongoDB 4.4+). `estimated_document_count`, drops, commands (`dbStats`,
`listDatabases`) and collection listings are not allowed in a transaction (MongoDB manual,
"Transactions: Operations"): they run beside it, as they always did. An index build on a
collection that already holds documents may not run in one either: those go through the
unbound handle (`unbound`), as the change log's do.
"""

from functools import partial

IN_TRANSACTION = frozenset(
    {
        "find",
        "find_one",
        "find_one_and_update",
        "find_one_and_delete",
        "find_one_and_replace",
        "insert_one",
        "insert_many",
        "update_one",
        "update_many",
        "replace_one",
        "delete_one",
        "delete_many",
        "count_documents",
        "aggregate",
        "distinct",
        "bulk_write",
        # A collection and its indexes may be made in a transaction that creates the
        # collection (MongoDB 4.4+), as a new organization's and application's are.
        "create_index",
        "create_indexes",
    }
)
DATABASE_IN_TRANSACTION = frozenset({"create_collection"})


class DatabaseInSession:
    """`database`, its collections' data operations made in `session`."""

    def __init__(self, database, session):
        self._database = database
        self.session = session

    @property
    def unbound(self):
        """The database itself, for what runs beside the transaction (index builds)."""
        return self._database

    def __getitem__(self, name):
        return CollectionInSession(self._database[name], self.session)

    def with_options(self, **options):
        """Still bound (a transaction's own concerns prevail over these)."""
        return DatabaseInSession(self._database.with_options(**options), self.session)

    def get_collection(self, name, **options):
        return CollectionInSession(self._database.get_collection(name, **options), self.session)

    def __getattr__(self, name):
        attribute = getattr(self._database, name)
        if name in DATABASE_IN_TRANSACTION:
            return partial(attribute, session=self.session)
        if _is_collection(attribute):  # `db.gateways`, a collection by attribute
            return CollectionInSession(attribute, self.session)
        return attribute

    def __repr__(self):
        return f"DatabaseInSession({self._database.name!r})"


class CollectionInSession:
    """`collection`, its data operations made in `session`."""

    def __init__(self, collection, session):
        self._collection = collection
        self._session = session

    @property
    def unbound(self):
        return self._collection

    def __getattr__(self, name):
        attribute = getattr(self._collection, name)
        if name in IN_TRANSACTION:
            return partial(attribute, session=self._session)
        return attribute

    def with_options(self, **options):
        """Still bound (a transaction's own concerns prevail over these)."""
        return CollectionInSession(self._collection.with_options(**options), self._session)

    def __getitem__(self, name):  # a sub-collection, `db.fs.files`
        return CollectionInSession(self._collection[name], self._session)


def _is_collection(attribute):
    return hasattr(attribute, "insert_one") and hasattr(attribute, "find")


def unbound(handle):
    """The database or collection behind `handle`, outside any session."""
    if isinstance(handle, DatabaseInSession | CollectionInSession):
        return handle.unbound
    return handle
