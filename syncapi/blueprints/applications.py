"""`/api/applications`: an application's devices, config, stats, event classes, functions
and connectors. Contract: spec/applications.md; `tenancy` has checked the organization and
the application before any view runs.
"""

from flask import Blueprint, g
from marshmallow import EXCLUDE, INCLUDE

from syncapi import expressions, tenancy
from syncapi.blueprints import device_routes
from syncapi.blueprints.common import json_body, object_id
from syncapi.errors import ApiError
from syncapi.repositories import applications, connectors, event_classes, functions
from syncapi.schemas.connectors import ConnectorSchema
from syncapi.schemas.event_classes import EventClassSchema, assign_ids
from syncapi.schemas.functions import (
    ALGEBRAIC_TYPES,
    EvaluationSchema,
    FunctionSchema,
    declared_names,
)
from syncapi.serialization import iso_now

bp = Blueprint("applications", __name__)
tenancy.init_blueprint(bp)
device_routes.register(bp, single_device_routes=False)

APP = "/<organization_id>/applications/<application_id>"


@bp.get("/test")
def test_route():
    """Liveness of this mount; touches no database."""
    return {"message": "Application routes are working!"}


@bp.get(f"{APP}/config")
def get_config():
    return applications.application_config(g.tenant_db, g.application_id)


@bp.get(f"{APP}/stats")
def get_stats():
    """Device count; `lastActivity` is the response time, as in the original."""
    return {
        "applicationId": g.application_id,
        "deviceCount": applications.count_devices(g.tenant_db, g.application_id),
        "lastActivity": iso_now(),
    }


# Event classes


@bp.get(f"{APP}/event-classes")
def list_event_classes():
    return event_classes.list_event_classes(g.tenant_db, g.application_id)


@bp.post(f"{APP}/event-classes")
def create_event_class():
    fields = EventClassSchema().load(json_body())
    return event_classes.create_event_class(g.tenant_db, g.application_id, fields), 201


@bp.put(f"{APP}/event-classes")
def replace_event_classes():
    """Replace the whole set, after every item passed (a bad item changes nothing)."""
    body = json_body(list, "Event classes must be an array")
    items = assign_ids(EventClassSchema(many=True).load(body))
    return event_classes.replace_event_classes(g.tenant_db, g.application_id, items)


# Functions


@bp.get(f"{APP}/functions")
def list_functions():
    return functions.list_functions(g.tenant_db, g.application_id)


@bp.post(f"{APP}/functions")
def create_function():
    fields = FunctionSchema().load(json_body())
    return functions.create_function(g.tenant_db, g.application_id, fields), 201


@bp.put(f"{APP}/functions/<function_id>")
def update_function(function_id):
    """Replace the function's definition; its id stays the path's."""
    fields = FunctionSchema().load(json_body())
    return functions.update_function(g.tenant_db, g.application_id, function_id, fields)


@bp.delete(f"{APP}/functions/<function_id>")
def delete_function(function_id):
    functions.delete_function(g.tenant_db, g.application_id, function_id)
    return {"message": "Function deleted successfully"}


@bp.post(f"{APP}/functions/<function_id>/evaluate")
def evaluate_function(function_id):
    """The formula's value for the given variables: `{"values": {"x": 3}}` → `{"result": …}`."""
    function = functions.get_function(g.tenant_db, g.application_id, function_id)
    if function.get("type") not in ALGEBRAIC_TYPES:
        raise ApiError(400, "only an Algebraic Function can be evaluated", field="type")
    values = EvaluationSchema().load(json_body())["values"]
    expression = function.get("expression") or ""
    try:
        used = expressions.check(expression, declared_names(function))
        missing = sorted(used - set(values))
        if missing:
            name = f"values.{missing[0]}"
            raise ApiError(400, f"{name} is required", field=name)
        result = expressions.evaluate(expression, {name: values[name] for name in used})
    except expressions.ExpressionError as error:
        raise ApiError(400, f"expression {error}", field="expression") from None
    return {"result": result}


# Application connectors


def connector_id(value):
    return object_id(value, "connectorId", "Invalid connector ID format")


def connector_collection():
    return applications.app_collection(g.tenant_db, g.application_id, "connectors")


@bp.get(f"{APP}/connectors")
def list_connectors():
    return connectors.list_connectors(connector_collection())


@bp.post(f"{APP}/connectors")
def create_connector():
    """Undeclared keys are ignored here (the org route keeps them): chosen per route."""
    fields = ConnectorSchema().load(json_body(), unknown=EXCLUDE)
    defaults = {"description": "", "properties": {}, "collections": {}}
    document = {
        **fields,
        **{key: value for key, value in defaults.items() if key not in fields},
        "organizationId": g.organization_id,
        "applicationId": g.application_id,
    }
    return connectors.create_connector(connector_collection(), document), 201


@bp.put(f"{APP}/connectors/<connector_id_text>")
def update_connector(connector_id_text):
    """Set every sent key but the ones that say where the connector belongs."""
    oid = connector_id(connector_id_text)
    changes = ConnectorSchema().load(json_body(), unknown=INCLUDE)
    changes.pop("applicationId", None)
    changes["organizationId"] = g.organization_id
    return connectors.update_connector(connector_collection(), oid, changes)


@bp.delete(f"{APP}/connectors/<connector_id_text>")
def delete_connector(connector_id_text):
    connectors.delete_connector(connector_collection(), connector_id(connector_id_text))
    return {"message": "Connector deleted successfully"}
