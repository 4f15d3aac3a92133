"""Legacy devices: the shared database's `devices`, addressed by `machineId`."""

from functools import partial

from syncapi.errors import ApiError
from syncapi.repositories import documents
from syncapi.serialization import utcnow

DUPLICATE = partial(ApiError, 409, "A device with this machineId already exists", field="machineId")
NOT_FOUND = partial(ApiError, 404, "Device not found")


def get_device(db, machine_id):
    return documents.find(db.devices, {"machineId": machine_id}, NOT_FOUND)


def create_device(db, fields):
    now = utcnow()
    return documents.insert(db.devices, {**fields, "createdAt": now, "updatedAt": now}, DUPLICATE)


def update_device(db, machine_id, changes):
    changes = {**changes, "updatedAt": utcnow()}
    return documents.update(db.devices, {"machineId": machine_id}, changes, NOT_FOUND, DUPLICATE)


def delete_device(db, machine_id):
    documents.delete(db.devices, {"machineId": machine_id}, NOT_FOUND)
