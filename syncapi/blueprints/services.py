"""`/api/services`: global service configurations in the shared database (spec/services.md).

Secrets in `configuration` are masked in every answer unless `?reveal=true` asks for them.
"""

from flask import Blueprint, request
from marshmallow import ValidationError

from syncapi.access import auth, history
from syncapi.core import masking
from syncapi.core.failures import Invalid
from syncapi.openapi.examples import platform as examples
from syncapi.openapi.parameters import query
from syncapi.repositories import services
from syncapi.schemas.lists import ListQuerySchema
from syncapi.schemas.services import ServiceSchema, ToggleSchema
from syncapi.web import conditional, handles
from syncapi.web.headers import forbid_storing
from syncapi.web.inputs import load_body, object_id
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import (
    Many,
    Stored,
    arguments,
    body,
    errors,
    idempotent,
    listing,
    response,
)

bp = Blueprint("services", __name__)

STORED_SERVICE = Stored(ServiceSchema)
REVEAL = query(
    "reveal",
    {"type": "string"},
    "`true` answers secrets of `configuration` as stored (else masked as `********`).",
)
bp.auth_rule = auth.PLATFORM_ADMIN  # shared infrastructure and its credentials, reads too


def service_id(value):
    return object_id(value, "id", "Invalid service ID format")


def answer(document):
    """The document as stored, its secrets masked unless the caller asked to see them."""
    if _revealing() or "configuration" not in document:
        return document
    return {**document, "configuration": masking.mask(document["configuration"])}


def _revealing():
    return request.args.get("reveal") == "true"


@bp.before_request
def no_cache_keeps_secrets():
    """An answer that may reveal secrets is never stored by a cache (spec §13.2)."""
    if _revealing():
        forbid_storing()


@bp.get("")
@listing(ListQuerySchema(services.LISTING.sort_fields))
@arguments(REVEAL)
@response(Many(STORED_SERVICE), example=examples.SERVICES)
def list_services():
    """List the service configurations

    The most recently changed first, secrets masked unless `?reveal=true`."""
    asked = list_query()
    page = services.list_services(handles.shared_db(), asked)
    return answered([answer(document) for document in page.items], page, asked)


@bp.get("/<service_id_text>")
@arguments(REVEAL)
@response(STORED_SERVICE, conditional=True, example=examples.SERVICE)
@errors(404)
def get_service(service_id_text):
    """Read a service configuration

    Secrets masked unless `?reveal=true`."""
    service = services.get_service(handles.shared_db(), service_id(service_id_text))
    return conditional.answer(service, answer(service))


@bp.post("")
@body(ServiceSchema(), example=examples.NEW_SERVICE)
@arguments(REVEAL)
@response(STORED_SERVICE, status=201, conditional=True, example=examples.SERVICE)
@errors(409)
@idempotent
def create_service():
    """Create a service configuration

    Its name is unique (409); it is enabled unless `enabled` is false. The answer masks
    its secrets unless `?reveal=true`."""
    fields = load_body()
    db = handles.shared_db()
    created = services.create_service(db, fields)
    history.record(db, history.CREATE, "service", str(created["_id"]), after=created)
    return conditional.answer(created, answer(created), 201)


@bp.put("/<service_id_text>")
@body(ServiceSchema(partial=True), example=examples.SERVICE_CHANGES)
@arguments(REVEAL)
@response(STORED_SERVICE, conditional=True, example=examples.CHANGED_SERVICE)
@errors(404, 409)
def update_service(service_id_text):
    """Change a service configuration

    Each key sent replaces the stored one; a masked secret (`********`) sent back keeps its
    stored value, so a configuration read masked can be sent back changed."""
    oid = service_id(service_id_text)
    changes = load_body(partial=True)
    db = handles.shared_db()
    if "configuration" in changes:
        stored = services.get_service(db, oid).get("configuration")
        changes["configuration"] = masking.keep_masked(changes["configuration"], stored)
    return _updated(db, oid, changes)


@bp.patch("/<service_id_text>/toggle")
@body(ToggleSchema(), example=examples.TOGGLE)
@arguments(REVEAL)
@response(STORED_SERVICE, conditional=True, example=examples.TOGGLED_SERVICE)
@errors(404)
def toggle_service(service_id_text):
    """Switch a service on or off

    `enabled` must be a JSON boolean (`"false"` is refused)."""
    oid = service_id(service_id_text)
    try:
        changes = load_body()
    except ValidationError:
        raise Invalid("Invalid value for enabled field", field="enabled") from None
    return _updated(handles.shared_db(), oid, changes)


def _updated(db, oid, changes):
    """The service after the change, which the shared log records."""
    before, after = services.update_service(db, oid, changes, conditional.expected())
    history.record(db, history.UPDATE, "service", str(oid), before, after)
    return conditional.answer(after, answer(after))


@bp.delete("/<service_id_text>")
@arguments(REVEAL)
@response(status=204, conditional=True)
@errors(404)
def delete_service(service_id_text):
    """Delete a service configuration

    Answered with 204 and no body, unlike the API's other deletes."""
    db = handles.shared_db()
    deleted = services.delete_service(db, service_id(service_id_text), conditional.expected())
    history.record(db, history.DELETE, "service", str(deleted["_id"]), deleted)
    return "", 204
