"""Pages of stored lists (spec §13.3): one count and one read of the page.

A page is read with the requested order, then `_id` (total: pages are disjoint and
complete while nobody writes), skipping `offset` documents. A search is a case-insensitive
match of the text as typed: escaped before it becomes a regular expression, so it has no
pattern syntax and no catastrophic backtracking, and it cannot use an index (a scan of the
filtered documents, acceptable at the sizes these lists have: docs/api.md "Lists").
"""

import re

from pymongo import ASCENDING, DESCENDING

from syncapi.core.list_query import Page


def find_page(collection, query, listing, list_query, default_sort=()):
    """The page of `collection` matching `query` that `list_query` asks for, or every
    matching document (unpaged, uncounted, in the contract's order) when it asks for none.
    `default_sort` is the contract's order, if it has one."""
    if not list_query.paged:
        cursor = collection.find(query)
        return Page(list(cursor.sort(list(default_sort)) if default_sort else cursor))
    query = {**query, **_tagged(list_query.tags), **search(listing, list_query.q)}
    order = sort_order(listing, list_query, default_sort)
    total = collection.count_documents(query)
    cursor = collection.find(query).sort(order).skip(list_query.start).limit(list_query.size)
    return Page(list(cursor), total)


def sort_order(listing, list_query, default_sort):
    """`[(stored key, direction), …, ("_id", direction)]`."""
    if list_query.sort_field is None:
        order = list(default_sort) or [("_id", ASCENDING)]
    else:
        direction = DESCENDING if list_query.descending else ASCENDING
        order = [(listing.sort_fields[list_query.sort_field], direction)]
    if order[-1][0] != "_id":
        order.append(("_id", order[-1][1]))
    return order


def search(listing, text):
    """`{"$or": [...]}` matching `text` literally in any searched field; `{}` for none."""
    if not text:
        return {}
    pattern = {"$regex": re.escape(text), "$options": "i"}
    return {"$or": [{name: pattern} for name in listing.search_fields]}


def _tagged(tags):
    return {"tags": {"$all": list(tags)}} if tags else {}


def page_in_memory(items, listing, list_query, key_of):
    """The same page from a list already read whole (the application registry, one
    document): `key_of(item, stored key)` reads a field, `_id` included."""
    if not list_query.paged:
        return Page(items)
    if list_query.q:
        needle = list_query.q.casefold()
        items = [
            item
            for item in items
            if any(
                needle in str(key_of(item, name) or "").casefold() for name in listing.search_fields
            )
        ]
    if list_query.sort_field is not None:
        stored = listing.sort_fields[list_query.sort_field]
        items = sorted(
            items,
            key=lambda item: (_sortable(key_of(item, stored)), key_of(item, "_id")),
            reverse=list_query.descending,
        )
    start = list_query.start
    return Page(items[start : start + list_query.size], len(items))


def _sortable(value):
    """Missing values first, then numbers, then text (MongoDB's order of BSON types)."""
    if value is None:
        return (0, "")
    if isinstance(value, bool):
        return (3, value)
    if isinstance(value, int | float):
        return (1, value)
    return (2, str(value))
