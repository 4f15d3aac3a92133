"""Tenant devices (`{applicationId}_devices`), addressed by `machineId`.

Shared by the device routes of `/api/organizations` and `/api/applications`. Every id a
device carries (`machineId`, `eui`) is claimed for its organization in the shared
database's registry before the device is written, and released when the device lets it go
(`machine_claims`): a machine's time series are read by that id.
"""

from functools import partial

from syncapi.core.failures import Conflict, NotFound
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, indexes, paging, registrations, summaries
from syncapi.repositories.application_collections import app_collection
from syncapi.repositories.application_settings import settings_by_id

DUPLICATE = partial(Conflict, "A device with this machineId already exists", field="machineId")
NOT_FOUND = partial(NotFound, "Device not found")


def _collection(db, application_id):
    return app_collection(db, application_id, "devices")


# Each sort field is backed by an index of the device collections (`indexes`).
LISTING = Listing(
    {"name": "name", "machineId": "machineId", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("machineId", "name"),
)


def list_devices(db, application_id, list_query=WHOLE_LIST):
    return paging.find_page(_collection(db, application_id), {}, LISTING, list_query)


def get_device(db, application_id, machine_id):
    return documents.find(_collection(db, application_id), _by_machine(machine_id), NOT_FOUND)


def create_device(db, shared_db, application_id, fields):
    """Claim the device's ids, then insert it (`registrations.registered`)."""
    document = documents.stamped(
        {**fields, "organizationId": db.name, "applicationId": application_id}
    )
    return _claimed_insert(db, shared_db, application_id, document, documents.insert)


def restore_device(db, shared_db, application_id, before):
    """A deleted device again (`before`, its change-log entry's), its ids claimed again as
    a create claims them: 409 when another organization holds one since."""
    document = documents.restored(
        {**before, "organizationId": db.name, "applicationId": application_id}
    )
    return _claimed_insert(db, shared_db, application_id, document, documents.reinsert)


def _claimed_insert(db, shared_db, application_id, document, insert):
    collection = _collection(db, application_id)
    registrations.registered(
        shared_db,
        _registration(db, application_id, document),
        lambda: insert(collection, document, DUPLICATE),
        lambda: collection.find_one(_by_machine(document["machineId"])),
    )
    summaries.devices_added(shared_db, db.name, application_id, 1)
    return document


def update_device(db, shared_db, application_id, machine_id, changes, expected=None):
    """`$set` the changes: `(before, after)`. When they change an id the device claims, the
    new ids are claimed first and the old ones, those of the document the write replaced,
    released after it."""
    changes = documents.touched(changes)
    collection = _collection(db, application_id)
    query = _by_machine(machine_id)
    if not any(field in changes for field in registrations.ID_FIELDS):
        return documents.update(collection, query, changes, NOT_FOUND, DUPLICATE, expected)
    after = {**documents.find(collection, query, NOT_FOUND), **changes}
    registration = partial(_registration, db, application_id)
    return registrations.registered(
        shared_db,
        registration(after),
        lambda: documents.update(collection, query, changes, NOT_FOUND, DUPLICATE, expected),
        lambda: collection.find_one(_by_machine(after["machineId"])),
        lambda written: (registration(written[0]), registration(written[1])),
    )


def delete_device(db, shared_db, application_id, machine_id, expected=None):
    """The deleted device, as it was."""
    collection = _collection(db, application_id)
    deleted = documents.delete(collection, _by_machine(machine_id), NOT_FOUND, expected)
    registrations.release_registration(shared_db, _registration(db, application_id, deleted))
    summaries.devices_added(shared_db, db.name, application_id, -1)
    return deleted


def _by_machine(machine_id):
    return indexes.by_key("machineId", machine_id)


def _registration(db, application_id, device):
    return registrations.Registration.of(db.name, application_id, device)


def property_keys(db, application_id):
    """`[{key, machines}]`: which devices carry each non-blank property key, sorted by key."""
    machines_by_key = {}
    projection = {"_id": 0, "machineId": 1, "name": 1, "properties": 1}
    for device in _collection(db, application_id).find({}, projection):
        properties = device.get("properties")
        if not isinstance(properties, dict):
            continue
        label = device.get("machineId") or device.get("name") or "Unknown"
        for key in properties:
            if str(key).strip():
                machines_by_key.setdefault(key, []).append(label)
    return [{"key": key, "machines": machines_by_key[key]} for key in sorted(machines_by_key)]


def holders_of(db, machine_id):
    """The organization's devices that carry `machine_id` (as `machineId` or `eui`), as claim
    holders, in one aggregation over its applications."""

    def stages(application_id):
        match = {"$or": [indexes.by_key(field, machine_id) for field in registrations.ID_FIELDS]}
        project = {"_id": 0, "machineId": 1, "applicationId": {"$literal": application_id}}
        return [{"$match": match}, {"$project": project}]

    rows = aggregate_devices(db, settings_by_id(db), stages)
    return [registrations.holder(row["applicationId"], row["machineId"]) for row in rows]


def existing_registrations(db, application_id):
    """`(holder, ids, since)` of each device of the application, dated by its `createdAt`
    (the epoch when it has none): the claims `db ensure-indexes` records for devices
    registered before the registry existed."""
    projection = {"_id": 0, "machineId": 1, "eui": 1, "createdAt": 1}
    for device in _collection(db, application_id).find({}, projection):
        if not isinstance(device.get("machineId"), str):
            continue  # a device no route can address holds nothing
        holder = registrations.holder(application_id, device["machineId"])
        yield (
            holder,
            registrations.machine_ids(device),
            registrations.created_at(device.get("createdAt")),
        )


def aggregate_devices(db, application_ids, stages_for):
    """The rows of `stages_for(applicationId)` run over each app's devices, as one aggregation
    (`$unionWith`, MongoDB 4.4+)."""
    ids = list(application_ids)
    if not ids:
        return []
    first, *others = ids
    pipeline = stages_for(first) + [
        {
            "$unionWith": {
                "coll": _collection(db, other).name,
                "pipeline": stages_for(other),
            }
        }
        for other in others
    ]
    return list(_collection(db, first).aggregate(pipeline))


def count_by_application(db, application_ids):
    """`{applicationId: devices}` counted from the data, one aggregation: what `db
    ensure-indexes` reconciles the counts kept on write with."""

    def count_as(application_id):
        return [{"$group": {"_id": {"$literal": application_id}, "count": {"$sum": 1}}}]

    rows = aggregate_devices(db, application_ids, count_as)
    return {row["_id"]: row["count"] for row in rows}
