"""`/device`: per-machine time series (spec/device.md routes 1-2) and the legacy devices of
the shared database (routes 3-6).

No organization in the path: the time series answer for any machine id (the console asks
for tenant devices too), and legacy documents live in the shared default database. Their
`properties` are masked as tenant devices' are (`masking`).
"""

from flask import Blueprint

from syncapi.access import auth, history, tenancy, visibility
from syncapi.core.masking import keeping_secrets, mask_properties
from syncapi.errors import reported_as
from syncapi.openapi.answers import EventRowSchema, MessageSchema, PowerSchema
from syncapi.openapi.examples import devices as examples
from syncapi.repositories import legacy_devices, power_states, timeseries
from syncapi.schemas.devices import LegacyDeviceSchema
from syncapi.schemas.machines import MachineStatusQuerySchema
from syncapi.web import conditional, handles, transactions
from syncapi.web.inputs import load_body, machine_id_from_path
from syncapi.web.operations import Many, Stored, body, errors, idempotent, response

bp = Blueprint("device", __name__)

STORED_LEGACY_DEVICE = Stored(LegacyDeviceSchema)
BY_MACHINE_POWER = {
    "type": "object",
    "description": "`{machineId: {power}}` of the machines the caller may see.",
    "additionalProperties": {"$ref": "#/components/schemas/Power"},
}


@bp.get("/<machine_id>/events")
@response(Many(EventRowSchema), example=examples.EVENTS)
@errors(404, 500)  # 404: a machine the caller may not read
def machine_events(machine_id):
    """Read a machine's latest events

    Its newest 20 events of the last 24 hours, newest first; `time` in milliseconds since
    the epoch. A caller limited to some organizations reads only their machines, from the
    day each claimed its id (404 for any other)."""
    machine = _visible(machine_id)
    with reported_as("Error querying InfluxDB"):
        return timeseries.recent_events(
            handles.timeseries_source(), machine, visibility.organizations()
        )


@bp.get("/<machine_id>/status")
@response(PowerSchema, example=examples.POWER)
@errors(404, 500)
def machine_status(machine_id):
    """Read whether a machine is on

    `power` is its latest sample of the last 2 days, looked for in widening windows, or
    `null` without one: reading all of a busy machine's history would be refused by
    InfluxDB 3 Core."""
    machine = _visible(machine_id)
    with reported_as("Error querying InfluxDB"):
        source, organizations = handles.timeseries_source(), visibility.organizations()
        return {"power": power_states.machine_power(source, machine, organizations)}


@bp.post("/status")
@auth.signed_in
@body(MachineStatusQuerySchema(), example=examples.STATUS_QUERY)
@response(BY_MACHINE_POWER, example=examples.POWERS)
@errors(500)
@transactions.changes_nothing
def machines_status():
    """Read whether many machines are on

    Up to 500 machine ids in one request, answered as each machine's own status route would
    answer; a machine the caller may not read is left out, where its route would answer
    404."""
    wanted = load_body()["machineIds"]
    machines = visibility.machines_among(handles.shared_db(), wanted)
    with reported_as("Error querying InfluxDB"):
        source, organizations = handles.timeseries_source(), visibility.organizations()
        powers = power_states.machines_power(source, machines, organizations)
    return {machine_id: {"power": powers[machine_id]} for machine_id in machines}


def _visible(machine_id):
    """`{machine id: since}` the caller may read of this machine (`visibility`)."""
    return visibility.machine(handles.shared_db(), machine_id_from_path(machine_id))


@bp.post("/new")
@body(LegacyDeviceSchema(), example=examples.NEW_LEGACY_DEVICE)
@response(STORED_LEGACY_DEVICE, status=201, conditional=True, example=examples.LEGACY_DEVICE)
@errors(409)
@idempotent
def create_device():
    """Create a legacy device

    Its `machineId` is unique among the legacy devices (409); keys beyond those described
    are dropped."""
    fields = keeping_secrets(_owned_by_a_tenant(load_body()), "properties", lambda: None)
    db = handles.shared_db()
    created = legacy_devices.create_device(db, fields)
    history.record(db, history.CREATE, "legacy-device", created["machineId"], after=created)
    return conditional.answer(created, mask_properties(created), 201)


@bp.get("/<machine_id>")
@response(STORED_LEGACY_DEVICE, conditional=True, example=examples.LEGACY_DEVICE)
@errors(404)
def get_device(machine_id):
    """Read a legacy device

    A caller limited to some organizations reads only those whose `organizationId` is one
    of them (404 otherwise)."""
    device = visibility.visible_legacy_device(
        legacy_devices.get_device(handles.shared_db(), machine_id)
    )
    return conditional.answer(device, mask_properties(device))


@bp.put("/<machine_id>")
@body(LegacyDeviceSchema(partial=True), example=examples.LEGACY_DEVICE_CHANGES)
@response(STORED_LEGACY_DEVICE, conditional=True, example=examples.CHANGED_LEGACY_DEVICE)
@errors(404, 409)
def update_device(machine_id):
    """Change a legacy device

    Each key sent replaces the stored one; a new `machineId` renames the device. Answers
    the device as stored."""
    db = handles.shared_db()
    changes = keeping_secrets(
        _owned_by_a_tenant(load_body(partial=True)),
        "properties",
        lambda: legacy_devices.get_device(db, machine_id),
    )
    before, after = legacy_devices.update_device(db, machine_id, changes, conditional.expected())
    history.record(db, history.UPDATE, "legacy-device", machine_id, before, after)
    return conditional.answer(after, mask_properties(after))


@bp.delete("/<machine_id>")
@response(MessageSchema, conditional=True, example=examples.DEVICE_DELETED)
@errors(404)
def delete_device(machine_id):
    """Delete a legacy device"""
    db = handles.shared_db()
    deleted = legacy_devices.delete_device(db, machine_id, conditional.expected())
    history.record(db, history.DELETE, "legacy-device", machine_id, deleted)
    return {"message": "Device deleted successfully"}


def _owned_by_a_tenant(fields):
    """`organizationId` on a legacy device names a tenant, by the organization id rule."""
    if "organizationId" in fields:
        tenancy.check_organization_id(fields["organizationId"])
    return fields
