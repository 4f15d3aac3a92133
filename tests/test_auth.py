"""Authentication and tenant isolation: tokens, login, roles, CORS and CSRF."""

import base64
import contextlib
import json
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import argon2
import pytest

from config import Config
from syncapi import create_app
from syncapi.core import passwords, tokens
from syncapi.extensions import close_clients, mongo_client
from tests import builders
from tests.helpers import CONSOLE, JWT_SECRET, SECURED, bearer, unchanged, unserved_app
from tests.helpers import SAMPLE_VALUES as ROUTE_SAMPLES

ROOT = Path(__file__).resolve().parent.parent

PASSWORDS = {"ana@acme.io": "ana-password", "root@acme.io": "root-password"}


@pytest.fixture
def app(secured):
    """This module's app (and so its `client` and `mongo`): authentication required, CORS
    limited to the console."""
    return secured


PLATFORM = bearer(("*",), "admin")


@pytest.fixture
def tenants(client):
    """acme (CN1, CN2; users ana/user, root/admin, vic/viewer) and globex (CN3, OIL-07),
    created through the API with a platform admin token."""
    for org, app_id, machines in [
        ("acme", "monitoreo-cnc", ["CN1", "CN2"]),
        ("globex", "presses", ["CN3", "OIL-07"]),
    ]:
        builders.organization(client, org, org, headers=PLATFORM)
        builders.application(client, org, app_id, app_id, headers=PLATFORM)
        for machine in machines:
            builders.devices(client, org, app_id, [machine], headers=PLATFORM)
            date_back(client, machine, org)
    ids = {}
    for name, email, role in [("Ana", "ana@acme.io", "user"), ("Root", "root@acme.io", "admin")]:
        body = {"name": name, "email": email, "role": role, "password": PASSWORDS[email]}
        response = client.post("/api/organizations/acme/users", json=body, headers=PLATFORM)
        assert response.status_code == 201
        ids[email] = response.json["id"]
    body = {"name": "Vic", "email": "vic@acme.io", "role": "viewer"}
    ids["vic@acme.io"] = client.post(
        "/api/organizations/acme/users", json=body, headers=PLATFORM
    ).json["id"]
    return ids


def date_back(client, machine_id, organization_id, since="1970-01-01T00:00:00Z"):
    """A platform admin dates a claim back: the organization then reads the machine's whole
    history, as it could before claims existed."""
    body = {"organizationId": organization_id, "since": since}
    response = client.put(f"/api/machines/{machine_id}", json=body, headers=PLATFORM)
    assert response.status_code == 200, response.json


def pass_time(app, monkeypatch, seconds):
    """The process memo's clock moves on (what it keeps expires)."""
    memo = app.extensions["syncapi.web.memo"]
    real = memo._clock
    monkeypatch.setattr(memo, "_clock", lambda: real() + seconds)


# Who may call what: every route of the URL map, every kind of caller

SAMPLE_VALUES = {
    **ROUTE_SAMPLES,
    "category": "drivers",
    "name": "fanuc",
    "icon_format": "svg",
    "asset": "swagger-ui.css",
}
PUBLIC = {
    "status.get_status",
    "status.get_ready",
    "docs.openapi",
    "docs.page",
    "docs.asset",
    "icons.get_icon",
    "icons.get_icon_in_format",
    "auth.login",
    "auth.logout",
}
PLATFORM_ONLY = {
    "organizations.delete_organization",
    "changes.shared_changes",
    "device.create_device",
    "device.update_device",
    "device.delete_device",
    "icons.upload_icon",
    "icons.upload_icon_by_form",
}
MANAGES_USERS = {
    "organizations.create_user",
    "organizations.update_user",
    "organizations.delete_user",
    "organizations.organization_changes",  # the change log: org admins
}


def every_route():
    routes = []
    for rule in unserved_app().url_map.iter_rules():
        path = rule.build({name: SAMPLE_VALUES[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path, rule.endpoint, "organization_id" in rule.arguments))
    return routes


def kind(endpoint, method, organization_scoped):
    if endpoint in PUBLIC:
        return "public"
    if endpoint == "metrics.get_metrics":
        return "metrics"  # METRICS_TOKEN alone: every token of a caller is a 401 there
    if endpoint in PLATFORM_ONLY or endpoint.startswith(("services.", "machines.")):
        return "platform"
    if endpoint in MANAGES_USERS or endpoint == "organizations.set_user_password":
        return "manage-users"
    if organization_scoped or endpoint == "query.registered_devices":
        return "read" if method == "GET" else "write"
    return "signed-in"


def expired():
    return bearer(lifetime=-60)  # beyond the 10 s leeway for clock skew


def forged():
    return bearer(secret="another-secret-of-at-least-32-bytes")


ALLOWED = {  # caller → the kinds of route it may call
    "other org": {"public", "signed-in"},
    "viewer": {"public", "signed-in", "read"},
    "user": {"public", "signed-in", "read", "write"},
    "org admin": {"public", "signed-in", "read", "write", "manage-users"},
    "platform admin": {"public", "signed-in", "read", "write", "manage-users", "platform"},
}


@pytest.mark.slow  # a big walk: every route × 9 kinds of caller
@pytest.mark.parametrize(("method", "path", "endpoint", "scoped"), every_route())
def test_every_route_refuses_or_serves_each_kind_of_caller(
    app, client, tenants, machines, method, path, endpoint, scoped
):
    app.config["ORGANIZATION_ID"] = "acme"
    app.config["METRICS_TOKEN"] = "m" * 32
    revoked_token, _ = tokens.issue(JWT_SECRET, "x", ["acme"], "admin", 3600)
    client.post("/api/auth/logout", headers={"Authorization": f"Bearer {revoked_token}"})
    route_kind = kind(endpoint, method, scoped)
    callers = [
        ("nobody", {}, 401),
        ("expired", expired(), 401),
        ("bad signature", forged(), 401),
        ("revoked", {"Authorization": f"Bearer {revoked_token}"}, 401),
        ("other org", bearer(("globex",), "admin"), 403),
        ("viewer", bearer(role="viewer"), 403),
        ("user", bearer(role="user"), 403),
        ("org admin", bearer(role="admin"), 403),
        ("platform admin", PLATFORM, 403),
    ]
    for caller, headers, refusal in callers:
        may = route_kind == "public" or route_kind in ALLOWED.get(caller, set())
        with contextlib.nullcontext() if may else unchanged(mongo_client(app)):  # refused
            response = client.open(path, method=method, headers=headers, json={})
            response.close()  # icon downloads stream a file
        if may:
            assert response.status_code not in (401, 403), (caller, response.json)
            assert response.status_code < 500, (caller, response.json)
        else:
            expected = 401 if route_kind == "metrics" else refusal
            assert response.status_code == expected, (caller, response.json)
        if response.status_code == 401:
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert set(response.json) == {"error"}


def test_the_route_matrix_covers_every_mount():
    prefixes = {"/".join(path.split("/")[1:3]) for _, path, _, _ in every_route()}
    assert {"api/organizations", "api/applications", "api/query", "api/services"} <= prefixes
    assert {"api/auth", "api/library", "device/CN1", "device/new", "status"} <= prefixes


# Tokens


def unsigned(header, claims):
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")  # noqa: E731
    return (encode(header) + b"." + encode(claims) + b".c2lnbmF0dXJl").decode()


@pytest.mark.parametrize("algorithm", ["none", "None", "RS256", "HS512"])
def test_tokens_with_another_algorithm_are_refused(client, tenants, algorithm):
    claims = {"sub": "x", "jti": "j", "orgs": ["*"], "role": "admin", "iat": 1, "exp": 2**40}
    token = unsigned({"alg": algorithm, "typ": "JWT"}, claims)
    if algorithm == "none":
        token = token.rsplit(".", 1)[0] + "."
    response = client.get("/api/services", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json) == (401, {"error": "Invalid token"})


@pytest.mark.parametrize(
    "claims",
    [
        {"orgs": "acme"},
        {"orgs": [1]},
        {"role": "root"},
        {"sub": None},
        {"jti": ["a"]},
        {"exp": "tomorrow"},
    ],
)
def test_tokens_with_malformed_claims_are_refused(client, tenants, claims):
    import jwt

    base = {"sub": "x", "jti": "j", "orgs": ["acme"], "role": "user", "iat": 1, "exp": 2**40}
    token = jwt.encode({**base, **claims}, JWT_SECRET, algorithm="HS256")
    response = client.get("/api/organizations", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json == {"error": "Invalid token"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer ", "token abc"])
def test_a_malformed_authorization_header_is_401(client, header):
    response = client.get("/api/organizations", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_cli_creates_a_token_the_api_accepts(app, client, tenants):
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", "--org", "acme", "--role", "viewer", "--ttl", "2h"]
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    claims = tokens.read(JWT_SECRET, token)
    assert (claims["orgs"], claims["role"]) == (["acme"], "viewer")
    assert 7199 < claims["exp"] - claims["iat"] <= 7200  # `exp` is whole seconds
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/organizations/acme", headers=headers).status_code == 200
    assert client.put("/api/organizations/acme", headers=headers, json={}).status_code == 403


def test_cli_tokens_without_a_subject_each_name_an_operator_of_their_own(app):
    """Two operators' changes can be told apart in the change log (`actor.sub`)."""
    args = ["tokens", "create", "--org", "*", "--role", "admin"]
    made = [app.test_cli_runner().invoke(args=args) for _ in range(2)]
    subjects = [tokens.read(JWT_SECRET, result.stdout.strip())["sub"] for result in made]
    assert all(re.fullmatch(r"operator-[0-9a-f]{8}", subject) for subject in subjects)
    assert subjects[0] != subjects[1]
    for result, subject in zip(made, subjects, strict=True):
        assert f"subject {subject}, jti " in result.stderr


def test_cli_tokens_take_the_subject_given(app):
    args = ["tokens", "create", "--org", "acme", "--role", "user", "--subject", "ci-deploy"]
    result = app.test_cli_runner().invoke(args=args)
    assert tokens.read(JWT_SECRET, result.stdout.strip())["sub"] == "ci-deploy"
    assert "subject ci-deploy, jti " in result.stderr


@pytest.mark.slow  # starts a Python process, as an operator's shell does
def test_minting_a_token_warns_of_nothing_it_does_not_do():
    """Only a server that serves without authentication warns about it (gunicorn.conf.py):
    a command that mints a token serves nothing."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "tokens", "create"]
        + ["--org", "*", "--role", "admin", "--ttl", "1h"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "JWT_SECRET": JWT_SECRET, "AUTH_MODE": "off"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert tokens.read(JWT_SECRET, result.stdout.strip())["orgs"] == ["*"]
    assert "AUTH_MODE" not in result.stderr and "WARNING" not in result.stderr
    assert "jti " in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["--org", "Acme", "--role", "user"],
        ["--org", "acme", "--role", "root"],
        ["--org", "acme", "--role", "user", "--ttl", "soon"],
        ["--org", "acme", "--role", "user", "--ttl", "400d"],
    ],
)
def test_cli_refuses_bad_token_requests(app, args):
    result = app.test_cli_runner().invoke(args=["tokens", "create", *args])
    assert result.exit_code != 0


def test_a_revoked_token_is_refused_without_a_database_call_per_request(
    app, client, tenants, monkeypatch
):
    from syncapi.repositories import revocations

    app.config["REVOCATION_REFRESH_SECONDS"] = 60
    reads = []
    real = revocations.revoked
    monkeypatch.setattr(revocations, "revoked", lambda db: reads.append(1) or real(db))
    token, claims = tokens.issue(JWT_SECRET, "x", ["acme"], "user", 3600)
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(5):
        assert client.get("/api/organizations/acme", headers=headers).status_code == 200
    assert len(reads) == 1

    revocations.revoke(mongo_client(app)["syncapi"], claims["jti"])  # as `tokens revoke` does
    pass_time(app, monkeypatch, 60)  # the refresh period has passed
    response = client.get("/api/organizations/acme", headers=headers)
    assert (response.status_code, response.json) == (401, {"error": "Token revoked"})


# Login


def login(client, email="ana@acme.io", password=None, organization="acme"):
    body = {"organizationId": organization, "email": email, "password": password}
    if password is None:
        body["password"] = PASSWORDS.get(email, "whatever-it-is")
    return client.post("/api/auth/login", json=body)


def test_login_returns_a_token_and_sets_the_session_cookie(app, client, tenants):
    response = login(client)

    assert response.status_code == 200
    assert set(response.json) == {"accessToken", "expiresIn", "role"}
    assert (response.json["expiresIn"], response.json["role"]) == (3600, "user")
    claims = tokens.read(JWT_SECRET, response.json["accessToken"])
    assert (claims["sub"], claims["orgs"]) == (tenants["ana@acme.io"], ["acme"])
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"syncapi_session={response.json['accessToken']};")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    headers = {"Authorization": f"Bearer {response.json['accessToken']}"}
    assert client.get("/api/organizations", headers=headers).json[0]["id"] == "acme"


@pytest.mark.parametrize(
    ("email", "password", "organization"),
    [
        ("ana@acme.io", "wrong-password", "acme"),
        ("nobody@acme.io", "ana-password", "acme"),
        ("ana@acme.io", "ana-password", "globex"),
        ("ana@acme.io", "ana-password", "initech"),
        ("vic@acme.io", "any-password", "acme"),  # no password set yet
    ],
)
def test_every_failed_login_is_the_same_401(client, tenants, email, password, organization):
    response = login(client, email, password, organization)
    assert (response.status_code, response.json) == (401, {"error": "Invalid email or password"})
    assert "Set-Cookie" not in response.headers


def test_an_unknown_email_still_runs_the_hasher(client, tenants, monkeypatch):
    calls = []

    class SpyHasher:
        def verify(self, stored, password):
            calls.append(stored)
            return real.verify(stored, password)

        def hash(self, password):  # the dummy hash, made on first use
            return real.hash(password)

    real = passwords._hasher
    monkeypatch.setattr(passwords, "_hasher", SpyHasher())
    login(client, "nobody@acme.io", "ana-password")
    login(client, "ana@acme.io", "wrong-password")
    assert len(calls) == 2
    assert all(stored.startswith("$argon2id$") for stored in calls)


def test_an_inactive_user_cannot_log_in(client, tenants):
    client.put(
        f"/api/organizations/acme/users/{tenants['ana@acme.io']}",
        json={"status": "inactive"},
        headers=PLATFORM,
    )
    response = login(client)
    assert response.status_code == 401
    assert response.json == {"error": "Invalid email or password"}
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "a@x", "password": "p"}, "organizationId"),
        ({"organizationId": "acme", "password": "p"}, "email"),
        ({"organizationId": "acme", "email": "a@x"}, "password"),
        ({"organizationId": "acme", "email": {"$gt": ""}, "password": "p"}, "email"),
    ],
)
def test_login_refuses_bad_input(client, tenants, body, field):
    response = client.post("/api/auth/login", json=body)
    assert (response.status_code, response.json["field"]) == (400, field)


def test_login_attempts_are_limited_per_account(client, tenants):
    statuses = [login(client, password="wrong-password").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    response = login(client)  # even the right password waits
    assert response.status_code == 429
    assert response.json == {"error": "Too many requests, try again later"}
    assert "Retry-After" in response.headers
    assert login(client, "root@acme.io").status_code == 200  # another account is not blocked


def test_parallel_guesses_cannot_outrun_the_account_limit(app, tenants):
    import threading

    statuses, gate = [], threading.Barrier(12)

    def guess(n):
        gate.wait()
        statuses.append(login(app.test_client(), password=f"guess-{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [401] * 5 + [429] * 7


def test_login_attempts_are_limited_per_client(client, tenants):
    statuses = [login(client, f"user{n}@acme.io").status_code for n in range(21)]
    assert statuses == [401] * 20 + [429]


def test_the_session_cookie_authenticates_reads_and_origin_checked_writes(client, tenants):
    assert login(client).status_code == 200  # the test client keeps the cookie

    assert client.get("/api/organizations/acme").status_code == 200
    assert client.put("/api/organizations/acme", json={"name": "A"}).status_code == 403
    foreign = {"Origin": "https://evil.example"}
    response = client.put("/api/organizations/acme", json={"name": "A"}, headers=foreign)
    assert (response.status_code, response.json) == (403, {"error": "Origin not allowed"})
    response = client.put(
        "/api/organizations/acme", json={"name": "A"}, headers={"Origin": CONSOLE}
    )
    assert (response.status_code, response.json["name"]) == (200, "A")


def test_logout_clears_the_cookie(client, tenants):
    login(client)
    response = client.post("/api/auth/logout", headers={"Origin": CONSOLE})
    assert response.status_code == 200
    assert "syncapi_session=;" in response.headers["Set-Cookie"]
    assert client.get("/api/organizations/acme").status_code == 401


# Passwords and roles: no escalation


def password_path(user_id):
    return f"/api/organizations/acme/users/{user_id}/password"


def session_of(client, email):
    return {"Authorization": f"Bearer {login(client, email).json['accessToken']}"}


def test_a_user_sets_only_their_own_password_proving_the_current_one(client, tenants):
    ana = session_of(client, "ana@acme.io")
    body = {"password": "new-password-1"}

    response = client.put(password_path(tenants["root@acme.io"]), json=body, headers=ana)
    assert response.status_code == 403
    response = client.put(password_path(tenants["ana@acme.io"]), json=body, headers=ana)
    assert (response.status_code, response.json["field"]) == (403, "currentPassword")
    body["currentPassword"] = "ana-password"
    response = client.put(password_path(tenants["ana@acme.io"]), json=body, headers=ana)
    assert (response.status_code, response.json) == (
        200,
        {"message": "Password updated successfully"},
    )
    assert login(client, "ana@acme.io", "new-password-1").status_code == 200
    assert login(client, "ana@acme.io", "ana-password").status_code == 401


def test_an_admins_reset_between_a_users_check_and_write_wins(app, client, tenants, monkeypatch):
    """Ana changes her own password; after her current one is checked and before her write,
    an admin resets it. Her write, made for the password she proved, changes nothing (a
    server), or is made before the reset, which its transaction waits for (the embedded
    store): the admin's password is the one that holds."""
    ana, root = session_of(client, "ana@acme.io"), session_of(client, "root@acme.io")
    path, verify, resets, admins = password_path(tenants["ana@acme.io"]), passwords.verify, [], []

    def reset_first(stored, password):
        monkeypatch.setattr(passwords, "verify", verify)  # once
        body = {"password": "set-by-root-1"}
        admin = threading.Thread(
            target=lambda: resets.append(app.test_client().put(path, json=body, headers=root))
        )
        admin.start()
        admin.join(0.5)  # long enough to reset it, where nothing holds it
        admins.append(admin)
        return verify(stored, password)

    monkeypatch.setattr(passwords, "verify", reset_first)
    body = {"password": "new-password-1", "currentPassword": "ana-password"}
    response = client.put(path, json=body, headers=ana)
    admins[0].join(30)

    assert resets[0].status_code == 200
    if response.status_code != 200:
        assert (response.status_code, response.json["field"]) == (409, "currentPassword")
        assert "changed" in response.json["error"]
    assert login(client, "ana@acme.io", "set-by-root-1").status_code == 200
    assert login(client, "ana@acme.io", "new-password-1").status_code == 401


def test_an_org_admin_sets_any_password_of_the_organization(client, tenants):
    root = session_of(client, "root@acme.io")
    body = {"password": "vic-password"}
    response = client.put(password_path(tenants["vic@acme.io"]), json=body, headers=root)
    assert response.status_code == 200
    assert login(client, "vic@acme.io", "vic-password").json["role"] == "viewer"


@pytest.mark.parametrize("password", ["short", "x" * 1025, 12345678, None])
def test_a_bad_password_is_refused(client, tenants, password):
    body = {"password": password}
    response = client.put(password_path(tenants["vic@acme.io"]), json=body, headers=PLATFORM)
    assert (response.status_code, response.json["field"]) == (400, "password")


def test_a_user_cannot_create_an_admin_or_change_a_role(client, tenants, app):
    ana = session_of(client, "ana@acme.io")
    body = {"name": "Eve", "email": "eve@acme.io", "role": "admin"}
    path = f"/api/organizations/acme/users/{tenants['ana@acme.io']}"
    with unchanged(mongo_client(app)):
        created = client.post("/api/organizations/acme/users", json=body, headers=ana)
        promoted = client.put(path, json={"role": "admin"}, headers=ana)
    assert (created.status_code, promoted.status_code) == (403, 403)


def test_passwords_are_stored_at_production_strength(production_hashing, client, tenants):
    """The suite hashes cheaply (tests/settings.py); the server hashes as argon2-cffi
    recommends, and that is what a stored hash carries."""
    root = session_of(client, "root@acme.io")
    body = {"name": "Eve", "email": "eve@acme.io", "password": "eve-password"}
    assert client.post("/api/organizations/acme/users", json=body, headers=root).status_code == 201
    stored = mongo_client(client.application)["acme"].users.find_one({"email": "eve@acme.io"})

    assert argon2.extract_parameters(stored["passwordHash"]) == passwords.PRODUCTION
    assert passwords.PRODUCTION == argon2.extract_parameters(argon2.PasswordHasher().hash("x"))
    assert passwords.PRODUCTION.memory_cost == 64 * 1024 and passwords.PRODUCTION.time_cost == 3
    assert login(client, "eve@acme.io", "eve-password").status_code == 200
    assert login(client, "eve@acme.io", "eve-passworD").status_code == 401


def test_no_response_carries_a_password_hash(client, tenants):
    root = session_of(client, "root@acme.io")
    body = {"name": "Eve", "email": "eve@acme.io", "password": "eve-password"}
    created = client.post("/api/organizations/acme/users", json=body, headers=root)
    listed = client.get("/api/organizations/acme/users", headers=root)
    updated = client.put(
        f"/api/organizations/acme/users/{created.json['id']}", json={"name": "E"}, headers=root
    )
    for response in (created, listed, updated):
        assert "argon2" not in response.get_data(as_text=True)
        assert "password" not in response.get_data(as_text=True).lower()
    stored = mongo_client(client.application)["acme"].users.find_one({"email": "eve@acme.io"})
    assert stored["passwordHash"].startswith("$argon2id$") and "password" not in stored


# Tenant isolation of the dashboard and the time series


def test_organizations_list_only_the_callers(client, tenants):
    assert [o["id"] for o in client.get("/api/organizations", headers=bearer()).json] == ["acme"]
    everything_listed = client.get("/api/organizations", headers=PLATFORM).json
    assert [o["id"] for o in everything_listed] == ["acme", "globex"]


def test_dashboard_counts_cover_the_callers_organizations_only(client, tenants):
    acme, globex = bearer(), bearer(("globex",))
    for path, key in [("registered/all", "count"), ("apps-registered", "count")]:
        own = client.get(f"/api/query/{path}", headers=acme).json[key]
        other = client.get(f"/api/query/{path}", headers=globex).json[key]
        total = client.get(f"/api/query/{path}", headers=PLATFORM).json[key]
        assert own + other == total and 0 < own < total
    items = client.get("/api/query/applications", headers=acme).json
    assert [item["organizationId"] for item in items] == ["acme"]
    response = client.get("/api/query/registered?organizationId=globex", headers=acme)
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "acme", "globex", "everyone"),
    [
        ("/api/query/connected", {"count": 2}, {"count": 0}, {"count": 2}),
        ("/api/query/events/processed-24h", {"count": 7}, {"count": 2}, {"count": 9}),
        ("/api/query/events/processed", {"count": 8}, {"count": 4}, {"count": 12}),
        ("/api/query/storage", {"storage": 8e-05}, {"storage": 4e-05}, {"storage": 12e-05}),
    ],
)
def test_influx_counts_cover_the_callers_machines_only(
    client, tenants, machines, path, acme, globex, everyone
):
    assert client.get(path, headers=bearer()).json == acme
    assert client.get(path, headers=bearer(("globex",))).json == globex
    assert client.get(path, headers=PLATFORM).json == everyone
    machine_queries = [t for t in machines.tickets if "IN ($m0" in t["sql_query"]]
    assert {tuple(sorted(t["params"].values())) for t in machine_queries} == {
        ("CN1", "CN2"),
        ("CN3", "OIL-07"),
    }


def test_a_fresh_claim_shows_only_the_history_after_it(app, client, tenants, machines):
    """An id registered now (CN1 has a day of data) opens only what is written from now on;
    the claim's date reaches InfluxDB as a parameter, never as SQL text."""
    now = datetime.now(UTC).isoformat()
    body = {"organizationId": "acme", "since": now}
    since = client.put("/api/machines/CN1", json=body, headers=PLATFORM).json["since"]

    events = client.get("/device/CN1/events", headers=bearer()).json
    status = client.get("/device/CN1/status", headers=bearer()).json
    assert (events, status) == ([], {"power": None})
    assert client.get("/api/query/connected", headers=bearer()).json == {"count": 1}  # CN2
    assert client.get("/device/CN1/events", headers=PLATFORM).json != []  # history is there

    limited = [t for t in machines.tickets if "$t0" in t["sql_query"]]
    assert limited and all(since not in t["sql_query"] for t in limited)
    assert {t["params"]["t0"] for t in limited} == {since}
    date_back(client, "CN1", "acme")
    assert len(client.get("/device/CN1/events", headers=bearer()).json) == 6


def test_latest_events_show_the_callers_machines_only(client, tenants, machines):
    rows = client.get("/api/query/events", headers=bearer(("globex",))).json
    assert {row["machine_id"] for row in rows} == {"CN3", "OIL-07"}


@pytest.mark.parametrize("route", ["events", "status"])
def test_machine_pages_answer_only_for_the_callers_machines(client, tenants, machines, route):
    assert client.get(f"/device/CN1/{route}", headers=bearer()).status_code == 200
    response = client.get(f"/device/CN1/{route}", headers=bearer(("globex",)))
    assert (response.status_code, response.json) == (404, {"error": "Device not found"})
    assert client.get(f"/device/CN4/{route}", headers=bearer()).status_code == 404
    assert client.get(f"/device/CN4/{route}", headers=PLATFORM).status_code == 200


def test_host_metrics_are_for_any_signed_in_caller(client, tenants, machines):
    signed = client.get("/api/query/cpu", headers=bearer(("globex",), "viewer"))
    anonymous = client.get("/api/query/cpu")
    assert signed.status_code == 200
    assert signed.json == []  # the stand-in holds no host metrics
    assert anonymous.status_code == 401
    assert anonymous.json == {"error": "Authentication required"}


def test_status_and_icon_downloads_stay_public(client):
    status = client.get("/status")
    assert status.status_code == 200
    assert status.json == {"message": "Sync API is running"}
    response = client.get("/api/library/connectors/influxdb/icon")
    assert response.status_code == 200
    assert response.content_type == "image/svg+xml; charset=utf-8"
    assert response.get_data().startswith(b"<svg ")
    response.close()


# Modes, start-up checks, headers


def test_the_embedded_store_runs_without_auth():
    """…and its server says so loudly when it starts, listening on this machine only
    (tests/test_serving.py)."""
    app = create_app(Config(environ={}))
    assert app.config["AUTH_MODE"] == "off"
    assert app.test_client().get("/api/services").status_code == 200
    close_clients(app)


def test_every_response_carries_the_security_headers(client):
    for response in (client.get("/status"), client.get("/api/organizations"), client.get("/x")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_a_preflight_needs_no_token(client):
    response = client.options(
        "/api/organizations/acme",
        headers={"Origin": CONSOLE, "Access-Control-Request-Method": "PUT"},
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == CONSOLE


@pytest.mark.parametrize("stored", [12345, ["x"], b"\x00", "", "not-a-hash"])
def test_an_odd_stored_hash_is_no_password(app, client, tenants, stored):
    mongo_client(app)["acme"].users.insert_one(
        {"name": "O", "email": "odd@acme.io", "passwordHash": stored}
    )
    response = login(client, "odd@acme.io", "whatever-1")
    assert (response.status_code, response.json) == (401, {"error": "Invalid email or password"})


def test_a_user_stored_with_a_legacy_id_changes_their_own_password(app, client, tenants):
    mongo_client(app)["acme"].users.insert_one(
        {
            "id": "u-legacy",
            "name": "L",
            "email": "leg@acme.io",
            "passwordHash": passwords.hash_password("legacy-pass"),
        }
    )
    token = login(client, "leg@acme.io", "legacy-pass").json["accessToken"]
    session = {"Authorization": f"Bearer {token}"}
    body = {"password": "new-password-2", "currentPassword": "legacy-pass"}
    response = client.put(password_path("u-legacy"), json=body, headers=session)
    assert response.status_code == 200
    assert response.json == {"message": "Password updated successfully"}
    assert login(client, "leg@acme.io", "new-password-2").status_code == 200


def test_while_mongodb_is_down_the_last_revocation_list_stays(app, client, tenants, monkeypatch):
    from pymongo.errors import ConnectionFailure

    from syncapi.repositories import revocations

    headers = bearer(role="viewer")
    app.config["REVOCATION_REFRESH_SECONDS"] = 60
    assert client.get("/api/organizations/acme", headers=headers).status_code == 200
    tries = []

    def down(db):
        tries.append(1)
        raise ConnectionFailure("down")

    monkeypatch.setattr(revocations, "revoked", down)
    pass_time(app, monkeypatch, 60)
    for _ in range(3):
        assert client.get("/api/organizations/acme", headers=headers).status_code == 200
    assert len(tries) == 1  # one try per refresh period, not one per request


def test_a_tenant_cannot_claim_another_tenants_machine(app, client, tenants, machines):
    """Time series are read by machine id: registering CN1 in globex would open acme's data."""
    globex = bearer(("globex",))
    base = "/api/organizations/globex/applications/presses/devices"
    with unchanged(mongo_client(app)):
        for body, field in (
            ({"machineId": "CN1"}, "machineId"),
            ({"machineId": "N", "eui": "CN2"}, "eui"),
        ):
            response = client.post(base, json=body, headers=globex)
            assert (response.status_code, response.json["field"]) == (409, field)
        response = client.put(f"{base}/CN3", json={"machineId": "CN1"}, headers=globex)
    assert response.status_code == 409
    assert client.get("/device/CN1/status", headers=globex).status_code == 404
    assert client.post(base, json={"machineId": "GX-9"}, headers=globex).status_code == 201


# Logging in and out: no limit on logouts, odd bodies, roles syncapi does not know


def test_logout_is_not_rate_limited(client):
    answers = [client.post("/api/auth/logout") for _ in range(30)]
    assert [answer.status_code for answer in answers] == [200] * 30
    assert all(answer.json == {"message": "Logged out"} for answer in answers)


def test_a_deeply_nested_login_body_is_400(client):
    body = "[" * 100000 + "]" * 100000
    response = client.post("/api/auth/login", data=body, content_type="application/json")
    assert (response.status_code, response.json) == (400, {"error": "Invalid JSON body"})


@pytest.mark.parametrize("stored", ["readonly", "Admin", "", None])
def test_a_stored_role_syncapi_does_not_know_logs_in_as_viewer(app, client, tenants, stored):
    mongo_client(app)["acme"].users.insert_one(
        {"email": "r@acme.io", "role": stored, "passwordHash": passwords.hash_password("pw-123456")}
    )
    assert login(client, "r@acme.io", "pw-123456").json["role"] == "viewer"


# A role holds inside its organizations only, and cached counts stay with their tenant


@pytest.mark.parametrize("role", ["viewer", "user"])
def test_every_organization_without_the_admin_role_is_not_a_platform_admin(client, shared, role):
    headers = bearer(("*",), role)
    refused = {"error": "Only a platform admin may do this"}
    listed = client.get("/api/services", headers=headers)
    assert (listed.status_code, listed.json) == (403, refused)
    created = client.post("/device/new", json={"machineId": "L1"}, headers=headers)
    assert (created.status_code, created.json) == (403, refused)
    assert shared.devices.count_documents({}) == 0


def test_an_org_admin_is_isolated_like_any_member(client, tenants):
    response = client.get("/api/organizations", headers=bearer(("globex",), "admin"))
    assert [item["id"] for item in response.json] == ["globex"]
    response = client.get("/api/query/apps-registered", headers=bearer(("globex",), "admin"))
    assert response.json == {"count": 1}


def test_registered_answers_for_the_callers_organization(client, tenants):
    response = client.get("/api/query/registered?organizationId=acme", headers=bearer())
    assert (response.status_code, response.json) == (200, {"count": 2})


def test_cached_counts_are_never_shared_across_tenants(app, client, tenants, machines):
    app.extensions["syncapi.web.memo"].seconds = 60
    path = "/api/query/events/processed"
    assert client.get(path, headers=bearer()).json == {"count": 8}
    assert client.get(path, headers=bearer(("globex",))).json == {"count": 4}
    assert client.get(path, headers=PLATFORM).json == {"count": 12}
    for headers, organizations in [(bearer(), ["acme"]), (PLATFORM, ["acme", "globex"])]:
        items = client.get("/api/query/applications", headers=headers).json
        assert [item["organizationId"] for item in items] == organizations


# What a token must carry, and the clock skew it is allowed


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "sub", "orgs", "role"])
def test_a_token_missing_a_claim_is_refused(client, missing):
    import jwt

    claims = {"sub": "x", "jti": "j", "orgs": ["*"], "role": "admin", "iat": 1, "exp": 2**40}
    del claims[missing]
    token = jwt.encode(claims, JWT_SECRET, algorithm="HS256")
    response = client.get("/api/services", headers={"Authorization": f"Bearer {token}"})
    assert (response.status_code, response.json) == (401, {"error": "Invalid token"})


def test_a_few_seconds_of_clock_skew_are_tolerated(client):
    response = client.get("/api/services", headers=bearer(("*",), "admin", lifetime=-5))
    assert response.status_code == 200
    assert response.json == []


# Sessions end (spec §13.2)


def signed_in(client, email="ana@acme.io"):
    """The headers of a fresh login as that user."""
    response = login(client, email)
    assert response.status_code == 200, response.json
    client.delete_cookie("syncapi_session")  # each caller below says how it authenticates
    return {"Authorization": f"Bearer {response.json['accessToken']}"}


def refresh_revocations(app):
    app.extensions["syncapi.web.memo"].forget("syncapi.revoked")


def test_logout_revokes_the_token_it_is_called_with(app, client, tenants, mongo):
    headers = signed_in(client)
    jti = tokens.read(JWT_SECRET, headers["Authorization"][7:])["jti"]

    response = client.post("/api/auth/logout", headers=headers)

    assert response.status_code == 200
    assert "syncapi_session=;" in response.headers["Set-Cookie"]
    revoked = mongo["syncapi"].revoked_tokens.find_one({"jti": jti})
    assert revoked["expiresAt"] > revoked["revokedAt"]  # kept until the token expires
    refresh_revocations(app)
    response = client.get("/api/organizations/acme", headers=headers)
    assert (response.status_code, response.json) == (401, {"error": "Token revoked"})


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": f"Bearer {expired()['Authorization'][7:]}"},
        {},
    ],
)
def test_logout_with_a_dead_or_no_token_still_clears_the_cookie(client, mongo, headers):
    response = client.post("/api/auth/logout", headers=headers)
    assert (response.status_code, response.json) == (200, {"message": "Logged out"})
    assert "syncapi_session=;" in response.headers["Set-Cookie"]
    assert mongo["syncapi"].revoked_tokens.count_documents({}) == 0


def test_a_logout_through_the_cookie_checks_the_origin(app, client, tenants, mongo):
    login(client)
    response = client.post("/api/auth/logout", headers={"Origin": "https://evil.example"})
    assert (response.status_code, response.json) == (403, {"error": "Origin not allowed"})
    assert mongo["syncapi"].revoked_tokens.count_documents({}) == 0
    assert client.get("/api/organizations/acme").status_code == 200  # still signed in

    assert client.post("/api/auth/logout", headers={"Origin": CONSOLE}).status_code == 200
    assert mongo["syncapi"].revoked_tokens.count_documents({}) == 1


def ended(app, client, headers):
    refresh_revocations(app)
    return client.get("/api/organizations/acme", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("change", "method", "path", "body"),
    [
        ("password", "put", "/password", {"password": "a brand new password"}),
        ("deletion", "delete", "", None),
        ("deactivation", "put", "", {"status": "inactive"}),
        ("role change", "put", "", {"role": "viewer"}),
    ],
)
def test_a_change_to_a_user_ends_their_earlier_sessions(
    app, client, tenants, change, method, path, body
):
    ana, root = signed_in(client), signed_in(client, "root@acme.io")
    user = f"/api/organizations/acme/users/{tenants['ana@acme.io']}{path}"

    response = client.open(user, method=method, json=body, headers=root)

    assert response.status_code == 200, response.json
    assert ended(app, client, ana), change
    assert not ended(app, client, root)  # another user's sessions live on


@pytest.mark.parametrize("body", [{"name": "Ana B."}, {"role": "user"}, {"status": "active"}])
def test_a_change_that_is_not_one_of_those_keeps_the_sessions(app, client, tenants, body):
    ana, root = signed_in(client), signed_in(client, "root@acme.io")
    user = f"/api/organizations/acme/users/{tenants['ana@acme.io']}"
    assert client.put(user, json=body, headers=root).status_code == 200
    assert not ended(app, client, ana)


def test_a_token_issued_just_after_the_change_lives(app, client, tenants, monkeypatch):
    """The cut-off is compared to the microsecond, not to the second."""
    from syncapi.core import clock

    moment = datetime.now(UTC).replace(microsecond=500_000)  # tokens must not have expired
    monkeypatch.setattr(clock, "now", lambda: moment)
    root = signed_in(client, "root@acme.io")
    before = signed_in(client)
    client.put(
        f"/api/organizations/acme/users/{tenants['ana@acme.io']}",
        json={"role": "admin"},
        headers=root,
    )
    moment += timedelta(microseconds=1)
    after = signed_in(client)

    monkeypatch.undo()
    assert ended(app, client, before)
    assert not ended(app, client, after)


def test_login_records_the_token_and_the_cli_lists_and_revokes(app, client, tenants, mongo):
    headers = signed_in(client)
    jti = tokens.read(JWT_SECRET, headers["Authorization"][7:])["jti"]
    assert mongo["syncapi"].issued_tokens.find_one({"jti": jti})["sub"] == tenants["ana@acme.io"]
    app.config["MONGODB_URI"] = "mongodb://db:27017"  # as on a server; the client stays the same
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["tokens", "list", "--org", "acme"]).output
    assert f"{jti}\t{tenants['ana@acme.io']}\tuser\t" in listed
    result = runner.invoke(args=["tokens", "revoke", "--user", f"acme/{tenants['ana@acme.io']}"])
    assert result.exit_code == 0, result.output
    assert ended(app, client, headers)
    assert jti not in runner.invoke(args=["tokens", "list", "--org", "acme"]).output

    headers = signed_in(client)
    jti = tokens.read(JWT_SECRET, headers["Authorization"][7:])["jti"]
    assert runner.invoke(args=["tokens", "revoke", jti]).output == f"token {jti} revoked\n"
    assert ended(app, client, headers)
    revoked = mongo["syncapi"].revoked_tokens.find_one({"jti": jti})
    assert (
        revoked["expiresAt"] == mongo["syncapi"].issued_tokens.find_one({"jti": jti})["expiresAt"]
    )


@pytest.mark.parametrize(
    "args", [["tokens", "revoke", "some-jti"], ["tokens", "list", "--org", "acme"]]
)
def test_the_token_cli_says_it_cannot_reach_the_embedded_store(app, args):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert "embedded store" in result.output and "revoked" not in result.output


def test_an_unrecorded_jti_is_kept_for_the_longest_lifetime(app, mongo):
    app.config["MONGODB_URI"] = "mongodb://db:27017"
    mongo_client(app)  # the embedded client, built before the URI changed
    app.test_cli_runner().invoke(args=["tokens", "revoke", "unknown-jti"])
    revoked = mongo["syncapi"].revoked_tokens.find_one({"jti": "unknown-jti"})
    assert revoked["expiresAt"] - revoked["revokedAt"] >= timedelta(days=365)


def test_session_records_expire_through_ttl_indexes(client, tenants, mongo, started):
    signed_in(client)
    for collection in ("revoked_tokens", "ended_sessions", "issued_tokens"):
        index = mongo["syncapi"][collection].index_information()["expiresAt_ttl"]
        assert index["expireAfterSeconds"] == 0


# Guessing a current password is rate limited like a login


def test_guesses_of_the_current_password_are_limited_per_account(client, tenants, mongo):
    ana = signed_in(client)
    path = password_path(tenants["ana@acme.io"])
    body = {"password": "a new password", "currentPassword": "a wrong guess"}
    statuses = [client.put(path, json=body, headers=ana).status_code for _ in range(6)]
    assert statuses == [403] * 5 + [429]
    body["currentPassword"] = PASSWORDS["ana@acme.io"]
    assert client.put(path, json=body, headers=ana).status_code == 429  # the right one too
    stored = mongo["acme"].users.find_one({"email": "ana@acme.io"})["passwordHash"]
    assert passwords.verify(stored, PASSWORDS["ana@acme.io"])


def test_an_admin_setting_passwords_is_not_guessing(client, tenants):
    root = signed_in(client, "root@acme.io")
    path = password_path(tenants["ana@acme.io"])
    statuses = [
        client.put(path, json={"password": f"password number {n}"}, headers=root).status_code
        for n in range(8)
    ]
    assert statuses == [200] * 8


# Caching headers, cookies over HTTPS, CORS


@pytest.mark.parametrize(
    ("method", "path", "body", "cache"),
    [
        ("post", "/api/auth/login", "login", "no-store"),
        ("post", "/api/auth/login", "bad login", "no-store"),
        ("post", "/api/auth/logout", None, "no-store"),
        ("get", "/api/services?reveal=true", None, "no-store"),
        ("get", "/api/services", None, "private, no-cache"),
        ("get", "/api/organizations/acme", None, "private, no-cache"),
        ("get", "/api/organizations/nowhere", None, "private, no-cache"),
        ("get", "/status", None, "private, no-cache"),
    ],
)
def test_answers_say_how_they_may_be_cached(client, tenants, method, path, body, cache):
    if body == "login":
        body = {"organizationId": "acme", "email": "ana@acme.io", "password": "ana-password"}
    elif body == "bad login":
        body = {"organizationId": "acme", "email": "ana@acme.io", "password": "a guess"}
    response = getattr(client, method)(path, json=body, headers=PLATFORM)
    assert response.headers["Cache-Control"] == cache


def test_a_password_change_is_not_stored_by_caches(client, tenants):
    root = signed_in(client, "root@acme.io")
    path = password_path(tenants["ana@acme.io"])
    response = client.put(path, json={"password": "another password"}, headers=root)
    assert response.headers["Cache-Control"] == "no-store"


def test_icon_files_keep_their_own_caching(client):
    response = client.get("/api/library/connectors/mqtt/icon")
    assert response.headers["Cache-Control"] == "public, max-age=300"
    response.close()


def test_the_cookie_is_secure_when_the_proxy_saw_https(make_app):
    client = make_app(**SECURED, PROXY_COUNT=1).test_client()
    for org in ("acme",):
        assert client.put(f"/api/organizations/{org}", json={}, headers=PLATFORM).status_code == 201
    body = {"name": "Ana", "email": "ana@acme.io", "password": "ana-password"}
    client.post("/api/organizations/acme/users", json=body, headers=PLATFORM)
    login_body = {"organizationId": "acme", "email": "ana@acme.io", "password": "ana-password"}
    over_https = client.post(
        "/api/auth/login", json=login_body, headers={"X-Forwarded-Proto": "https"}
    )
    over_http = client.post("/api/auth/login", json=login_body)
    assert "Secure" in over_https.headers["Set-Cookie"]
    assert "Secure" not in over_http.headers["Set-Cookie"]
    logout = client.post(
        "/api/auth/logout", headers={"X-Forwarded-Proto": "https", "Origin": CONSOLE}
    )
    assert "Secure" in logout.headers["Set-Cookie"]


@pytest.mark.parametrize("origin", [CONSOLE, "https://evil.example", None])
def test_every_answer_varies_by_origin(client, origin):
    headers = {"Origin": origin} if origin else {}
    response = client.get("/status", headers=headers)
    assert "Origin" in response.headers["Vary"]
    if origin is not None:
        allowed = response.headers.get("Access-Control-Allow-Origin")
        assert allowed == (CONSOLE if origin == CONSOLE else None)


def test_cors_allows_and_exposes_the_headers_of_the_contract(client):
    preflight = client.options(
        "/api/organizations/acme",
        headers={
            "Origin": CONSOLE,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "If-Match, X-Request-ID, Idempotency-Key",
        },
    )
    allowed = preflight.headers["Access-Control-Allow-Headers"].lower()
    assert "if-match" in allowed and "x-request-id" in allowed
    assert "idempotency-key" in allowed
    exposed = client.get("/status", headers={"Origin": CONSOLE}).headers
    expected = {"ETag", "Link", "X-Total-Count", "X-Request-ID", "Retry-After", "X-Omitted-Keys"}
    expected.add("Idempotent-Replayed")
    assert expected <= {
        name.strip() for name in exposed["Access-Control-Expose-Headers"].split(",")
    }


# Only a platform admin creates an organization


@pytest.mark.parametrize(
    ("headers", "status"),
    [(bearer(("newco",), "admin"), 404), (bearer(("acme",), "admin"), 403)],
)
def test_only_a_platform_admin_creates_an_organization(client, mongo, tenants, headers, status):
    response = client.put("/api/organizations/newco", json={"name": "New"}, headers=headers)
    assert response.status_code == status
    assert "newco" not in mongo.list_database_names()
    response = client.put("/api/organizations/newco", json={"name": "New"}, headers=PLATFORM)
    assert response.status_code == 201


def test_a_former_member_cannot_recreate_a_deleted_organization(client, mongo, tenants):
    member = bearer(("acme",), "admin")
    deleted = client.delete("/api/organizations/acme?confirm=acme", headers=PLATFORM)
    assert deleted.status_code == 200
    response = client.put("/api/organizations/acme", json={"name": "Back"}, headers=member)
    assert (response.status_code, response.json) == (401, {"error": "Token revoked"})
    newer = bearer(("acme",), "admin")  # issued after the deletion: still no organization
    response = client.put("/api/organizations/acme", json={"name": "Back"}, headers=newer)
    assert (response.status_code, response.json) == (404, {"error": "Organization not found"})
    assert "acme" not in mongo.list_database_names()


def test_deleting_an_organization_ends_the_sessions_naming_it(client, tenants):
    acme_admin, globex = signed_in(client, "root@acme.io"), bearer(("globex",))
    deleted = client.delete("/api/organizations/acme?confirm=acme", headers=PLATFORM)
    assert deleted.status_code == 200
    assert client.put("/api/organizations/acme", json={}, headers=PLATFORM).status_code == 201
    for path in ("/api/organizations/acme", "/api/organizations/acme/users"):
        response = client.get(path, headers=acme_admin)
        assert response.status_code == 401
        assert response.json == {"error": "Token revoked"}
    assert client.get("/api/organizations/globex", headers=globex).status_code == 200
    assert client.get("/api/organizations/acme", headers=PLATFORM).status_code == 200


# Legacy devices are tenant data


def test_legacy_devices_show_only_the_callers_organizations(client, tenants):
    for machine_id, organization in [("L-ACME", "acme"), ("L-GLOBEX", "globex"), ("L-NONE", None)]:
        body = {
            "machineId": machine_id,
            **({"organizationId": organization} if organization else {}),
        }
        assert client.post("/device/new", json=body, headers=PLATFORM).status_code == 201

    assert client.get("/device/L-ACME", headers=bearer()).status_code == 200
    for machine_id in ("L-GLOBEX", "L-NONE"):
        response = client.get(f"/device/{machine_id}", headers=bearer())
        assert (response.status_code, response.json) == (404, {"error": "Device not found"})
        assert client.get(f"/device/{machine_id}", headers=PLATFORM).status_code == 200


def test_a_logged_out_token_is_refused_at_once_by_the_process_that_revoked_it(app, client, tenants):
    app.config["REVOCATION_REFRESH_SECONDS"] = 3600
    headers = signed_in(client)
    assert client.get("/api/organizations/acme", headers=headers).status_code == 200  # lists read
    assert client.post("/api/auth/logout", headers=headers).status_code == 200
    response = client.get("/api/organizations/acme", headers=headers)
    assert response.status_code == 401
    assert response.json == {"error": "Token revoked"}


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer "])
def test_logout_with_a_malformed_header_still_clears_the_cookie(client, header):
    response = client.post("/api/auth/logout", headers={"Authorization": header})
    assert (response.status_code, response.json) == (200, {"message": "Logged out"})
    assert "syncapi_session=;" in response.headers["Set-Cookie"]


def test_guesses_of_the_current_password_are_limited_per_client(client, tenants):
    """Six users guessing their own current password from one address, four times each (under
    the per-account limit): the address's 20 a minute stop them."""
    body = {"password": "a new password", "currentPassword": "a wrong guess"}
    statuses = []
    for number in range(6):
        email = f"user{number}@acme.io"
        created = client.post(
            "/api/organizations/acme/users",
            json={"name": "U", "email": email, "password": "a first password"},
            headers=PLATFORM,
        )
        token = client.post(
            "/api/auth/login",
            json={"organizationId": "acme", "email": email, "password": "a first password"},
        ).json["accessToken"]
        path = password_path(created.json["id"])
        headers = {"Authorization": f"Bearer {token}"}
        statuses += [client.put(path, json=body, headers=headers).status_code for _ in range(4)]
    assert statuses[:20] == [403] * 20
    assert statuses[20:] == [429] * 4


@pytest.mark.parametrize("email", ["\ud800@acme.io", "x" * 5000])
def test_the_login_limit_key_is_text_any_storage_can_hold(app, email):
    import bson

    from syncapi.blueprints.login import _account

    body = {"organizationId": "acme", "email": email, "password": "whatever it is"}
    with app.test_request_context("/api/auth/login", method="POST", json=body):
        key = _account()
    bson.encode({"_id": key})  # what the MongoDB rate-limit storage stores
    assert len(key) <= 512
