"""The demo's time series: `SEED_DEMO=1` on the embedded engine gives a living dashboard, and
`seed-demo --timeseries` writes the same rows to an InfluxDB 3 server."""

import threading
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from syncapi.cli.demo import BATCH, demo_start, feed_demo_series, seed_demo_into
from syncapi.core import clock, tokens
from syncapi.embedded import demo_series
from syncapi.embedded.demo_feed import Feed
from syncapi.extensions import close_clients, embedded_influx, mongo_client
from syncapi.repositories import demo
from tests.helpers import (
    INFLUX_TOKEN,
    JWT_SECRET,
    MAIN_DB,
    STATS_DB,
    as_server,
    unchanged,
    unserved_app,
)
from tests.influx_standin import InfluxStandIn

FLEET = demo_series.fleet(demo.load())
MACHINES = [*FLEET.machines, *FLEET.tanks]
# The value columns of the event union (spec README §7), one event per non-null value.
UNION_COLUMNS = ("execution", "mode", "op_code", "piece_id", "pieces_produced", "event_value")
MOMENT = 1_767_225_600  # 2026-01-01T00:00:00Z


@pytest.fixture(scope="module")
def demo_app(make_module_app):
    """One app seeded as the gunicorn hook seeds a worker with SEED_DEMO=1 (the routes only
    read it): the demo tenant, and the demo's series in the embedded engine."""
    app = make_module_app(SEED_DEMO=True)
    start = demo_start()
    seed_demo_into(app, start)
    feed_demo_series(app, start)
    app.config["DEMO_START"] = start
    return app


@pytest.fixture
def demo_client(demo_app):
    return demo_app.test_client()


def query_routes(app):
    """Every `/api/query` route, from the URL map: a new one is covered the day it is added."""
    return sorted(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint[:6] == "query.")


DASHBOARD = query_routes(unserved_app())
MACHINE_PAGES = [f"/device/{m}/{page}" for m in MACHINES for page in ("events", "status")]


def test_the_dashboard_routes_are_those_of_the_contract():
    assert len(DASHBOARD) == 11  # spec/query.md


@pytest.mark.parametrize("path", DASHBOARD + MACHINE_PAGES)
def test_every_dashboard_route_and_machine_page_shows_data(demo_client, path):
    response = demo_client.get(path)
    assert response.status_code == 200
    body = response.json
    if isinstance(body, list):
        assert body and all(body), body
    else:
        # a count or size above 0; a power of true or false (a machine may be off)
        assert all(isinstance(v, bool) or (v or 0) > 0 for v in body.values()), body


def test_the_dashboard_reads_every_demo_machine_and_fresh_host_metrics(demo_client):
    assert demo_client.get("/api/query/connected").json == {"count": len(MACHINES)}
    latest = demo_client.get("/api/query/events").json
    assert len(latest) == 20
    assert {row["machine_id"] for row in latest} <= set(MACHINES)
    now_ms = clock.epoch_ms()
    for path, value in (("/api/query/cpu", "cpu_usage"), ("/api/query/ram", "ram_usage")):
        (sample,) = demo_client.get(path).json
        assert now_ms - 60_000 <= sample["time"] <= now_ms
        assert 0 < sample[value] < 100


def test_a_user_of_the_demo_tenant_sees_all_of_it(demo_app, demo_client):
    """The demo's machine claims date from the start of its series."""
    token, _ = tokens.issue(JWT_SECRET, "oscar", ["autentiodev"], "user", 3600)
    headers = {"Authorization": f"Bearer {token}"}
    paths = ["/api/query/connected", "/api/query/events/processed-24h", "/device/CN4/events"]
    everything = {path: demo_client.get(path).json for path in paths}
    demo_app.config.update(AUTH_MODE="required", JWT_SECRET=JWT_SECRET)
    try:
        assert {path: demo_client.get(path, headers=headers).json for path in paths} == everything
    finally:
        demo_app.config.update(AUTH_MODE="off", JWT_SECRET="")
    claims = mongo_client(demo_app)["syncapi"]["machine_claims"].find()
    start = demo_app.config["DEMO_START"].replace(tzinfo=None)
    assert {claim["_id"]: claim["since"] for claim in claims} == dict.fromkeys(MACHINES, start)


# The series themselves


def rows(samples):
    return sorted(
        (s.database, s.table, s.time, sorted(s.tags.items()), sorted(s.fields.items()))
        for s in samples
    )


def test_rows_split_anywhere_are_the_rows_of_the_whole():
    """What the feed appends every 10 s is what a seed made later would hold."""
    start, cut, end = MOMENT - 5400, MOMENT + 1237, MOMENT + 3 * 3600  # MOMENT: midnight
    whole = demo_series.samples(FLEET, start, end)
    parts = demo_series.samples(FLEET, start, cut) + demo_series.samples(FLEET, cut, end)
    assert rows(parts) == rows(whole)
    assert all(start * 10**9 <= sample.time < end * 10**9 for sample in whole)
    first_of_the_day = {}
    for sample in sorted(whole, key=lambda sample: sample.time):
        if sample.table == "production" and sample.time >= MOMENT * 10**9:
            first_of_the_day.setdefault(sample.tags["machine_id"], sample.fields)
    assert [fields["pieces_produced"] for fields in first_of_the_day.values()] == [1, 1, 1]


def events_per_day(samples, ends):
    counts = []
    for end in ends:
        window = [s for s in samples if (end - 86400) * 10**9 <= s.time < end * 10**9]
        counts.append(sum(column in s.fields for s in window for column in UNION_COLUMNS))
    return counts


def test_every_24_hours_hold_about_as_many_events_of_every_kind():
    """The 24-hour figures do not decay while the demo runs."""
    fleet = demo_series.Fleet(FLEET.machines, FLEET.tanks, FLEET.organization)
    samples = [s for s in demo_series.samples(fleet, MOMENT, MOMENT + 3 * 86400)]
    counts = events_per_day(samples, range(MOMENT + 86400, MOMENT + 3 * 86400, 6 * 3600))
    assert min(counts) > 0.85 * max(counts) and min(counts) > 1000, counts
    kinds = Counter(column for s in samples for column in UNION_COLUMNS if column in s.fields)
    assert set(kinds) == set(UNION_COLUMNS)
    readings = {s.tags["event_id"] for s in samples if s.table == "events"}
    assert readings == {reading[0] for reading in demo_series.READINGS}
    powers = {s.fields["power"] for s in samples if s.table == "state"}
    assert powers == {True, False}  # machines are switched on and off


def test_rows_carry_the_organization_tag_when_one_is_configured():
    fleet = demo_series.fleet(demo.load(), org_tag="orgId")
    samples = demo_series.samples(fleet, MOMENT, MOMENT + 600)
    main = [s for s in samples if s.database == "main"]
    assert main and all(s.tags["orgId"] == "autentiodev" for s in main)
    assert not any("orgId" in s.tags for s in samples if s.database == "stats")


# The feed


@pytest.fixture
def engine():
    server = InfluxStandIn(token=INFLUX_TOKEN)
    yield server
    server.shutdown()


def stored(engine):
    return {
        (database, name): table.num_rows
        for database, tables in engine.databases.items()
        for name, table in tables.items()
    }


def test_the_feed_appends_what_a_later_seed_would_hold(engine):
    databases = {"main": MAIN_DB, "stats": STATS_DB}
    feed = Feed(engine, databases, FLEET, MOMENT)
    first = feed.advance(MOMENT + 3600)
    later = sum(feed.advance(MOMENT + 3600 + step) for step in range(10, 400, 10))
    whole = demo_series.samples(FLEET, MOMENT, MOMENT + 3990)
    expected = Counter((databases[s.database], s.table) for s in whole)
    assert first + later == len(whole)
    assert stored(engine) == dict(expected)
    assert feed.advance(MOMENT + 3990) == 0  # nothing twice


def test_the_feed_thread_keeps_appending_until_stopped(engine):
    feed = Feed(engine, {"main": MAIN_DB, "stats": STATS_DB}, FLEET, int(clock.now().timestamp()))
    feed.until -= 600  # ten minutes behind: its first round appends them
    feed.start(interval=0.01)
    try:
        for _ in range(500):
            if (STATS_DB, "cpu") in stored(engine):
                break
            threading.Event().wait(0.01)
        assert stored(engine)[(STATS_DB, "cpu")] >= 60
    finally:
        feed.stop()
    until = feed.until
    threading.Event().wait(0.05)
    assert feed.until == until


def feeds():
    return {thread for thread in threading.enumerate() if thread.name == "syncapi-demo-feed"}


def test_closing_the_app_stops_its_feed(make_app):
    app = make_app(SEED_DEMO=True)
    others = feeds()
    feed_demo_series(app, demo_start())
    (mine,) = feeds() - others
    engine = embedded_influx(app).engine
    close_clients(app)
    assert not mine.is_alive()
    assert engine.databases[STATS_DB]["cpu"].num_rows == 8640  # 24 h, every 10 s


# seed-demo --timeseries: the same rows, to an InfluxDB 3 server


class Writes(BaseHTTPRequestHandler):
    """InfluxDB 3's write endpoint, keeping each request; answers `status`."""

    received = []
    status = 204

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        type(self).received.append((self.path, self.headers["Authorization"], body))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def influxdb_server():
    Writes.received, Writes.status = [], 204
    server = ThreadingHTTPServer(("127.0.0.1", 0), Writes)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def on_server(app, influxdb_server, monkeypatch):
    """The app on a MongoDB and an InfluxDB 3 server, at MOMENT."""
    monkeypatch.setattr(clock, "now", lambda: datetime.fromtimestamp(MOMENT, UTC))
    app.config.update(
        INFLUXDB_HOST=f"http://127.0.0.1:{influxdb_server.server_port}",
        INFLUXDB_TOKEN=INFLUX_TOKEN,
        INFLUXDB_DATABASE=MAIN_DB,
    )
    return as_server(app)


def parse_line(line):
    """One line of InfluxDB line protocol as (table, tags, fields, time)."""
    head, fields, time = split(line, " ")
    table, *tags = split(head, ",")
    return (
        unescape(table),
        dict(map(unescape, split(tag, "=")) for tag in tags),
        {unescape(k): value(v) for k, v in (split(f, "=") for f in split(fields, ","))},
        int(time),
    )


def split(text, separator):
    """`text` cut at each `separator` that is neither escaped nor inside double quotes."""
    if "\\" not in text and '"' not in text:
        return text.split(separator)
    parts, current, quoted, escaped = [], "", False, False
    for char in text:
        if char == separator and not quoted and not escaped:
            parts.append(current)
            current = ""
            continue
        quoted ^= char == '"' and not escaped
        escaped = char == "\\" and not escaped
        current += char
    return [*parts, current]


def unescape(text):
    return "".join(part.replace("\\", "") for part in text.split("\\\\"))


def value(text):
    if text.startswith('"'):
        return unescape(text[1:-1])
    if text in ("true", "false"):
        return text == "true"
    return int(text[:-1]) if text.endswith("i") else float(text)


def test_seed_demo_timeseries_writes_rows_that_parse_back_into_the_series(on_server):
    result = on_server.test_cli_runner().invoke(args=["seed-demo", "--timeseries"])

    assert result.exit_code == 0, result.output
    start = MOMENT - 86400
    expected = demo_series.samples(FLEET, start, MOMENT)
    assert f"demo time series written: {len(expected)} row(s)" in result.output
    written = {}
    for path, authorization, body in Writes.received:
        url = urlsplit(path)
        query = parse_qs(url.query)
        assert (url.path, query["precision"], authorization) == (
            "/api/v2/write",  # the client's default, which InfluxDB 3 serves
            ["ns"],
            f"Token {INFLUX_TOKEN}",
        )
        lines = body.split("\n")
        assert len(lines) <= BATCH
        written.setdefault(query["bucket"][0], []).extend(map(parse_line, lines))
    assert len(Writes.received) == 6  # 7 916 rows of main, 17 280 of stats, 5 000 a request
    names = {"main": MAIN_DB, "stats": STATS_DB}
    assert {database: sorted(map(comparable, rows)) for database, rows in written.items()} == {
        names[database]: sorted(
            comparable((s.table, s.tags, s.fields, s.time))
            for s in expected
            if s.database == database
        )
        for database in names
    }


def comparable(row):
    table, tags, fields, time = row
    return table, time, sorted(tags.items()), sorted(fields.items())


@pytest.mark.parametrize(
    ("unset", "named"),
    [
        (("INFLUXDB_HOST", "INFLUXDB_TOKEN", "INFLUXDB_DATABASE"), "INFLUXDB_HOST, INFLUXDB_TOKEN"),
        (("INFLUXDB_HOST",), "INFLUXDB_HOST not set"),
        (("INFLUXDB_DATABASE",), "INFLUXDB_DATABASE not set"),
    ],
)
def test_seed_demo_timeseries_refuses_without_influxdb(app, mongo, on_server, unset, named):
    app.config.update(dict.fromkeys(unset, ""))
    with unchanged(mongo):
        result = on_server.test_cli_runner().invoke(args=["seed-demo", "--timeseries"])
    assert result.exit_code == 1
    assert "--timeseries writes to an InfluxDB 3 server" in result.output
    assert named in result.output
    assert Writes.received == []


def test_seed_demo_timeseries_says_when_influxdb_refuses_the_rows(on_server):
    Writes.status = 401
    result = on_server.test_cli_runner().invoke(args=["seed-demo", "--timeseries"])
    assert result.exit_code == 1
    assert "Error: InfluxDB did not take the demo series" in result.output
