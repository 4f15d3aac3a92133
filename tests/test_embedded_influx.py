"""The embedded time-series engine (spec README §13.6): on the embedded MongoDB store without
`INFLUXDB_HOST`, the time-series routes read DataFusion behind Arrow Flight in the worker."""

import sys

import pytest
from influxdb_client_3 import InfluxDB3ClientQueryError, InfluxDBClient3

from config import EMBEDDED_INFLUXDB_DATABASE
from syncapi.embedded import influx
from syncapi.extensions import EMBEDDED_INFLUX_KEY, embedded_influx
from tests.helpers import STATS_DB

EMPTY_ANSWERS = {
    "/api/query/connected": {"count": 0},
    "/api/query/events/processed-24h": {"count": 0},
    "/api/query/events/processed": {"count": 0},
    "/api/query/events": [],
    "/api/query/cpu": [],
    "/api/query/ram": [],
    "/api/query/storage": {"storage": 0},
    "/device/CN1/events": [],
    "/device/CN1/status": {"power": None},
}


@pytest.mark.parametrize("path", EMPTY_ANSWERS)
def test_without_influxdb_the_embedded_engine_answers_empty(client, path):
    response = client.get(path)
    assert (response.status_code, response.json) == (200, EMPTY_ANSWERS[path])


def test_without_influxdb_the_batch_status_reads_the_embedded_engine(client):
    response = client.post("/device/status", json={"machineIds": ["CN1", "CN2"]})
    assert (response.status_code, response.json) == (
        200,
        {"CN1": {"power": None}, "CN2": {"power": None}},
    )


def test_the_engine_starts_in_the_process_on_first_use_not_with_the_app(app, client):
    """gunicorn forks after loading the app: a server thread started before would not be in
    the worker."""
    lazy = app.extensions[EMBEDDED_INFLUX_KEY]
    assert client.get("/api/organizations").status_code == 200
    assert not lazy.made
    assert client.get("/api/query/cpu").status_code == 200
    assert lazy.made
    assert set(embedded_influx(app).engine.databases) == {EMBEDDED_INFLUXDB_DATABASE, STATS_DB}


def test_the_engine_listens_on_loopback_for_its_own_token_only(app, client):
    """A random token per process: another process of the host cannot read it."""
    embedded = embedded_influx(app)
    assert embedded.engine.host.startswith("http://127.0.0.1:")
    assert len(embedded.engine.token) >= 32
    intruder = InfluxDBClient3(host=embedded.engine.host, token="guess", database=STATS_DB)
    with pytest.raises(InfluxDB3ClientQueryError, match="invalid token"):
        intruder.query("SELECT 1 AS one")
    intruder.close()
    assert embedded.client.query("SELECT 1 AS one").to_pylist() == [{"one": 1}]


def test_the_token_is_compared_in_constant_time(app, monkeypatch):
    """The comparison is `hmac.compare_digest`'s: how long a refusal takes says nothing of
    how much of a guess was right."""
    embedded = embedded_influx(app)
    compared = []
    real = influx.hmac.compare_digest
    monkeypatch.setattr(
        influx.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b)
    )
    expected = f"Bearer {embedded.engine.token}".encode()
    guess = embedded.engine.token[:-1] + "x"  # right but for its last character
    intruder = InfluxDBClient3(host=embedded.engine.host, token=guess, database=STATS_DB)
    with pytest.raises(InfluxDB3ClientQueryError, match="invalid token"):
        intruder.query("SELECT 1 AS one")
    intruder.close()
    assert embedded.client.query("SELECT 1 AS one").to_pylist() == [{"one": 1}]
    assert compared == [(f"Bearer {guess}".encode(), expected), (expected, expected)]


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("CREATE EXTERNAL TABLE t STORED AS CSV LOCATION '/etc/hostname'", "DDL"),
        ("CREATE TABLE t AS SELECT 1", "DDL"),
        ("CREATE VIEW v AS SELECT 1", "DDL"),
        ("DROP TABLE cpu", "DDL"),
        ("COPY (SELECT 1) TO '{written}'", "DML"),
        ("INSERT INTO cpu VALUES (2, 6.0)", "DML"),
        ("DELETE FROM cpu", "DML"),
        ("SET datafusion.execution.batch_size = 1", "Statement"),
    ],
)
def test_only_queries_run_on_the_engine(app, tmp_path, sql, refused):
    """`CREATE EXTERNAL TABLE` would read any file the process may read, `COPY … TO` write
    one: the engine plans no DDL, DML or statement, and says so."""
    embedded = embedded_influx(app)
    main = EMBEDDED_INFLUXDB_DATABASE  # the one the app's client reads
    embedded.engine.append(main, "cpu", influx.influx_table([{"time": 1, "usage": 5.0}], ()))
    tables = embedded.engine.databases[main]
    written = tmp_path / "copied.csv"
    with pytest.raises(InfluxDB3ClientQueryError) as error:
        embedded.client.query(sql.format(written=written))
    assert f"only queries (SELECT) run on the embedded engine: {refused} not supported" in str(
        error.value
    )
    assert not written.exists()
    assert embedded.engine.databases[main] is tables  # no table made, changed or dropped
    assert embedded.client.query("SELECT usage FROM cpu").to_pylist() == [{"usage": 5.0}]


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 AS one",
        "WITH a AS (SELECT 1 AS one) SELECT one FROM a",
        "SELECT table_name, column_name FROM information_schema.columns",  # `Source.columns`
        "EXPLAIN SELECT 1",
    ],
)
def test_a_query_still_runs(app, sql):
    embedded_influx(app).client.query(sql)


def test_each_app_has_its_own_engine_and_token(app, make_app):
    other = make_app()
    assert embedded_influx(other).engine.port != embedded_influx(app).engine.port
    assert embedded_influx(other).engine.token != embedded_influx(app).engine.token


def test_closing_the_clients_stops_the_engine(app):
    from syncapi.extensions import close_clients

    embedded = embedded_influx(app)
    close_clients(app)
    reader = InfluxDBClient3(
        host=embedded.engine.host, token=embedded.engine.token, database=STATS_DB
    )
    with pytest.raises(InfluxDB3ClientQueryError):
        reader.query("SELECT 1 AS one")
    reader.close()


def test_without_datafusion_the_routes_answer_503_naming_it(app, client, monkeypatch):
    """The production image does not install it: a missing package is a 503, not a crash."""
    monkeypatch.delitem(sys.modules, "syncapi.embedded.influx")
    monkeypatch.setitem(sys.modules, "datafusion", None)  # what `import` finds: no package
    for path in ("/api/query/connected", "/device/CN1/status"):
        response = client.get(path)
        assert response.status_code == 503
        assert response.json["error"] == "InfluxDB unavailable"
        assert response.json["details"] == (
            "the embedded time-series engine needs the Python package datafusion"
            " (pip install -r requirements-embedded.txt), or set INFLUXDB_HOST"
        )
    assert not app.extensions[EMBEDDED_INFLUX_KEY].made
    assert client.get("/api/organizations").status_code == 200
