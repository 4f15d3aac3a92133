"""Service configurations: the shared database's `services`."""

from functools import partial

from pymongo import DESCENDING

from syncapi.core.failures import Conflict, NotFound
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, paging

DUPLICATE = partial(Conflict, "A service with this name already exists", field="name")
NOT_FOUND = partial(NotFound, "Service not found")


LISTING = Listing(
    {"name": "name", "type": "type", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("name", "type"),
)


def list_services(db, list_query=WHOLE_LIST):
    """Most recently updated first unless another order is asked for (the contract's)."""
    latest_first = [("updatedAt", DESCENDING)]
    return paging.find_page(db.services, {}, LISTING, list_query, latest_first)


def get_service(db, service_id):
    return documents.find(db.services, {"_id": service_id}, NOT_FOUND)


def create_service(db, fields):
    document = documents.stamped(fields)
    return documents.insert(db.services, document, DUPLICATE)


def update_service(db, service_id, changes, expected=None):
    changes = documents.touched(changes)
    query = {"_id": service_id}
    return documents.update(db.services, query, changes, NOT_FOUND, DUPLICATE, expected)


def delete_service(db, service_id, expected=None):
    return documents.delete(db.services, {"_id": service_id}, NOT_FOUND, expected)
