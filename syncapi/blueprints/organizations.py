"""`/api/organizations`: tenants, their users, gateways, applications, devices and connectors.

Contract: spec/organizations.md. The organization id in every path is checked and bound to
`g.tenant_db` by `tenancy` before a view runs; views parse, call a repository, return.
"""

from flask import Blueprint, current_app, g, request

from syncapi import auth, backends, cache, clock, passwords, tenancy, visibility
from syncapi.blueprints import connector_routes, device_routes
from syncapi.blueprints.common import json_body
from syncapi.errors import ApiError
from syncapi.headers import no_store
from syncapi.repositories import (
    applications,
    devices,
    gateways,
    oilmonitor,
    revocations,
    users,
)
from syncapi.repositories import organizations as orgs
from syncapi.schemas.applications import ApplicationSchema, ApplicationUpdateSchema
from syncapi.schemas.gateways import GatewaySchema
from syncapi.schemas.organizations import OrganizationUpdateSchema
from syncapi.schemas.users import PasswordChangeSchema, UserCreateSchema, UserUpdateSchema

bp = Blueprint("organizations", __name__)
tenancy.init_blueprint(bp)
device_routes.register(bp, single_device_routes=True)
connector_routes.register(bp, "/<organization_id>/connectors", single_connector_get=True)

ORG = "/<organization_id>"
APP = f"{ORG}/applications/<application_id>"


# Organizations


@bp.get("")
def list_organizations():
    """Every tenant database with its application and user counts."""
    listed = orgs.list_organizations(backends.shared_db(), visibility.organizations())
    _refresh_summaries_soon()  # after the read: what this answer holds does not race it
    return listed


def _refresh_summaries_soon():
    """Sizes, and databases other programs made or dropped: off the request path, every
    ORGANIZATION_REFRESH_SECONDS (the listing answers what the last refresh stored)."""
    shared_db = backends.shared_db()
    seconds = current_app.config["ORGANIZATION_REFRESH_SECONDS"]
    cache.in_background("organizations", seconds, lambda: orgs.refresh_summaries(shared_db))


@bp.get(ORG)
def get_organization():
    """Name and contact details; defaults when no metadata was ever written."""
    return orgs.summary(g.organization_id, orgs.metadata(g.tenant_db))


@bp.put(ORG)
@tenancy.creates_tenant
def save_organization():
    """Merge the sent details; the only route that creates an organization (201)."""
    exists = g.organization_exists
    if not exists and not visibility.may_create_organization():
        raise ApiError(404, "Organization not found")  # only a platform admin creates one
    changes = OrganizationUpdateSchema().load(json_body())
    stored = orgs.save_metadata(g.tenant_db, backends.shared_db(), changes, exists)
    return orgs.summary(g.organization_id, stored), 200 if exists else 201


@bp.delete(ORG)
@auth.platform_admin
def delete_organization():
    """Drop the tenant database; `?confirm={org}` guards against a slip."""
    if request.args.get("confirm") != g.organization_id:
        raise ApiError(400, "confirm must repeat the organization id", field="confirm")
    # Tokens naming it die with it (also when the drop is cut short): a re-created
    # organization of that id is another one.
    revocations.end_sessions(
        backends.shared_db(), g.organization_id, revocations.EVERYONE, clock.now().timestamp()
    )
    auth.revocations_changed()
    orgs.delete_organization(g.tenant_db, backends.shared_db())
    return {"message": "Organization deleted successfully"}


@bp.get(f"{ORG}/config")
def get_organization_config():
    """The stored metadata object, every key as written."""
    return orgs.metadata(g.tenant_db)


@bp.get(f"{ORG}/stats")
def get_organization_stats():
    """Organization summary with its applications and their device counts."""
    return orgs.stats(g.tenant_db, backends.shared_db(), g.organization_id)


# Users


@bp.get(f"{ORG}/users")
def list_users():
    """Users of the organization, in the console's shape (never raw documents)."""
    return users.list_users(g.tenant_db)


@bp.post(f"{ORG}/users")
@auth.org_admin
def create_user():
    """Create a user, with a first password if sent; the email is unique in the organization."""
    fields = UserCreateSchema().load(json_body())
    return users.create_user(g.tenant_db, backends.shared_db(), g.organization_id, fields), 201


@bp.put(f"{ORG}/users/<user_id>")
@auth.org_admin
def update_user(user_id):
    """Change the sent keys of a user; the email stays unique. A new role or deactivation
    ends the user's earlier sessions."""
    changes = UserUpdateSchema().load_changes(json_body())
    before, after = users.update_user(g.tenant_db, user_id, changes)
    if users.ends_sessions(before, after):
        _end_sessions(after)
    return users.public(after)


@bp.delete(f"{ORG}/users/<user_id>")
@auth.org_admin
def delete_user(user_id):
    """Delete a user by `_id` (or the `id` older writers stored); its sessions end."""
    _end_sessions(users.delete_user(g.tenant_db, backends.shared_db(), user_id))
    return {"message": "User deleted successfully"}


@bp.put(f"{ORG}/users/<user_id>/password")
@auth.own_password
@no_store
def set_user_password(user_id):
    """Admins set any password of their organization; a user sets their own, proving the
    current one (rate-limited like logins). Every earlier session of the user ends."""
    body = PasswordChangeSchema().load(json_body())
    if not visibility.is_admin_of(g.organization_id):
        stored = users.find_user(g.tenant_db, user_id).get("passwordHash")
        if not passwords.verify(stored, body.get("current_password", "")):
            raise ApiError(403, "currentPassword is not the current password", "currentPassword")
    _end_sessions(users.set_password(g.tenant_db, user_id, body["password"]))
    return {"message": "Password updated successfully"}


def _end_sessions(user):
    """Tokens issued to the user until now die (those issued after live)."""
    user_id = users.public(user)["id"]  # the id tokens name the user by (`sub`)
    moment = clock.now().timestamp()
    revocations.end_sessions(backends.shared_db(), g.organization_id, user_id, moment)
    auth.revocations_changed()


# Gateways


@bp.get(f"{ORG}/gateways")
def list_gateways():
    """Gateways as stored, newest first."""
    return gateways.list_gateways(g.tenant_db)


@bp.post(f"{ORG}/gateways")
def create_gateway():
    """Create a gateway; `gatewayId` unique, `status` defaults to connected."""
    fields = GatewaySchema().load(json_body())
    return gateways.create_gateway(g.tenant_db, fields), 201


@bp.put(f"{ORG}/gateways/<gateway_id>")
def update_gateway(gateway_id):
    """Change the sent keys of a gateway addressed by its `gatewayId`."""
    changes = GatewaySchema().load_changes(json_body())
    return gateways.update_gateway(g.tenant_db, gateway_id, changes)


@bp.delete(f"{ORG}/gateways/<gateway_id>")
def delete_gateway(gateway_id):
    """Delete a gateway by its `gatewayId`."""
    gateways.delete_gateway(g.tenant_db, gateway_id)
    return {"message": "Gateway deleted successfully"}


# Applications (the registry, spec README §5)


@bp.get(f"{ORG}/applications")
def list_applications():
    """Registered applications in registry order, with device counts."""
    return applications.list_applications(g.tenant_db, backends.shared_db())


@bp.post(f"{ORG}/applications")
def create_application():
    """Register an application and create its devices and config collections."""
    fields = ApplicationSchema().load(json_body())
    application_id = fields.pop("applicationId")
    settings = applications.create_application(
        g.tenant_db, backends.shared_db(), application_id, fields
    )
    return applications.describe(application_id, settings), 201


@bp.get(APP)
def get_application():
    """One registered application and its stored settings."""
    return applications.describe(g.application_id, g.application)


@bp.put(APP)
def update_application():
    """Change only the keys sent."""
    changes = ApplicationUpdateSchema().load_changes(json_body())
    settings = applications.update_application(
        g.tenant_db, backends.shared_db(), g.application_id, changes
    )
    return applications.describe(g.application_id, settings)


@bp.delete(APP)
def delete_application():
    """Unregister the application and drop everything it owns."""
    applications.delete_application(g.tenant_db, backends.shared_db(), g.application_id)
    return {"message": "Application deleted successfully"}


@bp.get(f"{APP}/properties")
def list_device_properties():
    """Each property key the application's devices carry, with the devices that carry it."""
    return devices.property_keys(g.tenant_db, g.application_id)


@bp.get(f"{ORG}/oilmonitor_devices")
def list_oilmonitor_devices():
    """Raw oil-monitor devices; no application check (the contract)."""
    return oilmonitor.list_oilmonitor_devices(g.tenant_db)
