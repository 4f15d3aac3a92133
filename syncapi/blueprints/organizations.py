"""`/api/organizations`: tenants; their application registry, users, gateways, devices,
connectors and change log are registered here from their own route modules.

Contract: spec/organizations.md. The organization id in every path is checked and bound to
`g.tenant_db` by `tenancy` before a view runs; views parse, call a repository, return.
"""

from flask import Blueprint, g, request

from syncapi.access import auth, history, tenancy, visibility
from syncapi.blueprints import (
    application_routes,
    change_routes,
    connector_routes,
    device_routes,
    gateway_routes,
    restore_routes,
    user_routes,
)
from syncapi.core import in_session
from syncapi.core.failures import Invalid, NotFound
from syncapi.core.masking import mask_properties
from syncapi.openapi.answers import MessageSchema, PropertyKeySchema
from syncapi.openapi.examples import devices as device_examples
from syncapi.openapi.examples import organizations as examples
from syncapi.openapi.parameters import query
from syncapi.repositories import (
    devices,
    oilmonitor,
    organization_deletes,
    summaries,
)
from syncapi.repositories import organizations as orgs
from syncapi.schemas.lists import ListQuerySchema
from syncapi.schemas.organizations import (
    OrganizationListItemSchema,
    OrganizationOutSchema,
    OrganizationStatsSchema,
    OrganizationUpdateSchema,
)
from syncapi.web import conditional, handles, refresh, transactions
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, arguments, body, errors, listing, response

ORG = "/<organization_id>"
APP = f"{ORG}/applications/<application_id>"
ORGANIZATION = OrganizationOutSchema()
ORGANIZATION_LIST_ITEM = OrganizationListItemSchema()
ORGANIZATION_STATS = OrganizationStatsSchema()
RAW_DOCUMENT = {"type": "object", "description": "The stored document, every key as written."}
CONFIRM = query(
    "confirm", {"type": "string"}, "The organization id again.", required=True, example="acme"
)

bp = Blueprint("organizations", __name__)
tenancy.init_blueprint(bp)
application_routes.register(bp, f"{ORG}/applications")
device_routes.register(bp, single_device_routes=True)
connector_routes.register(bp, f"{ORG}/connectors", connector_routes.create_organization_connector)
user_routes.register(bp, f"{ORG}/users")
gateway_routes.register(bp, f"{ORG}/gateways")
change_routes.register(bp, f"{ORG}/changes")
restore_routes.register(bp, f"{ORG}/changes")


# Organizations


@bp.get("")
@listing(ListQuerySchema(summaries.ORGANIZATION_LISTING.sort_fields))
@response(Many(OrganizationListItemSchema), example=examples.ORGANIZATIONS)
def list_organizations():
    """List the organizations

    Those the caller may see, with their application and user counts (kept as they change)
    and their size on disk (refreshed every few minutes)."""
    asked = list_query()
    page = orgs.list_organizations(handles.shared_db(), visibility.organizations(), asked)
    listed = answered(ORGANIZATION_LIST_ITEM.dump(page.items, many=True), page, asked)
    # Sizes, and databases other programs made or dropped: off the request path, at most
    # every ORGANIZATION_REFRESH_SECONDS (the listing answers what the last refresh stored).
    refresh.soon()  # after the read: what this answer holds does not race it
    return listed


@bp.get(ORG)
@response(OrganizationOutSchema, conditional=True, example=examples.ORGANIZATION_ANSWER)
def get_organization():
    """Read an organization's details

    Its name (the id when none was set), description, email and website; `null` for what
    was never set. Its ETag is taken from the stored details' content."""
    details = orgs.metadata(g.tenant_db)
    return conditional.answer(
        details, ORGANIZATION.dump({"id": g.organization_id, "details": details})
    )


@bp.put(ORG)
@tenancy.creates_tenant
@body(OrganizationUpdateSchema(), example=examples.DETAILS)
@response(
    OrganizationOutSchema,
    status=(200, 201),
    conditional=True,
    example=examples.ORGANIZATION_ANSWER,
)
@errors(409)
def save_organization():
    """Create an organization, or change its details

    The details sent are merged into the stored ones, other keys are ignored. An
    organization that does not exist yet is created (201), by a platform admin only: this
    is the one way to create one."""
    exists = g.organization_exists
    if not exists and not visibility.may_create_organization():
        raise NotFound("Organization not found")  # only a platform admin creates one
    changes = load_body()
    expected = conditional.expected()
    shared = handles.shared_db()
    if organization_deletes.pending(shared, g.organization_id):  # cut short: finished first
        organization_deletes.finish(in_session.unbound(shared), g.organization_id)
        exists = False
    before, stored = orgs.save_metadata(g.tenant_db, shared, changes, exists, expected)
    if not exists:  # its unique indexes are made; the others by the next refresh
        refresh.indexes_changed(g.tenant_db)
    action = history.UPDATE if exists else history.CREATE
    history.record(g.tenant_db, action, "organization", g.organization_id, before, stored)
    answer = ORGANIZATION.dump({"id": g.organization_id, "details": stored})
    return conditional.answer(stored, answer, 200 if exists else 201)


@bp.delete(ORG)
@auth.platform_admin
@tenancy.finishes_tenant
@arguments(CONFIRM)
@response(MessageSchema, example=examples.ORGANIZATION_DELETED)
def delete_organization():
    """Delete an organization and all its data

    Its database goes, with every application, device, user and log entry in it, and every
    session of its users ends. `?confirm=` must repeat the organization id, against a slip.
    `If-Match` is refused: so many documents go that no single write could check it. A
    delete cut short is finished by its retry."""
    shared = handles.shared_db()
    if not g.organization_exists and not organization_deletes.pending(shared, g.organization_id):
        raise NotFound("Organization not found")
    conditional.not_supported()
    if request.args.get("confirm") != g.organization_id:
        raise Invalid("confirm must repeat the organization id", field="confirm")
    details = orgs.metadata(g.tenant_db) if g.organization_exists else None
    # Tokens, claims and summary go in the transaction (a re-created organization of that
    # id is another one); the database is dropped after it: `organization_deletes`.
    if organization_deletes.begin(shared, g.organization_id):
        history.record(shared, history.DELETE, "organization", g.organization_id, details)
    handles.revocations_changed()
    unbound, organization_id, tenant = in_session.unbound(shared), g.organization_id, g.tenant_db

    def drop():
        organization_deletes.finish(unbound, organization_id)
        refresh.indexes_changed(tenant)  # gone with its database

    transactions.after_commit(drop)
    return {"message": "Organization deleted successfully"}


@bp.get(f"{ORG}/config")
@response(RAW_DOCUMENT, conditional=True, example=examples.METADATA)
def get_organization_config():
    """Read an organization's stored metadata

    The document as stored, every key as written (older writers' keys too), with an ETag
    taken from its content."""
    return conditional.answer(orgs.metadata(g.tenant_db))


@bp.get(f"{ORG}/stats")
@response(OrganizationStatsSchema, example=examples.STATS)
def get_organization_stats():
    """Summarize an organization

    Its applications and how many devices each has."""
    stats = orgs.stats(g.tenant_db, handles.shared_db(), g.organization_id)
    return ORGANIZATION_STATS.dump(stats)


@bp.get(f"{APP}/properties")
@response(Many(PropertyKeySchema), example=device_examples.PROPERTY_KEYS)
def list_device_properties():
    """List the property keys of an application's devices

    Each key found in the devices' `properties`, with the machines that have it: the
    console offers them as a function's inputs."""
    return devices.property_keys(g.tenant_db, g.application_id)


@bp.get(f"{ORG}/oilmonitor_devices")
@listing(ListQuerySchema(oilmonitor.LISTING.sort_fields))
@response(Many(RAW_DOCUMENT), example=device_examples.OIL_MONITOR_DEVICES)
def list_oilmonitor_devices():
    """List the oil monitor's devices

    The organization's `oilmonitor_devices` as stored, whether or not it registered an
    oil-monitor application."""
    asked = list_query()
    page = oilmonitor.list_oilmonitor_devices(g.tenant_db, asked)
    return answered([mask_properties(device) for device in page.items], page, asked)
