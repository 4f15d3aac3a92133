"""In-process rows (a)-(g) and the operation counts: direct WSGI calls, no network.

Each syncapi app has its own embedded store; its baseline (`bare.create`) is given that
store's client, so both sides of a pair read the same documents through the same client.

Both sides do what they do in production: syncapi writes its JSON line per request (to the
null device) and counts its metrics in prometheus_client's multiprocess mode (`__main__`
names the directory); the baseline logs one line per request through `logging`, as a bare
Flask app's access log would (the issue-14 rule for per-request work: README, Benchmark).
"""

import os
import time

from bench import bare, counts, timing, world
from syncapi.extensions import influx_client, mongo_client
from syncapi.web import request_log
from tests import builders
from tests.influx_standin import InfluxStandIn, table

INFLUX_TOKEN = "apiv3_bench-token"
INFLUX_DATABASE = "sync"
DEVICE = f"{world.DEVICE_PATH}/{world.machine_id(7)}"
SMALL_LIST = f"/api/organizations/{world.ORG}/applications/{world.SMALL_APP}/devices"
STATUS = f"/device/{world.machine_id(0)}/status"
ORGANIZATIONS = "/api/organizations"
LEGACY = f"/device/{world.LEGACY_ID}"
ORIGIN = {"Origin": world.ORIGIN}  # a browser's cross-origin call: flask-cors answers it


def posted(prefix):
    return lambda number: {"machineId": f"{prefix}{number}", "name": "Posted"}


def renamed(prefix):
    """A PUT's body that changes the device every time (a new name)."""
    return lambda number: {"name": f"{prefix} {number}"}


class Setup:
    """The apps of the in-process rows: syncapi with auth off and with bearer tokens, each
    beside a baseline on its store, and the InfluxDB stand-in of row (g)."""

    def __init__(self):
        self.standin = InfluxStandIn(token=INFLUX_TOKEN)
        now = time.time_ns()
        state = [{"ago": 60, "machine_id": world.machine_id(0), "power": True}]
        self.standin.databases = {INFLUX_DATABASE: {"state": table(state, now)}}
        influx = {
            "INFLUXDB_HOST": self.standin.host,
            "INFLUXDB_TOKEN": INFLUX_TOKEN,
            "INFLUXDB_DATABASE": INFLUX_DATABASE,
        }
        self.off = world.build(False, world.environment(False) | influx)
        self.on = world.build(True)
        self.null = os.open(os.devnull, os.O_WRONLY)
        for app in (self.off, self.on):
            request_log.write_lines_to(app, self.null)
        self.store = mongo_client(self.off)
        self.status_query = self._status_query()
        client = mongo_client(self.off)
        logged = {"log_requests": True}
        self.bare_off = bare.create(client, influx_client(self.off), self.status_query, **logged)
        self.bare_on = bare.create(mongo_client(self.on), **logged)
        self.bare_silent = bare.create(client)
        self.token = world.bearer(True)

    def _status_query(self):
        """The power query syncapi sends for the machine, replayed by the baseline."""
        timing.Call(self.off, STATUS)()
        ticket = self.standin.tickets[-1]
        assert "power" in ticket["sql_query"], ticket
        return ticket["sql_query"], ticket.get("params") or None, ticket["database"]

    def clean_posted(self):
        """Untimed, after each sample of (f): the application keeps its 100 devices, and
        the change log its seeded entries (see `put_row`)."""
        posted_ids = {"$regex": "^P[SBKC]-"}
        self.store[world.ORG][f"{world.APP}_devices"].delete_many({"machineId": posted_ids})
        self.store[world.ORG].idempotency_keys.delete_many({})
        self.store[world.ORG].changes.delete_many({"resource.id": posted_ids})
        self.store[world.SHARED].machine_claims.delete_many({"_id": posted_ids})

    def close(self):
        self.standin.shutdown()
        os.close(self.null)


def operation_counts(setup):
    """Steady-state operations per request; (e) with 50 organizations (1 000 added later)."""
    off, on = setup.off, setup.on
    with counts.Counter(setup.standin) as counter:
        found = {
            "c": counter.of(timing.Call(off, DEVICE)),
            "c_bearer": counter.of(timing.Call(on, DEVICE, headers=setup.token)),
            "legacy": counter.of(timing.Call(off, LEGACY)),
            "d": counter.of(timing.Call(off, world.DEVICE_PATH)),
            "d_small": counter.of(timing.Call(off, SMALL_LIST)),
            "e50": counter.of(timing.Call(off, ORGANIZATIONS)),
            "f": counter.of(
                timing.Call(off, world.DEVICE_PATH, "POST", body=posted("PS-C"), expect=201)
            ),
            "f_key": counter.of(
                timing.Call(
                    off, world.DEVICE_PATH, "POST", body=posted("PS-K"), expect=201, key="k-"
                )
            ),
            "g": counter.of(timing.Call(off, STATUS)),
            "put": counter.of(timing.Call(off, DEVICE, "PUT", body=renamed("C"))),
        }
    setup.clean_posted()
    return found


def organizations_at_1000(setup):
    """Row (e) again with 1 000 organizations: time and operations."""
    builders.organizations_in_bulk(setup.store, 50, 1000)
    wait_for_refresh(setup.off)
    with counts.Counter() as counter:
        found = counter.of(timing.Call(setup.off, ORGANIZATIONS))
    pair = timing.pair(
        timing.Call(setup.off, ORGANIZATIONS), timing.Call(setup.bare_off, ORGANIZATIONS)
    )
    return found, pair


def wait_for_refresh(app):
    """The organization list starts a refresh of the sizes in a thread of its own at most
    every ORGANIZATION_REFRESH_SECONDS: let it run before timing, not during."""
    timing.Call(app, ORGANIZATIONS)()
    app.extensions["syncapi.background"].wait(timeout=120)


def timings(setup):
    """Rows (a)-(g): `{key: {seconds, bare_seconds?, ratio?}}`."""
    off, on, bare_off, bare_on = setup.off, setup.on, setup.bare_off, setup.bare_on
    wait_for_refresh(off)
    token = setup.token
    return {
        "a": timing.single(timing.Call(bare_off, "/hello")),
        "b": timing.pair(timing.Call(off, "/status"), timing.Call(bare_off, "/hello")),
        "c": timing.pair(timing.Call(off, DEVICE), timing.Call(bare_off, DEVICE)),
        "c_bearer": timing.pair(
            timing.Call(on, DEVICE, headers=token), timing.Call(bare_on, DEVICE, headers=token)
        ),
        "c_origin": timing.pair(
            timing.Call(off, DEVICE, headers=ORIGIN), timing.Call(bare_off, DEVICE, headers=ORIGIN)
        ),
        "c_silent": timing.pair(timing.Call(off, DEVICE), timing.Call(setup.bare_silent, DEVICE)),
        "legacy": timing.pair(timing.Call(off, LEGACY), timing.Call(bare_off, LEGACY)),
        "d": timing.pair(
            timing.Call(off, world.DEVICE_PATH), timing.Call(bare_off, world.DEVICE_PATH)
        ),
        "e50": timing.pair(timing.Call(off, ORGANIZATIONS), timing.Call(bare_off, ORGANIZATIONS)),
        "f": timing.pair(
            timing.Call(off, world.DEVICE_PATH, "POST", body=posted("PS-"), expect=201),
            timing.Call(bare_off, world.DEVICE_PATH, "POST", body=posted("PB-"), expect=201),
            after_sample=setup.clean_posted,
        ),
        "f_key": timing.pair(
            timing.Call(off, world.DEVICE_PATH, "POST", body=posted("PK-"), expect=201, key="t-"),
            timing.Call(bare_off, world.DEVICE_PATH, "POST", body=posted("PC-"), expect=201),
            after_sample=setup.clean_posted,
        ),
        "g": timing.pair(timing.Call(off, STATUS), timing.Call(bare_off, STATUS)),
        "put": put_row(setup),
    }


def put_row(setup):
    """A PUT of one device by id: syncapi (its change-log entry included) beside the bare
    app making the same update without one. The log is kept at its seeded size: mongomock
    checks a unique index (`seq`) by scanning the collection, so every entry the row left
    would make the next insert slower (a server inserts into the index)."""
    log = setup.store[world.ORG].changes
    seeded = log.find_one(sort=[("seq", -1)])["seq"]

    def forget_the_rows_entries():
        log.delete_many({"seq": {"$gt": seeded}})

    return timing.pair(
        timing.Call(setup.off, DEVICE, "PUT", body=renamed("S")),
        timing.Call(setup.bare_off, DEVICE, "PUT", body=renamed("B")),
        after_sample=forget_the_rows_entries,
    )


FLEET_APP = "fleet"
FLEET = f"/api/organizations/{world.ORG}/applications/{FLEET_APP}/devices"
FLEET_SIZE, PAGE = 10_000, 100
BATCH = 500


def fleet_rows(setup):
    """The lists issue's rows: pages 1 and 50 of 10 000 devices sorted by name, and the
    batch status of 500 machines (all of which reported within the hour: one query)."""
    client = setup.off.test_client()
    body = {"applicationId": FLEET_APP, "name": "Fleet"}
    client.post(f"/api/organizations/{world.ORG}/applications", json=body)
    world.add_devices(setup.store[world.ORG], FLEET_APP, FLEET_SIZE)
    now = time.time_ns()
    state = [{"ago": 60, "machine_id": f"F{n:05d}", "power": n % 2 == 0} for n in range(BATCH)]
    setup.standin.databases[INFLUX_DATABASE]["state"] = table(state, now)
    machine_ids = [f"F{number:05d}" for number in range(BATCH)]
    return {
        "page1": timing.single(timing.Call(setup.off, f"{FLEET}?limit={PAGE}&sort=name")),
        "page50": timing.single(
            timing.Call(setup.off, f"{FLEET}?limit={PAGE}&offset={49 * PAGE}&sort=name")
        ),
        "batch": timing.single(
            timing.Call(
                setup.off, "/device/status", "POST", body=lambda _: {"machineIds": machine_ids}
            )
        ),
    }
