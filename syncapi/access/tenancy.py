"""Which database a request may touch (spec README §2, §5).

An organization id from the URL is checked against the tenant rule before any driver call,
then becomes `g.tenant_db`, a handle on the process's one client. An application id must be
registered before any `{applicationId}_*` collection name is built from it, so path input
never names an arbitrary collection.
"""

from flask import current_app, g, request

from syncapi.core import identifiers
from syncapi.core.failures import Invalid, NotFound
from syncapi.core.identifiers import IDENTIFIER_PATTERN, is_identifier
from syncapi.extensions import mongo_client
from syncapi.repositories import applications as application_registry
from syncapi.repositories.databases import database_exists
from syncapi.web import transactions

OUTSIDE_THE_PATTERN = (
    "organizationId is not an organization's database on this server (ORGANIZATION_DATABASES)"
)


def is_tenant_name(name):
    """True for a database that may be an organization (never a system or the shared one,
    nor one outside ORGANIZATION_DATABASES)."""
    config = current_app.config
    return identifiers.is_tenant_name(
        name, config["MONGODB_DEFAULT_DB"], config["ORGANIZATION_DATABASES"]
    )


def check_identifier(value, field):
    if not is_identifier(value):
        raise Invalid(f"{field} must match {IDENTIFIER_PATTERN}", field=field)
    return value


def check_organization_id(value):
    check_identifier(value, "organizationId")
    config = current_app.config
    if not identifiers.is_tenant_name(value, config["MONGODB_DEFAULT_DB"]):
        raise Invalid("organizationId names a reserved database", field="organizationId")
    if not is_tenant_name(value):  # another program's database: never read nor written
        raise Invalid(OUTSIDE_THE_PATTERN, field="organizationId")
    return value


def organization_in_query():
    """`?organizationId=`, else the configured default (query.md §1)."""
    return request.args.get("organizationId") or current_app.config["ORGANIZATION_ID"]


def tenant_database(organization_id):
    """An organization named outside the path (a query parameter): checked, then 404 unless
    it exists."""
    check_organization_id(organization_id)
    db = existing_database(organization_id)
    if db is None:
        raise NotFound("Organization not found")
    return db


def existing_database(organization_id):
    """The organization's database, or None when the id is not a tenant's or does not exist
    (a login answers both alike)."""
    if not is_tenant_name(organization_id):
        return None
    if not database_exists(mongo_client(), organization_id):
        return None
    return transactions.bound(mongo_client()[organization_id])


def creates_tenant(view):
    """Marks the one view allowed on an organization that does not exist yet."""
    view.creates_tenant = True
    return view


def finishes_tenant(view):
    """Marks the view that runs on an organization whose database is gone: the retry of
    a delete cut short after its drop (it answers 404 itself when nothing is left)."""
    view.finishes_tenant = True
    return view


def bind_ids(endpoint, values):
    """URL value preprocessor: validate ids and expose them on `g` before the view runs."""
    if values is None or request.method == "OPTIONS":  # CORS preflights touch no data
        return
    if "organization_id" in values:
        g.organization_id = check_organization_id(values.pop("organization_id"))
        g.tenant_db = mongo_client()[g.organization_id]
    if "application_id" in values:
        g.application_id = check_identifier(values.pop("application_id"), "applicationId")


def require_existing():
    """404 for an unknown organization or an unregistered application."""
    if "tenant_db" not in g:
        return
    view = current_app.view_functions.get(request.endpoint)
    g.organization_exists = database_exists(mongo_client(), g.organization_id)
    runs_anyway = getattr(view, "creates_tenant", False) or getattr(view, "finishes_tenant", False)
    if not g.organization_exists and not runs_anyway:
        raise NotFound("Organization not found")
    if "application_id" in g:
        settings = application_registry.find_application(g.tenant_db, g.application_id)
        if settings is None:
            raise NotFound("Application not found")
        g.application = settings


def init_blueprint(bp):
    """Every blueprint whose paths start with an organization id calls this once."""
    bp.url_value_preprocessor(bind_ids)
    bp.before_request(require_existing)
