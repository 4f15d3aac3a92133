"""The demo tenant's time series (spec README §7): what its machines and the host would have
written, as a function of time.

Each value is derived from a machine id and a moment by a hash, never from a random state, so
the rows of [a, c) are exactly those of [a, b) followed by those of [b, c): the feed that
appends every 10 seconds writes what a seed made later would hold, and any 24 hours hold
about as many events as any other (the dashboard's 24-hour figures do not decay while it
runs). Times are whole seconds (epoch); a `Sample` carries nanoseconds, as InfluxDB stores.

- `state`: every machine's `power` each minute; a CNC machine's `execution` and `mode` when
  a 15-minute period begins (a period holds one power, execution, mode and operation).
- `production`: a piece per cycle of an ACTIVE machine: `op_code`, `piece_id`,
  `pieces_produced` (the day's count, from midnight UTC).
- `events`: an oil monitor's readings every 5 minutes, one row per kind (`event_id`): level,
  temperature, water, viscosity, each an `event_value` in its unit.
- `cpu` and `mem` of the host (the stats database) every 10 seconds.
"""

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

HISTORY = 24 * 3600  # seconds of series a seed writes
PERIOD = 15 * 60
HEARTBEAT = 60
HOST_EVERY = 10
TANK_EVERY = 5 * 60
DAY = 86400
NS = 1_000_000_000
EXECUTIONS = (("ACTIVE", 0.7), ("READY", 0.15), ("STOPPED", 0.1), ("INTERRUPTED", 0.05))
MODES = (("AUTOMATIC", 0.8), ("MANUAL", 0.15), ("EDIT", 0.05))
OPERATIONS = ("OP10", "OP20", "OP30")
POWERED = {"machine": 0.8, "tank": 0.97}  # the share of periods a device is on
# (event_id, event_class, value at moment t of the day, as a fraction in [0, 1), and noise)
READINGS = (
    ("oil_level", "LEVEL", lambda day: 2300 - 900 * day, 15),  # litres, refilled at midnight
    ("temperature", "TEMPERATURE", lambda day: 45 + 6 * math.sin(2 * math.pi * day), 1),
    ("water_content", "WATER", lambda day: 150 + 80 * day, 10),  # ppm
    ("viscosity", "VISCOSITY", lambda day: 46 - 1.5 * day, 0.4),  # cSt at 40 °C (ISO VG 46)
)


@dataclass(frozen=True)
class Sample:
    """One row: `database` is "main" or "stats" (which one, not its name), `time` epoch
    nanoseconds."""

    database: str
    table: str
    time: int
    tags: dict = field(hash=False)
    fields: dict = field(hash=False)


@dataclass(frozen=True)
class Fleet:
    """The machines of the series: CNC machines, oil monitors (by the id they report), their
    organization, and the tag that carries it (`INFLUXDB_ORG_TAG`, "" for none)."""

    machines: tuple
    tanks: tuple
    organization: str
    org_tag: str = ""


def fleet(data, org_tag=""):
    """The demo tenant's (`data/demo.json`): the CNC monitoring machines and oil monitors."""
    tenant = data["tenant"]
    machines = tuple(device["machineId"] for device in tenant["monitoreo-cnc_devices"])
    tanks = tuple(device["machineId"] for device in tenant["oil-monitor_devices"])
    return Fleet(machines, tanks, data["organizationId"], org_tag)


def samples(fleet, start, end):
    """Every row whose time is in [start, end) (epoch seconds)."""
    rows = []
    for machine in fleet.machines:
        rows += _machine_state(fleet, machine, start, end)
        rows += _production(fleet, machine, start, end)
    for tank in fleet.tanks:
        rows += _tank_state(fleet, tank, start, end)
        rows += _readings(fleet, tank, start, end)
    return rows + _host(start, end)


def _machine_state(fleet, machine, start, end):
    rows = []
    for moment in _times(start, end, HEARTBEAT, _offset(machine, HEARTBEAT)):
        period = moment // PERIOD
        fields = {"power": _powered(machine, "machine", period)}
        if fields["power"] and moment - period * PERIOD < HEARTBEAT:  # the period's first
            fields["execution"] = _execution(machine, period)
            fields["mode"] = _pick(MODES, machine, "mode", period)
        rows.append(_sample(fleet, "state", moment, machine, fields))
    return rows


def _production(fleet, machine, start, end):
    """The day's count needs the pieces since midnight: they are counted from there."""
    cycle = 120 + 30 * int(_unit(machine, "cycle") * 6)  # 2 to 4.5 minutes a piece
    rows, day, count = [], None, 0
    for moment in _times(start - start % DAY, end, cycle, _offset(machine, cycle)):
        period = moment // PERIOD
        if moment // DAY != day:
            day, count = moment // DAY, 0
        if not (_powered(machine, "machine", period) and _execution(machine, period) == "ACTIVE"):
            continue
        count += 1
        if moment >= start:
            date = datetime.fromtimestamp(moment, UTC).strftime("%y%m%d")
            fields = {
                "op_code": OPERATIONS[int(_unit(machine, "operation", period) * len(OPERATIONS))],
                "piece_id": f"{machine}-{date}-{count:04d}",
                "pieces_produced": count,
            }
            rows.append(_sample(fleet, "production", moment, machine, fields))
    return rows


def _tank_state(fleet, tank, start, end):
    return [
        _sample(fleet, "state", moment, tank, {"power": _powered(tank, "tank", moment // PERIOD)})
        for moment in _times(start, end, HEARTBEAT, _offset(tank, HEARTBEAT))
    ]


def _readings(fleet, tank, start, end):
    rows = []
    for moment in _times(start, end, TANK_EVERY, _offset(tank, TANK_EVERY)):
        if not _powered(tank, "tank", moment // PERIOD):
            continue
        for event_id, event_class, value, noise in READINGS:
            wobble = (_unit(tank, event_id, moment) - 0.5) * 2 * noise
            reading = round(value(moment % DAY / DAY) + wobble, 1)
            tags = {"event_id": event_id, "event_class": event_class}
            rows.append(_sample(fleet, "events", moment, tank, {"event_value": reading}, tags))
    return rows


def _host(start, end):
    """The host's cpu (busier by day) and memory, as Telegraf writes them."""
    rows = []
    for moment in _times(start, end, HOST_EVERY, 0):
        day = 2 * math.pi * (moment % DAY) / DAY
        busy = 25 - 12 * math.cos(day) + 10 * (_unit("cpu", moment) - 0.5)
        used = 60 + 5 * math.sin(2 * day) + 3 * (_unit("mem", moment) - 0.5)
        tags = {"cpu": "cpu-total", "host": "syncapi-demo"}
        rows.append(Sample("stats", "cpu", moment * NS, tags, {"usage_idle": round(100 - busy, 2)}))
        tags = {"host": "syncapi-demo"}
        fields = {"available_percent": round(100 - used, 2)}
        rows.append(Sample("stats", "mem", moment * NS, tags, fields))
    return rows


def _sample(fleet, table, moment, machine, fields, extra_tags=None):
    """A row of the main database, tagged with its machine (and organization)."""
    tags = {"machine_id": machine, **(extra_tags or {})}
    if fleet.org_tag:
        tags[fleet.org_tag] = fleet.organization
    return Sample("main", table, moment * NS, tags, fields)


def _times(start, end, step, offset):
    """The moments `offset + k * step` in [start, end)."""
    return range(start + (offset - start) % step, end, step)


def _offset(machine, step):
    """Where a machine's samples fall within each step (machines do not report at once)."""
    return int(_unit(machine, "offset", step) * step)


def _powered(machine, kind, period):
    return _unit(machine, "power", period) < POWERED[kind]


def _execution(machine, period):
    return _pick(EXECUTIONS, machine, "execution", period)


def _pick(choices, *key):
    """One of `(value, weight)` (weights adding up to 1), fixed by `key`."""
    point = _unit(*key)
    for value, weight in choices:
        if point < weight:
            return value
        point -= weight
    return choices[-1][0]


def _unit(*key):
    """A number in [0, 1) fixed by `key` (the same in every process: not `hash`)."""
    digest = hashlib.blake2b(repr(key).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
