"""`/api/query`: the dashboard KPIs (spec/query.md), over MongoDB and the InfluxDB stand-in."""

import re
import socket
import threading
import time
from datetime import UTC, datetime

import pytest

from config import Config
from syncapi.core import tokens
from syncapi.core.memo import TimedMemo
from syncapi.repositories.timeseries_sql import CHUNK_SIZE
from tests import builders, round_trips
from tests.helpers import (
    EVENTS,
    EVENTS_ALL_TIME,
    EVENTS_LAST_DAY,
    INFLUX_ONLY,
    INFLUX_TOKEN,
    JWT_SECRET,
    MAIN_DB,
    ORG,
    STATS_DB,
    as_server,
    reconcile,
)
from tests.influx_standin import InfluxStandIn, epoch_ms, table

INFLUX_ROUTES = [
    "/api/query/connected",
    "/api/query/events/processed-24h",
    "/api/query/events/processed",
    "/api/query/events",
    "/api/query/cpu",
    "/api/query/ram",
    "/api/query/storage",
    "/device/CN1/events",
    "/device/CN1/status",
]


@pytest.fixture
def fleet(client, mongo):
    """acme: 2 apps with 3 + 1 devices; globex: 1 app, 0 devices; plus non-tenant databases."""
    builders.organization(client, "acme")
    builders.application(client, "acme", "monitoreo-cnc", "Monitoreo CNC")
    builders.devices(client, "acme", "monitoreo-cnc", ["CN1", "CN2", "CN3"])
    builders.application(client, "acme", "oil-monitor", "Oil")
    builders.devices(client, "acme", "oil-monitor", ["OIL-07"])
    builders.organization(client, "globex")
    builders.application(client, "globex", "presses", "Presses")
    builders.legacy_device(client, {"machineId": "LEGACY-1"})
    mongo["Legacy_DB"]["a_devices"].insert_one({"machineId": "X"})
    mongo["admin"]["x"].insert_one({})
    return mongo


# Counts over MongoDB


def test_registered_counts_the_devices_of_one_organization(client, fleet):
    response = client.get("/api/query/registered?organizationId=acme")
    assert (response.status_code, response.json) == (200, {"count": 4})
    assert client.get("/api/query/registered?organizationId=globex").json == {"count": 0}


def test_registered_defaults_to_the_configured_organization(app, client, fleet):
    assert client.get("/api/query/registered").status_code == 404  # autentiodev does not exist
    app.config["ORGANIZATION_ID"] = "acme"
    assert client.get("/api/query/registered").json == {"count": 4}


@pytest.mark.parametrize(
    ("organization_id", "status"),
    [("Acme", 400), ("admin", 400), ("syncapi", 400), ("a" * 64, 400), ("initech", 404)],
)
def test_registered_checks_the_organization(client, fleet, organization_id, status):
    response = client.get(f"/api/query/registered?organizationId={organization_id}")
    assert response.status_code == status
    if status == 400:
        assert response.json["field"] == "organizationId"
    assert "initech" not in fleet.list_database_names()


def test_cross_tenant_counts_cover_every_tenant_and_nothing_else(client, fleet):
    assert client.get("/api/query/registered/all").json == {"count": 4}
    assert client.get("/api/query/apps-registered").json == {"count": 3}


def test_applications_lists_every_tenant_in_database_then_registry_order(app, client, fleet):
    fleet["acme"].config.update_one(
        {"key": "applications"},
        {"$set": {"value.applicationSettings.oil-monitor.description": "Tanks"}},
    )
    fleet["globex"].config.update_one(
        {"key": "applications"}, {"$unset": {"value.applicationSettings.presses.name": ""}}
    )
    reconcile(app)  # the registry was written by another program
    response = client.get("/api/query/applications")

    assert response.status_code == 200
    assert response.json == [
        {
            "applicationId": "monitoreo-cnc",
            "name": "Monitoreo CNC",
            "description": "",
            "status": "active",
            "deviceCount": 3,
            "organizationId": "acme",
        },
        {
            "applicationId": "oil-monitor",
            "name": "Oil",
            "description": "Tanks",
            "status": "active",
            "deviceCount": 1,
            "organizationId": "acme",
        },
        {
            "applicationId": "presses",
            "name": "presses",
            "description": "",
            "status": "active",
            "deviceCount": 0,
            "organizationId": "globex",
        },
    ]


def test_cross_tenant_counts_are_empty_without_tenants(client):
    assert client.get("/api/query/registered/all").json == {"count": 0}
    assert client.get("/api/query/apps-registered").json == {"count": 0}
    assert client.get("/api/query/applications").json == []


def test_a_tenant_that_cannot_be_read_keeps_its_last_counts(app, client, fleet, monkeypatch):
    """Reconciling reports and skips a database it cannot read: its counts stay as kept on
    write, and every other organization is reconciled."""
    from pymongo.errors import OperationFailure

    from syncapi.repositories import applications

    real = applications.settings_by_id

    def unreadable_globex(db):
        if db.name == "globex":
            raise OperationFailure("not authorized")
        return real(db)

    fleet["acme"]["oil-monitor_devices"].insert_one({"machineId": "WRITTEN-ELSEWHERE"})
    monkeypatch.setattr(applications, "settings_by_id", unreadable_globex)
    result = reconcile(app)
    assert result.exit_code == 1 and "globex: could not be read" in result.output
    assert client.get("/api/query/apps-registered").json == {"count": 3}
    assert client.get("/api/query/registered/all").json == {"count": 5}


def test_fleet_counts_read_no_device_collection(client, fleet, monkeypatch):
    trips = round_trips.install(monkeypatch)
    items = client.get("/api/query/applications").json
    client.get("/api/query/registered/all")
    client.get(f"{ORG}/applications")

    assert [item["deviceCount"] for item in items] == [3, 1, 0]
    assert not [call for call in trips.calls if call.namespace.endswith("_devices")]


def test_cross_tenant_counts_are_cached_for_the_configured_time(app, client, fleet):
    app.extensions["syncapi.web.memo"].seconds = 60
    assert client.get("/api/query/registered/all").json == {"count": 4}
    builders.devices(client, "acme", "oil-monitor", ["OIL-08"])

    assert client.get("/api/query/registered/all").json == {"count": 4}
    assert client.get("/api/query/apps-registered").json == {"count": 3}
    app.extensions["syncapi.web.memo"].seconds = 0
    assert client.get("/api/query/registered/all").json == {"count": 5}


# Counts and rows from InfluxDB


def test_connected_counts_distinct_machines_powered_on_in_the_last_day(client, machines):
    response = client.get("/api/query/connected")
    assert (response.status_code, response.json) == (200, {"count": 2})  # CN1 and CN2


def test_events_processed_count_one_row_per_value(client, machines):
    last_day = client.get("/api/query/events/processed-24h")
    all_time = client.get("/api/query/events/processed")

    assert (last_day.status_code, last_day.json) == (200, {"count": EVENTS_LAST_DAY})
    assert (all_time.status_code, all_time.json) == (200, {"count": EVENTS_ALL_TIME})
    assert type(all_time.json["count"]) is int


def test_storage_estimates_ten_kilobytes_per_event(client, machines):
    response = client.get("/api/query/storage")
    assert (response.status_code, response.json) == (200, {"storage": EVENTS_ALL_TIME / 100_000})


def test_events_are_the_union_of_the_last_day_newest_first(client, machines, now_ns):
    response = client.get("/api/query/events")

    assert response.status_code == 200
    rows = response.json
    assert [row["time"] for row in rows] == [
        epoch_ms(ago, now_ns) for ago in (45, 60, 60, 90, 90, 90, 120, 600, 3600)
    ]
    assert {(row["machine_id"], row["event_id"], row["event_value"]) for row in rows} == {
        ("OIL-07", "event_id", "42.5"),
        ("CN1", "execution", "ACTIVE"),
        ("CN1", "mode", "AUTOMATIC"),
        ("CN1", "op_code", "OP10"),
        ("CN1", "piece_id", "P-1"),
        ("CN1", "pieces_produced", "128"),
        ("CN1", "execution", "STOPPED"),
        ("CN3", "mode", "MANUAL"),
        ("CN2", "mode", "MANUAL"),
    }
    assert rows[0] == {
        "time": epoch_ms(45, now_ns),
        "machine_id": "OIL-07",
        "event_id": "event_id",
        "event_value": "42.5",
        "event_class": "event_class",
    }
    assert all(row["event_class"] == row["event_id"] for row in rows[1:])


def test_events_stop_at_twenty_rows(client, influx, now_ns):
    rows = [
        {"ago": 100 + second, "machine_id": "OIL-07", "event_value": 1.0} for second in range(25)
    ]
    influx.databases[MAIN_DB] = {"events": table(rows, now_ns)}

    times = [row["time"] for row in client.get("/api/query/events").json]
    assert times == [epoch_ms(100 + second, now_ns) for second in range(20)]


def test_only_the_tables_that_exist_are_queried(client, influx, now_ns):
    influx.databases[MAIN_DB] = {"events": table(EVENTS, now_ns)}

    assert client.get("/api/query/connected").json == {"count": 0}
    assert client.get("/api/query/events/processed").json == {"count": 2}
    assert len(client.get("/api/query/events").json) == 1


def test_an_empty_database_has_no_events(client, influx):
    influx.databases[MAIN_DB] = {}
    assert client.get("/api/query/events").json == []
    assert client.get("/api/query/events/processed-24h").json == {"count": 0}
    assert client.get("/api/query/storage").json == {"storage": 0}


CPU = [
    {"ago": 5, "cpu": "cpu-total", "usage_idle": 75.5},
    {"ago": 2, "cpu": "cpu0", "usage_idle": 10.0},  # newer, but one core
    {"ago": 30, "cpu": "cpu-total", "usage_idle": 50.0},
    {"ago": 120, "cpu": "cpu-total", "usage_idle": 0.0},
]
MEM = [{"ago": 3, "available_percent": 38.5}, {"ago": 20, "available_percent": 90.0}]


def test_cpu_is_usage_of_the_latest_all_cores_sample(client, influx, now_ns):
    influx.databases[STATS_DB] = {"cpu": table(CPU, now_ns)}
    response = client.get("/api/query/cpu")
    assert (response.status_code, response.json) == (
        200,
        [{"time": epoch_ms(5, now_ns), "cpu_usage": 24.5}],
    )


def test_cpu_without_a_core_tag_uses_every_sample(client, influx, now_ns):
    rows = [{"ago": 5, "usage_idle": 75.5}, {"ago": 1, "usage_idle": 60.0}]
    influx.databases[STATS_DB] = {"cpu": table(rows, now_ns)}
    assert client.get("/api/query/cpu").json == [{"time": epoch_ms(1, now_ns), "cpu_usage": 40.0}]


def test_ram_is_usage_of_the_latest_sample(client, influx, now_ns):
    influx.databases[STATS_DB] = {"mem": table(MEM, now_ns)}
    response = client.get("/api/query/ram")
    assert (response.status_code, response.json) == (
        200,
        [{"time": epoch_ms(3, now_ns), "ram_usage": 61.5}],
    )


def test_host_metrics_older_than_a_minute_are_no_sample(client, influx, now_ns):
    influx.databases[STATS_DB] = {
        "cpu": table([{"ago": 90, "cpu": "cpu-total", "usage_idle": 1.0}], now_ns),
        "mem": table([{"ago": 90, "available_percent": 1.0}], now_ns),
    }
    assert client.get("/api/query/cpu").json == []
    assert client.get("/api/query/ram").json == []


def test_nan_from_influx_is_null(client, influx, now_ns):
    rows = [{"ago": 1, "cpu": "cpu-total", "usage_idle": float("nan")}]
    influx.databases[STATS_DB] = {"cpu": table(rows, now_ns)}
    assert client.get("/api/query/cpu").json == [{"time": epoch_ms(1, now_ns), "cpu_usage": None}]


# Failures


def test_the_influx_route_list_matches_the_route_matrix(app):

    adapter = app.url_map.bind("localhost")
    assert {adapter.match(path)[0] for path in INFLUX_ROUTES} == INFLUX_ONLY


@pytest.mark.parametrize("path", INFLUX_ROUTES)
def test_on_a_real_mongodb_influx_routes_answer_503_naming_what_is_not_set(app, client, path):
    """(On the embedded store they read the embedded engine: test_embedded_influx.)"""
    response = as_server(app).test_client().get(path)
    assert response.status_code == 503
    assert response.json == {
        "error": "InfluxDB unavailable",
        "details": "INFLUXDB_HOST, INFLUXDB_TOKEN, INFLUXDB_DATABASE not set",
    }


def test_a_missing_database_setting_is_named_alone(app, client, influx):
    app.config["INFLUXDB_DATABASE"] = ""
    response = client.get("/api/query/connected")
    assert response.json["details"] == "INFLUXDB_DATABASE not set"
    assert influx.tickets == []


@pytest.fixture
def stopped_influx(app):
    server = InfluxStandIn(token="t")
    server.shutdown()
    app.config.update(INFLUXDB_HOST=server.host, INFLUXDB_TOKEN="t", INFLUXDB_DATABASE=MAIN_DB)


@pytest.mark.parametrize("path", INFLUX_ROUTES)
def test_influx_routes_answer_503_when_influx_is_down(app, client, stopped_influx, path):
    started = time.monotonic()
    response = client.get(path)
    assert time.monotonic() - started < app.config["INFLUXDB_QUERY_TIMEOUT"]
    assert response.status_code == 503
    assert response.json == {
        "error": "InfluxDB unavailable",
        "details": "no answer from INFLUXDB_HOST",
    }


def test_a_query_that_outlives_the_timeout_is_503(app, client, machines):
    app.config["INFLUXDB_QUERY_TIMEOUT"] = 0.3
    machines.delay = 30

    started = time.monotonic()
    response = client.get("/api/query/connected")

    assert (response.status_code, response.json["error"]) == (503, "InfluxDB unavailable")
    assert time.monotonic() - started < 10  # the configured 0.3 s, not the client's 300 s


def test_a_refused_token_is_503_naming_the_setting(app, client, machines):
    app.config["INFLUXDB_TOKEN"] = "wrong"
    response = client.get("/api/query/events")
    assert response.json == {
        "error": "InfluxDB unavailable",
        "details": "INFLUXDB_TOKEN was refused",
    }


@pytest.mark.parametrize(
    ("path", "status", "body"),
    [
        ("/api/query/connected", 500, {"error": "Error getting connected devices"}),
        ("/api/query/events/processed-24h", 500, {"error": "Error getting processed events"}),
        ("/api/query/events/processed", 500, {"error": "Error getting processed events"}),
        ("/api/query/events", 500, {"error": "Error getting events"}),
        ("/api/query/cpu", 200, []),
        ("/api/query/ram", 200, []),
        ("/api/query/storage", 200, {"storage": 0}),
    ],
)
def test_a_failed_query_answers_as_the_contract_says(client, influx, path, status, body):
    """The stand-in has no database at all, as a misnamed INFLUXDB_DATABASE would find."""
    response = client.get(path)
    assert (response.status_code, response.json) == (status, body)


def test_one_client_serves_every_query(app, client, machines, monkeypatch):
    from syncapi import extensions

    built = []
    real = extensions.InfluxDBClient3
    monkeypatch.setattr(extensions, "InfluxDBClient3", lambda **kw: built.append(1) or real(**kw))
    assert app.extensions["syncapi.influx"]._client is None
    for path in INFLUX_ROUTES:
        client.get(path)
    assert len(built) == 1


# Dashboard load: many pollers, one query


def test_callers_waiting_on_a_hung_query_share_its_failure(app, machines):
    """Eight dashboards polling a hung InfluxDB cost one query timeout, not eight in turn."""
    app.extensions["syncapi.web.memo"].seconds = 60
    app.config["INFLUXDB_QUERY_TIMEOUT"] = 0.5
    machines.delay = 30
    gate, answers = threading.Barrier(8), []

    def poll():
        local = app.test_client()
        gate.wait()
        answers.append(local.get("/api/query/cpu").status_code)

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [503] * 8
    assert len(machines.tickets) == 1


def test_ten_dashboards_cost_one_full_count(app, client, machines):
    app.extensions["syncapi.web.memo"].seconds = 60

    def poll():
        local = app.test_client()
        assert local.get("/api/query/events/processed").json == {"count": EVENTS_ALL_TIME}
        assert local.get("/api/query/storage").status_code == 200

    threads = [threading.Thread(target=poll) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = [ticket for ticket in machines.tickets if "COUNT(*)" in ticket["sql_query"]]
    assert len(counts) == 1


def test_the_memo_keeps_a_bounded_number_of_keys():
    now = [0.0]
    memo = TimedMemo(15, clock=lambda: now[0], max_keys=3)
    for key in "abcd":
        memo.get(key, lambda key=key: key)
    assert list(memo._values) == ["b", "c", "d"]
    now[0] = 20.0  # all expired: dropped together when the next key comes
    memo.get("e", lambda: "e")
    assert list(memo._values) == ["e"]


def test_the_memo_expires_and_keeps_a_failure_only_briefly():
    now = [0.0]
    memo = TimedMemo(15, clock=lambda: now[0])
    assert memo.get("k", lambda: 1) == 1
    now[0] = 14.9
    assert memo.get("k", lambda: 2) == 1
    now[0] = 15.0
    assert memo.get("k", lambda: 3) == 3

    asked = []

    def failing():
        asked.append(1)
        raise RuntimeError("down")

    for _ in range(3):
        with pytest.raises(RuntimeError):
            memo.get("other", failing)
    assert len(asked) == 1  # remembered: not asked again on every poll
    now[0] += 3.0  # FAILURE_SECONDS later
    assert memo.get("other", lambda: 4) == 4


def test_the_cache_is_on_by_default_and_configurable(app, make_app):
    assert app.extensions["syncapi.web.memo"].seconds == 0
    assert Config(environ={}).ANALYTICS_CACHE_SECONDS == 15
    cached = make_app(ANALYTICS_CACHE_SECONDS=30)
    assert cached.extensions["syncapi.web.memo"].seconds == 30


# Callers limited to some organizations: bounded queries, answers of their own

ACME_TOKEN_ORGS, GLOBEX_TOKEN_ORGS = ("acme",), ("globex",)


@pytest.fixture
def signed(app):
    """Authentication on: `as_caller(orgs)` gives the headers of a caller of those orgs."""
    app.config.update(AUTH_MODE="required", JWT_SECRET=JWT_SECRET)

    def as_caller(orgs, role="user"):
        token, _ = tokens.issue(JWT_SECRET, "tester", list(orgs), role, 3600)
        return {"Authorization": f"Bearer {token}"}

    return as_caller


def claim(mongo, organization_id, since_by_machine):
    """Claims as `db ensure-indexes` or the API write them, many at once."""
    mongo["syncapi"]["machine_claims"].insert_many(
        {"_id": machine_id, "organizationId": organization_id, "since": since, "holders": []}
        for machine_id, since in since_by_machine.items()
    )


def claim_date(now_ns, seconds_ago):
    """A claim's `since` as MongoDB hands it back (naive UTC), `seconds_ago` before `now_ns`;
    dated back to the epoch for None."""
    seconds = 0 if seconds_ago is None else now_ns / 10**9 - seconds_ago
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def many_machines(count):
    """Ids as long as a `machineId` may be (128 characters) and as costly to send as any: each
    character outside the BMP is 12 bytes of JSON (a `\\uXXXX` surrogate pair)."""
    return [f"{'𝔐' * 119}{number:09d}" for number in range(count)]


# dated back, or claimed that many seconds ago (half seconds: no row is stored at the instant)
CLAIMED_AGO = (None, 7200.5, 30_000.5, 259_200.5)
DAY = 86400


@pytest.mark.parametrize(
    ("path", "answer"),
    [
        ("/api/query/connected", {"count": 0}),
        ("/api/query/events/processed-24h", {"count": 0}),
        ("/api/query/events/processed", {"count": 0}),
        ("/api/query/events", []),
        ("/api/query/storage", {"storage": 0.0}),
    ],
)
def test_a_caller_who_sees_no_machine_asks_influxdb_nothing(
    app, client, mongo, influx, signed, path, answer
):
    """Its organizations hold no machine: each KPI is empty at once, without a query, even
    while InfluxDB is down."""
    influx.delay = 5.0  # a query would hang
    response = client.get(path, headers=signed(["acme"]))
    assert (response.status_code, response.json) == (200, answer)
    assert influx.tickets == []


@pytest.mark.slow  # about 10 s: 160 queries of 500 machines each
def test_twenty_thousand_machines_are_asked_in_bounded_chunks(
    app, client, mongo, influx, now_ns, signed
):
    """Each query carries at most CHUNK_SIZE machines and a ticket (SQL + parameters, one gRPC
    message) under 1 MiB, a quarter of gRPC's 4 MiB default; the chunks' answers combine into
    what one query over every machine would give, computed here from the rows themselves."""
    ids = many_machines(20_000)
    claimed_ago = {machine: CLAIMED_AGO[n % 4] for n, machine in enumerate(ids)}
    claim(mongo, "acme", {m: claim_date(now_ns, ago) for m, ago in claimed_ago.items()})
    claim(mongo, "globex", {"G1": claim_date(now_ns, None)})
    state, events = [{"ago": 1, "machine_id": "G1", "power": True, "mode": "AUTO"}], []
    for n, machine in enumerate(ids):
        rank = (n % 500) * 40 + n // 500  # the newest rows are of machines 0, 500, 1000, …
        mode = "AUTO" if n % 2 else None
        state.append(
            {"ago": 6 + 3 * rank, "machine_id": machine, "power": n % 3 == 0, "mode": mode}
        )
        events.append({"ago": 5 + 3 * rank, "machine_id": machine, "event_value": float(n)})
        events.append({"ago": 2 * DAY + rank, "machine_id": machine, "event_value": -1.0})
    influx.databases[MAIN_DB] = {"state": table(state, now_ns), "events": table(events, now_ns)}

    def seen(row):
        ago = claimed_ago.get(row["machine_id"], -1)  # -1: another organization's machine
        return ago is None or row["ago"] <= ago

    def seen_in_all_history(row):
        """All history dates each claim from the UTC day after it (timeseries_sql)."""
        ago = claimed_ago.get(row["machine_id"], -1)
        if ago is None or ago < 0:
            return ago is None
        since = now_ns / 10**9 - ago
        day = since - since % DAY
        return now_ns / 10**9 - row["ago"] >= (day if day == since else day + DAY)

    values = [(row, "mode") for row in state if row.get("mode")]
    values += [(row, "event_value") for row in events]
    visible = [(row, column) for row, column in values if seen(row)]
    in_all_history = [(row, column) for row, column in values if seen_in_all_history(row)]
    last_day = [(row, column) for row, column in visible if row["ago"] < DAY]
    newest = sorted(last_day, key=lambda value: value[0]["ago"])[:20]
    connected = {
        row["machine_id"] for row in state if row["power"] and row["ago"] < DAY and seen(row)
    }
    headers = signed(ACME_TOKEN_ORGS)
    app.extensions["syncapi.web.memo"].seconds = 60  # one read of the 20 000 claims serves all

    answers = {path: client.get(path, headers=headers).json for path in CHUNKED_ROUTES}

    assert answers == {
        "/api/query/connected": {"count": len(connected)},
        "/api/query/events/processed-24h": {"count": len(last_day)},
        "/api/query/events/processed": {"count": len(in_all_history)},
        "/api/query/events": [
            {"time": epoch_ms(row["ago"], now_ns), "machine_id": row["machine_id"]}
            | {"event_id": "event_id" if column == "event_value" else column}
            | {
                "event_value": str(row[column]),
                "event_class": "event_class" if column == "event_value" else column,
            }
            for row, column in newest
        ],
    }
    sent = zip(influx.tickets, influx.ticket_bytes, strict=True)
    asked = [(ticket, size) for ticket, size in sent if "params" in ticket]
    assert len(asked) == len(CHUNKED_ROUTES) * 20_000 // CHUNK_SIZE
    assert max(size for _, size in asked) < 1024 * 1024
    assert all(sum(name[0] == "m" for name in t["params"]) == CHUNK_SIZE for t, _ in asked)
    # parameters only in WHERE predicates, where InfluxDB 3 documents them to work
    assert all(re.search(r"\bWHERE\b[^$]*\$", t["sql_query"]) for t, _ in asked)
    assert not any("VALUES" in t["sql_query"] for t, _ in asked)


CHUNKED_ROUTES = (
    "/api/query/connected",
    "/api/query/events/processed-24h",
    "/api/query/events/processed",
    "/api/query/events",
)


ORG_TAGGED_STATE = [
    {"ago": 10, "machine_id": "A1", "orgId": "acme", "power": True, "mode": "AUTO"},
    {"ago": 20, "machine_id": "A2", "orgId": "globex", "power": True, "mode": "MANUAL"},
    {"ago": 30, "machine_id": "G1", "orgId": "acme", "power": True, "mode": "SETUP"},
]


def test_an_organization_tag_narrows_what_claims_allow(app, client, mongo, influx, now_ns, signed):
    """With `INFLUXDB_ORG_TAG`, a limited caller reads rows of its claimed machines that are
    also tagged with one of its organizations: not A2's row tagged globex, not G1's row tagged
    acme (G1 is globex's), nothing of a table written without the tag. The tag value is a
    parameter; only the configured name is SQL, quoted (it is case-sensitive)."""
    app.config["INFLUXDB_ORG_TAG"] = "orgId"
    claim(mongo, "acme", {"A1": claim_date(now_ns, None), "A2": claim_date(now_ns, None)})
    claim(mongo, "globex", {"G1": claim_date(now_ns, None)})
    untagged = [{"ago": 5, "machine_id": "A1", "event_value": 1.0}]
    influx.databases[MAIN_DB] = {
        "state": table(ORG_TAGGED_STATE, now_ns),
        "events": table(untagged, now_ns),
    }
    acme, platform = signed(ACME_TOKEN_ORGS), signed(("*",), "admin")

    assert client.get("/api/query/connected", headers=acme).json == {"count": 1}
    assert client.get("/api/query/events/processed", headers=acme).json == {"count": 1}
    events = client.get("/api/query/events", headers=acme).json
    assert [(row["machine_id"], row["event_value"]) for row in events] == [("A1", "AUTO")]
    assert client.get("/device/A1/status", headers=acme).json == {"power": True}
    assert client.get("/device/A2/status", headers=acme).json == {"power": None}
    assert client.get("/device/A2/events", headers=acme).json == []
    limited = [ticket for ticket in influx.tickets if "params" in ticket]
    assert all('"orgId" IN ($o0)' in t["sql_query"] for t in limited)
    assert {t["params"]["o0"] for t in limited} == {"acme"}
    assert not any("acme" in t["sql_query"] for t in limited)

    influx.tickets.clear()
    assert client.get("/api/query/connected", headers=platform).json == {"count": 3}
    assert client.get("/api/query/events/processed", headers=platform).json == {"count": 4}
    assert client.get("/device/A2/status", headers=platform).json == {"power": True}
    assert not any("orgId" in t["sql_query"] for t in influx.tickets)


LAST_DAY_KPIS = ("/api/query/connected", "/api/query/events/processed-24h", "/api/query/events")


def test_last_day_kpis_are_kept_per_caller_scope(app, client, mongo, machines, now_ns, signed):
    """Kept `ANALYTICS_CACHE_SECONDS` like the fleet counts: a second dashboard of the same
    organizations costs no query, and another tenant never gets the first one's numbers."""
    app.extensions["syncapi.web.memo"].seconds = 60
    claim(mongo, "acme", {"CN1": claim_date(now_ns, None), "CN2": claim_date(now_ns, None)})
    claim(mongo, "globex", {"CN3": claim_date(now_ns, None), "OIL-07": claim_date(now_ns, None)})
    acme, globex = signed(ACME_TOKEN_ORGS), signed(GLOBEX_TOKEN_ORGS)
    first = {path: client.get(path, headers=acme).json for path in LAST_DAY_KPIS}
    asked = len(machines.tickets)

    assert {path: client.get(path, headers=acme).json for path in LAST_DAY_KPIS} == first
    assert len(machines.tickets) == asked
    other = {path: client.get(path, headers=globex).json for path in LAST_DAY_KPIS}
    assert (first["/api/query/connected"], other["/api/query/connected"]) == (
        {"count": 2},
        {"count": 0},
    )
    assert {row["machine_id"] for row in other["/api/query/events"]} == {"CN3", "OIL-07"}
    assert len(machines.tickets) > asked


# InfluxDB coming back after an outage


@pytest.fixture
def outage(app):
    """InfluxDB's port with no InfluxDB behind it: each connection the client opens is
    accepted and closed at once, its moment recorded, until `back()` starts the stand-in on
    that port."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    attempts, servers = [], []

    def refuse():
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:  # closed: InfluxDB is back
                return
            attempts.append(time.monotonic())
            connection.close()

    def back():
        listener.close()
        refuser.join()
        servers.append(InfluxStandIn(token=INFLUX_TOKEN, port=port))
        servers[0].databases[STATS_DB] = {"mem": table(MEM, time.time_ns())}

    refuser = threading.Thread(target=refuse, daemon=True)
    refuser.start()
    app.config.update(
        INFLUXDB_HOST=f"http://127.0.0.1:{port}",
        INFLUXDB_TOKEN=INFLUX_TOKEN,
        INFLUXDB_DATABASE=MAIN_DB,
        INFLUXDB_QUERY_TIMEOUT=2.0,
    )
    yield attempts, back
    listener.close()
    for server in servers:
        server.shutdown()


@pytest.mark.slow  # about 7 s: the outage must last long enough for gRPC's backoff to grow
def test_the_client_reconnects_within_seconds_of_influxdb_coming_back(client, outage):
    """gRPC waits 1.6 times longer after each failed connection, up to 120 s by default: after
    6 s of outage its next attempt would come about 4 s later, after a minute of outage
    about 30 s later. Bounded (`RECONNECT_OPTIONS`), it comes within about a second."""
    attempts, back = outage
    assert client.get("/api/query/ram").status_code == 503
    deadline = time.monotonic() + 10
    while not (attempts and attempts[-1] - attempts[0] > 5.5):  # a failed attempt just now
        assert time.monotonic() < deadline, f"no new attempt since {attempts[-1:]}"
        time.sleep(0.01)

    back()
    returned = time.monotonic()
    while (response := client.get("/api/query/ram")).status_code != 200:
        assert response.status_code == 503
        assert time.monotonic() - returned < 2.5, "not reconnected 2.5 s after InfluxDB returned"
        time.sleep(0.05)
    assert response.json[0]["ram_usage"] == 61.5
