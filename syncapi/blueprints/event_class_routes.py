"""An application's event classes, under `/api/applications/{org}/applications/{app}`:
created one by one, listed, or replaced as a whole set (which has no ETag of its own)."""

from flask import g

from syncapi.access import history
from syncapi.openapi.examples import application_parts as examples
from syncapi.repositories import event_classes
from syncapi.schemas.event_classes import EventClassOutSchema, EventClassSchema, assign_ids
from syncapi.schemas.lists import ListQuerySchema
from syncapi.web import conditional
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, body, errors, idempotent, listing, response

EVENT_CLASS_OUT = EventClassOutSchema()


@listing(ListQuerySchema(event_classes.LISTING.sort_fields))
@response(Many(EventClassOutSchema), example=examples.EVENT_CLASSES)
def list_event_classes():
    """List an application's event classes"""
    asked = list_query()
    page = event_classes.list_event_classes(g.tenant_db, g.application_id, asked)
    return answered(EVENT_CLASS_OUT.dump(page.items, many=True), page, asked)


@body(EventClassSchema(), example=examples.NEW_EVENT_CLASS)
@response(EventClassOutSchema, status=201, conditional=True, example=examples.EVENT_CLASS)
@errors(409)
@idempotent
def create_event_class():
    """Create an event class

    Its name is sent as `class` or `className`; its `id` is made unless sent. Only a `STR`
    class keeps `auth_values`, only a `FLOAT` class `values_range`."""
    created = event_classes.create_event_class(g.tenant_db, g.application_id, load_body())
    history.record_in_application(history.CREATE, "event-class", created["id"], after=created)
    answer = EVENT_CLASS_OUT.dump(created)
    return conditional.answer(answer, status=201)  # no revision shown: a content ETag


@body(EventClassSchema(many=True), example=[examples.NEW_EVENT_CLASS, examples.JOINT])
@response(Many(EventClassOutSchema), example=examples.REPLACED_EVENT_CLASSES)
@errors(409)
def replace_event_classes():
    """Replace all of an application's event classes

    The array sent becomes the whole set, once every item is valid (one bad item changes
    nothing). The set has no ETag of its own: `If-Match` is refused."""
    conditional.not_supported()
    items = assign_ids(load_body(expected=list, message="Event classes must be an array"))
    old, stored = event_classes.replace_event_classes(g.tenant_db, g.application_id, items)
    counts = {"before": len(old), "after": len(stored)}
    sets = {"before": {"eventClasses": old}, "after": {"eventClasses": stored}}
    history.record_in_application(history.UPDATE, "event-classes", None, **sets, counts=counts)
    return EVENT_CLASS_OUT.dump(stored, many=True)


def register(bp, base):
    bp.add_url_rule(base, view_func=list_event_classes, methods=["GET"])
    bp.add_url_rule(base, view_func=create_event_class, methods=["POST"])
    bp.add_url_rule(base, view_func=replace_event_classes, methods=["PUT"])
