"""The unique indexes behind every "409 on duplicate", declared once.

They are created with the collections they guard (organization creation, application
creation) and, for databases that predate syncapi, by `flask db ensure-indexes`. Never per
request: a duplicate is detected by the insert itself failing on the index.
"""

from pymongo.errors import OperationFailure

DUPLICATE_KEY = 11000

# (collection, keys, index name); application collections are `{applicationId}_{suffix}`.
TENANT_INDEXES = (
    ("config", ("key",), "key_unique"),
    ("users", ("email",), "email_unique"),
    ("gateways", ("gatewayId",), "gatewayId_unique"),
    ("connectors", ("name", "applicationId"), "name_applicationId_unique"),
    ("monitoreo-cnc_events", ("applicationId", "id"), "applicationId_id_unique"),
    ("functions", ("applicationId", "id"), "applicationId_id_unique"),
)
APPLICATION_INDEXES = (
    ("devices", ("machineId",), "machineId_unique"),
    ("connectors", ("name",), "name_unique"),
)

# The shared default database (spec README §3).
SHARED_INDEXES = (
    ("devices", ("machineId",), "machineId_unique"),
    ("services", ("name",), "name_unique"),
)

# Documents lacking the key (the original stored some devices under `machine_id` only, some
# users without email) must not collide with each other as "null" duplicates.
PARTIAL = {
    "machineId_unique": {"machineId": {"$type": "string"}},
    "email_unique": {"email": {"$type": "string"}},
    "gatewayId_unique": {"gatewayId": {"$type": "string"}},
}


def application_specs(application_id):
    """(collection name, keys, index name) of one application's own collections."""
    return [
        (f"{application_id}_{suffix}", keys, name) for suffix, keys, name in APPLICATION_INDEXES
    ]


def tenant_specs(application_ids=()):
    """Every (collection name, keys, index name) a tenant with these applications needs."""
    specs = list(TENANT_INDEXES)
    for application_id in application_ids:
        specs += application_specs(application_id)
    return specs


def create_index(db, collection, keys, name):
    options = {"partialFilterExpression": PARTIAL[name]} if name in PARTIAL else {}
    db[collection].create_index([(key, 1) for key in keys], unique=True, name=name, **options)


def create_all(db, specs):
    for collection, keys, name in specs:
        create_index(db, collection, keys, name)


def ensure_tenant_indexes(db):
    create_all(db, TENANT_INDEXES)


def ensure_application_indexes(db, application_id):
    create_all(db, application_specs(application_id))


def duplicates(collection, keys, name, limit=10):
    """Key values held by more than one document, e.g. `[({"email": "a@x"}, 2)]`."""
    pipeline = [
        {"$match": PARTIAL.get(name, {})},
        {"$group": {"_id": {key: f"${key}" for key in keys}, "count": {"$sum": 1}}},
        {"$match": {"count": {"$gt": 1}}},
        {"$limit": limit},
    ]
    return [(group["_id"], group["count"]) for group in collection.aggregate(pipeline)]


def ensure_shared_indexes(db):
    create_all(db, SHARED_INDEXES)


def ensure_all(db, specs):
    """Create these indexes; returns `(collection, index, problem)` for each that could not
    be, never changing data."""
    problems = []
    for collection, keys, name in specs:
        try:
            create_index(db, collection, keys, name)
        except OperationFailure as error:
            if error.code == DUPLICATE_KEY:
                found = duplicates(db[collection], keys, name)
                listed = "; ".join(f"{_describe(key)} ({count} documents)" for key, count in found)
                problems.append((collection, name, f"blocked by duplicates: {listed or 'see log'}"))
            else:  # e.g. an index of that name or keys with other options (codes 85, 86)
                problems.append((collection, name, f"could not be created: {error}"))
    return problems


def _describe(key):
    return ", ".join(f"{field}={value!r}" for field, value in key.items())
