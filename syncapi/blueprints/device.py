"""`/device`: legacy devices of the shared database (spec/device.md routes 3-6).

No organization in the path: these documents live in the shared default database.
"""

from flask import Blueprint

from syncapi.blueprints.common import json_body
from syncapi.repositories import legacy_devices, shared
from syncapi.schemas.devices import LegacyDeviceSchema

bp = Blueprint("device", __name__)


@bp.post("/new")
def create_device():
    """Create a legacy device; `machineId` unique, keys outside the schema dropped."""
    fields = LegacyDeviceSchema().load(json_body())
    return legacy_devices.create_device(shared.database(), fields), 201


@bp.get("/<machine_id>")
def get_device(machine_id):
    """One legacy device by `machineId`."""
    return legacy_devices.get_device(shared.database(), machine_id)


@bp.put("/<machine_id>")
def update_device(machine_id):
    """Replace the sent keys (a new `machineId` renames); returns the stored device."""
    changes = LegacyDeviceSchema().load_changes(json_body())
    return legacy_devices.update_device(shared.database(), machine_id, changes)


@bp.delete("/<machine_id>")
def delete_device(machine_id):
    """Delete a legacy device by `machineId`."""
    legacy_devices.delete_device(shared.database(), machine_id)
    return {"message": "Device deleted successfully"}
