"""Device views, registered on both `/api/organizations` and `/api/applications`.

One piece of code for both mounts: each blueprint calls `register(bp, ...)` with the routes
the contract gives it there.
"""

from flask import g

from syncapi import backends
from syncapi.blueprints.inputs import load_body
from syncapi.repositories import devices
from syncapi.schemas.devices import DeviceSchema

DEVICES = "/<organization_id>/applications/<application_id>/devices"
DEVICE = DeviceSchema()


def list_devices():
    """All devices of the application, as stored."""
    return devices.list_devices(g.tenant_db, g.application_id)


def create_device():
    """Create a device; `machineId` unique in the application, its ids claimed platform-wide."""
    fields = load_body(DEVICE)
    return devices.create_device(g.tenant_db, backends.shared_db(), g.application_id, fields), 201


def get_device(machine_id):
    """One device by `machineId`."""
    return devices.get_device(g.tenant_db, g.application_id, machine_id)


def update_device(machine_id):
    """Set the keys sent (a new `machineId` renames); returns the stored device."""
    changes = load_body(DEVICE, partial=True)
    db = backends.shared_db()
    return devices.update_device(g.tenant_db, db, g.application_id, machine_id, changes)


def delete_device(machine_id):
    """Delete a device by `machineId`."""
    devices.delete_device(g.tenant_db, backends.shared_db(), g.application_id, machine_id)
    return {"message": "Device deleted successfully"}


def register(bp, single_device_routes):
    bp.add_url_rule(DEVICES, view_func=list_devices, methods=["GET"])
    bp.add_url_rule(DEVICES, view_func=create_device, methods=["POST"])
    if single_device_routes:
        item = f"{DEVICES}/<machine_id>"
        bp.add_url_rule(item, view_func=get_device, methods=["GET"])
        bp.add_url_rule(item, view_func=update_device, methods=["PUT"])
        bp.add_url_rule(item, view_func=delete_device, methods=["DELETE"])
