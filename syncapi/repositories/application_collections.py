"""The collections an application owns in its tenant's database: `{applicationId}_{suffix}`
(devices, config, connectors), and its documents in the collections the applications of a
tenant share (events, functions).

They are made before the application is registered and removed before it is unregistered
(`applications`), so the registry never names an application whose collections are missing.
"""

import re

from pymongo.errors import OperationFailure

from syncapi.core import in_session
from syncapi.core.failures import Conflict
from syncapi.core.identifiers import APPLICATION_SUFFIXES, is_application_id
from syncapi.repositories import index_builds

SHARED_COLLECTIONS = ("monitoreo-cnc_events", "functions")
NAMESPACE_EXISTS = 48  # a `create` of a collection another request just made


def app_collection(db, application_id, suffix):
    """`{applicationId}_{suffix}`, only ever for ids that pass the application id rule."""
    if not is_application_id(application_id):
        raise ValueError(f"not an application id: {application_id!r}")
    return db[f"{application_id}_{suffix}"]


def create_collections(db, application_id):
    """Devices and config collections, reusing orphans left by an earlier app of that id
    (a deleted application's, emptied). Which exist is asked beside the transaction (no
    transaction may list collections), so that it creates only the missing ones: a `create`
    of one that exists fails, and a server then aborts the whole transaction. Indexes of
    collections that existed are ensured beside it too: one may make indexes only of a
    collection it creates."""
    names = [f"{application_id}_{suffix}" for suffix in ("devices", "config")]
    pattern = f"^{re.escape(application_id)}_(devices|config)$"
    existing = set(
        in_session.unbound(db).list_collection_names(filter={"name": {"$regex": pattern}})
    )
    for name in names:
        if name not in existing:
            try:
                db.create_collection(name)
            except OperationFailure as error:  # another request made it since: run again
                if error.code == NAMESPACE_EXISTS:  # (a server aborted the transaction)
                    error._add_error_label("TransientTransactionError")
                raise
    existed = bool(existing)
    try:  # the unique ones; the others by the refresh (`index_builds` says why)
        target = in_session.unbound(db) if existed else db
        index_builds.create_application_indexes(target, application_id)
    except index_builds.Duplicates:
        message = f"Existing {application_id}_* collections hold duplicate names or machineIds"
        raise Conflict(message, field="applicationId") from None


def empty_collections(db, application_id):
    """Its own collections emptied, its documents in the shared ones deleted, in the
    delete's transaction (which may not drop a collection): the empty collections stay, and
    an application created again with that id reuses them (`create_collections`)."""
    for suffix in APPLICATION_SUFFIXES:
        app_collection(db, application_id, suffix).delete_many({})
    for name in SHARED_COLLECTIONS:
        db[name].delete_many({"applicationId": application_id})


def application_config(db, application_id):
    """`{key: value}` of the app's `{app}_config`; later duplicates win."""
    documents = app_collection(db, application_id, "config").find({}, {"_id": 0})
    return {doc["key"]: doc.get("value") for doc in documents if isinstance(doc.get("key"), str)}
