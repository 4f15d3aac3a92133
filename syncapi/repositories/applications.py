"""The application registry: one `config` document, key `applications` (spec README §5).

The keys of `applicationSettings` are the source of truth; `availableApplications` and
`defaultApplication` are kept in step with them. Older writers left settings without
timestamps or with `applicationName`, so readers tolerate both.
"""

from pymongo.errors import CollectionInvalid

from syncapi.errors import ApiError
from syncapi.identifiers import is_identifier
from syncapi.repositories import indexes
from syncapi.serialization import iso_now

REGISTRY = {"key": "applications"}
OWNED_SUFFIXES = ("devices", "config", "connectors")
SHARED_COLLECTIONS = ("monitoreo-cnc_events", "functions")


def app_collection(db, application_id, suffix):
    """`{applicationId}_{suffix}`: callers pass ids that passed the identifier rule."""
    return db[f"{application_id}_{suffix}"]


def registry(db):
    document = db.config.find_one(REGISTRY, {"_id": 0, "value": 1}) or {}
    value = document.get("value")
    return value if isinstance(value, dict) else {}


def settings_by_id(db):
    settings = registry(db).get("applicationSettings")
    return settings if isinstance(settings, dict) else {}


def find_application(db, application_id):
    settings = settings_by_id(db).get(application_id)
    return settings if isinstance(settings, dict) else None


def display_name(settings):
    return settings.get("name") or settings.get("applicationName")


def count_devices(db, application_id):
    """0 for a legacy registry key that could not name a collection safely."""
    if not is_identifier(application_id):
        return 0
    return app_collection(db, application_id, "devices").count_documents({})


def list_applications(db):
    """Registry entries in registry order, each with its device count."""
    now = iso_now()
    return [
        {
            "applicationId": application_id,
            **settings,
            "deviceCount": count_devices(db, application_id),
            "lastModified": settings.get("updatedAt") or settings.get("createdAt") or now,
        }
        for application_id, settings in settings_by_id(db).items()
        if isinstance(settings, dict)
    ]


def create_application(db, application_id, fields):
    """Register the app and create its collections; 409 when the id is taken."""
    now = iso_now()
    settings = {**fields, "collections": ["devices", "config"], "createdAt": now, "updatedAt": now}
    db.config.update_one(
        REGISTRY,
        {"$setOnInsert": {"value": {"availableApplications": [], "applicationSettings": {}}}},
        upsert=True,
    )
    path = f"value.applicationSettings.{application_id}"
    added = db.config.update_one(
        {**REGISTRY, path: {"$exists": False}},
        {"$set": {path: settings}, "$addToSet": {"value.availableApplications": application_id}},
    )
    if added.matched_count == 0:
        raise ApiError(409, "Application already exists", field="applicationId")
    db.config.update_one(
        {**REGISTRY, "value.defaultApplication": {"$in": [None, ""]}},
        {"$set": {"value.defaultApplication": application_id}},
    )
    _create_collections(db, application_id)
    return settings


def _create_collections(db, application_id):
    """Devices and config collections, reusing orphans left by an earlier app of that id."""
    for suffix in ("devices", "config"):
        try:
            db.create_collection(f"{application_id}_{suffix}")
        except CollectionInvalid:
            pass  # already there: reused as is
    indexes.ensure_application_indexes(db, application_id)


def update_application(db, application_id, changes):
    path = f"value.applicationSettings.{application_id}"
    updates = {f"{path}.{name}": value for name, value in changes.items()}
    updates[f"{path}.updatedAt"] = iso_now()
    db.config.update_one(REGISTRY, {"$set": updates})
    return find_application(db, application_id)


def delete_application(db, application_id):
    """Unregister the app and remove everything it owns (spec README §11.10)."""
    db.config.update_one(
        REGISTRY,
        {
            "$unset": {f"value.applicationSettings.{application_id}": ""},
            "$pull": {"value.availableApplications": application_id},
        },
    )
    remaining = list(settings_by_id(db))
    db.config.update_one(
        {**REGISTRY, "value.defaultApplication": application_id},
        {"$set": {"value.defaultApplication": remaining[0] if remaining else None}},
    )
    for suffix in OWNED_SUFFIXES:
        app_collection(db, application_id, suffix).drop()
    for name in SHARED_COLLECTIONS:
        db[name].delete_many({"applicationId": application_id})


def application_config(db, application_id):
    """`{key: value}` of the app's `{app}_config`; later duplicates win."""
    documents = app_collection(db, application_id, "config").find({}, {"_id": 0})
    return {doc["key"]: doc.get("value") for doc in documents if isinstance(doc.get("key"), str)}
