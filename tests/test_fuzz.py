"""Fuzzing every operation of the API description with schemathesis, through WSGI.

For each operation, cases are drawn from `/api/openapi.json`: valid ones (positive mode) and
ones mutated beyond it (negative mode: wrong types, patterns, lengths, missing or extra
keys), half of them naming what `world` made so that bodies behind an existing organization
are reached. The app reads the InfluxDB test stand-in, so that no documented 503 applies.
Every answer must be below 500 and conform to the description (status, content type, body,
headers: a document's `ETag`),
mutated data must be refused with a 4xx, and every error JSON in the error shape (spec
README §10).

Two runs: authentication off with a `JWT_SECRET` (login answers instead of its 503), so
that every body is reached; and authentication required, where a caller without a token
gets a 401 from every protected operation.

`make test` runs a bounded, deterministic run (`slow` marker); `make fuzz` a longer one:
`SYNCAPI_FUZZ_EXAMPLES` cases per operation and mode, `--hypothesis-seed` to replay.
"""

import json
import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from syncapi.access.auth import SESSION_COOKIE
from syncapi.core import tokens
from syncapi.openapi import describe
from tests.helpers import (
    EVENTS,
    INFLUX_TOKEN,
    JWT_SECRET,
    MAIN_DB,
    PRODUCTION,
    SECURED,
    STATE,
    anyone_may_call,
    unchanged,
    unserved_app,
)
from tests.influx_standin import table

LONG_RUN = "SYNCAPI_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("SYNCAPI_FUZZ_EXAMPLES", "12"))
PATH = ParameterLocation.PATH
ORG = "/api/organizations/acme"
APP = "/api/applications/acme/applications/monitoreo-cnc"
# Path values naming what `world` keeps in place; cases take them half of the time (else
# the fuzzer would rarely name an organization that exists, nor reach a body behind it).
KNOWN = {
    "organizationId": "acme",
    "applicationId": "monitoreo-cnc",
    "machineId": "CN1",
    "functionId": "fn_1",
    "gatewayId": "GW-01",
    "category": "drivers",
    "name": "fanuc",
}


def error_shape(ctx, response, case):
    """Every 4xx and 5xx is a JSON object with a string `error` and never `message`."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"error body is {content_type}"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), body
    assert "message" not in body, body
    for key in ("field", "details"):
        assert isinstance(body.get(key, ""), str), body
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,  # the ETag of a document's answer
    negative_data_rejection,
    error_shape,
]


def configured_schema(app, **generation):
    """The operations of the description, the docs page's routes included (not listed in
    `/api/openapi.json`, fuzzed all the same)."""
    config = SchemathesisConfig.from_dict(
        {"generation": {"deterministic": not LONG_RUN, **generation}}
    )
    schema = schemathesis.openapi.from_dict(json.loads(json.dumps(DESCRIPTION)), config=config)
    schema.app = app
    return schema


def world(client):
    """An organization with an application, a device, a function, a gateway, a user, a
    connector and a service, made again where a case deleted them: `KNOWN`, with the ids
    the server gave the last three."""
    assert client.put(ORG, json={"name": "Acme"}).status_code in (200, 201)
    created = (201, 409)  # 409: still there
    application = {"applicationId": "monitoreo-cnc", "name": "CNC"}
    assert client.post(f"{ORG}/applications", json=application).status_code in created
    assert client.post(f"{APP}/devices", json={"machineId": "CN1"}).status_code in created
    function = {"id": "fn_1", "name": "F", "variables": ["x"], "expression": "x"}
    assert client.post(f"{APP}/functions", json=function).status_code in created
    gateway = {"gatewayId": "GW-01", "name": "Gate"}
    assert client.post(f"{ORG}/gateways", json=gateway).status_code in created
    user = {"name": "Ana", "email": "ana@acme.io", "password": "a long passphrase"}
    connector = {"name": "MQTT", "driver": "mqtt"}
    service = {"name": "broker", "type": "mqtt", "configuration": {"host": "mqtt"}}
    return {
        **KNOWN,
        "userId": _existing(client, f"{ORG}/users", user, "email", "id"),
        "connectorId": _existing(client, f"{ORG}/connectors", connector, "name", "_id"),
        "id": _existing(client, "/api/services", service, "name", "_id"),
    }


def _existing(client, collection, document, key, id_key):
    """The id of the listed item whose `key` is the document's, created when missing."""
    for item in client.get(collection).json:
        if item.get(key) == document[key]:
            return item[id_key]
    response = client.post(collection, json=document)
    assert response.status_code == 201, response.json
    return response.json[id_key]


def closing(wsgi_app):
    """Closes each answer's iterable as a WSGI server does (schemathesis' test transport
    leaves a sent file open, which pytest reports)."""

    def app(environ, start_response):
        answer = wsgi_app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return app


# Read when the module is collected, for the list of operations (nothing is generated
# then: each test draws its cases when it runs). Every app describes the same operations.
METRICS_TOKEN = "m" * 32  # /metrics then answers a wrong token 401, never 503
DESCRIPTION = describe(unserved_app(), with_docs=True)
LABELS = [
    f"{method.upper()} {path}"
    for path, item in DESCRIPTION["paths"].items()
    for method in item
    if method != "parameters"
]
# Negative mode needs something to mutate: a parameter or a body (`X-Request-ID`, on every
# path, takes any string: nothing about it can be invalid).
MUTABLE = [
    f"{method.upper()} {path}"
    for path, item in DESCRIPTION["paths"].items()
    for method, operation in item.items()
    if method != "parameters"
    and (
        [p for p in item.get("parameters", ()) if p["name"] != "X-Request-ID"]
        or operation.get("parameters")
        or "requestBody" in operation
    )
]
CASES = [(label, GenerationMode.POSITIVE) for label in LABELS] + [
    (label, GenerationMode.NEGATIVE) for label in MUTABLE
]


@pytest.fixture(scope="module")
def served(make_module_app, influx_server, tmp_path_factory):
    """The two apps the module fuzzes, `open` (authentication off, with a `JWT_SECRET`) and
    `closed` (authentication required), both on the InfluxDB stand-in (with rows) and a
    temporary icon library. Cases build on what earlier cases left (`world` remakes it)."""
    influx_server.reset()
    now = time.time_ns()
    influx_server.databases[MAIN_DB] = {
        "state": table(STATE, now),
        "production": table(PRODUCTION, now),
        "events": table(EVENTS, now),
    }
    apps = {
        "open": make_module_app(JWT_SECRET=JWT_SECRET, METRICS_TOKEN=METRICS_TOKEN),
        "closed": make_module_app(**SECURED, METRICS_TOKEN=METRICS_TOKEN),
    }
    for app in apps.values():
        app.wsgi_app = closing(app.wsgi_app)
        app.config.update(
            INFLUXDB_HOST=influx_server.host,
            INFLUXDB_TOKEN=INFLUX_TOKEN,
            INFLUXDB_DATABASE=MAIN_DB,
            INFLUXDB_QUERY_TIMEOUT=2.0,
            ICONS_DIR=str(tmp_path_factory.mktemp("icons")),
        )
    return apps


@pytest.fixture(scope="module")
def open_api(served):
    return configured_schema(served["open"])


@pytest.fixture(scope="module")
def closed_api(served):
    return configured_schema(served["closed"], **{"with-security-parameters": False})


def fuzz(operation, mode, checks, examples, known):
    """`examples` cases of `mode` for the operation, each sent and checked; half of them
    take the `known` path values wherever their path is not the part mutated."""

    @given(case=operation.as_strategy(generation_mode=mode), use_known=st.booleans())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not LONG_RUN,
        suppress_health_check=list(HealthCheck),
    )
    def send(case, use_known):
        if use_known and case.path_parameters and not case.meta.is_negative_at(PATH):
            names = {name: known[name] for name in case.path_parameters if name in known}
            case.path_parameters = {**case.path_parameters, **names}
        case.call_and_validate(checks=checks)

    send()


@pytest.mark.slow
@pytest.mark.parametrize(("label", "mode"), CASES, ids=str)
def test_every_operation_answers_as_described(served, open_api, label, mode):
    known = world(served["open"].test_client())
    fuzz(open_api.find_operation_by_label(label), mode, CHECKS, EXAMPLES, known)


def refused_without_a_token(ctx, response, case):
    """A protected operation answers 401 to a caller without a token, unless its path names
    an id that breaks its rule (checked first: 400 naming it)."""
    if anyone_may_call(case.operation.definition.raw) or case.method != case.operation.method:
        return None  # public, or a method the operation is not (OPTIONS, TRACE...)
    if response.status_code == 400:
        path_names = {parameter.name for parameter in case.operation.path_parameters}
        assert response.json().get("field") in path_names, response.json()
        return True
    assert response.status_code == 401, response.json()
    assert response.headers["www-authenticate"][0].startswith("Bearer")
    return True


@pytest.mark.slow
@pytest.mark.parametrize(("label", "mode"), CASES, ids=str)
def test_every_protected_operation_refuses_a_caller_without_a_token(closed_api, label, mode):
    operation = closed_api.find_operation_by_label(label)
    fuzz(operation, mode, [*CHECKS, refused_without_a_token], max(EXAMPLES // 3, 3), KNOWN)


# Preflights change nothing and cookie logouts need an allowed origin (cases the fuzzer
# found, fixed at their root; not slow, so every run has them).


def test_a_preflight_of_a_password_change_is_answered_and_changes_nothing(app, client, acme, mongo):
    """Found: OPTIONS …/users/{id}/password answered 500 (the password limiter read the
    organization, which `tenancy` binds for every method but OPTIONS)."""
    with unchanged(mongo):
        response = client.options(f"{ORG}/users/6650a1b2c3d4e5f601234567/password")
    assert response.status_code == 200
    assert "PUT" in response.headers["Allow"]


def test_preflights_of_a_login_are_no_attempts(app, client, acme):
    """Found with the above: each CORS preflight of a login counted as an attempt, so a
    browser had half its logins, and 20 preflights locked the address out for a minute."""
    app.config["JWT_SECRET"] = JWT_SECRET
    for _ in range(25):
        assert client.options("/api/auth/login").status_code == 200
    body = {"organizationId": "acme", "email": "nobody@acme.io", "password": "not the one"}
    response = client.post("/api/auth/login", json=body)
    assert (response.status_code, response.json) == (401, {"error": "Invalid email or password"})


def test_logout_through_the_cookie_when_every_origin_is_allowed(app, client, mongo):
    """Found: with `CORS_ALLOWED_ORIGIN=*` (the embedded store's default), a logout with the
    session cookie answered 500 without an `Origin` (a string was searched, not a list)."""
    app.config["JWT_SECRET"] = JWT_SECRET
    token, claims = tokens.issue(JWT_SECRET, "u1", ["acme"], "user", 3600)
    client.set_cookie(SESSION_COOKIE, token)
    for origin in ({}, {"Origin": "https://any.example"}):
        response = client.post("/api/auth/logout", headers=origin)
        assert (response.status_code, response.json) == (200, {"message": "Logged out"})
    revoked = list(mongo["syncapi"].revoked_tokens.find({}, {"_id": 0, "jti": 1}))
    assert revoked == [{"jti": claims["jti"]}]


def test_a_listed_origin_is_still_required_for_a_cookie_logout(app, client, mongo):
    app.config.update(JWT_SECRET=JWT_SECRET, CORS_ALLOWED_ORIGIN=["https://console.test"])
    token, _ = tokens.issue(JWT_SECRET, "u1", ["acme"], "user", 3600)
    client.set_cookie(SESSION_COOKIE, token)
    for origin in ({}, {"Origin": "https://evil.example"}, {"Origin": "*"}):
        response = client.post("/api/auth/logout", headers=origin)
        assert (response.status_code, response.json) == (403, {"error": "Origin not allowed"})
    assert list(mongo["syncapi"].revoked_tokens.find()) == []
