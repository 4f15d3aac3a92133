"""`/api/applications`: an application's devices, config, stats, event classes, functions
and connectors. Contract: spec/applications.md; `tenancy` has checked the organization and
the application before any view runs.
"""

from flask import Blueprint, g

from syncapi.access import tenancy
from syncapi.blueprints import (
    connector_routes,
    device_routes,
    event_class_routes,
    function_routes,
)
from syncapi.core.clock import iso_now
from syncapi.openapi.answers import ApplicationStatsSchema, MessageSchema
from syncapi.openapi.examples import organizations as examples
from syncapi.repositories import applications, summaries
from syncapi.web import conditional, handles
from syncapi.web.operations import response

APP = "/<organization_id>/applications/<application_id>"
RAW_DOCUMENT = {"type": "object", "description": "The stored document, every key as written."}

bp = Blueprint("applications", __name__)
tenancy.init_blueprint(bp)
device_routes.register(bp, single_device_routes=False)
connector_routes.register(bp, f"{APP}/connectors", connector_routes.create_application_connector)
event_class_routes.register(bp, f"{APP}/event-classes")
function_routes.register(bp, f"{APP}/functions")


@bp.get("/test")
@response(MessageSchema, example=examples.MOUNT_ALIVE)
def test_route():
    """Check that the applications mount answers

    Touches no database."""
    return {"message": "Application routes are working!"}


@bp.get(f"{APP}/config")
@response(RAW_DOCUMENT, conditional=True, example=examples.APPLICATION_CONFIG)
def get_config():
    """Read an application's settings

    Its key/value settings as one object (`{}` when it has none), with an ETag taken from
    their content. They are read-only here."""
    config = applications.application_config(g.tenant_db, g.application_id)
    return conditional.answer(config)


@bp.get(f"{APP}/stats")
@response(ApplicationStatsSchema, example=examples.APPLICATION_STATS)
def get_stats():
    """Count an application's devices

    `lastActivity` is the time of the answer, not of the devices' last data: the console
    reads it as the API it was written against answered it."""
    return {
        "applicationId": g.application_id,
        "deviceCount": summaries.device_count(
            handles.shared_db(), g.organization_id, g.application_id
        ),
        "lastActivity": iso_now(),
    }
