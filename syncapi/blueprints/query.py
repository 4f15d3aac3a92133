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
from syncapi.repositories import fleet, timeseries
from syncapi.web import handles, memo

bp = Blueprint("query", __name__)

EVENTS_PER_GB = 100_000  # the original's estimate: about 10 KB per event


@bp.get("/registered")
@auth.organization_in_query
def registered_devices():
    """Devices of one organization's applications (`?organizationId=`, else the default)."""
    db = tenancy.tenant_database(tenancy.organization_in_query())
    return {"count": fleet.registered_devices(handles.shared_db(), db.name)}


@bp.get("/registered/all")
def registered_devices_everywhere():
    return {"count": sum(item["deviceCount"] for item in _all_applications())}


@bp.get("/apps-registered")
def registered_applications():
    return {"count": len(_all_applications())}


@bp.get("/applications")
def applications_everywhere():
    return _all_applications()


@bp.get("/connected")
def connected_machines():
    with reported_as("Error getting connected devices"):
        return {"count": _per_scope("influx.connected", timeseries.connected_machines)}


@bp.get("/events/processed-24h")
def events_processed_last_day():
    with reported_as("Error getting processed events"):
        return {"count": _per_scope("influx.events_last_day", _counted_events(last_day=True))}


@bp.get("/events/processed")
def events_processed():
    with reported_as("Error getting processed events"):
        return {"count": _all_time_events()}


@bp.get("/events")
def latest_events():
    with reported_as("Error getting events"):
        return _per_scope("influx.recent_events", timeseries.recent_events)


@bp.get("/cpu")
def cpu_usage():
    """`[]` when no sample or on a query error: the console then shows 0 (as the original)."""
    try:
        return timeseries.cpu_usage(handles.host_metrics_source())
    except QueryError:
        return []


@bp.get("/ram")
def ram_usage():
    try:
        return timeseries.ram_usage(handles.host_metrics_source())
    except QueryError:
        return []


@bp.get("/storage")
def storage():
    """Estimated GB of stored events; 0 on a query error (as the original)."""
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
    """`compute(machines, organizations)` over what the caller may see, remembered under the
    caller's scope: callers of the same organizations share it, other tenants never do."""
    organizations, source = visibility.organizations(), handles.timeseries_source()
    machines = visibility.machines(handles.shared_db())
    return memo.remember((name, organizations), lambda: compute(source, machines, organizations))
