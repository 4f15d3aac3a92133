"""Legacy devices: the shared database's `devices`, addressed by `machineId`.

A legacy device naming an organization (`organizationId`) is that organization's: its
machine id is claimed for it, in the same registry as tenant devices (`machine_claims`).
"""

from functools import partial

from syncapi.core.failures import Conflict, NotFound
from syncapi.repositories import documents, indexes, registrations

DUPLICATE = partial(Conflict, "A device with this machineId already exists", field="machineId")
NOT_FOUND = partial(NotFound, "Device not found")


def get_device(db, machine_id):
    return documents.find(db.devices, _by_machine(machine_id), NOT_FOUND)


def create_device(db, fields):
    document = documents.stamped(fields)
    return registrations.registered(
        db,
        _registration(document),
        lambda: documents.insert(db.devices, document, DUPLICATE),
        lambda: db.devices.find_one(_by_machine(document["machineId"])),
    )


def update_device(db, machine_id, changes, expected=None):
    changes = documents.touched(changes)
    query = _by_machine(machine_id)
    if not {"machineId", "organizationId"} & set(changes):
        return documents.update(db.devices, query, changes, NOT_FOUND, DUPLICATE, expected)
    after = {**documents.find(db.devices, query, NOT_FOUND), **changes}
    return registrations.registered(
        db,
        _registration(after),
        lambda: documents.update(db.devices, query, changes, NOT_FOUND, DUPLICATE, expected),
        lambda: db.devices.find_one(_by_machine(after["machineId"])),
        lambda written: (_registration(written[0]), _registration(written[1])),
    )


def delete_device(db, machine_id, expected=None):
    deleted = documents.delete(db.devices, _by_machine(machine_id), NOT_FOUND, expected)
    registrations.release_registration(db, _registration(deleted))
    return deleted


def _by_machine(machine_id):
    return indexes.by_key("machineId", machine_id)


def _registration(device):
    organization_id = device.get("organizationId")
    if not isinstance(organization_id, str):
        organization_id = None
    return registrations.Registration.of(organization_id, None, device)


def existing_registrations(db):
    """`(organization id, holder, ids, since)` of each legacy device naming an organization,
    for `db ensure-indexes` (dated by `createdAt`, like tenant devices)."""
    query = {"organizationId": {"$type": "string"}, "machineId": {"$type": "string"}}
    projection = {"_id": 0, "machineId": 1, "organizationId": 1, "createdAt": 1}
    for device in db.devices.find(query, projection):
        registration = _registration(device)
        since = registrations.created_at(device.get("createdAt"))
        yield registration.organization_id, registration.holder, registration.ids, since
