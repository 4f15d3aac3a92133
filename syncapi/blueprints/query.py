"""`/api/query`: the dashboard's KPIs (spec/query.md), read-only.

A caller whose token is limited to some organizations sees counts of those only: their
applications, and the time series of the machines registered in them. Server cpu/ram are
for any signed-in caller.

Counts over every tenant, the time-series KPIs (last day and all history) and the latest
events are kept for `ANALYTICS_CACHE_SECONDS`, so that many open dashboards polling them cost
one query per period; a time-series value is kept per caller scope (the set of organizations
it sees), never shared between tenants. Where the contract answers a failed Influx query
with an empty value (cpu, ram, storage), so do these views; elsewhere a failed query is a
500 with the route's message, and an unreachable InfluxDB a 503.
"""

from flask import Blueprint

from syncapi.access import auth, tenancy, visibility
from syncapi.core.failures import QueryError
from syncapi.errors import reported_as
from syncapi.openapi.answers import (
    CountSchema,
    CpuSampleSchema,
    EventRowSchema,
    FleetApplicationSchema,
    RamSampleSchema,
    StorageSchema,
)
from syncapi.openapi.examples import platform as examples
from syncapi.openapi.parameters import ORGANIZATION_IN_QUERY
from syncapi.repositories import fleet, timeseries
from syncapi.web import handles, memo
from syncapi.web.operations import Many, arguments, errors, response

bp = Blueprint("query", __name__)

EVENTS_PER_GB = 100_000  # the original's estimate: about 10 KB per event


@bp.get("/registered")
@auth.organization_in_query
@arguments(ORGANIZATION_IN_QUERY)
@response(CountSchema, example=examples.REGISTERED)
@errors(404)
def registered_devices():
    """Count one organization's devices

    The devices of every application of `?organizationId=`, else of the server's default
    organization (`ORGANIZATION_ID`)."""
    db = tenancy.tenant_database(tenancy.organization_in_query())
    return {"count": fleet.registered_devices(handles.shared_db(), db.name)}


@bp.get("/registered/all")
@response(CountSchema, example=examples.REGISTERED)
def registered_devices_everywhere():
    """Count the devices

    Of every application of every organization the caller may see."""
    return {"count": sum(item["deviceCount"] for item in _all_applications())}


@bp.get("/apps-registered")
@response(CountSchema, example=examples.APPLICATION_COUNT)
def registered_applications():
    """Count the applications

    Of every organization the caller may see."""
    return {"count": len(_all_applications())}


@bp.get("/applications")
@response(Many(FleetApplicationSchema), example=examples.FLEET_APPLICATIONS)
def applications_everywhere():
    """List the applications of every organization

    Those the caller may see, each with its organization and device count."""
    return _all_applications()


@bp.get("/connected")
@response(CountSchema, example=examples.CONNECTED)
@errors(500)
def connected_machines():
    """Count the machines that were on today

    Those with a sample of `power` true in the last 24 hours."""
    with reported_as("Error getting connected devices"):
        return {"count": _per_scope("influx.connected", timeseries.connected_machines)}


@bp.get("/events/processed-24h")
@response(CountSchema, example=examples.EVENTS_LAST_DAY)
@errors(500)
def events_processed_last_day():
    """Count the events of the last 24 hours"""
    with reported_as("Error getting processed events"):
        return {"count": _per_scope("influx.events_last_day", _counted_events(last_day=True))}


@bp.get("/events/processed")
@response(CountSchema, example=examples.EVENTS_EVER)
@errors(500)
def events_processed():
    """Count every event ever received"""
    with reported_as("Error getting processed events"):
        return {"count": _all_time_events()}


@bp.get("/events")
@response(Many(EventRowSchema), example=examples.LATEST_EVENTS)
@errors(500)
def latest_events():
    """Read the latest events

    The newest 20 events of the last 24 hours over the machines the caller may read, newest
    first; `time` in milliseconds since the epoch."""
    with reported_as("Error getting events"):
        return _per_scope("influx.recent_events", timeseries.recent_events)


@bp.get("/cpu")
@response(Many(CpuSampleSchema), example=examples.CPU)
def cpu_usage():
    """Read the host's CPU use

    Its latest sample of the last minute, in percent over every core; `[]` without one, or
    when the query fails (the console then shows 0)."""
    try:
        return timeseries.cpu_usage(handles.host_metrics_source())
    except QueryError:
        return []


@bp.get("/ram")
@response(Many(RamSampleSchema), example=examples.RAM)
def ram_usage():
    """Read the host's memory use

    Its latest sample of the last minute, in percent; `[]` without one, or when the query
    fails."""
    try:
        return timeseries.ram_usage(handles.host_metrics_source())
    except QueryError:
        return []


@bp.get("/storage")
@response(StorageSchema, example=examples.STORAGE)
def storage():
    """Estimate the storage the events take

    In GB, at about 10 kB an event; 0 when the query fails (the console then shows 0)."""
    try:
        return {"storage": _all_time_events() / EVENTS_PER_GB}
    except QueryError:
        return {"storage": 0}


def _all_applications():
    """The applications the caller may see; one pass over every tenant serves all callers
    and the three cross-tenant routes."""
    every = memo.remember("fleet.applications", lambda: fleet.all_applications(handles.shared_db()))
    return visibility.visible_applications(every)


def _all_time_events():
    """Shared by `events/processed` and `storage`: one full count serves both."""
    return _per_scope("influx.events_all_time", _counted_events(last_day=False))


def _counted_events(last_day):
    return lambda source, machines, organizations: timeseries.count_events(
        source, last_day, machines, organizations
    )


def _per_scope(name, compute):
    """`compute(source, machines, organizations)` over what the caller may see, remembered
    under the caller's scope: callers of the same organizations share it, other tenants
    never do. A missing InfluxDB setting is a 503 before anything is read; the column list
    is read by the computation, when there is one to make."""
    organizations, client = visibility.organizations(), handles.timeseries_client()
    machines = visibility.machines(handles.shared_db())

    def computed():
        source = handles.timeseries_source(client, machines)
        return compute(source, machines, organizations)

    return memo.remember((name, organizations), computed)
