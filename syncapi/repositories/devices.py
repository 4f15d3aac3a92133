"""Tenant devices (`{applicationId}_devices`), addressed by `machineId`.

Shared by the device routes of `/api/organizations` and `/api/applications`.
"""

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from syncapi.errors import ApiError
from syncapi.repositories.applications import app_collection
from syncapi.serialization import utcnow


def _collection(db, application_id):
    return app_collection(db, application_id, "devices")


def _duplicate():
    return ApiError(409, "A device with this machineId already exists", field="machineId")


def _not_found():
    return ApiError(404, "Device not found")


def list_devices(db, application_id):
    return list(_collection(db, application_id).find())


def get_device(db, application_id, machine_id):
    document = _collection(db, application_id).find_one({"machineId": machine_id})
    if document is None:
        raise _not_found()
    return document


def create_device(db, organization_id, application_id, fields):
    now = utcnow()
    document = {
        **fields,
        "organizationId": organization_id,
        "applicationId": application_id,
        "createdAt": now,
        "updatedAt": now,
    }
    try:
        _collection(db, application_id).insert_one(document)
    except DuplicateKeyError:
        raise _duplicate() from None
    return document


def update_device(db, application_id, machine_id, changes):
    try:
        document = _collection(db, application_id).find_one_and_update(
            {"machineId": machine_id},
            {"$set": {**changes, "updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        raise _duplicate() from None
    if document is None:
        raise _not_found()
    return document


def delete_device(db, application_id, machine_id):
    if _collection(db, application_id).delete_one({"machineId": machine_id}).deleted_count == 0:
        raise _not_found()


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
