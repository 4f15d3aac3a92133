"""The application registry: one `config` document, key `applications` (spec README §5).

The keys of `applicationSettings` are the source of truth; `availableApplications` and
`defaultApplication` are kept in step with them. Older writers left settings without
timestamps or with `applicationName`, so readers tolerate both. An entry that is not an
object, or whose key could not name a collection safely, is not an application: every
reader skips it alike (listed nowhere, counted nowhere, 404 when asked for).
"""

from pymongo.errors import CollectionInvalid, OperationFailure

from syncapi.errors import ApiError
from syncapi.identifiers import APPLICATION_SUFFIXES, is_application_id, is_identifier
from syncapi.repositories import indexes, machine_claims
from syncapi.serialization import iso_now

REGISTRY = {"key": "applications"}
SHARED_COLLECTIONS = ("monitoreo-cnc_events", "functions")
COMPUTED_FIELDS = ("applicationId", "deviceCount", "lastModified")


def app_collection(db, application_id, suffix):
    """`{applicationId}_{suffix}`, only ever for ids that pass the identifier rule."""
    if not is_application_id(application_id):
        raise ValueError(f"not an application id: {application_id!r}")
    return db[f"{application_id}_{suffix}"]


def registry(db):
    document = db.config.find_one(REGISTRY, {"_id": 0, "value": 1}) or {}
    return document.get("value")


def settings_by_id(db):
    """`{applicationId: settings}` of the well-formed entries, in registry order."""
    return _entries(registry(db))


def _entries(value):
    settings = value.get("applicationSettings") if isinstance(value, dict) else None
    if not isinstance(settings, dict):
        return {}
    return {
        key: entry
        for key, entry in settings.items()
        if is_application_id(key) and isinstance(entry, dict)
    }


def colliding_ids(db):
    """Registered ids that follow the identifier rule but whose collections are used for
    something else (`oilmonitor`): skipped by every reader, reported by `db ensure-indexes`."""
    value = registry(db)
    settings = value.get("applicationSettings") if isinstance(value, dict) else None
    if not isinstance(settings, dict):
        return []
    return [key for key in settings if is_identifier(key) and not is_application_id(key)]


def find_application(db, application_id):
    return settings_by_id(db).get(application_id)


def display_name(settings):
    return settings.get("name") or settings.get("applicationName")


def describe(application_id, settings):
    """`{applicationId, …stored settings}`; a stored key never overrides the computed ones."""
    stored = {key: value for key, value in settings.items() if key not in COMPUTED_FIELDS}
    return {"applicationId": application_id, **stored}


def count_devices(db, application_id):
    return app_collection(db, application_id, "devices").count_documents({})


def device_counts(db, application_ids):
    """`{applicationId: devices}` from one aggregation over every `{app}_devices` collection."""
    rows = aggregate_devices(db, application_ids, _count_as)
    return {**dict.fromkeys(application_ids, 0), **{row["_id"]: row["count"] for row in rows}}


def aggregate_devices(db, application_ids, stages_for):
    """The rows of `stages_for(applicationId)` run over each app's devices, as one aggregation
    (`$unionWith`); mongomock lacks that stage, so there the same stages run per collection."""
    ids = list(application_ids)
    if not ids:
        return []
    collections = [app_collection(db, application_id, "devices") for application_id in ids]
    pipeline = stages_for(ids[0]) + [
        {"$unionWith": {"coll": collection.name, "pipeline": stages_for(application_id)}}
        for application_id, collection in zip(ids[1:], collections[1:], strict=True)
    ]
    try:
        return list(collections[0].aggregate(pipeline))
    except NotImplementedError:
        return [
            row
            for application_id, collection in zip(ids, collections, strict=True)
            for row in collection.aggregate(stages_for(application_id))
        ]


def _count_as(application_id):
    return [{"$group": {"_id": {"$literal": application_id}, "count": {"$sum": 1}}}]


def list_applications(db):
    """Registry entries in registry order, each with its device count."""
    now = iso_now()
    entries = settings_by_id(db)
    counts = device_counts(db, entries)
    return [
        {
            **describe(application_id, settings),
            "deviceCount": counts[application_id],
            "lastModified": settings.get("updatedAt") or settings.get("createdAt") or now,
        }
        for application_id, settings in entries.items()
    ]


def create_application(db, application_id, fields):
    """Create the app's collections and indexes, then register it; 409 when the id is taken.

    Collections first: if an orphan collection of that id holds duplicates, the index cannot
    be built and nothing is registered.
    """
    value = registry(db)
    if value is not None and not _well_formed(value):
        raise ApiError(409, "The application registry of this organization is malformed")
    if application_id in _entries(value):
        raise ApiError(409, "Application already exists", field="applicationId")
    _create_collections(db, application_id)
    now = iso_now()
    settings = {**fields, "collections": ["devices", "config"], "createdAt": now, "updatedAt": now}
    path = f"value.applicationSettings.{application_id}"
    added = db.config.update_one(
        {**REGISTRY, path: {"$exists": False}}, {"$set": {path: settings}}, upsert=value is None
    )
    if added.matched_count == 0 and added.upserted_id is None:
        raise ApiError(409, "Application already exists", field="applicationId")
    _sync_lists(db)
    return settings


def _well_formed(value):
    return isinstance(value, dict) and isinstance(value.get("applicationSettings", {}), dict)


def _create_collections(db, application_id):
    """Devices and config collections, reusing orphans left by an earlier app of that id."""
    for suffix in ("devices", "config"):
        try:
            db.create_collection(f"{application_id}_{suffix}")
        except CollectionInvalid:
            pass  # already there: reused as is
    try:
        indexes.ensure_application_indexes(db, application_id)
    except OperationFailure as error:
        if error.code != indexes.DUPLICATE_KEY:
            raise
        message = f"Existing {application_id}_* collections hold duplicate names or machineIds"
        raise ApiError(409, message, field="applicationId") from None


def _sync_lists(db):
    """`availableApplications` = the registered ids; the default stays, or the first one."""
    value = registry(db)
    ids = list(_entries(value))
    default = value.get("defaultApplication")
    lists = {
        "value.availableApplications": ids,
        "value.defaultApplication": default if default in ids else (ids[0] if ids else None),
    }
    db.config.update_one(REGISTRY, {"$set": lists})


def update_application(db, application_id, changes):
    """Set the sent keys; 404 if the app was unregistered meanwhile (no partial re-creation)."""
    path = f"value.applicationSettings.{application_id}"
    updates = {f"{path}.{name}": value for name, value in changes.items()}
    updates[f"{path}.updatedAt"] = iso_now()
    if (
        db.config.update_one({**REGISTRY, path: {"$exists": True}}, {"$set": updates}).matched_count
        == 0
    ):
        raise ApiError(404, "Application not found")
    return find_application(db, application_id)


def delete_application(db, shared_db, application_id):
    """Unregister the app and remove everything it owns (spec README §11.10); its devices'
    machine ids are released last, once nothing can read them through this app."""
    db.config.update_one(REGISTRY, {"$unset": {f"value.applicationSettings.{application_id}": ""}})
    _sync_lists(db)
    for suffix in APPLICATION_SUFFIXES:
        app_collection(db, application_id, suffix).drop()
    for name in SHARED_COLLECTIONS:
        db[name].delete_many({"applicationId": application_id})
    machine_claims.release_application(shared_db, db.name, application_id)


def application_config(db, application_id):
    """`{key: value}` of the app's `{app}_config`; later duplicates win."""
    documents = app_collection(db, application_id, "config").find({}, {"_id": 0})
    return {doc["key"]: doc.get("value") for doc in documents if isinstance(doc.get("key"), str)}
