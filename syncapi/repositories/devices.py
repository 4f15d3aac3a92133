"""Tenant devices (`{applicationId}_devices`), addressed by `machineId`.

Shared by the device routes of `/api/organizations` and `/api/applications`.
"""

from functools import partial

from syncapi.errors import ApiError
from syncapi.repositories import documents
from syncapi.repositories.applications import app_collection
from syncapi.serialization import utcnow

DUPLICATE = partial(ApiError, 409, "A device with this machineId already exists", field="machineId")
NOT_FOUND = partial(ApiError, 404, "Device not found")


def _collection(db, application_id):
    return app_collection(db, application_id, "devices")


def list_devices(db, application_id):
    return list(_collection(db, application_id).find())


def get_device(db, application_id, machine_id):
    return documents.find(_collection(db, application_id), {"machineId": machine_id}, NOT_FOUND)


def create_device(db, organization_id, application_id, fields):
    now = utcnow()
    document = {
        **fields,
        "organizationId": organization_id,
        "applicationId": application_id,
        "createdAt": now,
        "updatedAt": now,
    }
    return documents.insert(_collection(db, application_id), document, DUPLICATE)


def update_device(db, application_id, machine_id, changes):
    changes = {**changes, "updatedAt": utcnow()}
    query = {"machineId": machine_id}
    return documents.update(_collection(db, application_id), query, changes, NOT_FOUND, DUPLICATE)


def delete_device(db, application_id, machine_id):
    documents.delete(_collection(db, application_id), {"machineId": machine_id}, NOT_FOUND)


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
