"""The application registry of an organization (spec README §5), under
`/api/organizations/{org}/applications`: an application's id and settings, kept in the
organization's `config`. Its answers carry a content ETag (an entry of the registry has no
`_id` of its own); a PUT's `If-Match` is checked by the update itself.
"""

from flask import g

from syncapi.access import history
from syncapi.openapi.answers import MessageSchema
from syncapi.openapi.examples import organizations as examples
from syncapi.repositories import applications, summaries
from syncapi.schemas.applications import (
    ApplicationListItemSchema,
    ApplicationOutSchema,
    ApplicationSchema,
    ApplicationUpdateSchema,
)
from syncapi.schemas.lists import ListQuerySchema
from syncapi.web import conditional, handles, refresh
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, body, errors, idempotent, listing, response

APPLICATION = ApplicationOutSchema()
APPLICATION_LIST_ITEM = ApplicationListItemSchema()


@listing(ListQuerySchema(applications.LISTING.sort_fields))
@response(Many(ApplicationListItemSchema), example=examples.APPLICATIONS)
def list_applications():
    """List an organization's applications

    In the order they were registered, each with its settings and how many devices it
    has."""
    query = list_query()
    page = applications.list_applications(g.tenant_db, handles.shared_db(), query)
    return answered(APPLICATION_LIST_ITEM.dump(page.items, many=True), page, query)


@body(ApplicationSchema(), example=examples.NEW_APPLICATION)
@response(ApplicationOutSchema, status=201, conditional=True, example=examples.APPLICATION_ANSWER)
@errors(409)
@idempotent
def create_application():
    """Create an application

    Registers it in the organization and creates its collections of devices and
    settings; its id must be unused (409)."""
    fields = load_body()
    application_id = fields.pop("applicationId")
    settings = applications.create_application(
        g.tenant_db, handles.shared_db(), application_id, fields
    )
    refresh.indexes_changed(g.tenant_db)  # its other indexes: by the next refresh
    _record(history.CREATE, application_id, after=settings)
    answer = APPLICATION.dump({"id": application_id, "settings": settings})
    return conditional.answer(settings, answer, 201)


@response(ApplicationOutSchema, conditional=True, example=examples.APPLICATION_ANSWER)
def get_application():
    """Read an application

    Its settings as stored, with an ETag taken from their content."""
    answer = APPLICATION.dump({"id": g.application_id, "settings": g.application})
    return conditional.answer(g.application, answer)


@body(ApplicationUpdateSchema(partial=True), example=examples.APPLICATION_CHANGES)
@response(ApplicationOutSchema, conditional=True, example=examples.CHANGED_APPLICATION)
@errors(409)
def update_application():
    """Change an application

    Only the keys sent change; the others keep their values."""
    changes = load_body(partial=True)
    settings = applications.update_application(
        g.tenant_db,
        handles.shared_db(),
        g.application_id,
        changes,
        conditional.expected(),
        g.application,
    )
    _record(history.UPDATE, g.application_id, g.application, settings)
    answer = APPLICATION.dump({"id": g.application_id, "settings": settings})
    return conditional.answer(settings, answer)


@response(MessageSchema, example=examples.APPLICATION_DELETED)
@errors(409)
def delete_application():
    """Delete an application and everything it holds

    Its devices, event classes, functions, connectors and settings go with it; the change
    log keeps one entry, with how many devices went. `If-Match` is refused: the
    application and its collections go in several writes, none of which could check it."""
    conditional.not_supported()
    shared = handles.shared_db()
    count = summaries.device_count(shared, g.organization_id, g.application_id)
    applications.delete_application(g.tenant_db, shared, g.application_id)
    refresh.indexes_changed(g.tenant_db)  # gone with its collections
    _record(history.DELETE, g.application_id, g.application, counts={"devices": count})
    return {"message": "Application deleted successfully"}


def _record(action, application_id, before=None, after=None, **details):
    history.record(g.tenant_db, action, "application", application_id, before, after, **details)


def register(bp, base):
    bp.add_url_rule(base, view_func=list_applications, methods=["GET"])
    bp.add_url_rule(base, view_func=create_application, methods=["POST"])
    item = f"{base}/<application_id>"
    bp.add_url_rule(item, view_func=get_application, methods=["GET"])
    bp.add_url_rule(item, view_func=update_application, methods=["PUT"])
    bp.add_url_rule(item, view_func=delete_application, methods=["DELETE"])
