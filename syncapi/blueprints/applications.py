"""`/api/applications`: an application's devices, config, stats, event classes, functions
and connectors. Contract: spec/applications.md; `tenancy` has checked the organization and
the application before any view runs.
"""

from flask import Blueprint, g

from syncapi.access import audit, tenancy
from syncapi.blueprints import connector_routes, device_routes
from syncapi.core import expressions
from syncapi.core.clock import iso_now
from syncapi.core.failures import Invalid
from syncapi.repositories import applications, event_classes, functions, summaries
from syncapi.schemas.event_classes import EventClassOutSchema, EventClassSchema, assign_ids
from syncapi.schemas.functions import (
    ALGEBRAIC_TYPES,
    EvaluationSchema,
    FunctionOutSchema,
    FunctionSchema,
    declared_names,
)
from syncapi.schemas.lists import ListQuerySchema
from syncapi.web import conditional, handles
from syncapi.web.inputs import json_body, load_body
from syncapi.web.lists import answered, list_query

APP = "/<organization_id>/applications/<application_id>"
EVENT_CLASS = EventClassSchema()
EVENT_CLASSES = EventClassSchema(many=True)
EVENT_CLASS_OUT = EventClassOutSchema()
FUNCTION = FunctionSchema()
FUNCTION_OUT = FunctionOutSchema()
EVALUATION = EvaluationSchema()
EVENT_CLASSES_QUERY = ListQuerySchema(event_classes.LISTING.sort_fields)
FUNCTIONS_QUERY = ListQuerySchema(functions.LISTING.sort_fields)

bp = Blueprint("applications", __name__)
tenancy.init_blueprint(bp)
device_routes.register(bp, single_device_routes=False)
connector_routes.register(bp, f"{APP}/connectors")


@bp.get("/test")
def test_route():
    """Liveness of this mount; touches no database."""
    return {"message": "Application routes are working!"}


@bp.get(f"{APP}/config")
def get_config():
    """The application's key/value settings as one object, with a content ETag (read-only
    here: no revision of its own)."""
    config = applications.application_config(g.tenant_db, g.application_id)
    return conditional.answer(config)


@bp.get(f"{APP}/stats")
def get_stats():
    """Device count; `lastActivity` is the response time, as in the original."""
    return {
        "applicationId": g.application_id,
        "deviceCount": summaries.device_count(
            handles.shared_db(), g.organization_id, g.application_id
        ),
        "lastActivity": iso_now(),
    }


# Event classes


@bp.get(f"{APP}/event-classes")
def list_event_classes():
    """The application's event classes, without internal fields."""
    query = list_query(EVENT_CLASSES_QUERY)
    page = event_classes.list_event_classes(g.tenant_db, g.application_id, query)
    return answered(EVENT_CLASS_OUT.dump(page.items, many=True), page, query)


@bp.post(f"{APP}/event-classes")
def create_event_class():
    """Create an event class; `class` or `className`, id generated unless sent."""
    created = event_classes.create_event_class(
        g.tenant_db, g.application_id, load_body(EVENT_CLASS)
    )
    _record(audit.CREATE, "event-class", created["id"], after=created)
    answer = EVENT_CLASS_OUT.dump(created)
    return conditional.answer(answer, status=201)  # no revision shown: a content ETag


@bp.put(f"{APP}/event-classes")
def replace_event_classes():
    """Replace the whole set, after every item passed (a bad item changes nothing). The set
    has no ETag of its own: `If-Match` is refused."""
    conditional.not_supported()
    body = json_body(list, "Event classes must be an array")
    items = assign_ids(EVENT_CLASSES.load(body))
    old, stored = event_classes.replace_event_classes(g.tenant_db, g.application_id, items)
    counts = {"before": len(old), "after": len(stored)}
    sets = {"before": {"eventClasses": old}, "after": {"eventClasses": stored}}
    _record(audit.UPDATE, "event-classes", None, **sets, counts=counts)
    return EVENT_CLASS_OUT.dump(stored, many=True)


# Functions


@bp.get(f"{APP}/functions")
def list_functions():
    """The application's functions, without internal fields."""
    query = list_query(FUNCTIONS_QUERY)
    page = functions.list_functions(g.tenant_db, g.application_id, query)
    return answered(FUNCTION_OUT.dump(page.items, many=True), page, query)


@bp.post(f"{APP}/functions")
def create_function():
    """Create a function; an algebraic expression is checked before it is stored."""
    created = functions.create_function(g.tenant_db, g.application_id, load_body(FUNCTION))
    _record(audit.CREATE, "function", created["id"], after=created)
    return conditional.answer(created, FUNCTION_OUT.dump(created), 201)


@bp.get(f"{APP}/functions/<function_id>")
def get_function(function_id):
    """One function, without internal fields, with its ETag."""
    function = functions.get_function(g.tenant_db, g.application_id, function_id)
    return conditional.answer(function, FUNCTION_OUT.dump(function))


@bp.put(f"{APP}/functions/<function_id>")
def update_function(function_id):
    """Replace the function's definition; its id stays the path's."""
    fields = load_body(FUNCTION)
    before, after = functions.update_function(
        g.tenant_db, g.application_id, function_id, fields, conditional.expected()
    )
    _record(audit.UPDATE, "function", function_id, before, after)
    return conditional.answer(after, FUNCTION_OUT.dump(after))


@bp.delete(f"{APP}/functions/<function_id>")
def delete_function(function_id):
    """Delete a function; the console parses the JSON answer."""
    deleted = functions.delete_function(
        g.tenant_db, g.application_id, function_id, conditional.expected()
    )
    _record(audit.DELETE, "function", function_id, deleted)
    return {"message": "Function deleted successfully"}


def _record(action, kind, resource_id, before=None, after=None, **details):
    """In the organization's log, naming the application."""
    audit.record(
        g.tenant_db,
        action,
        kind,
        resource_id,
        before,
        after,
        applicationId=g.application_id,
        **details,
    )


@bp.post(f"{APP}/functions/<function_id>/evaluate")
def evaluate_function(function_id):
    """The formula's value for the given variables: `{"values": {"x": 3}}` → `{"result": …}`."""
    function = functions.get_function(g.tenant_db, g.application_id, function_id)
    if function.get("type") not in ALGEBRAIC_TYPES:
        raise Invalid("only an Algebraic Function can be evaluated", field="type")
    values = load_body(EVALUATION)["values"]
    expression = function.get("expression")
    if not isinstance(expression, str):
        raise Invalid("expression is not text", field="expression")
    try:
        used = expressions.check(expression, declared_names(function))
        missing = sorted(used - set(values))
        if missing:
            name = f"values.{missing[0]}"
            raise Invalid(f"{name} is required", field=name)
        result = expressions.evaluate(expression, {name: values[name] for name in used})
    except expressions.ExpressionError as error:
        raise Invalid(f"expression {error}", field="expression") from None
    return {"result": result}
