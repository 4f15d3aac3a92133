"""The application registry: one `config` document, key `applications` (spec README §5).

The keys of `applicationSettings` are the source of truth; `availableApplications` and
`defaultApplication` are kept in step with them. Older writers left settings without
timestamps or with `applicationName`, so readers tolerate both. An entry that is not an
object, or whose key could not name a collection safely, is not an application: every
reader skips it alike (listed nowhere, counted nowhere, 404 when asked for).

Two workers may change the registry at once, so each change is one atomic update made only
if the lists it rewrites are still those it read (compare and set), retried when another
change came first: no lost update, and no spurious 409 when two first applications are
created together.
"""

from pymongo.errors import CollectionInvalid, DuplicateKeyError, OperationFailure

from syncapi.core.failures import Conflict, NotFound, Stale
from syncapi.core.identifiers import APPLICATION_SUFFIXES, is_application_id, is_identifier
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, indexes, machine_claims, paging, summaries

REGISTRY = {"key": "applications"}
SETTINGS = "value.applicationSettings"
LISTS = ("availableApplications", "defaultApplication")
SHARED_COLLECTIONS = ("monitoreo-cnc_events", "functions")
NAMESPACE_EXISTS = 48  # a `create` of a collection another request just made
ATTEMPTS = 5
STALE = "The application has changed since the ETag you sent; read it again"


def app_collection(db, application_id, suffix):
    """`{applicationId}_{suffix}`, only ever for ids that pass the application id rule."""
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
    """One application's settings, reading only that entry of the registry (a projection:
    the registry of a large organization is never read whole to route one request)."""
    if not is_application_id(application_id):
        return None
    projection = {"_id": 0, f"{SETTINGS}.{application_id}": 1}
    document = db.config.find_one(REGISTRY, projection) or {}
    return _entries(document.get("value")).get(application_id)


def with_device_counts(settings_by_application, counts):
    """`[{"id", "settings", "device_count"}]` in registry order."""
    return [
        {"id": application_id, "settings": settings, "device_count": counts.get(application_id, 0)}
        for application_id, settings in settings_by_application.items()
    ]


# The registry is one document: its entries are searched, sorted and paged in memory (an
# organization has tens of applications, at most a few hundred).
LISTING = Listing(
    {
        "name": "name",
        "applicationId": "_id",
        "createdAt": "createdAt",
        "updatedAt": "updatedAt",
    },
    ("name", "_id"),
)


def list_applications(db, shared, list_query=WHOLE_LIST):
    """Registry entries in registry order, with the device counts kept on write."""
    counts = summaries.device_counts(shared, db.name)
    entries = with_device_counts(settings_by_id(db), counts)
    return paging.page_in_memory(entries, LISTING, list_query, _entry_field)


def _entry_field(entry, key):
    if key == "_id":
        return entry["id"]
    if key == "name":
        return entry["settings"].get("name") or entry["settings"].get("applicationName")
    return entry["settings"].get(key)


def create_application(db, shared, application_id, fields):
    """Create the app's collections and indexes, then register it; 409 when the id is taken.

    Collections first: if an orphan collection of that id holds duplicates, the index cannot
    be built and nothing is registered.
    """
    if application_id in _checked_entries(registry(db)):
        raise Conflict("Application already exists", field="applicationId")
    _create_collections(db, application_id)
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
    return _entries(value)


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


def _create_collections(db, application_id):
    """Devices and config collections, reusing orphans left by an earlier app of that id."""
    for suffix in ("devices", "config"):
        try:
            db.create_collection(f"{application_id}_{suffix}")
        except CollectionInvalid:
            pass  # already there: reused as is
        except OperationFailure as error:
            if error.code != NAMESPACE_EXISTS:
                raise
    try:
        indexes.ensure_application_indexes(db, application_id)
    except indexes.Duplicates:
        message = f"Existing {application_id}_* collections hold duplicate names or machineIds"
        raise Conflict(message, field="applicationId") from None


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
    """Remove everything the app owns (spec README §11.10), then unregister it: a delete cut
    short (a timeout while the server drops a collection) leaves the app registered, so a
    retry finishes it instead of answering 404 over leftovers. Each step is idempotent."""
    for suffix in APPLICATION_SUFFIXES:
        app_collection(db, application_id, suffix).drop()
    for name in SHARED_COLLECTIONS:
        db[name].delete_many({"applicationId": application_id})
    machine_claims.release_application(shared, db.name, application_id)
    summaries.application_deleted(shared, db.name, application_id)

    def unregister(value, entries):
        ids = [key for key in entries if key != application_id]
        path = f"{SETTINGS}.{application_id}"
        return {"$unset": {path: ""}, "$set": _lists(value, ids)}

    _change_registry(db, unregister)


def application_config(db, application_id):
    """`{key: value}` of the app's `{app}_config`; later duplicates win."""
    documents = app_collection(db, application_id, "config").find({}, {"_id": 0})
    return {doc["key"]: doc.get("value") for doc in documents if isinstance(doc.get("key"), str)}
