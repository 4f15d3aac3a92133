"""Work a request does only where it serves that request (issue 14, `make bench` measures
what it costs): the login rate limiter's hooks run on the routes it limits, nowhere else;
the headers every answer gets are added in one pass, each once."""

import pytest
from flask import request

from syncapi import headers
from tests.conftest import APP, ORG


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
