"""Device views, registered on both `/api/organizations` and `/api/applications`.

One piece of code for both mounts: each blueprint calls `register(bp, ...)` with the routes
the contract gives it there. Secrets in `properties` are answered masked, to every caller,
and a mask sent back keeps the stored value (`masking`, docs/api.md "Secrets and icons").
"""

from flask import g

from syncapi.access import history
from syncapi.core.masking import keeping_secrets, mask_properties
from syncapi.openapi.answers import MessageSchema, TagCountSchema, TagsChangedSchema
from syncapi.openapi.examples import devices as examples
from syncapi.repositories import device_tags, devices
from syncapi.schemas.devices import DeviceSchema, TagChangeSchema
from syncapi.schemas.lists import DeviceListQuerySchema
from syncapi.web import conditional, handles
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, Stored, body, errors, idempotent, listing, response

DEVICES = "/<organization_id>/applications/<application_id>/devices"
TAGS = "/<organization_id>/applications/<application_id>/device-tags"
DEVICE = DeviceSchema()
DEVICE_CHANGES = DeviceSchema(partial=True)
STORED_DEVICE = Stored(DeviceSchema)
TAG_CHANGE = TagChangeSchema()


@listing(DeviceListQuerySchema(devices.LISTING.sort_fields))
@response(Many(STORED_DEVICE), example=examples.DEVICES)
def list_devices():
    """List an application's devices

    Every device as stored, or a page of them when a list parameter is given; `?tag=`
    keeps the devices carrying every tag named."""
    query = list_query()
    page = devices.list_devices(g.tenant_db, g.application_id, query)
    return answered([mask_properties(device) for device in page.items], page, query)


@body(DEVICE, example=examples.NEW_DEVICE)
@response(STORED_DEVICE, status=201, conditional=True, example=examples.DEVICE)
@errors(409)
@idempotent
def create_device():
    """Create a device

    Its `machineId` (`machine_id` is read as the same) is unique in the application, and
    it and its `eui` become the organization's machine ids platform-wide: one another
    organization holds is refused (409). Keys beyond those described are stored as sent."""
    fields = keeping_secrets(load_body(), "properties", lambda: None)  # a mask: not saved
    created = devices.create_device(g.tenant_db, handles.shared_db(), g.application_id, fields)
    history.record_in_application(history.CREATE, "device", created["machineId"], after=created)
    return conditional.answer(created, mask_properties(created), 201)


@response(STORED_DEVICE, conditional=True, example=examples.DEVICE)
@errors(404)
def get_device(machine_id):
    """Read a device

    The device of this `machineId`, as stored, with its ETag."""
    device = devices.get_device(g.tenant_db, g.application_id, machine_id)
    return conditional.answer(device, mask_properties(device))


@body(DEVICE_CHANGES, example=examples.DEVICE_CHANGES)
@response(STORED_DEVICE, conditional=True, example=examples.CHANGED_DEVICE)
@errors(404, 409)
def update_device(machine_id):
    """Change a device

    Each key sent replaces the stored one (a whole `properties` object too); the others
    stay. A new `machineId` renames the device. Answers the device as stored."""
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


@response(MessageSchema, conditional=True, example=examples.DEVICE_DELETED)
@errors(404)
def delete_device(machine_id):
    """Delete a device

    Its machine ids are released once no other device of the organization carries them."""
    deleted = devices.delete_device(
        g.tenant_db, handles.shared_db(), g.application_id, machine_id, conditional.expected()
    )
    history.record_in_application(history.DELETE, "device", machine_id, deleted)
    return {"message": "Device deleted successfully"}


@response(Many(TagCountSchema), example=examples.TAG_COUNTS)
def list_tags():
    """Count the tags of an application's devices

    Each tag the devices carry, and how many carry it."""
    return device_tags.tag_counts(g.tenant_db, g.application_id)


@body(TAG_CHANGE, example=examples.TAG_CHANGE)
@response(TagsChangedSchema, example=examples.TAGS_CHANGED)
def change_tags():
    """Add and remove tags on many devices at once

    Up to 1 000 machine ids; `matched` says how many devices were changed. A machine id
    the application does not have refuses the whole change (400), which then changes
    nothing."""
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
