"""Connectors: the org templates (`connectors`) and each application's (`{app}_connectors`).

Both live in collections of the same shape: every function takes the tenant database and the
application id, None for the organization's own connectors, and chooses the collection here.
"""

from functools import partial

from syncapi.core.failures import Conflict, NotFound
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, paging
from syncapi.repositories.application_collections import app_collection

DUPLICATE = partial(Conflict, "A connector with this name already exists", field="name")
NOT_FOUND = partial(NotFound, "Connector not found")


def _collection(db, application_id):
    if application_id is None:
        return db.connectors
    return app_collection(db, application_id, "connectors")


LISTING = Listing(
    {"name": "name", "createdAt": "createdAt", "updatedAt": "updatedAt"}, ("name", "description")
)


def list_connectors(db, application_id, list_query=WHOLE_LIST):
    return paging.find_page(_collection(db, application_id), {}, LISTING, list_query)


def get_connector(db, application_id, connector_id):
    return documents.find(_collection(db, application_id), {"_id": connector_id}, NOT_FOUND)


def find_template(db, name):
    """The organization's template named `name` (a connector of its own, of no
    application), or None."""
    if not isinstance(name, str):
        return None
    return db.connectors.find_one({"name": name, "applicationId": None})


def create_connector(db, application_id, fields):
    collection = _collection(db, application_id)
    return documents.insert(collection, documents.stamped(fields), DUPLICATE)


def restore_connector(db, application_id, before):
    """A deleted connector again under its `_id`, from its change-log entry; 409 when its
    name is taken."""
    collection = _collection(db, application_id)
    return documents.reinsert(collection, documents.restored(before), DUPLICATE)


def update_connector(db, application_id, connector_id, changes, expected=None):
    collection = _collection(db, application_id)
    changes = documents.touched(changes)
    query = {"_id": connector_id}
    return documents.update(collection, query, changes, NOT_FOUND, DUPLICATE, expected)


def delete_connector(db, application_id, connector_id, expected=None):
    collection = _collection(db, application_id)
    return documents.delete(collection, {"_id": connector_id}, NOT_FOUND, expected)
