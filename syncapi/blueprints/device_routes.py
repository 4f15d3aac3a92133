"""Device views, registered on both `/api/organizations` and `/api/applications`.

One piece of code for both mounts: each blueprint calls `register(bp, ...)` with the routes
the contract gives it there.
"""

from flask import g

from syncapi.access import audit
from syncapi.repositories import device_tags, devices
from syncapi.schemas.devices import DeviceSchema, TagChangeSchema
from syncapi.schemas.lists import DeviceListQuerySchema
from syncapi.web import conditional, handles
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query

DEVICES = "/<organization_id>/applications/<application_id>/devices"
TAGS = "/<organization_id>/applications/<application_id>/device-tags"
DEVICE = DeviceSchema()
TAG_CHANGE = TagChangeSchema()
DEVICES_QUERY = DeviceListQuerySchema(devices.LISTING.sort_fields)


def list_devices():
    """All devices of the application as stored, or a page of them (`?tag=` filters)."""
    query = list_query(DEVICES_QUERY)
    page = devices.list_devices(g.tenant_db, g.application_id, query)
    return answered(page.items, page, query)


def create_device():
    """Create a device; `machineId` unique in the application, its ids claimed platform-wide."""
    fields = load_body(DEVICE)
    created = devices.create_device(g.tenant_db, handles.shared_db(), g.application_id, fields)
    _record(audit.CREATE, created["machineId"], after=created)
    return conditional.answer(created, status=201)


def get_device(machine_id):
    """One device by `machineId`, with its ETag."""
    return conditional.answer(devices.get_device(g.tenant_db, g.application_id, machine_id))


def update_device(machine_id):
    """Set the keys sent (a new `machineId` renames); returns the stored device."""
    changes = load_body(DEVICE, partial=True)
    db = handles.shared_db()
    before, after = devices.update_device(
        g.tenant_db, db, g.application_id, machine_id, changes, conditional.expected()
    )
    _record(audit.UPDATE, machine_id, before, after)
    return conditional.answer(after)


def delete_device(machine_id):
    """Delete a device by `machineId`."""
    deleted = devices.delete_device(
        g.tenant_db, handles.shared_db(), g.application_id, machine_id, conditional.expected()
    )
    _record(audit.DELETE, machine_id, deleted)
    return {"message": "Device deleted successfully"}


def list_tags():
    """`[{"tag", "count"}]`: each tag the application's devices carry, and how many do."""
    return device_tags.tag_counts(g.tenant_db, g.application_id)


def change_tags():
    """`{"machineIds", "add", "remove"}` → `{"matched": n}`; an unknown id changes nothing."""
    body = load_body(TAG_CHANGE)
    matched = device_tags.change_tags(
        g.tenant_db, g.application_id, body["machineIds"], body["add"], body["remove"]
    )
    asked = {"machineIds": body["machineIds"], "add": body["add"], "remove": body["remove"]}
    _record(audit.UPDATE, None, after=asked, counts={"devices": matched}, kind="device-tags")
    return {"matched": matched}


def _record(action, machine_id, before=None, after=None, kind="device", **details):
    """In the organization's log, naming the application."""
    audit.record(
        g.tenant_db,
        action,
        kind,
        machine_id,
        before,
        after,
        applicationId=g.application_id,
        **details,
    )


def register(bp, single_device_routes):
    bp.add_url_rule(DEVICES, view_func=list_devices, methods=["GET"])
    bp.add_url_rule(DEVICES, view_func=create_device, methods=["POST"])
    # Beside the devices, not under them: `…/devices/tags` would hide a device named `tags`.
    bp.add_url_rule(TAGS, view_func=list_tags, methods=["GET"])
    bp.add_url_rule(TAGS, view_func=change_tags, methods=["POST"])
    if single_device_routes:
        item = f"{DEVICES}/<machine_id>"
        bp.add_url_rule(item, view_func=get_device, methods=["GET"])
        bp.add_url_rule(item, view_func=update_device, methods=["PUT"])
        bp.add_url_rule(item, view_func=delete_device, methods=["DELETE"])
