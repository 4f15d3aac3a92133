"""What every route shares: the one client, JSON errors, CORS, serialization."""

import json
import math
import threading
import time
from datetime import UTC, datetime

import mongomock
import pymongo.errors
import pytest
from bson import ObjectId

from syncapi import extensions
from syncapi.extensions import mongo_client
from tests.helpers import (
    INFLUX_ONLY,
    ORG,
    SAMPLE_VALUES,
    UNREACHABLE_MONGODB,
    unchanged,
    unserved_app,
)

# One MongoClient per process


def test_no_client_exists_before_the_first_request(app):
    assert app.extensions[extensions.EXTENSION_KEY]._client is None


def test_one_client_serves_many_requests(app, client, monkeypatch):
    built = []
    real = extensions.EmbeddedClient

    def counting_client(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(extensions, "EmbeddedClient", counting_client)

    for index in range(5):
        assert client.put(f"/api/organizations/org{index}", json={}).status_code == 201
        assert client.get(f"/api/organizations/org{index}").status_code == 200
    assert client.get("/api/organizations").json[-1]["id"] == "org4"

    assert len(built) == 1
    assert mongo_client(app) is mongo_client(app)


def test_concurrent_first_requests_build_one_client(app, monkeypatch):
    built, gate = [], threading.Barrier(8)
    real = extensions.EmbeddedClient

    def slow_client(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(extensions, "EmbeddedClient", slow_client)

    def first_use():
        gate.wait()
        mongo_client(app)

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1


def test_a_real_server_uri_gets_a_lazy_pymongo_client(offline_app):
    client = mongo_client(offline_app)
    assert type(client).__module__.startswith("pymongo")
    assert client.options.pool_options.metadata["application"]["name"] == "syncapi"


# MongoDB unreachable (the `offline_app` fixture fails at once; this test waits for real)


def test_an_unreachable_mongodb_is_503_once_its_timeout_has_passed(make_app):
    app = make_app(MONGODB_URI=UNREACHABLE_MONGODB, MONGODB_TIMEOUT_MS=50)
    started = time.monotonic()
    response = app.test_client().get("/api/organizations")
    waited = time.monotonic() - started
    assert (response.status_code, response.json) == (503, {"error": "MongoDB unavailable"})
    assert 0.05 <= waited < 10  # MONGODB_TIMEOUT_MS, rounded up to pymongo's 0.5 s minimum


# A write request outlasts an election (MONGODB_WRITE_TIMEOUT_MS), a read keeps its 2 s


def test_a_write_request_has_the_write_budget_and_a_read_request_the_clients(app, monkeypatch):
    """Every operation of a write request, its reads included (they go to the primary as
    well), runs under pymongo's client-side timeout of MONGODB_WRITE_TIMEOUT_MS; a read
    request sets none, so the client's timeoutMS (MONGODB_TIMEOUT_MS) bounds each call."""
    from pymongo import _csot

    budgets = []
    for method in ("find_one", "update_one"):
        original = getattr(mongomock.Collection, method)

        def budgeted(self, *args, _original=original, _method=method, **kwargs):
            budgets.append((_method, _csot.get_timeout()))
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(mongomock.Collection, method, budgeted)
    client = app.test_client()

    assert client.put(ORG, json={"name": "Acme"}).status_code == 201
    written, budgets[:] = list(budgets), []
    assert client.get(ORG).json["name"] == "Acme"

    assert ("update_one", 15.0) in written and ("find_one", 15.0) in written
    assert {budget for _, budget in written} == {15.0}
    assert budgets and {budget for _, budget in budgets} == {None}  # the client's own
    assert _csot.get_timeout() is None  # nothing left behind after the requests


@pytest.mark.parametrize(
    ("method", "setting"), [("get", "MONGODB_TIMEOUT_MS"), ("put", "MONGODB_WRITE_TIMEOUT_MS")]
)
def test_a_timeout_names_the_budget_of_its_request(client, monkeypatch, method, setting):
    def timed_out(*args, **kwargs):
        raise pymongo.errors.ExecutionTimeout("operation exceeded time limit", 50)

    client.put(ORG, json={"name": "Acme"})  # made before the reads time out
    monkeypatch.setattr(mongomock.Collection, "find_one", timed_out)
    response = client.open(ORG, method=method, json={"name": "A"} if method == "put" else None)
    assert response.status_code == 503
    assert response.json == {
        "error": "MongoDB unavailable",
        "details": f"no answer within {setting}",
    }


def test_an_unreachable_server_answers_a_read_after_its_timeout_and_a_write_after_its_own(
    make_app,
):
    app = make_app(
        MONGODB_URI=UNREACHABLE_MONGODB, MONGODB_TIMEOUT_MS=50, MONGODB_WRITE_TIMEOUT_MS=1500
    )
    client = app.test_client()
    waited = {}
    for method in ("get", "put"):
        started = time.monotonic()
        response = client.open(ORG, method=method, json={"name": "A"} if method == "put" else None)
        waited[method] = time.monotonic() - started
        assert response.status_code == 503
    assert waited["get"] < 1.5 <= waited["put"] < 10


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("get", "/api/organizations", None),
        ("get", ORG, None),
        ("put", ORG, {"name": "Acme"}),
        ("post", f"{ORG}/users", {"name": "Ana", "email": "a@x"}),
        ("get", f"{ORG}/applications/monitoreo-cnc/devices", None),
    ],
)
def test_mongodb_unreachable_is_503(offline_client, method, path, payload):
    response = getattr(offline_client, method)(path, json=payload)
    assert response.status_code == 503
    assert response.json == {"error": "MongoDB unavailable"}


def test_validation_still_comes_before_any_driver_call(offline_client):
    response = offline_client.get("/api/organizations/Bad_Id")
    assert response.status_code == 400
    assert response.json["field"] == "organizationId"


# Errors are JSON


def test_unknown_path_is_json_404(client):
    response = client.get("/organizations")
    assert response.status_code == 404
    assert response.json == {"error": "Not found"}


def test_wrong_method_is_json_405_with_allow(client):
    response = client.patch("/api/organizations")
    assert response.status_code == 405
    assert response.json == {"error": "Method not allowed"}
    assert "GET" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/organizations", 404),  # no route
        ("PATCH", "/api/organizations", 405),  # another method
        ("GET", "/api/organizations/nowhere", 404),  # a route's own
        ("GET", "/api/organizations/Bad_Id", 400),
    ],
)
def test_every_error_is_the_same_json_text(client, method, path, status):
    """Compact JSON ending in a newline, as Flask writes every answer, with the request id."""
    response = client.open(path, method=method)
    body = json.loads(response.data)
    assert (response.status_code, response.content_type) == (status, "application/json")
    assert body["requestId"] == response.headers["X-Request-ID"]
    compact = json.dumps(body, separators=(",", ":"), ensure_ascii=False) + "\n"
    assert response.get_data(as_text=True) == compact


def test_trailing_slashes_are_tolerated(client, acme):
    organizations = client.get("/api/organizations/")
    users = client.get(f"{ORG}/users/")
    assert organizations.status_code == 200
    assert users.status_code == 200
    assert [item["id"] for item in organizations.json] == ["acme"]
    assert users.json == []


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("{bad json", "application/json"), ("", "application/json"), ("", "text/plain")],
)
def test_malformed_or_empty_body_is_400(client, acme, data, content_type):
    response = client.post(f"{ORG}/users", data=data, content_type=content_type)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid JSON body"}
    assert acme.users.count_documents({}) == 0


USER = '{"name": "Ana", "email": "ana@acme.io", "role": "user"}'


@pytest.mark.parametrize(
    ("content_type", "named"),
    [
        ("text/plain", "'text/plain'"),
        ("application/x-www-form-urlencoded", "'application/x-www-form-urlencoded'"),  # curl -d
        ("Text/JSON; charset=utf-8", "'text/json'"),
        (None, "none"),
        ("application/" + "x" * 300, repr("application/" + "x" * 88)),  # bounded
    ],
)
def test_json_sent_as_another_content_type_is_400_naming_it(client, acme, content_type, named):
    with unchanged(acme):
        response = client.post(f"{ORG}/users", data=USER, content_type=content_type)
    assert response.status_code == 400
    assert response.json == {
        "error": f"Content-Type must be application/json, got {named}",
        "field": "Content-Type",
    }


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "application/x+json"]
)
def test_json_is_taken_under_each_json_media_type(client, acme, content_type):
    response = client.post(f"{ORG}/users", data=USER, content_type=content_type)
    assert response.status_code == 201
    assert acme.users.count_documents({"email": "ana@acme.io"}) == 1


def test_oversized_body_is_json_413(make_app):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    response = client.put(ORG, json={"description": "x" * 2048})
    assert response.status_code == 413
    assert response.json == {"error": "Payload too large"}


def test_unexpected_error_is_a_generic_500_logged_with_its_traceback(app, caplog):
    @app.get("/boom")
    def boom():
        raise RuntimeError("secret connection string")

    response = app.test_client().get("/boom")

    assert response.status_code == 500
    assert response.json == {"error": "Internal server error"}
    assert b"secret" not in response.data
    assert "secret connection string" in caplog.text
    assert "Traceback" in caplog.text


# CORS (spec README §10)


def test_cors_echoes_the_origin_with_credentials_by_default(client):
    response = client.get("/api/organizations", headers={"Origin": "http://localhost:5173"})
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"
    assert response.headers["Access-Control-Allow-Credentials"] == "true"


def test_cors_preflight_allows_the_console_methods_and_headers(client, mongo):
    response = client.options(
        f"{ORG}/users",
        headers={
            "Origin": "http://localhost:5173",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "Content-Type, Authorization",
        },
    )
    assert response.status_code == 200
    assert "PATCH" in response.headers["Access-Control-Allow-Methods"]
    assert "authorization" in response.headers["Access-Control-Allow-Headers"].lower()
    assert mongo.list_database_names() == []


def test_cors_allowlist_refuses_other_origins(make_app):
    client = make_app(CORS_ALLOWED_ORIGIN=["https://console.example.com"]).test_client()
    allowed = client.get("/api/organizations", headers={"Origin": "https://console.example.com"})
    other = client.get("/api/organizations", headers={"Origin": "https://evil.example.com"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://console.example.com"
    assert "Access-Control-Allow-Origin" not in other.headers


# Serialization (spec README §10)


def test_stored_values_are_serialized_as_the_contract_says(client, acme):
    moment = datetime(2025, 2, 8, 12, 0, 0, 123456)
    oid = ObjectId()
    acme.oilmonitor_devices.insert_one(
        {"_id": oid, "z": 1, "seen": moment, "aware": moment.replace(tzinfo=UTC), "nan": math.nan}
    )

    response = client.get(f"{ORG}/oilmonitor_devices")

    assert response.data.decode().startswith(f'[{{"_id":"{oid}","z":1,')  # stored key order
    assert response.json == [
        {
            "_id": str(oid),
            "z": 1,
            "seen": "2025-02-08T12:00:00.123Z",
            "aware": "2025-02-08T12:00:00.123Z",
            "nan": None,
        }
    ]


# Every route (built from the URL map, so a new route is covered the day it is added)

VALID_BODIES = {  # routes that validate their body before touching MongoDB
    "device.create_device": {"machineId": "CN1"},
    "device.update_device": {"name": "x"},
    "services.create_service": {"name": "s", "type": "redis", "configuration": {}},
    "services.update_service": {"enabled": True},
    "services.toggle_service": {"enabled": True},
    "auth.login": {"organizationId": "acme", "email": "a@x", "password": "password1"},
    "machines.assign_claim": {"organizationId": "acme"},
}
# Only their org-scoped routes use MongoDB (`/ready` pings it: test_status has its 503).
NO_DATABASE = {"status", "metrics", "applications", "icons", "docs"}
# The batch status reads MongoDB only for a caller limited to some organizations (its 503s:
# test_lists.py).
NO_DATABASE_ENDPOINTS = {"auth.logout", "device.machines_status"}


def mongodb_routes(app, needs_organization=False):
    routes = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if blueprint in NO_DATABASE and "organization_id" not in rule.arguments:
            continue
        if rule.endpoint in INFLUX_ONLY or rule.endpoint in NO_DATABASE_ENDPOINTS:
            continue
        if needs_organization and "organization_id" not in rule.arguments:
            continue
        path = rule.build({name: SAMPLE_VALUES[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path, VALID_BODIES.get(rule.endpoint, {})))
    return routes


ALL_ROUTES = mongodb_routes(unserved_app())
ORGANIZATION_ROUTES = [
    route
    for route in mongodb_routes(unserved_app(), needs_organization=True)
    if route[:2] != ("PUT", "/api/organizations/acme")  # the one route that creates one
]


def test_the_route_matrix_covers_every_mount():
    prefixes = {path.split("/")[1] + "/" + path.split("/")[2] for _, path, _ in ALL_ROUTES}
    assert {"api/organizations", "api/applications", "device/CN1", "api/services"} <= prefixes
    assert {"api/query"} <= prefixes
    assert len(ALL_ROUTES) >= 40


@pytest.mark.slow  # a big walk: every route (test_mongodb_unreachable_is_503 samples it)
@pytest.mark.parametrize(("method", "path", "body"), ALL_ROUTES)
def test_every_mongodb_route_answers_503_when_mongodb_is_unreachable(
    offline_client, method, path, body
):
    response = offline_client.open(path, method=method, json=body)
    assert response.status_code == 503
    assert response.json == {"error": "MongoDB unavailable"}


@pytest.mark.slow  # a big walk: every organization route
@pytest.mark.parametrize(("method", "path", "body"), ORGANIZATION_ROUTES)
def test_every_organization_route_answers_404_for_an_unknown_organization(
    client, mongo, method, path, body
):
    response = client.open(path, method=method, json=body)
    assert response.status_code == 404
    assert response.json == {"error": "Organization not found"}
    assert mongo.list_database_names() == []


@pytest.mark.slow  # a big walk: every organization route × 3 ids
@pytest.mark.parametrize(("method", "path", "body"), ORGANIZATION_ROUTES)
@pytest.mark.parametrize("bad_id", ["Acme", "admin", "a" * 64])
def test_every_organization_route_refuses_a_bad_organization_id(
    offline_client, method, path, body, bad_id
):
    response = offline_client.open(path.replace("/acme", f"/{bad_id}", 1), method=method, json=body)
    assert response.status_code == 400
    assert response.json["field"] == "organizationId"


def test_a_preflight_for_a_bad_organization_id_is_still_answered(client):
    response = client.options(
        "/api/organizations/Bad_Id/users",
        headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:5173"


# Hostile bodies are 400s naming the field, never 500s


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"machineId": "M", "properties": {"n": 99999999999999999999}}', "properties.n"),
        ('{"machineId": "M", "x\\u0000y": 1}', "x\x00y"),
        ('{"machineId": "M", "name": "\\ud800"}', "name"),
        ('{"machineId": "M", "deep": ' + "[" * 50 + "]" * 50 + "}", None),
        ('{"machineId": "M", "deep": ' + "[" * 5000 + "]" * 5000 + "}", None),
        ('{"machineId": "M", "n": NaN}', None),
    ],
)
def test_values_mongodb_cannot_store_are_refused(client, cnc, raw, field):
    response = client.post(
        "/api/organizations/acme/applications/monitoreo-cnc/devices",
        data=raw,
        content_type="application/json",
    )
    assert response.status_code == 400
    if field is not None:
        assert response.json["field"] == field
    assert cnc["monitoreo-cnc_devices"].count_documents({}) == 0


def test_an_unresolvable_mongodb_name_is_503(app, client, monkeypatch):
    from pymongo.errors import ConfigurationError

    def unresolvable(uri, timeout_ms):
        raise ConfigurationError("The DNS query name does not exist")

    monkeypatch.setattr(extensions, "connect_mongodb", unresolvable)
    response = client.get("/api/organizations")
    assert (response.status_code, response.json) == (503, {"error": "MongoDB unavailable"})


# MongoDB answers that are about the settings, not the request (as a real server sends them)


@pytest.mark.parametrize(
    ("error", "status", "body"),
    [
        (
            pymongo.errors.ExecutionTimeout("operation exceeded time limit", 50),
            503,
            {
                "error": "MongoDB unavailable",
                "details": "no answer within MONGODB_WRITE_TIMEOUT_MS",
            },
        ),
        (
            pymongo.errors.WTimeoutError("waiting for replication timed out", 64),
            503,
            {
                "error": "MongoDB unavailable",
                "details": "no answer within MONGODB_WRITE_TIMEOUT_MS",
            },
        ),
        (
            pymongo.errors.NetworkTimeout("timed out"),
            503,
            {"error": "MongoDB unavailable"},
        ),
        (
            pymongo.errors.OperationFailure("Authentication failed.", 18),
            503,
            {"error": "MongoDB unavailable", "details": "MONGODB_URI was refused"},
        ),
        (
            pymongo.errors.OperationFailure("not authorized on acme to execute command", 13),
            503,
            {"error": "MongoDB unavailable", "details": "MONGODB_URI's user may not do this"},
        ),
        (
            pymongo.errors.OperationFailure("db already exists with different case", 13297),
            409,
            {"error": "A database differing only in case exists", "field": "organizationId"},
        ),
    ],
)
def test_mongodb_failures_about_the_settings_are_not_500s(client, monkeypatch, error, status, body):
    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(mongomock.Collection, "find_one", fail)
    response = client.put("/api/organizations/acme", json={"name": "Acme"})
    assert (response.status_code, response.json) == (status, body)


def test_the_client_bounds_every_operation(make_app):
    app = make_app(MONGODB_URI="mongodb://db.example:27017", MONGODB_TIMEOUT_MS=750)
    options = mongo_client(app).options
    assert options.timeout == 0.75  # timeoutMS: every operation, not only the connection
    assert options.server_selection_timeout == 0.75


@pytest.mark.parametrize(
    ("method", "path", "content_type", "status"),
    [
        ("POST", "/api/library/upload", "application/octet-stream", 400),  # refused unread
        ("PUT", f"{ORG}/nowhere", "application/json", 404),  # no route reads it
    ],
)
def test_a_body_left_unread_stays_unread(client, method, path, content_type, status):
    """The answer goes out without the rest of the body: the server closes the connection
    instead (syncapi/web/gunicorn_worker.py, tests/test_gunicorn_worker.py), nothing waits
    here to drain it."""
    body = b"x" * 300_000
    response = client.open(path, method=method, data=body, content_type=content_type)
    assert response.status_code == status
    assert response.request.environ["wsgi.input"].tell() == 0


def test_a_body_cut_short_is_a_408(client, acme):
    """The body ends before its Content-Length: the worker shut the connection's reading side
    at the deadline (REQUEST_BODY_TIMEOUT), or the client left."""
    with unchanged(acme):
        response = client.put(
            ORG,
            data=b'{"name": "Ac',
            content_type="application/json",
            environ_overrides={"CONTENT_LENGTH": "100"},
        )
    assert response.status_code == 408
    assert response.json == {
        "error": "Request body not received in time: it must arrive within 5 s"
    }


def test_a_body_over_the_cap_is_not_read(make_app):
    body = b"x" * 2048
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().put(ORG, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.request.environ["wsgi.input"].tell() == 0
