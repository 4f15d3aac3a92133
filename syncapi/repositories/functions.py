"""Functions of every application of a tenant, in `functions` by `applicationId`."""

from functools import partial

from syncapi.core.failures import Conflict, NotFound
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, paging

DUPLICATE = partial(Conflict, "A function with this id already exists", field="id")
NOT_FOUND = partial(NotFound, "Function not found")


def _query(application_id, function_id):
    return {"applicationId": application_id, "id": function_id}


LISTING = Listing(
    {"id": "id", "name": "name", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("name", "id"),
)


def list_functions(db, application_id, list_query=WHOLE_LIST):
    """Served by the `(applicationId, id)` index; a page is sorted on the server."""
    query = {"applicationId": application_id}
    return paging.find_page(db.functions, query, LISTING, list_query)


def get_function(db, application_id, function_id):
    return documents.find(db.functions, _query(application_id, function_id), NOT_FOUND)


def create_function(db, application_id, fields):
    """Insert with the sent id (409 if taken) or a generated one that never collides."""
    document = documents.stamped({**fields, "applicationId": application_id})
    if "id" in fields:
        return documents.insert(db.functions, document, DUPLICATE)
    return documents.insert_with_new_id(db.functions, document, "fn")


def restore_function(db, application_id, before):
    """A deleted function again, from its change-log entry; 409 when its id is taken."""
    document = documents.restored({**before, "applicationId": application_id})
    return documents.reinsert(db.functions, document, DUPLICATE)


def update_function(db, application_id, function_id, fields, expected=None):
    changes = documents.touched(fields)
    changes.pop("id", None)
    query = _query(application_id, function_id)
    return documents.update(db.functions, query, changes, NOT_FOUND, DUPLICATE, expected)


def delete_function(db, application_id, function_id, expected=None):
    query = _query(application_id, function_id)
    return documents.delete(db.functions, query, NOT_FOUND, expected)
