"""`GET /metrics`: Prometheus metrics, opened by `METRICS_TOKEN` alone.

The test processes keep metrics in memory (no `PROMETHEUS_MULTIPROC_DIR`), shared by every
app of the process: each test reads how much a value moved while it ran."""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import REGISTRY

from syncapi.core import metrics, tokens
from syncapi.extensions import connect_mongodb
from tests.helpers import JWT_SECRET, ORG, SECURED, UNREACHABLE_MONGODB

ROOT = Path(__file__).resolve().parent.parent
METRICS_TOKEN = "metrics-token-of-at-least-32-bytes!"
SCRAPE = {"Authorization": f"Bearer {METRICS_TOKEN}"}


@pytest.fixture
def app(make_app):
    """This module's app: the secured one, its metrics opened by `METRICS_TOKEN`."""
    return make_app(**SECURED, METRICS_TOKEN=METRICS_TOKEN)


def admin():
    token, _ = tokens.issue(JWT_SECRET, "root", ["*"], "admin", 3600)
    return {"Authorization": f"Bearer {token}"}


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0.0


class Moved:
    """How much each sample moved during the block: `moved[name, labels]`."""

    def __init__(self, *samples):
        self.samples = samples

    def __enter__(self):
        self.before = [value(name, **labels) for name, labels in self.samples]
        return self

    def __exit__(self, *exc):
        after = [value(name, **labels) for name, labels in self.samples]
        self.moved = [a - b for a, b in zip(after, self.before, strict=True)]


# Who may read them


def test_the_metrics_token_opens_them(client):
    client.get("/status")
    response = client.get("/metrics", headers=SCRAPE)
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    assert response.headers["Cache-Control"] == "no-store"
    assert "syncapi_request_duration_seconds_count" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer ",
        f"Bearer {METRICS_TOKEN[:-1]}",
        f"Bearer {METRICS_TOKEN}x",
        f"Basic {METRICS_TOKEN}",
        METRICS_TOKEN,
        f"Bearer {METRICS_TOKEN.upper()}",
    ],
)
def test_anything_else_is_401(client, header):
    headers = {} if header is None else {"Authorization": header}
    response = client.get("/metrics", headers=headers)
    assert (response.status_code, response.json) == (
        401,
        {"error": "Metrics need METRICS_TOKEN as bearer token"},
    )
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"syncapi_request_duration_seconds_count" not in response.data


def test_a_platform_admin_token_does_not_open_them(client):
    assert client.get("/api/services", headers=admin()).status_code == 200
    response = client.get("/metrics", headers=admin())
    assert response.status_code == 401
    assert response.json == {"error": "Metrics need METRICS_TOKEN as bearer token"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'


def test_the_metrics_token_opens_nothing_else(client):
    response = client.get("/api/services", headers=SCRAPE)
    assert response.status_code == 401
    assert response.json == {"error": "Invalid token"}


@pytest.mark.parametrize(
    "headers",
    [SCRAPE, {}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"}, "admin"],
)
def test_without_a_metrics_token_they_are_unavailable_to_every_caller(make_app, headers):
    """Nothing could open them: the answer names the setting, whatever the caller sends."""
    client = make_app(**SECURED).test_client()
    response = client.get("/metrics", headers=admin() if headers == "admin" else headers)
    assert (response.status_code, response.json) == (
        503,
        {"error": "Metrics unavailable", "details": "METRICS_TOKEN not set"},
    )
    assert "WWW-Authenticate" not in response.headers


# What they count


def test_requests_are_counted_and_timed_by_route_template_and_status(client):
    route = "/api/organizations/<organization_id>"
    ok = {"method": "PUT", "route": route, "status": "201"}
    missing = {"method": "GET", "route": route, "status": "404"}
    with Moved(
        ("syncapi_request_duration_seconds_count", ok),
        ("syncapi_request_duration_seconds_count", missing),
    ) as counted:
        client.put(ORG, json={"name": "Acme"}, headers=admin())
        client.put("/api/organizations/globex", json={"name": "Globex"}, headers=admin())
        client.get("/api/organizations/initech", headers=admin())
    assert counted.moved == [2, 1]
    text = client.get("/metrics", headers=SCRAPE).get_data(as_text=True)
    assert 'route="/api/organizations/<organization_id>"' in text
    assert "globex" not in text  # never a path's value


def test_paths_no_route_serves_and_odd_methods_share_one_label(client):
    unmatched = {"method": "GET", "route": "<unmatched>", "status": "404"}
    odd = {"method": "OTHER", "route": "<unmatched>", "status": "405"}
    counts = "syncapi_request_duration_seconds_count"
    with Moved((counts, unmatched), (counts, odd)) as counted:
        for index in range(3):
            client.get(f"/nowhere/{index}")
        client.open("/status", method="BREW")
    assert counted.moved == [3, 1]


def test_login_failures_are_counted_by_reason(client):
    login = {"organizationId": "acme", "email": "ana@acme.io", "password": "wrong password"}
    samples = [
        ("syncapi_login_failures_total", {"reason": reason})
        for reason in ("wrong credentials", "invalid body", "rate limited")
    ]
    with Moved(*samples) as counted:
        client.post("/api/auth/login", json={"organizationId": "acme"})
        for _ in range(6):  # the sixth attempt on the account within a minute is refused
            client.post("/api/auth/login", json=login)
    assert counted.moved == [5, 1, 1]


def test_errors_are_counted_by_their_cause(client, offline_client):
    samples = [
        ("syncapi_errors_total", {"type": "ApiError", "status": "401"}),
        ("syncapi_errors_total", {"type": "ValidationError", "status": "400"}),
        ("syncapi_errors_total", {"type": "ServerSelectionTimeoutError", "status": "503"}),
        ("syncapi_errors_total", {"type": "NotFound", "status": "404"}),
    ]
    with Moved(*samples) as counted:
        client.get("/api/services")
        client.put(ORG, json={"name": 5}, headers=admin())
        offline_client.get("/api/organizations")
        client.get("/nowhere")
    assert counted.moved == [1, 1, 1, 1]


def test_influxdb_queries_are_timed_with_their_outcome(app, client, machines):
    ok = ("syncapi_influxdb_query_duration_seconds_count", {"outcome": "ok"})
    failed = ("syncapi_influxdb_query_duration_seconds_count", {"outcome": "error"})
    with Moved(ok, failed) as counted:
        assert client.get("/device/CN1/status", headers=admin()).status_code == 200
        app.config["INFLUXDB_TOKEN"] = "apiv3_refused"
        app.extensions["syncapi.influx"].close()
        assert client.get("/device/CN2/status", headers=admin()).status_code == 503
    assert counted.moved[0] >= 1 and counted.moved[1] == 1


def test_each_mongodb_client_reports_its_commands():
    client = connect_mongodb(UNREACHABLE_MONGODB, 100)
    (timer,) = client.options.event_listeners
    client.close()
    assert isinstance(timer, metrics.MongoCommandTimer)
    ok = ("syncapi_mongodb_command_duration_seconds_count", {"command": "find", "outcome": "ok"})
    failed = (
        "syncapi_mongodb_command_duration_seconds_sum",
        {"command": "ping", "outcome": "error"},
    )
    with Moved(ok, failed) as counted:
        timer.succeeded(SimpleNamespace(command_name="find", duration_micros=1500))
        timer.failed(SimpleNamespace(command_name="ping", duration_micros=250_000))
    assert counted.moved == [1, 0.25]


# Several processes (gunicorn's workers) add up


WORKER = """
import sys
from syncapi.core import metrics
for _ in range(int(sys.argv[1])):
    metrics.observe_request("GET", "/status", 200, 0.001, "status.get_status")
metrics.worker_started()
"""


@pytest.mark.slow  # starts three Python processes
def test_a_scrape_adds_up_every_process(tmp_path):
    environ = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for count in (3, 4):
        subprocess.run(
            [sys.executable, "-c", WORKER, str(count)], cwd=ROOT, env=environ, check=True
        )
    scrape = "from syncapi.core import metrics; print(metrics.exposition().decode())"
    text = subprocess.run(
        [sys.executable, "-c", scrape], cwd=ROOT, env=environ, check=True, capture_output=True
    ).stdout.decode()
    assert (
        'syncapi_request_duration_seconds_count{method="GET",route="/status",status="200"} 7.0'
        in text
    )
    # workers count only while alive: these two exited, and nothing marked them dead
    assert "syncapi_workers 2.0" in text


def test_a_series_is_looked_up_once_then_reused(client, monkeypatch):
    """`labels()` locks and checks its arguments: per request it cost more than the
    observation (`make bench`), so each (method, route, status) is looked up once."""
    looked_up = []
    labels = metrics.REQUEST_SECONDS.labels
    monkeypatch.setattr(metrics, "REQUEST_SERIES", {})
    monkeypatch.setattr(
        metrics.REQUEST_SECONDS, "labels", lambda *names: looked_up.append(names) or labels(*names)
    )
    for _ in range(3):
        client.get("/status")
    client.open("/status", method="BREW")
    client.open("/status", method="MUNCH")
    assert looked_up == [("GET", "/status", "200"), ("OTHER", "<unmatched>", "405")]
    assert set(metrics.REQUEST_SERIES) == {("GET", "/status", 200), ("OTHER", "<unmatched>", 405)}
