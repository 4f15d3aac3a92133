"""Event classes of every application of a tenant, in `monitoreo-cnc_events` by `applicationId`.

The collection's name is fixed (spec README §4): it is not the `monitoreo-cnc` app's own.
"""

from functools import partial

from pymongo import ReplaceOne

from syncapi.core.failures import Conflict
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, locks, paging

COLLECTION = "monitoreo-cnc_events"
DUPLICATE = partial(Conflict, "An event class with this id already exists", field="id")
BUSY = partial(Conflict, "The event classes are being replaced by another request; retry")


LISTING = Listing(
    {"id": "id", "class": "class", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("class", "topic"),
)


def list_event_classes(db, application_id, list_query=WHOLE_LIST):
    """Served by the `(applicationId, id)` index; a page is sorted on the server."""
    query = {"applicationId": application_id}
    return paging.find_page(db[COLLECTION], query, LISTING, list_query)


def create_event_class(db, application_id, fields):
    """Insert with the sent id (409 if taken) or a generated one that never collides."""
    document = documents.stamped({**fields, "applicationId": application_id})
    if "id" in fields:
        return documents.insert(db[COLLECTION], document, DUPLICATE)
    return documents.insert_with_new_id(db[COLLECTION], document, "ec")


def replace_event_classes(db, application_id, items):
    """Swap the whole set; items are validated and their ids unique before this is called.

    Stored as it always was, one document per class (the pipeline reads them too), in two
    writes with no moment where the application has none: each class is replaced in place
    (an upsert by its id), then the classes not in the set are deleted. Two replacements of
    one application at once could each delete the other's classes and leave none, so one
    holds a short lease on the set (`locks.held`) and the other is a 409 to retry.
    Returns `(before, after)`: the set either side, for the change log.
    """
    new = [documents.stamped({**item, "applicationId": application_id}) for item in items]
    with locks.held(db, f"event-classes:{application_id}", BUSY):
        old = list(db[COLLECTION].find({"applicationId": application_id}))
        if new:
            db[COLLECTION].bulk_write(
                [
                    ReplaceOne({"applicationId": application_id, "id": i["id"]}, i, upsert=True)
                    for i in new
                ]
            )
        ids = [item["id"] for item in new]
        db[COLLECTION].delete_many({"applicationId": application_id, "id": {"$nin": ids}})
    return old, new
