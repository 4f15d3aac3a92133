"""Service configurations: the shared database's `services`."""

from functools import partial

from pymongo import DESCENDING

from syncapi.failures import Conflict, NotFound
from syncapi.repositories import documents

DUPLICATE = partial(Conflict, "A service with this name already exists", field="name")
NOT_FOUND = partial(NotFound, "Service not found")


def list_services(db):
    return list(db.services.find().sort("updatedAt", DESCENDING))


def get_service(db, service_id):
    return documents.find(db.services, {"_id": service_id}, NOT_FOUND)


def create_service(db, fields):
    document = documents.stamped(fields)
    return documents.insert(db.services, document, DUPLICATE)


def update_service(db, service_id, changes):
    changes = documents.touched(changes)
    return documents.update(db.services, {"_id": service_id}, changes, NOT_FOUND, DUPLICATE)


def delete_service(db, service_id):
    documents.delete(db.services, {"_id": service_id}, NOT_FOUND)
