"""Time series in InfluxDB 3 (spec README §7): every SQL statement syncapi runs is here.

Statements are assembled only from the constants of this module; a value from a request
reaches InfluxDB as a `$name` query parameter, never as SQL text. A branch of the event
union, or a KPI, whose table or column the database has never been written to counts as no
data rather than failing the whole query (InfluxDB creates both on first write).
"""

import logging

import pyarrow as pa
from flask import current_app
from influxdb_client_3 import InfluxDB3ClientQueryError
from pyarrow import flight

from syncapi import cache
from syncapi.errors import ApiError
from syncapi.extensions import influx_client
from syncapi.repositories.machine_claims import EPOCH
from syncapi.serialization import isoformat

log = logging.getLogger(__name__)

EVENT_LIMIT = 20
# (table, value column, event_id, event_class); the last row's labels are the original's.
EVENT_BRANCHES = (
    ("state", "execution", "execution", "execution"),
    ("state", "mode", "mode", "mode"),
    ("production", "op_code", "op_code", "op_code"),
    ("production", "piece_id", "piece_id", "piece_id"),
    ("production", "pieces_produced", "pieces_produced", "pieces_produced"),
    ("events", "event_value", "event_id", "event_class"),
)
TABLES = "'state', 'production', 'events', 'cpu', 'mem'"
LAST_DAY = "time >= now() - INTERVAL '24 hours'"
UNRESTRICTED = isoformat(EPOCH)  # a claim dated back to the epoch restricts nothing
UNREACHABLE = (flight.FlightUnavailableError, flight.FlightTimedOutError)
REFUSED = (flight.FlightUnauthenticatedError, flight.FlightUnauthorizedError)


class QueryError(Exception):
    """InfluxDB answered, but with an error (bad table, bad SQL, unknown database)."""


def connected_machines(machines=None):
    """Distinct machines with a `power = true` sample in the last day (query.md §3), among
    `machines` when given."""
    if machines == {} or "power" not in _columns(_main()).get("state", ()):
        return 0
    among, params = _among(machines)
    conditions = ["time >= now() - INTERVAL '1 day'", "power = true", *among]
    sql = "SELECT COUNT(DISTINCT machine_id) AS count FROM state WHERE " + " AND ".join(conditions)
    return _query(sql, _main(), params)[0]["count"]


def count_events(last_day, machines=None):
    """Rows of the event union: one per non-null value, not one per Influx row."""
    if machines == {}:
        return 0
    among, params = _among(machines)
    union = event_union(_columns(_main()), *([LAST_DAY] if last_day else []), *among)
    if union is None:
        return 0
    sql = f"SELECT COUNT(*) AS count FROM ({union}) AS events"
    return _query(sql, _main(), params)[0]["count"]


def recent_events(machines=None):
    """The newest 20 events of the last 24 hours, of all machines or among `machines`."""
    if machines == {}:
        return []
    among, params = _among(machines)
    union = event_union(_columns(_main()), LAST_DAY, *among)
    if union is None:
        return []
    sql = (
        "SELECT time, machine_id, event_id, event_value, event_class"
        f" FROM ({union}) AS events ORDER BY time DESC LIMIT {EVENT_LIMIT}"
    )
    return _query(sql, _main(), params)


def _among(machines):
    """`(conditions, parameters)` keeping only the rows of `machines`, `{machine id: since}`,
    each from its `since` (None or the epoch: all of it); `([], {})` for every machine.

    Every id and date is a query parameter (a date as an RFC 3339 string, which InfluxDB 3
    compares with `time`: "Use parameterized queries with SQL", Time expressions). Machines
    claimed at the same moment share one condition.
    """
    if machines is None:
        return [], {}
    by_since = {}
    for machine_id, since in machines.items():
        moment = None if since is None else isoformat(since)
        by_since.setdefault(None if moment == UNRESTRICTED else moment, []).append(machine_id)
    alternatives, params, named = [], {}, 0
    for group, (moment, ids) in enumerate(by_since.items()):
        names = [f"m{named + index}" for index in range(len(ids))]
        named += len(ids)
        params.update(zip(names, ids, strict=True))
        condition = "machine_id IN (" + ", ".join(f"${name}" for name in names) + ")"
        if moment is not None:
            params[f"t{group}"] = moment
            condition = f"({condition} AND time >= $t{group})"
        alternatives.append(condition)
    return ["(" + " OR ".join(alternatives) + ")"], params


def machine_power(machines):
    """The latest `power` sample of the one machine of `machines` (`{id: since}`), however
    old within what the caller may see; None without one."""
    if "power" not in _columns(_main()).get("state", ()):
        return None
    among, params = _among(machines)
    sql = (
        "SELECT power FROM state WHERE power IS NOT NULL AND "
        + " AND ".join(among)
        + " ORDER BY time DESC LIMIT 1"
    )
    rows = _query(sql, _main(), params)
    power = rows[0]["power"] if rows else None
    if power is not None and not isinstance(power, bool):
        log.warning("state.power of %r is %s, not a boolean", list(machines), type(power).__name__)
        return None  # the console shows "connected" only for JSON true
    return power


def cpu_usage():
    """Latest `100 - usage_idle` of the last minute, over all cores when the host tags them."""
    columns = _columns(_stats()).get("cpu", ())
    if not {"time", "usage_idle"} <= set(columns):
        return []
    all_cores = " AND cpu = 'cpu-total'" if "cpu" in columns else ""
    sql = (
        "SELECT time, 100 - usage_idle AS cpu_usage FROM cpu"
        f" WHERE time >= now() - INTERVAL '1 minute'{all_cores} ORDER BY time DESC LIMIT 1"
    )
    return _query(sql, _stats())


def ram_usage():
    """Latest `100 - available_percent` of the last minute."""
    if not {"time", "available_percent"} <= set(_columns(_stats()).get("mem", ())):
        return []
    sql = (
        "SELECT time, 100 - available_percent AS ram_usage FROM mem"
        " WHERE time >= now() - INTERVAL '1 minute' ORDER BY time DESC LIMIT 1"
    )
    return _query(sql, _stats())


def event_union(columns, *conditions):
    """The six-branch union of README §7 as SQL, restricted by `conditions` (constants of this
    module); branches whose table or value column does not exist are left out. None when no
    branch is left."""
    branches = [
        f"SELECT time, machine_id, '{event_id}' AS event_id,"
        f" CAST({value} AS VARCHAR) AS event_value, '{event_class}' AS event_class"
        f" FROM {table} WHERE " + " AND ".join((f"{value} IS NOT NULL", *conditions))
        for table, value, event_id, event_class in EVENT_BRANCHES
        if {"time", "machine_id", value} <= set(columns.get(table, ()))
    ]
    return " UNION ALL ".join(branches) or None


def _columns(database):
    """`{table: [column, …]}` of the tables syncapi reads (schema `iox` holds a database's
    own tables)."""

    def read():
        sql = (
            "SELECT table_name, column_name FROM information_schema.columns"
            f" WHERE table_schema = 'iox' AND table_name IN ({TABLES})"
        )
        columns = {}
        for row in _query(sql, database):
            columns.setdefault(row["table_name"], []).append(row["column_name"])
        return columns

    return cache.remember(("influx.columns", database), read)


def _main():
    return current_app.config["INFLUXDB_DATABASE"]


def _stats():
    return current_app.config["INFLUXDB_STATS_DATABASE"]


def _query(sql, database, params=None):
    """Rows as dicts, `time` in epoch milliseconds; the client's errors told apart by the Arrow
    error each one carries, not by its text."""
    client = influx_client()
    try:
        table = client.query(sql, database=database, query_parameters=params or None)
    except InfluxDB3ClientQueryError as error:
        raise _translated(error.__context__) from error
    return _rows(table)


def _translated(cause):
    """503 when InfluxDB cannot serve anyone (down, too slow, token refused); otherwise the
    query itself failed, which each route answers as its contract says."""
    if isinstance(cause, UNREACHABLE):
        log.warning("InfluxDB unreachable: %s", cause.__class__.__name__)
        return ApiError(503, "InfluxDB unavailable", details="no answer from INFLUXDB_HOST")
    if isinstance(cause, REFUSED):
        log.warning("InfluxDB refused the token: %s", cause.__class__.__name__)
        return ApiError(503, "InfluxDB unavailable", details="INFLUXDB_TOKEN was refused")
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
