"""Work a request does only where it serves that request (`make bench` measures what it
costs): the login rate limiter's hooks run on the routes it limits, nowhere else;
flask-cors only on requests with an Origin (CORS requests); the headers every answer gets
are added in one pass, each once; a bearer token is decoded once per process; answers are
written by `json` directly, the same text as before."""

import json
import math
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import flask_cors.extension
import jwt
import pytest
from bson import Decimal128, ObjectId
from flask import request

from syncapi.core import clock, serialization, tokens
from syncapi.schemas.limits import LONE_SURROGATE
from syncapi.web import headers, json_provider
from tests.helpers import APP, CONSOLE, JWT_SECRET, ORG

JWT_TOKEN = tokens.issue(JWT_SECRET, "ana", ["*"], "admin", 3600)[0]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def limited(app, monkeypatch):
    """The endpoints the rate limiter resolved limits for, in order."""
    (limiter,) = app.extensions["limiter"]
    resolve, seen = limiter.limit_manager.resolve_limits, []

    def resolve_limits(*args, **kwargs):
        seen.append(request.endpoint)
        return resolve(*args, **kwargs)

    monkeypatch.setattr(limiter.limit_manager, "resolve_limits", resolve_limits)
    return seen


@pytest.mark.parametrize(
    "method, path, status",
    [
        ("GET", "/status", 200),
        ("GET", ORG, 200),
        ("GET", f"{APP}/devices", 200),
        ("GET", f"{ORG}/users", 200),
        ("POST", "/api/auth/logout", 200),
    ],
)
def test_the_rate_limiter_does_nothing_on_routes_it_does_not_limit(
    client, cnc, limited, method, path, status
):
    assert client.open(path, method=method).status_code == status
    assert limited == []


def test_the_rate_limiter_checks_logins_and_password_changes(client, cnc, limited):
    login = {"organizationId": "acme", "email": "ana@acme.io", "password": "a long passphrase"}
    client.post("/api/auth/login", json=login)
    client.put(f"{ORG}/users/u1/password", json={"password": "a new long passphrase"})
    assert limited == ["auth.login", "organizations.set_user_password"]


@pytest.fixture
def cors_evaluated(monkeypatch):
    """The paths flask-cors computed headers for."""
    evaluate, seen = flask_cors.extension.set_cors_headers, []

    def counted(response, options):
        seen.append(request.path)
        return evaluate(response, options)

    monkeypatch.setattr(flask_cors.extension, "set_cors_headers", counted)
    return seen


@pytest.mark.parametrize("path", ["/status", "/api/organizations"])
def test_flask_cors_does_nothing_for_a_request_without_origin(secured, path, cors_evaluated):
    response = secured.test_client().get(path, headers=bearer(JWT_TOKEN))
    assert response.status_code == 200
    assert [name for name, _ in response.headers if name.startswith("Access-Control-")] == []
    assert "Origin" in response.headers["Vary"]
    assert cors_evaluated == []


def test_an_error_without_origin_gets_no_cors_headers_either(secured):
    """flask-cors also answers errors itself (its own hook, not gated): the same outcome."""
    response = secured.test_client().get("/api/nowhere", headers=bearer(JWT_TOKEN))
    assert response.status_code == 404
    assert [name for name, _ in response.headers if name.startswith("Access-Control-")] == []


def test_a_request_with_an_origin_gets_them(secured, cors_evaluated):
    response = secured.test_client().get("/status", headers={"Origin": CONSOLE})
    assert response.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert cors_evaluated == ["/status"]


@pytest.mark.parametrize(
    "path, cache_control",
    [
        ("/status", "private, no-cache"),
        (f"{APP}/devices", "private, no-cache"),
        ("/api/nowhere", "private, no-cache"),
        ("/api/library/applications/monitoreo-cnc/icon", "public, max-age=300"),  # its own
    ],
)
def test_every_answer_carries_each_common_header_once(client, cnc, path, cache_control):
    response = client.get(path, headers={"Origin": "https://console.example"})
    response.close()  # an icon is a file
    expected = {
        "X-Content-Type-Options": ["nosniff"],
        "Referrer-Policy": ["no-referrer"],
        "X-Frame-Options": ["DENY"],
        "Cache-Control": [cache_control],
    }
    assert {name: response.headers.getlist(name) for name in expected} == expected
    assert [v.strip() for v in response.headers["Vary"].split(",")].count("Origin") == 1


def test_a_vary_header_the_view_set_gets_origin_added_to_it(app):
    with app.test_request_context("/status"):
        response = app.response_class("x", headers={"Vary": "Accept-Encoding"})
        assert headers.apply(response).headers.getlist("Vary") == ["Accept-Encoding, Origin"]


# A caller's token is verified once per process, and stays subject to expiry and revocation


@pytest.fixture
def decodes(monkeypatch):
    """The tokens PyJWT decoded, in order."""
    decode, seen = jwt.decode, []

    def counted(token, *args, **kwargs):
        seen.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", counted)
    return seen


def test_a_token_is_decoded_once_by_the_process(secured, decodes):
    token, _ = tokens.issue(JWT_SECRET, "ana", ["acme"], "user", 60)
    client = secured.test_client()
    statuses = [client.get("/api/organizations", headers=bearer(token)).status_code]
    statuses.append(client.get("/api/organizations", headers=bearer(token)).status_code)
    assert (statuses, decodes) == ([200, 200], [token])


def test_a_remembered_token_still_expires(secured, monkeypatch):
    token, claims = tokens.issue(JWT_SECRET, "ana", ["acme"], "user", 60)
    client = secured.test_client()
    assert client.get("/api/organizations", headers=bearer(token)).status_code == 200
    later = datetime.fromtimestamp(claims["exp"] + tokens.LEEWAY_SECONDS, UTC)
    monkeypatch.setattr(clock, "now", lambda: later)

    response = client.get("/api/organizations", headers=bearer(token))

    assert (response.status_code, response.json) == (401, {"error": "Token expired"})


def test_a_remembered_token_is_still_revoked_by_a_logout(secured):
    token, _ = tokens.issue(JWT_SECRET, "ana", ["acme"], "user", 60)
    client = secured.test_client()
    assert client.get("/api/organizations", headers=bearer(token)).status_code == 200
    assert client.post("/api/auth/logout", headers=bearer(token)).status_code == 200

    response = client.get("/api/organizations", headers=bearer(token))

    assert (response.status_code, response.json) == (401, {"error": "Token revoked"})


def test_a_token_differing_only_in_its_signature_is_refused(secured, decodes):
    token, _ = tokens.issue(JWT_SECRET, "ana", ["acme"], "user", 60)
    forged, _ = tokens.issue("another-secret-of-at-least-32-bytes!!", "ana", ["*"], "admin", 60)
    client = secured.test_client()
    assert client.get("/api/organizations", headers=bearer(token)).status_code == 200
    with_its_signature = token.rsplit(".", 1)[0] + "." + forged.rsplit(".", 1)[1]

    response = client.get("/api/organizations", headers=bearer(with_its_signature))

    assert (response.status_code, response.json) == (401, {"error": "Invalid token"})
    assert decodes == [token, with_its_signature]


def test_the_least_recently_used_token_is_forgotten_first(decodes):
    verified = tokens.Verified(size=2)
    first, second, third = (
        tokens.issue(JWT_SECRET, name, ["acme"], "user", 60)[0] for name in ("a", "b", "c")
    )
    for token in (first, second, first, third, first, second):
        verified.read(JWT_SECRET, token)
    assert decodes == [first, second, third, second]


# Answers are written by `json` directly; only a value holding NaN or Infinity is rebuilt

MOMENT = datetime(2025, 2, 8, 12, 0, 0, 123456)
VALUES = [
    {"_id": ObjectId("6650a1b2c3d4e5f601234567"), "seen": MOMENT, "n": 1, "ok": True},
    {"aware": MOMENT.replace(tzinfo=UTC), "day": date(2025, 2, 8), "id": uuid.UUID(int=7)},
    {"amount": Decimal128("1.50"), "missing": Decimal128("NaN"), "raw": b"\x00\xff"},
    {"nested": [1, 2.5, (3, "x"), {"deeper": [None, {"seen": MOMENT}]}]},
    {"nan": [1.0, math.nan], "inf": {"x": -math.inf}},
    {2: "an int key", False: "a bool key", None: "a null key", 2.5: "a float key"},
    {"text": "ünïcode ✓", "lone": "a \ud800 surrogate"},
    {"\udfff": "a lone surrogate key"},
    [{"machineId": f"CN{number}", "createdAt": MOMENT} for number in range(3)],
]


def the_walk(value):
    """The text every answer had before: the value rebuilt by `to_jsonable`, then written."""
    rebuilt = serialization.to_jsonable(value)
    text = json.dumps(rebuilt, ensure_ascii=False)
    if LONE_SURROGATE.search(text):
        return json.dumps(rebuilt)
    return text


@pytest.mark.parametrize("value", VALUES)
def test_an_answer_is_the_text_the_rebuilt_value_gives(app, value):
    assert app.json.dumps(value) == the_walk(value)


@pytest.mark.parametrize(
    "value, rebuilt", [(VALUES[0], False), (VALUES[8], False), (VALUES[4], True)]
)
def test_only_a_value_holding_nan_or_infinity_is_rebuilt(app, monkeypatch, value, rebuilt):
    walk, calls = serialization.to_jsonable, []
    monkeypatch.setattr(json_provider, "to_jsonable", lambda v: calls.append(v) or walk(v))
    app.json.dumps(value)
    assert calls[:1] == ([value] if rebuilt else [])


@pytest.mark.parametrize(
    "moment, written",
    [
        (datetime(2025, 2, 8, 12, 0, 0, 123999), "2025-02-08T12:00:00.123Z"),  # cut, not rounded
        (datetime(2025, 2, 8, 12, 0), "2025-02-08T12:00:00.000Z"),
        (
            datetime(2025, 2, 8, 13, 0, tzinfo=timezone(timedelta(hours=1))),
            "2025-02-08T12:00:00.000Z",
        ),
        (datetime(5, 1, 2, 3, 4, 5), "0005-01-02T03:04:05.000Z"),
    ],
)
def test_dates_are_written_in_utc_to_the_millisecond(moment, written):
    assert clock.isoformat(moment) == written
