"""Time series in InfluxDB 3 (spec README §7): every query syncapi runs is here.

Statements are assembled only from the constants of this module and of `timeseries_sql`
(the event union, what a caller may see); a value from a request reaches InfluxDB as a
`$name` query parameter, never as SQL text. A branch of the event union, or a KPI, whose
table or column the database has never been written to counts as no data rather than
failing the whole query (InfluxDB creates both on first write). Every query is bounded by
`INFLUXDB_QUERY_TIMEOUT` (the client's `query_timeout`).
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pyarrow as pa
from influxdb_client_3 import InfluxDB3ClientQueryError
from pyarrow import flight

from syncapi.core import metrics
from syncapi.core.failures import QueryError, Unavailable
from syncapi.repositories.timeseries_sql import LAST_DAY, event_union, visibilities

log = logging.getLogger(__name__)

EVENT_LIMIT = 20
TABLES = "'state', 'production', 'events', 'cpu', 'mem'"
DAY = timedelta(days=1)
UNREACHABLE = (flight.FlightUnavailableError, flight.FlightTimedOutError)
REFUSED = (flight.FlightUnauthenticatedError, flight.FlightUnauthorizedError)


@dataclass(frozen=True)
class Source:
    """Where a route reads, given by the caller: the InfluxDB 3 client, the database (the
    main one, or the host metrics'), the organization tag (`INFLUXDB_ORG_TAG`, "" for none),
    and `{table: [column, …]}` of that database as `table_columns` read it (the caller
    decides how often)."""

    client: Any
    database: str
    org_tag: str
    columns: dict


def connected_machines(source, machines=None, organizations=None):
    """Distinct machines with a `power = true` sample in the last day (query.md §3), of
    those the caller may see. A machine is in one chunk only, so the chunks' counts add up."""
    parts = visibilities(machines, organizations, source.org_tag, DAY)
    columns = source.columns.get("state", ()) if parts else ()
    if "power" not in columns:
        return 0
    total = 0
    for visible in parts:
        extra = visible.conditions_on(columns)
        if extra is None:
            continue
        sql = "SELECT COUNT(DISTINCT machine_id) AS count FROM state WHERE " + " AND ".join(
            ("time >= now() - INTERVAL '1 day'", "power = true", *extra)
        )
        total += run_query(source, sql, visible.params)[0]["count"]
    return total


def count_events(source, last_day, machines=None, organizations=None):
    """Rows of the event union: one per non-null value, not one per Influx row."""
    total, window = 0, [LAST_DAY] if last_day else []
    for visible in visibilities(machines, organizations, source.org_tag, DAY if window else None):
        union = event_union(source.columns, visible, *window)
        if union is not None:
            sql = f"SELECT COUNT(*) AS count FROM ({union}) AS events"
            total += run_query(source, sql, visible.params)[0]["count"]
    return total


def recent_events(source, machines=None, organizations=None):
    """The newest 20 events of the last 24 hours, of all machines or of those the caller may
    see: the newest 20 of each chunk, merged newest first and cut to 20."""
    rows = []
    for visible in visibilities(machines, organizations, source.org_tag, DAY):
        union = event_union(source.columns, visible, LAST_DAY)
        if union is not None:
            sql = (
                "SELECT time, machine_id, event_id, event_value, event_class"
                f" FROM ({union}) AS events ORDER BY time DESC LIMIT {EVENT_LIMIT}"
            )
            rows += run_query(source, sql, visible.params)
    return sorted(rows, key=lambda row: row["time"], reverse=True)[:EVENT_LIMIT]


def cpu_usage(source):
    """Latest `100 - usage_idle` of the last minute, over all cores when the host tags them."""
    columns = source.columns.get("cpu", ())
    if not {"time", "usage_idle"} <= set(columns):
        return []
    all_cores = " AND cpu = 'cpu-total'" if "cpu" in columns else ""
    sql = (
        "SELECT time, 100 - usage_idle AS cpu_usage FROM cpu"
        f" WHERE time >= now() - INTERVAL '1 minute'{all_cores} ORDER BY time DESC LIMIT 1"
    )
    return run_query(source, sql)


def ram_usage(source):
    """Latest `100 - available_percent` of the last minute."""
    if not {"time", "available_percent"} <= set(source.columns.get("mem", ())):
        return []
    sql = (
        "SELECT time, 100 - available_percent AS ram_usage FROM mem"
        " WHERE time >= now() - INTERVAL '1 minute' ORDER BY time DESC LIMIT 1"
    )
    return run_query(source, sql)


def table_columns(client, database):
    """`{table: [column, …]}` of the tables syncapi reads (schema `iox` holds a database's
    own tables): one query."""
    sql = (
        "SELECT table_name, column_name FROM information_schema.columns"
        f" WHERE table_schema = 'iox' AND table_name IN ({TABLES})"
    )
    columns = {}
    for row in _query(client, sql, database):
        columns.setdefault(row["table_name"], []).append(row["column_name"])
    return columns


def run_query(source, sql, params=None):
    """Rows of `source`'s database as dicts (`_query`)."""
    return _query(source.client, sql, source.database, params)


def _query(client, sql, database, params=None):
    """Rows as dicts, `time` in epoch milliseconds; the client's errors told apart by the Arrow
    error each one carries, not by its text."""
    try:
        with metrics.influxdb_query():
            table = client.query(sql, database=database, query_parameters=params or None)
    except InfluxDB3ClientQueryError as error:
        raise _translated(error.__context__) from error
    return _rows(table)


def _translated(cause):
    """503 when InfluxDB cannot serve anyone (down, too slow, token refused); otherwise the
    query itself failed, which each route answers as its contract says."""
    if isinstance(cause, UNREACHABLE):
        log.warning("InfluxDB unreachable: %s", cause.__class__.__name__)
        return Unavailable("InfluxDB unavailable", details="no answer from INFLUXDB_HOST")
    if isinstance(cause, REFUSED):
        log.warning("InfluxDB refused the token: %s", cause.__class__.__name__)
        return Unavailable("InfluxDB unavailable", details="INFLUXDB_TOKEN was refused")
    log.warning("InfluxDB query failed: %s", cause)
    return QueryError(str(cause))


def _rows(table):
    if "time" in table.column_names:
        index = table.column_names.index("time")
        table = table.set_column(index, "time", _epoch_ms(table.column(index)))
    return table.to_pylist()


def _epoch_ms(column):
    unit = pa.timestamp("ms", tz=column.type.tz)
    return column.cast(unit, safe=False).cast(pa.int64())
