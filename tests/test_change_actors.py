"""Every create, update and delete of every resource type leaves exactly one entry, in the
right log, naming the right actor: a bearer token, the session cookie, or no
authentication (docs/api.md "Change log")."""

import pytest

from syncapi.access.auth import SESSION_COOKIE
from syncapi.core import tokens
from syncapi.extensions import mongo_client
from tests.helpers import APP, CONSOLE, JWT_SECRET, ORG, SECURED

APPS = "/api/applications/acme/applications/monitoreo-cnc"
CONNECTOR = {"name": "mqtt", "driver": "mqtt"}
FUNCTION = {"name": "f", "type": "Algebraic Function", "expression": "x", "variables": ["x"]}
EVENT_CLASS = {"class": "A", "topic": "t", "type": "STR"}
SERVICE = {"name": "kafka", "type": "kafka", "configuration": {}}
ACTORS = {  # and the token's jti (none without a token)
    "none": {"sub": None, "role": None, "auth": "none", "jti": None},
    "token": {"sub": "root", "role": "admin", "auth": "token"},
    "cookie": {"sub": "root", "role": "admin", "auth": "cookie"},
}

# type -> its steps: (action, method, path, body, the log: "acme" or the shared "syncapi").
# `{id}` is the id the create answered (`_id`, or a user's `id`).
STEPS = {
    "organization": [
        ("create", "PUT", "/api/organizations/globex", {"name": "Globex"}, "globex"),
        ("update", "PUT", "/api/organizations/globex", {"name": "G"}, "globex"),
        ("delete", "DELETE", "/api/organizations/globex?confirm=globex", None, "syncapi"),
    ],
    "application": [
        ("create", "POST", f"{ORG}/applications", {"applicationId": "lathes", "name": "L"}),
        ("update", "PUT", f"{ORG}/applications/lathes", {"name": "Lathes"}),
        ("delete", "DELETE", f"{ORG}/applications/lathes", None),
    ],
    "user": [
        ("create", "POST", f"{ORG}/users", {"name": "Ana", "email": "ana@acme.io"}),
        ("update", "PUT", f"{ORG}/users/{{id}}", {"name": "Ana B."}),
        ("update", "PUT", f"{ORG}/users/{{id}}/password", {"password": "a passphrase"}),
        ("delete", "DELETE", f"{ORG}/users/{{id}}", None),
    ],
    "gateway": [
        ("create", "POST", f"{ORG}/gateways", {"gatewayId": "GW1", "name": "G"}),
        ("update", "PUT", f"{ORG}/gateways/GW1", {"name": "H"}),
        ("delete", "DELETE", f"{ORG}/gateways/GW1", None),
    ],
    "device": [
        ("create", "POST", f"{APPS}/devices", {"machineId": "CN1"}),  # the application mount
        ("create", "POST", f"{APP}/devices", {"machineId": "CN2"}),
        ("update", "PUT", f"{APP}/devices/CN1", {"name": "Lathe"}),
        ("delete", "DELETE", f"{APP}/devices/CN1", None),
    ],
    "device-tags": [
        ("update", "POST", f"{APP}/device-tags", {"machineIds": ["CN0"], "add": ["a"]}),
        ("update", "POST", f"{APPS}/device-tags", {"machineIds": ["CN0"], "remove": ["a"]}),
    ],
    "connector": [
        ("create", "POST", f"{ORG}/connectors", CONNECTOR),
        ("update", "PUT", f"{ORG}/connectors/{{id}}", {**CONNECTOR, "description": "d"}),
        ("delete", "DELETE", f"{ORG}/connectors/{{id}}", None),
        ("create", "POST", f"{APPS}/connectors", CONNECTOR),
        ("update", "PUT", f"{APPS}/connectors/{{id}}", {**CONNECTOR, "description": "d"}),
        ("delete", "DELETE", f"{APPS}/connectors/{{id}}", None),
    ],
    "event-class": [("create", "POST", f"{APPS}/event-classes", {"id": "e1", **EVENT_CLASS})],
    "event-classes": [("update", "PUT", f"{APPS}/event-classes", [{"id": "e2", **EVENT_CLASS}])],
    "function": [
        ("create", "POST", f"{APPS}/functions", {"id": "fn_1", **FUNCTION}),
        ("update", "PUT", f"{APPS}/functions/fn_1", FUNCTION),
        ("delete", "DELETE", f"{APPS}/functions/fn_1", None),
    ],
    "machine-claim": [
        ("create", "PUT", "/api/machines/M1", {"organizationId": "acme"}),
        ("update", "PUT", "/api/machines/M1", {"organizationId": "acme", "since": "2025-01-01"}),
        ("delete", "DELETE", "/api/machines/M1", None),
    ],
    "service": [
        ("create", "POST", "/api/services", SERVICE, "syncapi"),
        ("update", "PUT", "/api/services/{id}", {"type": "mqtt"}, "syncapi"),
        ("update", "PATCH", "/api/services/{id}/toggle", {"enabled": False}, "syncapi"),
        ("delete", "DELETE", "/api/services/{id}", None, "syncapi"),
    ],
    "legacy-device": [
        ("create", "POST", "/device/new", {"machineId": "L1"}, "syncapi"),
        ("update", "PUT", "/device/L1", {"name": "Tank"}, "syncapi"),
        ("delete", "DELETE", "/device/L1", None, "syncapi"),
    ],
}


@pytest.fixture(params=ACTORS)
def signed_in(request, make_app):
    """`(client, headers, actor)`: an app and how its calls sign in."""
    auth, actor = request.param, ACTORS[request.param]
    if auth == "none":
        app = make_app()
        headers = {}
    else:
        app = make_app(**SECURED)
        token, claims = tokens.issue(JWT_SECRET, "root", ["*"], "admin", 3600)
        headers = {"Authorization": f"Bearer {token}"} if auth == "token" else {}
        actor = {**actor, "jti": claims["jti"]}
    client = app.test_client()
    if auth == "cookie":
        client.set_cookie(SESSION_COOKIE, token)
        headers = {"Origin": CONSOLE}  # a cookie's change comes from an allowed page
    return client, headers, actor, mongo_client(app)


def arranged(client, headers):
    """acme with its application and a device the tag steps name."""
    for method, path, body in [
        ("PUT", ORG, {"name": "Acme"}),
        ("POST", f"{ORG}/applications", {"applicationId": "monitoreo-cnc", "name": "CNC"}),
        ("POST", f"{APP}/devices", {"machineId": "CN0"}),
    ]:
        assert client.open(path, method=method, json=body, headers=headers).status_code == 201


def entries(db):
    return list(db.changes.find({}, {"_id": 0}).sort("seq", 1))


@pytest.mark.parametrize("resource_type", STEPS)
def test_each_change_is_one_entry_naming_its_actor(signed_in, resource_type):
    client, headers, actor, mongo = signed_in
    arranged(client, headers)
    created_id = None
    for action, method, path, body, *log in STEPS[resource_type]:
        db = mongo[log[0] if log else "acme"]
        before = entries(db)
        response = client.open(
            path.format(id=created_id), method=method, json=body, headers=headers
        )
        assert response.status_code in (200, 201, 204), (path, response.json)
        if action == "create" and response.json:
            created_id = response.json.get("id") or response.json.get("_id")

        (entry,) = entries(db)[len(before) :]
        assert entries(db)[: len(before)] == before
        assert (entry["action"], entry["resource"]["type"]) == (action, resource_type)
        assert entry["actor"] == actor
        assert entry["seq"] == (before[-1]["seq"] if before else 0) + 1
        bulk = resource_type in ("device-tags", "event-classes")
        assert (entry["resource"]["id"] is None) == bulk
