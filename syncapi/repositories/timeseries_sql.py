"""SQL pieces of the time-series queries: the event union (spec README §7), and the rows a
caller may read, as SQL and query parameters (spec §13.1).

A caller limited to some organizations reads only the machines they have claimed, each from
its claim's `since`; when the ingestion writes an organization tag (`INFLUXDB_ORG_TAG`), also
only rows tagged with one of its organizations: the tag narrows what claims allow, never
widens it. Everything from the request (ids, dates, organizations) is a `$name` parameter;
the tag name, checked at start against a strict pattern, is the one configured identifier.

Such a caller's machines are sent `CHUNK_SIZE` per query, and `timeseries` adds up or
merges the answers (each machine is in one chunk only). Why 500: the ticket of one query
(its SQL and parameters, one gRPC message) then holds at most about 0.8 MiB, for ids of 128
characters that JSON escapes to 12 bytes each, and about 64 KiB for ids of 20 ASCII
characters: well under the 4 MiB a gRPC server accepts by default. DataFusion (the engine
of InfluxDB 3) plans it in 20 to 30 ms (measured with DataFusion 55, the test stand-in's).

The claim dates are a hash join with a `VALUES` list, not `(machine_id IN (…) AND time >=
$t) OR …` per date: claims made through the API each have their own moment, and DataFusion
evaluates such an OR one alternative after another for every row (500 dates over 24 000
rows: a second; 1 000: three; the join: milliseconds). The placeholders in `VALUES` are
cast, so the list has its column types before the parameters are bound. The plain
`machine_id IN (…)` stays beside the join: a filter on a tag reaches InfluxDB's scan, before
it deduplicates rows.
"""

from syncapi.repositories.machine_claims import EPOCH
from syncapi.serialization import isoformat

CHUNK_SIZE = 500
UNRESTRICTED = isoformat(EPOCH)  # a claim dated back to the epoch restricts nothing
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


def visibilities(machines, organizations, org_tag, size=CHUNK_SIZE):
    """The `Visibility` of each query a caller needs: one reading everything when `machines`
    is None (the caller sees every organization); else one per `size` machines of
    `machines` (`{machine id: since}`), none at all for no machine."""
    if machines is None:
        return [Visibility()]
    items = list(machines.items())
    return [
        Visibility(dict(items[start : start + size]), organizations, org_tag)
        for start in range(0, len(items), size)
    ]


class Visibility:
    """What one query may read: every row, or the rows of some machines (`{id: since}`),
    each from its `since` (None or the epoch: all of it), tagged with one of
    `organizations` when `org_tag` names the tag that carries them."""

    def __init__(self, machines=None, organizations=None, org_tag=""):
        self.params = {}
        self._counts = {}
        self._ids = None
        self._claims = []
        self._organizations = None
        if machines is None:
            return
        self._ids = [self._param("m", machine_id) for machine_id in machines]
        for name, since in zip(self._ids, machines.values(), strict=True):
            moment = None if since is None else isoformat(since)
            if moment not in (None, UNRESTRICTED):
                self._claims.append((name, self._param("t", moment)))
        if org_tag and organizations is not None:  # None: a caller who sees every one
            names = [self._param("o", organization) for organization in organizations]
            self._organizations = (org_tag, names)

    def conditions_on(self, columns):
        """Conditions on a table that has `columns`; None when none of its rows may be read
        (the caller is limited by an organization tag the table does not have)."""
        if self._organizations is None:
            return []
        tag, names = self._organizations
        if tag not in columns or not names:
            return None
        return [f'"{tag}" IN ({", ".join(names)})']

    def restrict(self, rows):
        """`rows` (a SELECT with `time` and `machine_id`) kept to the machines, each from its
        claim; `rows` itself when every machine may be read."""
        if self._ids is None:
            return rows
        conditions = [f"series.machine_id IN ({', '.join(self._ids)})"]
        source = f"({rows}) AS series"
        if self._claims:
            # claims first: the small side is the one a hash join builds when sizes are unknown
            values = ", ".join(
                f"(CAST({machine} AS VARCHAR), CAST({since} AS TIMESTAMP))"
                for machine, since in self._claims
            )
            source = (
                f"(VALUES {values}) AS claims (claimed_id, claimed_from)"
                f" RIGHT JOIN {source} ON claims.claimed_id = series.machine_id"
            )
            conditions.append("(claims.claimed_from IS NULL OR series.time >= claims.claimed_from)")
        return f"SELECT series.* FROM {source} WHERE " + " AND ".join(conditions)

    def _param(self, prefix, value):
        """`$m0`, `$m1`, … for machines, `$t…` for dates, `$o…` for organizations."""
        number = self._counts[prefix] = self._counts.get(prefix, -1) + 1
        self.params[f"{prefix}{number}"] = value
        return f"${prefix}{number}"
