"""Connectors: the org templates (`connectors`) and each application's (`{app}_connectors`).

Both live in collections of the same shape, so every function takes the collection.
"""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from syncapi.errors import ApiError
from syncapi.serialization import utcnow


def _duplicate():
    return ApiError(409, "A connector with this name already exists", field="name")


def _not_found():
    return ApiError(404, "Connector not found")


def list_connectors(collection):
    return list(collection.find())


def get_connector(collection, connector_id):
    document = collection.find_one({"_id": connector_id})
    if document is None:
        raise _not_found()
    return document


def create_connector(collection, fields):
    now = utcnow()
    try:
        inserted = collection.insert_one({**fields, "createdAt": now, "updatedAt": now})
    except DuplicateKeyError:
        raise _duplicate() from None
    return collection.find_one({"_id": inserted.inserted_id})


def update_connector(collection, connector_id, changes):
    try:
        document = collection.find_one_and_update(
            {"_id": connector_id},
            {"$set": {**changes, "updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        raise _duplicate() from None
    if document is None:
        raise _not_found()
    return document


def delete_connector(collection, connector_id):
    if collection.delete_one({"_id": connector_id}).deleted_count == 0:
        raise _not_found()
