"""The application registry read: each application's settings, from the tenant's `config`
document of key `applications` (spec README §5; `applications` changes it).

Older writers left settings without timestamps or with `applicationName`, so readers
tolerate both. An entry that is not an object, or whose key could not name a collection
safely, is not an application: every reader skips it alike (listed nowhere, counted nowhere,
404 when asked for).
"""

from syncapi.core.identifiers import is_application_id, is_identifier
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import paging, summaries

REGISTRY = {"key": "applications"}
SETTINGS = "value.applicationSettings"


def registry(db):
    document = db.config.find_one(REGISTRY, {"_id": 0, "value": 1}) or {}
    return document.get("value")


def settings_by_id(db):
    """`{applicationId: settings}` of the well-formed entries, in registry order."""
    return well_formed(registry(db))


def well_formed(value):
    """The well-formed entries of a registry document's `value`."""
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
    return well_formed(document.get("value")).get(application_id)


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
