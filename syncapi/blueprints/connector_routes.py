"""Connector views, registered on both `/api/organizations` (the org's templates and copies,
collection `connectors`) and `/api/applications` (collection `{app}_connectors`).

The mount is told by the path: when it names an application, its connectors are meant.
The contract differs between the two only on create, where the application route ignores
undeclared keys, fills defaults and stamps the application: each mount has its own create
view, under the same endpoint name.

Secrets in `properties` are answered masked, to every caller; a mask sent back keeps the
stored value, and one sent in a new application connector the value of the organization's
template of the same name, which the console copies (`masking`).
"""

from flask import g
from marshmallow import EXCLUDE, INCLUDE

from syncapi.access import history
from syncapi.core.masking import keeping_secrets, mask_properties
from syncapi.openapi.answers import MessageSchema
from syncapi.openapi.examples import application_parts as examples
from syncapi.repositories import connectors
from syncapi.schemas.connectors import ConnectorSchema
from syncapi.schemas.lists import ListQuerySchema
from syncapi.web import conditional
from syncapi.web.inputs import load_body, object_id
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, Stored, body, errors, idempotent, listing, response

APPLICATION_DEFAULTS = {"description": "", "properties": {}, "collections": {}}
# Loaded with `unknown=INCLUDE` (stored) or `EXCLUDE` (ignored): either way a body may carry
# other keys.
CONNECTOR = ConnectorSchema(unknown=INCLUDE)
STORED_CONNECTOR = Stored(ConnectorSchema)


def _application_id():
    """The application the path names; None on the organization's mount."""
    return g.get("application_id")


def _connector_id(value):
    return object_id(value, "connectorId", "Invalid connector ID format")


@listing(ListQuerySchema(connectors.LISTING.sort_fields))
@response(Many(STORED_CONNECTOR), example=examples.CONNECTORS)
def list_connectors():
    """List the connectors

    The organization's catalogue (templates, and copies naming their `applicationId`) or an
    application's own connectors, as stored, each `_id` as 24 hex digits."""
    query = list_query()
    page = connectors.list_connectors(g.tenant_db, _application_id(), query)
    return answered([mask_properties(connector) for connector in page.items], page, query)


@response(STORED_CONNECTOR, conditional=True, example=examples.CONNECTOR)
@errors(404)
def get_connector(connector_id_text):
    """Read a connector

    By its `_id`, with its ETag."""
    oid = _connector_id(connector_id_text)
    connector = connectors.get_connector(g.tenant_db, _application_id(), oid)
    return conditional.answer(connector, mask_properties(connector))


@body(CONNECTOR, example=examples.NEW_TEMPLATE)
@response(STORED_CONNECTOR, status=201, conditional=True, example=examples.TEMPLATE)
@errors(409)
@idempotent
def create_organization_connector():
    """Create a connector in the organization's catalogue

    Its name is unique in the catalogue (409). Keys beyond those described are stored as
    sent; `organizationId` is the path's."""
    fields = keeping_secrets(load_body(unknown=INCLUDE), "properties", lambda: None)
    return _created(fields)  # with other keys, e.g. applicationId


@body(CONNECTOR, example=examples.NEW_CONNECTOR)
@response(STORED_CONNECTOR, status=201, conditional=True, example=examples.CONNECTOR)
@errors(409)
@idempotent
def create_application_connector():
    """Create a connector of an application

    Its name is unique in the application (409). Keys beyond those described are ignored,
    a missing `description`, `properties` or `collections` is stored empty, and
    `organizationId` and `applicationId` are the path's."""
    fields = load_body(unknown=EXCLUDE)
    fields = keeping_secrets(
        fields, "properties", lambda: connectors.find_template(g.tenant_db, fields.get("name"))
    )
    missing = {key: value for key, value in APPLICATION_DEFAULTS.items() if key not in fields}
    return _created({**fields, **missing, "applicationId": g.application_id})


def _created(document):
    document["organizationId"] = g.organization_id
    created = connectors.create_connector(g.tenant_db, _application_id(), document)
    _record(history.CREATE, created["_id"], after=created)
    return conditional.answer(created, mask_properties(created), 201)


@body(CONNECTOR, example=examples.CONNECTOR_CHANGES)
@response(STORED_CONNECTOR, conditional=True, example=examples.CHANGED_CONNECTOR)
@errors(404, 409)
def update_connector(connector_id_text):
    """Change a connector

    Every key sent is set, but where the connector belongs: `organizationId` and
    `applicationId` stay the path's."""
    oid = _connector_id(connector_id_text)
    changes = keeping_secrets(
        load_body(unknown=INCLUDE),
        "properties",
        lambda: connectors.get_connector(g.tenant_db, _application_id(), oid),
    )
    changes.pop("applicationId", None)
    changes["organizationId"] = g.organization_id
    expected = conditional.expected()
    before, after = connectors.update_connector(
        g.tenant_db, _application_id(), oid, changes, expected
    )
    _record(history.UPDATE, oid, before, after)
    return conditional.answer(after, mask_properties(after))


@response(MessageSchema, conditional=True, example=examples.CONNECTOR_DELETED)
@errors(404)
def delete_connector(connector_id_text):
    """Delete a connector"""
    oid = _connector_id(connector_id_text)
    expected = conditional.expected()
    deleted = connectors.delete_connector(g.tenant_db, _application_id(), oid, expected)
    _record(history.DELETE, oid, deleted)
    return {"message": "Connector deleted successfully"}


def _record(action, oid, before=None, after=None):
    """In the organization's log; an application's connector names its application."""
    where = {} if _application_id() is None else {"applicationId": _application_id()}
    history.record(g.tenant_db, action, "connector", str(oid), before, after, **where)


def register(bp, base, create):
    """The connector routes under `base`, created by `create` (one of the create views)."""
    bp.add_url_rule(base, view_func=list_connectors, methods=["GET"])
    bp.add_url_rule(base, "create_connector", view_func=create, methods=["POST"])
    item = f"{base}/<connector_id_text>"
    bp.add_url_rule(item, view_func=get_connector, methods=["GET"])
    bp.add_url_rule(item, view_func=update_connector, methods=["PUT"])
    bp.add_url_rule(item, view_func=delete_connector, methods=["DELETE"])
