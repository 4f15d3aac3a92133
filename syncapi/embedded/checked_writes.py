"""What the embedded store checks of a document a write leaves, where mongomock checks it
(`Collection._ensure_uniques`, which rolls the write back on a duplicate):

- its size: at most 16 MiB, as on a server (`document_size`);
- its unique index entries, only when the write changed them, as a server's index does.
  mongomock checks every unique index of every document a write changes by running a query
  over the whole collection (5 to 18 µs a document): an update of one device of an
  application of 10 000 took 50 ms, a tag change of 1 000 devices of 1 000 8 s, all of it
  while holding the store's lock (`transactions.WRITES`), which every tenant's writes wait for.
  A document already stored whose entries did not change cannot make a duplicate: any
  other document entering the index with the same key was checked when it did.
"""

from mongomock import filtering, helpers

from syncapi.embedded import document_size


class CheckedWrites:
    """Mixed into the embedded collection, before mongomock's own class."""

    # (a stored document an update is changing in place, its unique entries before)
    _entries_before = None

    def _apply_update_document(self, existing_document, *args, **kwargs):
        self._remember_entries(existing_document)
        return super()._apply_update_document(existing_document, *args, **kwargs)

    def _apply_update_pipeline(self, existing_document, *args, **kwargs):
        self._remember_entries(existing_document)
        return super()._apply_update_pipeline(existing_document, *args, **kwargs)

    def _ensure_uniques(self, new_data):
        document_size.check_stored(new_data)
        before, self._entries_before = self._entries_before, None
        if before is not None and before[0] is new_data:
            if before[1] == self._unique_entries(new_data):
                return  # an update leaving every unique entry as it was
        super()._ensure_uniques(new_data)

    def _remember_entries(self, document):
        """Before an update changes `document`: its entries, if it is stored (an upsert's new
        document is not yet: it is checked whole, as every insert)."""
        key = document.get("_id")
        stored = key in self._store and self._store[key] is document
        self._entries_before = (document, self._unique_entries(document)) if stored else None

    def _unique_entries(self, document):
        """Each unique index's entry for `document`: its keys' values (with their types:
        1 and True are different keys), and whether its partial filter takes it."""
        entries = []
        for index in self._store.indexes.values():
            if not index.get("unique"):
                continue
            values = tuple(_typed(_value(document, key)) for key, _ in index["key"])
            partial = index.get("partialFilterExpression")
            entries.append((values, partial is None or filtering.filter_applies(partial, document)))
        return entries


def _value(document, key):
    try:
        return helpers.get_value_by_dot(document, key)
    except KeyError:
        return None


def _typed(value):
    return type(value), value
