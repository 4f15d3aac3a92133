"""Connectors: the org templates (`connectors`) and each application's (`{app}_connectors`).

Both live in collections of the same shape, so every function takes the collection.
"""

from functools import partial

from syncapi.failures import Conflict, NotFound
from syncapi.repositories import documents

DUPLICATE = partial(Conflict, "A connector with this name already exists", field="name")
NOT_FOUND = partial(NotFound, "Connector not found")


def list_connectors(collection):
    return list(collection.find())


def get_connector(collection, connector_id):
    return documents.find(collection, {"_id": connector_id}, NOT_FOUND)


def create_connector(collection, fields):
    return documents.insert(collection, documents.stamped(fields), DUPLICATE)


def update_connector(collection, connector_id, changes):
    changes = documents.touched(changes)
    return documents.update(collection, {"_id": connector_id}, changes, NOT_FOUND, DUPLICATE)


def delete_connector(collection, connector_id):
    documents.delete(collection, {"_id": connector_id}, NOT_FOUND)
