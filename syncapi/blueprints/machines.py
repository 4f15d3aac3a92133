"""`/api/machines`: the platform-wide registry of machine ids (spec §13.1), for platform
admins: which organization holds each id and since when, moved, dated back or released.

Devices claim their ids themselves when they are created; these routes are for what a
device write cannot decide: who really owns a contested id, and from when its history is
theirs.
"""

from flask import Blueprint, request

from syncapi.access import auth, history, tenancy
from syncapi.openapi.answers import MessageSchema
from syncapi.openapi.examples import devices as examples
from syncapi.openapi.parameters import ORGANIZATION_IN_QUERY
from syncapi.repositories import devices, machine_claims
from syncapi.schemas.machines import MachineClaimOutSchema, MachineClaimSchema
from syncapi.web import conditional, handles
from syncapi.web.inputs import load_body, machine_id_from_path
from syncapi.web.operations import Many, arguments, body, errors, response

bp = Blueprint("machines", __name__)
bp.auth_rule = auth.PLATFORM_ADMIN  # who may read which machine is the platform's decision

CLAIM_OUT = MachineClaimOutSchema()


@bp.get("")
@arguments(ORGANIZATION_IN_QUERY)
@response(Many(MachineClaimOutSchema), example=examples.CLAIMS)
def list_claims():
    """List the machine ids and who holds them

    Every claim, or one organization's (`?organizationId=`), by machine id."""
    organization_id = request.args.get("organizationId")
    if organization_id is not None:
        tenancy.check_organization_id(organization_id)
    claims = machine_claims.list_claims(handles.shared_db(), organization_id)
    return CLAIM_OUT.dump(claims, many=True)


@bp.get("/<machine_id>")
@response(MachineClaimOutSchema, conditional=True, example=examples.CLAIM)
@errors(404)
def get_claim(machine_id):
    """Read who holds a machine id

    The organization, since when (its members read the machine's data from then on), and
    the devices carrying the id."""
    claim = machine_claims.get(handles.shared_db(), machine_id_from_path(machine_id))
    return conditional.answer(CLAIM_OUT.dump(claim))  # a claim has no revision: by content


@bp.put("/<machine_id>")
@body(
    MachineClaimSchema(),
    example=examples.ASSIGNMENT,
)
# A claim has no revision: its answers carry a content ETag, and If-Match is refused.
@response(
    MachineClaimOutSchema,
    status=(200, 201),
    conditional=True,
    if_match=False,
    example=examples.ASSIGNED,
)
@errors(404)
def assign_claim(machine_id):
    """Give a machine id to an organization

    To an existing organization (201 when no one held the id), from `since` (else: from
    now when it moves, as it was when it stays). Its devices carrying the id become the
    holders."""
    conditional.not_supported()  # a claim answers a content ETag only: no version to check
    machine_id = machine_id_from_path(machine_id)
    fields = load_body()
    db = tenancy.tenant_database(fields["organizationId"])
    holders = devices.holders_of(db, machine_id)
    before, claim = machine_claims.assign(
        handles.shared_db(), machine_id, db.name, fields.get("since"), holders
    )
    _record_move(machine_id, before, claim, db)
    return conditional.answer(CLAIM_OUT.dump(claim), status=201 if before is None else 200)


def _record_move(machine_id, before, claim, db):
    """Within one organization an update; a claim taken from another one is a delete in
    that one's log (what it held) and a create in this one's, so neither organization's
    admins read the other's applications and devices."""
    if before is not None and before["organizationId"] == claim["organizationId"]:
        history.record(db, history.UPDATE, "machine-claim", machine_id, before, claim)
        return
    if before is not None:
        former = tenancy.existing_database(before["organizationId"]) or handles.shared_db()
        history.record(former, history.DELETE, "machine-claim", machine_id, before)
    history.record(db, history.CREATE, "machine-claim", machine_id, after=claim)


@bp.delete("/<machine_id>")
@response(MessageSchema, example=examples.CLAIM_RELEASED)
@errors(404)
def release_claim(machine_id):
    """Release a machine id

    The next device created with it claims it afresh."""
    conditional.not_supported()
    released = machine_claims.remove(handles.shared_db(), machine_id_from_path(machine_id))
    # In its organization's log; the shared one's when that organization is gone.
    db = tenancy.existing_database(released["organizationId"]) or handles.shared_db()
    history.record(db, history.DELETE, "machine-claim", released["_id"], released)
    return {"message": "Machine claim released"}
