"""The latest power state of machines: `/device/{machineId}/status` and the batch
`POST /device/status` (spec device.md, §13.3), from the `state` table.

Never "all history" (spec §13.7): InfluxDB 3 Core refuses a query that would read more
Parquet files of a table than its `--query-file-limit` (432 by default), and it writes about
one file per table every 10 minutes (`--gen1-duration`): 2 days are about 288 files, "all
history" exceeds the limit after 3 days. So the status looks back in widening windows, each
asking only the machines still without a sample: a machine that reported within the hour
costs one query, and so does a table of 500 machines that all did.
"""

import logging
from datetime import timedelta

from syncapi.repositories.timeseries import run_query
from syncapi.repositories.timeseries_sql import visibilities

log = logging.getLogger(__name__)

STATUS_WINDOWS = (
    ("1 hour", timedelta(hours=1)),
    ("1 day", timedelta(days=1)),
    ("2 days", timedelta(days=2)),
)


def machine_power(source, machines, organizations=None):
    """The latest `power` of the one machine of `machines` (`{id: since}`); None without a
    sample in the widest window."""
    ((_, power),) = machines_power(source, machines, organizations).items()
    return power


def machines_power(source, machines, organizations=None):
    """`{machine id: latest power or None}` of `machines` (`{id: since}`, each from its
    claim's `since`), the newest sample of each picked by the engine (`ROW_NUMBER` per
    machine); machines are sent `CHUNK_SIZE` per query."""
    powers = dict.fromkeys(machines)
    columns = source.columns.get("state", ())
    if "power" not in columns:
        return powers
    missing = dict(machines)
    for window, span in STATUS_WINDOWS:
        for visible in visibilities(missing, organizations, source.org_tag, span):
            extra = visible.conditions_on(columns)
            if extra is None:  # the caller's organizations are not tagged in this table
                return powers
            for row in run_query(source, _latest(window, extra), visible.params):
                powers[row["machine_id"]] = _boolean(row["power"], row["machine_id"])
                missing.pop(row["machine_id"], None)
        if not missing:
            break
    return powers


def _latest(window, conditions):
    where = " AND ".join(("power IS NOT NULL", f"time >= now() - INTERVAL '{window}'", *conditions))
    return (
        "SELECT machine_id, power FROM (SELECT machine_id, power, ROW_NUMBER() OVER"
        f" (PARTITION BY machine_id ORDER BY time DESC) AS newest FROM state WHERE {where})"
        " WHERE newest = 1"
    )


def _boolean(power, machine_id):
    if power is not None and not isinstance(power, bool):
        log.warning("state.power of %r is %s, not a boolean", machine_id, type(power).__name__)
        return None  # the console shows "connected" only for JSON true
    return power
