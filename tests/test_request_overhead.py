"""Work a request does only where it serves that request (issue 14, `make bench` measures
what it costs): the login rate limiter's hooks run on the routes it limits, nowhere else."""

import pytest
from flask import request

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
