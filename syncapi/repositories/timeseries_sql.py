"""SQL pieces of the time-series queries: the event union (spec README §7), and the rows a
caller may read, as SQL conditions and query parameters (spec §13.1).

A caller limited to some organizations reads only the machines they have claimed, each from
its claim's `since`; when the ingestion writes an organization tag (`INFLUXDB_ORG_TAG`), also
only rows tagged with one of its organizations: the tag narrows what claims allow, never
widens it. Everything from the request (ids, dates, organizations) is a `$name` parameter,
and only in `WHERE` predicates, the one place InfluxDB 3 documents parameters to work
("Use parameterized queries with SQL": not in other clauses, not as function arguments);
the tag name, checked at start against a strict pattern, is the one configured identifier.

Such a caller's machines are sent `CHUNK_SIZE` per query, and `timeseries` adds up or
merges the answers (each machine is in one chunk only). Why 500: the ticket of one query
(its SQL and parameters, one gRPC message) then holds at most about 0.8 MiB, for ids of 128
characters that JSON escapes to 12 bytes each, and about 64 KiB for ids of 20 ASCII
characters: well under the 4 MiB a gRPC server accepts by default.

Claim dates become `(machine_id IN (…) AND time >= $t)` alternatives, one per distinct date,
which an engine evaluates one after another for every row: so there are few. A claim older
than the query's window (with an hour's margin for clocks) restricts nothing in it; a
windowless query (all history) dates each claim from the UTC day after it (never earlier
than the claim: a slightly smaller count, never data a claim does not open).
"""

from datetime import UTC, timedelta

from syncapi.core.clock import isoformat, utcnow
from syncapi.repositories.machine_claims import EPOCH

CHUNK_SIZE = 500
CLOCK_MARGIN = timedelta(hours=1)  # between this host's clock and InfluxDB's now()
LAST_DAY = "time >= now() - INTERVAL '24 hours'"
# (table, value column, event_id, event_class); the last row's labels are the original's.
EVENT_BRANCHES = (
    ("state", "execution", "execution", "execution"),
    ("state", "mode", "mode", "mode"),
    ("production", "op_code", "op_code", "op_code"),
    ("production", "piece_id", "piece_id", "piece_id"),
    ("production", "pieces_produced", "pieces_produced", "pieces_produced"),
    ("events", "event_value", "event_id", "event_class"),
)


def event_union(columns, visible, *conditions):
    """The six-branch union of README §7 as SQL, restricted by `conditions` (constants of this
    module) and by what `visible` asks of each table; branches whose table or value column
    does not exist, or that hold nothing `visible` allows, are left out. None when no branch
    is left."""
    branches = []
    for table, value, event_id, event_class in EVENT_BRANCHES:
        extra = visible.conditions_on(columns.get(table, ()))
        if extra is None or not {"time", "machine_id", value} <= set(columns.get(table, ())):
            continue
        branches.append(
            f"SELECT time, machine_id, '{event_id}' AS event_id,"
            f" CAST({value} AS VARCHAR) AS event_value, '{event_class}' AS event_class"
            f" FROM {table} WHERE " + " AND ".join((f"{value} IS NOT NULL", *conditions, *extra))
        )
    return " UNION ALL ".join(branches) or None


def visibilities(machines, organizations, org_tag, window=None, size=CHUNK_SIZE):
    """The `Visibility` of each query a caller needs: one reading everything when `machines`
    is None (the caller sees every organization); else one per `size` machines of
    `machines` (`{machine id: since}`), none at all for no machine. `window` is how far back
    the query reads (a `timedelta`), None for all history."""
    if machines is None:
        return [Visibility()]
    items = list(machines.items())
    return [
        Visibility(dict(items[start : start + size]), organizations, org_tag, window)
        for start in range(0, len(items), size)
    ]


class Visibility:
    """What one query may read: every row, or the rows of some machines (`{id: since}`),
    each from its `since` (None or the epoch: all of it), tagged with one of
    `organizations` when `org_tag` names the tag that carries them."""

    def __init__(self, machines=None, organizations=None, org_tag="", window=None):
        self.params = {}
        self._counts = {}
        self._machines = None
        self._organizations = None
        if machines is None:
            return
        by_since = {}
        for machine_id, since in machines.items():
            by_since.setdefault(_effective(since, window), []).append(machine_id)
        alternatives = []
        for since, ids in sorted(by_since.items(), key=lambda item: item[0] or ""):
            names = ", ".join(self._param("m", machine_id) for machine_id in ids)
            if since is None:
                alternatives.append(f"machine_id IN ({names})")
            else:
                moment = self._param("t", since)
                alternatives.append(f"(machine_id IN ({names}) AND time >= {moment})")
        self._machines = "(" + " OR ".join(alternatives) + ")"
        if org_tag and organizations is not None:  # None: a caller who sees every one
            names = [self._param("o", organization) for organization in organizations]
            self._organizations = (org_tag, names)

    def conditions_on(self, columns):
        """`WHERE` conditions on a table that has `columns`; None when none of its rows may
        be read (the caller is limited by an organization tag the table does not have)."""
        conditions = [] if self._machines is None else [self._machines]
        if self._organizations is None:
            return conditions
        tag, names = self._organizations
        if tag not in columns or not names:
            return None
        return [*conditions, f'"{tag}" IN ({", ".join(names)})']

    def _param(self, prefix, value):
        """`$m0`, `$m1`, … for machines, `$t…` for dates, `$o…` for organizations."""
        number = self._counts[prefix] = self._counts.get(prefix, -1) + 1
        self.params[f"{prefix}{number}"] = value
        return f"${prefix}{number}"


def _effective(since, window):
    """The RFC 3339 moment a claim restricts a query to; None when it restricts nothing."""
    if since is None:
        return None
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    if since <= EPOCH:
        return None
    if window is None:  # all history: from the next UTC day, so that dates are few
        day = since.replace(hour=0, minute=0, second=0, microsecond=0)
        return isoformat(day if day == since else day + timedelta(days=1))
    if since <= utcnow() - window - CLOCK_MARGIN:
        return None
    return isoformat(since)
