"""Device views, registered on both `/api/organizations` and `/api/applications`.

One piece of code for both mounts: each blueprint calls `register(bp, ...)` with the routes
the contract gives it there. Secrets in `properties` are answered masked, to every caller,
and a mask sent back keeps the stored value (`masking`, README "Service secrets").
"""

from flask import g

from syncapi.access import history
from syncapi.core.masking import keeping_secrets, mask_properties
from syncapi.openapi.answers import MessageSchema, TagCountSchema, TagsChangedSchema
from syncapi.repositories import device_tags, devices
from syncapi.schemas.devices import DeviceSchema, TagChangeSchema
from syncapi.schemas.lists import DeviceListQuerySchema
from syncapi.web import conditional, handles
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, Stored, body, errors, listing, response

DEVICES = "/<organization_id>/applications/<application_id>/devices"
TAGS = "/<organization_id>/applications/<application_id>/device-tags"
DEVICE = DeviceSchema()
DEVICE_CHANGES = DeviceSchema(partial=True)
STORED_DEVICE = Stored(DeviceSchema)
TAG_CHANGE = TagChangeSchema()
DEVICE_EXAMPLE = {
    "machineId": "CN6",
    "name": "CN6",
    "events": [{"id": "M30", "class": "PIECES"}],
    "connectors": ["Fanuc"],
    "properties": {"ip": "10.0.0.40", "port": 5000},
}


@listing(DeviceListQuerySchema(devices.LISTING.sort_fields))
@response(Many(STORED_DEVICE))
def list_devices():
    """All devices of the application as stored, or a page of them (`?tag=` filters)."""
    query = list_query()
    page = devices.list_devices(g.tenant_db, g.application_id, query)
    return answered([mask_properties(device) for device in page.items], page, query)


@body(DEVICE, example=DEVICE_EXAMPLE)
@response(STORED_DEVICE, status=201, conditional=True)
@errors(409)
def create_device():
    """Create a device; `machineId` unique in the application, its ids claimed platform-wide."""
    fields = keeping_secrets(load_body(), "properties", lambda: None)  # a mask: not saved
    created = devices.create_device(g.tenant_db, handles.shared_db(), g.application_id, fields)
    history.record_in_application(history.CREATE, "device", created["machineId"], after=created)
    return conditional.answer(created, mask_properties(created), 201)


@response(STORED_DEVICE, conditional=True)
@errors(404)
def get_device(machine_id):
    """One device by `machineId`, with its ETag."""
    device = devices.get_device(g.tenant_db, g.application_id, machine_id)
    return conditional.answer(device, mask_properties(device))


@body(
    DEVICE_CHANGES, example={"name": "CN4", "connectors": ["Fanuc"], "properties": {"port": 5000}}
)
@response(STORED_DEVICE, conditional=True)
@errors(404, 409)
def update_device(machine_id):
    """Set the keys sent (a new `machineId` renames); returns the stored device."""
    changes = keeping_secrets(
        load_body(partial=True),
        "properties",
        lambda: devices.get_device(g.tenant_db, g.application_id, machine_id),
    )
    db = handles.shared_db()
    before, after = devices.update_device(
        g.tenant_db, db, g.application_id, machine_id, changes, conditional.expected()
    )
    history.record_in_application(history.UPDATE, "device", machine_id, before, after)
    return conditional.answer(after, mask_properties(after))


@response(MessageSchema, conditional=True)
@errors(404)
def delete_device(machine_id):
    """Delete a device by `machineId`."""
    deleted = devices.delete_device(
        g.tenant_db, handles.shared_db(), g.application_id, machine_id, conditional.expected()
    )
    history.record_in_application(history.DELETE, "device", machine_id, deleted)
    return {"message": "Device deleted successfully"}


@response(Many(TagCountSchema))
def list_tags():
    """`[{"tag", "count"}]`: each tag the application's devices carry, and how many do."""
    return device_tags.tag_counts(g.tenant_db, g.application_id)


@body(TAG_CHANGE, example={"machineIds": ["CN1", "CN2"], "add": ["line-2"], "remove": ["line-1"]})
@response(TagsChangedSchema)
def change_tags():
    """`{"machineIds", "add", "remove"}` → `{"matched": n}`; an unknown id changes nothing."""
    change = load_body()
    matched = device_tags.change_tags(
        g.tenant_db, g.application_id, change["machineIds"], change["add"], change["remove"]
    )
    asked = {key: change[key] for key in ("machineIds", "add", "remove")}
    history.record_in_application(
        history.UPDATE, "device-tags", None, after=asked, counts={"devices": matched}
    )
    return {"matched": matched}


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
