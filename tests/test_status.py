"""`/status` (spec/status.md) and `/ready`."""

import json
import socket
import time

import pytest

from syncapi.extensions import close_clients
from syncapi.web import readiness
from syncapi.web.memo import EXTENSION_KEY as READY_CACHE
from tests.helpers import UNREACHABLE_MONGODB


@pytest.fixture
def secured_client(secured):
    return secured.test_client()


def test_status_answers_without_any_backend(offline_app):
    client = offline_app.test_client()
    response = client.get("/status")
    assert response.status_code == 200
    assert response.json == {"message": "Sync API is running"}
    assert client.head("/status").status_code == 200
    assert offline_app.extensions["syncapi.mongo"]._client is None


def test_status_serves_get_only(client):
    posted, deeper = client.post("/status"), client.get("/status/deep")
    assert (posted.status_code, posted.json) == (405, {"error": "Method not allowed"})
    assert (deeper.status_code, deeper.json) == (404, {"error": "Not found"})


# `/ready`: MongoDB decides, InfluxDB is reported


def test_ready_when_mongodb_answers(client):
    """The embedded store reads its time series from the engine of its own process."""
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "mongodb": "ok", "influxdb": "embedded"}
    assert client.application.extensions["syncapi.embedded.influx"]._client is None  # no probe


def test_not_ready_while_mongodb_is_unreachable(offline_client):
    response = offline_client.get("/ready")
    assert response.status_code == 503
    assert json.loads(response.data) == {
        "error": "MongoDB unavailable",
        "status": "not ready",
        "mongodb": "unavailable",
        "influxdb": "not configured",
        "requestId": response.headers["X-Request-ID"],
    }


def test_influxdb_is_reported_but_never_makes_the_process_unready(app, client, machines):
    assert client.get("/ready").json["influxdb"] == "ok"
    app.config["INFLUXDB_TOKEN"] = "apiv3_refused"  # the stand-in refuses another token
    app.extensions["syncapi.influx"].close()
    app.extensions[READY_CACHE].forget(readiness.READY_KEY)
    response = client.get("/ready")
    assert (response.status_code, response.json["influxdb"]) == (200, "degraded")


def test_a_missing_influxdb_database_is_degraded(client, influx):
    """The stand-in starts without any database, as a misnamed INFLUXDB_DATABASE finds."""
    response = client.get("/ready")
    assert (response.status_code, response.json["influxdb"]) == (200, "degraded")


def test_the_outcome_is_kept_a_second(app, client, monkeypatch):
    probes = []
    probe = readiness._probe
    monkeypatch.setattr(readiness, "_probe", lambda: probes.append(1) or probe())
    now = [1000.0]
    app.extensions[READY_CACHE]._clock = lambda: now[0]
    for _ in range(5):
        assert client.get("/ready").status_code == 200
    assert len(probes) == 1
    now[0] += readiness.MEMO_SECONDS + 0.01
    client.get("/ready")
    assert len(probes) == 2


@pytest.mark.slow  # waits for pymongo's server selection to give up
def test_a_probe_waits_at_most_a_second_whatever_the_mongodb_timeout(make_app):
    app = make_app(MONGODB_URI=UNREACHABLE_MONGODB, MONGODB_TIMEOUT_MS=10_000)
    started = time.monotonic()
    response = app.test_client().get("/ready")
    waited = time.monotonic() - started
    assert response.status_code == 503
    assert readiness.PROBE_SECONDS <= waited < readiness.PROBE_SECONDS + 1.5


@pytest.mark.slow  # waits for the probe to give up
def test_an_influxdb_that_never_answers_is_degraded_within_the_probe_time(make_app):
    """Its query timeout (here 30 s) must not hold `/ready`: the compose health check gives
    up after 4 s, and InfluxDB would then take the replica out after all."""
    with socket.socket() as silent:  # accepts connections (the backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        host = f"http://127.0.0.1:{silent.getsockname()[1]}"
        app = make_app(
            INFLUXDB_HOST=host,
            INFLUXDB_TOKEN="apiv3_probe",
            INFLUXDB_DATABASE="sync",
            INFLUXDB_QUERY_TIMEOUT=30.0,
        )
        started = time.monotonic()
        response = app.test_client().get("/ready")
        waited = time.monotonic() - started
        close_clients(app)
    assert (response.status_code, response.json["influxdb"]) == (200, "degraded")
    assert waited < readiness.PROBE_SECONDS + 3  # a guard against the 30 s wait, not a target


def test_ready_says_nothing_of_the_servers(offline_client):
    text = offline_client.get("/ready").get_data(as_text=True)
    for detail in ("127.0.0.1", "Timeout", "pymongo", "version"):
        assert detail not in text


def test_ready_is_public_and_serves_get_only(secured_client):
    ready, posted = secured_client.get("/ready"), secured_client.post("/ready")
    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "mongodb": "ok", "influxdb": "embedded"}
    assert (posted.status_code, posted.json) == (405, {"error": "Method not allowed"})
