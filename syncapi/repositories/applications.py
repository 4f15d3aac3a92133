"""Changes to the application registry: one `config` document, key `applications` (spec
README §5), read by `application_settings`. The applications' own collections are made and
removed by `application_collections`; what callers read from either is imported here.

The keys of `applicationSettings` are the source of truth; `availableApplications` and
`defaultApplication` are kept in step with them.

Two workers may change the registry at once, so each change is one atomic update made only
if the lists it rewrites are still those it read (compare and set), retried when another
change came first: no lost update, and no spurious 409 when two first applications are
created together.
"""

from pymongo.errors import DuplicateKeyError

from syncapi.core.failures import Conflict, NotFound, Stale
from syncapi.repositories import application_collections, documents, machine_claims, summaries
from syncapi.repositories.application_collections import application_config
from syncapi.repositories.application_settings import (
    LISTING,
    REGISTRY,
    SETTINGS,
    colliding_ids,
    find_application,
    list_applications,
    registry,
    settings_by_id,
    well_formed,
    with_device_counts,
)

__all__ = [
    "LISTING",
    "application_config",
    "colliding_ids",
    "create_application",
    "delete_application",
    "find_application",
    "list_applications",
    "settings_by_id",
    "update_application",
    "with_device_counts",
]

# The changes read the registry through this module's `registry`, which
# tests/test_organizations.py replaces to hold two changes between their read and write.
LISTS = ("availableApplications", "defaultApplication")
ATTEMPTS = 5
STALE = "The application has changed since the ETag you sent; read it again"


def create_application(db, shared, application_id, fields):
    """Create the app's collections and indexes, then register it; 409 when the id is taken.

    Collections first: if an orphan collection of that id holds duplicates, the index cannot
    be built and nothing is registered.
    """
    if application_id in _checked_entries(registry(db)):
        raise Conflict("Application already exists", field="applicationId")
    application_collections.create_collections(db, application_id)
    settings = documents.stamped({**fields, "collections": ["devices", "config"]}, iso=True)

    def register(value, entries):
        if application_id in entries:
            raise Conflict("Application already exists", field="applicationId")
        ids = [*entries, application_id]
        return {"$set": {f"{SETTINGS}.{application_id}": settings, **_lists(value, ids)}}

    _change_registry(db, register)
    summaries.application_created(shared, db.name, application_id, settings)
    return settings


def _checked_entries(value):
    if value is not None and not (
        isinstance(value, dict) and isinstance(value.get("applicationSettings", {}), dict)
    ):
        raise Conflict("The application registry of this organization is malformed")
    return well_formed(value)


def _lists(value, ids):
    """`availableApplications` = the registered ids; the default stays, or the first one."""
    default = value.get("defaultApplication") if isinstance(value, dict) else None
    return {
        "value.availableApplications": ids,
        "value.defaultApplication": default if default in ids else (ids[0] if ids else None),
    }


def _change_registry(db, change):
    """Apply `change(value, entries)` (an update) in one compare-and-set on the lists it
    rewrites; re-read and retry when another request changed them first."""
    for _ in range(ATTEMPTS):
        value = registry(db)
        update = change(value, _checked_entries(value))
        known = value if isinstance(value, dict) else {}
        query = {**REGISTRY, **{f"value.{name}": known.get(name) for name in LISTS}}
        try:
            result = db.config.update_one(query, update, upsert=value is None)
        except DuplicateKeyError:  # another request created the registry first
            continue
        if result.matched_count or result.upserted_id is not None:
            return
    raise Conflict("The application registry changed repeatedly; try again")


def update_application(db, shared, application_id, changes, expected=None, seen=None):
    """Set the sent keys and move the revision on; 404 if the app was unregistered
    meanwhile (no partial re-creation). With `expected` (an `If-Match` on the settings'
    content ETag, compared with `seen`, the settings this request read), only if they are
    still those: they are the update's filter, so the check and the write are one."""
    path = f"{SETTINGS}.{application_id}"
    updates = {
        f"{path}.{name}": value for name, value in documents.touched(changes, iso=True).items()
    }
    query = {**REGISTRY, path: {"$exists": True}}
    if expected is not None:
        if not (expected.any or (expected.matches and expected.matches(seen))):
            raise Stale(STALE)
        query = {**REGISTRY, path: seen}
    update = {"$set": updates, "$inc": {f"{path}.{documents.REVISION}": 1}}
    if db.config.update_one(query, update).matched_count == 0:
        if expected is not None and find_application(db, application_id) is not None:
            raise Stale(STALE)
        raise NotFound("Application not found")
    settings = find_application(db, application_id)
    summaries.application_updated(shared, db.name, application_id, settings)
    return settings


def delete_application(db, shared, application_id):
    """Remove everything the app owns (spec README §11.10), then unregister it, all in the
    request's transaction. Each step is idempotent."""
    application_collections.empty_collections(db, application_id)
    machine_claims.release_application(shared, db.name, application_id)
    summaries.application_deleted(shared, db.name, application_id)

    def unregister(value, entries):
        ids = [key for key in entries if key != application_id]
        path = f"{SETTINGS}.{application_id}"
        return {"$unset": {path: ""}, "$set": _lists(value, ids)}

    _change_registry(db, unregister)
