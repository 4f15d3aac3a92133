"""The world every fault case starts from, and one request per write operation of the API
description (POST, PUT, PATCH, DELETE), each answering 2xx on that world: what
`test_faults.py` fails call by call.

The world is made through the API, with the clock stopped, so that two worlds differ only
in what is random (ObjectIds, request ids, password hashes), which `normalized` makes
neutral."""

import io
import json
import re

from syncapi.openapi.examples import application_parts, organizations, platform
from syncapi.repositories import idempotency_keys

ORG = "/api/organizations/acme"
APP = f"{ORG}/applications/monitoreo-cnc"
APP2 = "/api/applications/acme/applications/monitoreo-cnc"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PASSWORD = "a long passphrase"


def sent(client, method, path, body=None, status=None):
    response = client.open(path, method=method, json=body)
    assert status is None or response.status_code == status, (path, response.json)
    return response


def world(client):
    """Every resource a write operation names, and the ids the API gave them."""
    ids = {}
    sent(client, "PUT", ORG, {"name": "Acme"}, 201)
    sent(client, "PUT", "/api/organizations/globex", {"name": "Globex"}, 201)
    sent(client, "POST", f"{ORG}/applications", {"applicationId": "monitoreo-cnc", "name": "CNC"})
    for machine, eui in (("CN1", "E-1"), ("CN2", "E-2")):
        body = {"machineId": machine, "name": machine, "eui": eui, "tags": ["line-1"]}
        sent(client, "POST", f"{APP}/devices", body, 201)
    ids["connector"] = sent(client, "POST", f"{ORG}/connectors", application_parts.NEW_CONNECTOR)
    ids["app_connector"] = sent(
        client, "POST", f"{APP2}/connectors", application_parts.NEW_CONNECTOR, 201
    )
    ids["function"] = sent(client, "POST", f"{APP2}/functions", application_parts.NEW_FUNCTION)
    sent(client, "POST", f"{APP2}/event-classes", application_parts.NEW_EVENT_CLASS, 201)
    sent(client, "POST", f"{ORG}/gateways", {"gatewayId": "GW1", "name": "Hall A"}, 201)
    sent(client, "POST", f"{ORG}/gateways", {"gatewayId": "GW9", "name": "Old"}, 201)
    ids["restore_seq"] = sent(client, "DELETE", f"{ORG}/gateways/GW9", None, 200)
    user = {**organizations.NEW_USER, "password": PASSWORD}
    ids["user"] = sent(client, "POST", f"{ORG}/users", user, 201)
    ids["service"] = sent(client, "POST", "/api/services", platform.NEW_SERVICE, 201)
    sent(client, "POST", "/device/new", {"machineId": "L1", "name": "L1", "organizationId": "acme"})
    sent(client, "PUT", "/api/machines/M9", {"organizationId": "acme"}, 201)
    return _ids(client, ids)


def _ids(client, answers):
    connector = answers["connector"].json
    app_connector = answers["app_connector"].json
    changes = [
        entry
        for entry in client.get(f"{ORG}/changes?type=gateway").json
        if entry["resource"]["id"] == "GW9" and entry["action"] == "delete"
    ]
    return {
        "connector": connector.get("id") or connector.get("_id"),
        "app_connector": app_connector.get("id") or app_connector.get("_id"),
        "function": answers["function"].json["id"],
        "user": answers["user"].json.get("_id") or answers["user"].json.get("id"),
        "service": answers["service"].json.get("_id") or answers["service"].json.get("id"),
        "seq": max(entry["seq"] for entry in changes),
    }


def cases(ids):
    """operationId: (method, path, body or a multipart dict, expected status)."""
    function, user, service = ids["function"], ids["user"], ids["service"]
    connector, app_connector = ids["connector"], ids["app_connector"]
    new_device = {"machineId": "CN4", "name": "CN4", "eui": "E-4"}
    tags = {"machineIds": ["CN1", "CN2"], "add": ["line-2"], "remove": ["line-1"]}
    return {
        "applications_create_connector": ("POST", f"{APP2}/connectors", _new_connector(), 201),
        "applications_update_connector": (
            "PUT",
            f"{APP2}/connectors/{app_connector}",
            application_parts.CONNECTOR_CHANGES,
            200,
        ),
        "applications_delete_connector": (
            "DELETE",
            f"{APP2}/connectors/{app_connector}",
            None,
            200,
        ),
        "applications_change_tags": ("POST", f"{APP2}/device-tags", tags, 200),
        "applications_create_device": ("POST", f"{APP2}/devices", new_device, 201),
        "applications_create_event_class": (
            "POST",
            f"{APP2}/event-classes",
            {**application_parts.NEW_EVENT_CLASS, "className": "MODE2"},
            201,
        ),
        "applications_replace_event_classes": (
            "PUT",
            f"{APP2}/event-classes",
            [application_parts.NEW_EVENT_CLASS],
            200,
        ),
        "applications_create_function": (
            "POST",
            f"{APP2}/functions",
            {**application_parts.NEW_FUNCTION, "id": "availability"},
            201,
        ),
        "applications_update_function": (
            "PUT",
            f"{APP2}/functions/{function}",
            application_parts.FUNCTION_CHANGES,
            200,
        ),
        "applications_delete_function": ("DELETE", f"{APP2}/functions/{function}", None, 200),
        "applications_evaluate_function": (
            "POST",
            f"{APP2}/functions/{function}/evaluate",
            {"values": {"a": 0.9, "p": 0.95, "q": 0.99}},
            200,
        ),
        "auth_login": (
            "POST",
            "/api/auth/login",
            {"email": "ana@acme.io", "organizationId": "acme", "password": PASSWORD},
            200,
        ),
        "auth_logout": ("POST", "/api/auth/logout", None, 200),
        "icons_upload_icon_by_form": (
            "POST",
            "/api/library/upload",
            {"category": "machines", "name": "lathe", "icon": PNG},
            201,
        ),
        "icons_upload_icon": ("POST", "/api/library/machines/mill/icon", {"icon": PNG}, 201),
        "machines_assign_claim": ("PUT", "/api/machines/M5", {"organizationId": "acme"}, 201),
        "machines_release_claim": ("DELETE", "/api/machines/M9", None, 200),
        "organizations_delete_organization": (
            "DELETE",
            "/api/organizations/globex?confirm=globex",
            None,
            200,
        ),
        "organizations_save_organization": (
            "PUT",
            "/api/organizations/initech",
            {"name": "Initech"},
            201,
        ),
        "organizations_create_application": (
            "POST",
            f"{ORG}/applications",
            {"applicationId": "presses", "name": "Presses"},
            201,
        ),
        "organizations_update_application": ("PUT", APP, {"description": "Lines 1 and 2"}, 200),
        "organizations_delete_application": ("DELETE", APP, None, 200),
        "organizations_change_tags": ("POST", f"{APP}/device-tags", tags, 200),
        "organizations_create_device": ("POST", f"{APP}/devices", new_device, 201),
        "organizations_update_device": (
            "PUT",
            f"{APP}/devices/CN1",
            {"machineId": "CN7", "eui": "E-7"},
            200,
        ),
        "organizations_delete_device": ("DELETE", f"{APP}/devices/CN2", None, 200),
        "organizations_restore_change": ("POST", f"{ORG}/changes/{ids['seq']}/restore", None, 201),
        "organizations_create_connector": ("POST", f"{ORG}/connectors", _new_connector(), 201),
        "organizations_update_connector": (
            "PUT",
            f"{ORG}/connectors/{connector}",
            application_parts.CONNECTOR_CHANGES,
            200,
        ),
        "organizations_delete_connector": ("DELETE", f"{ORG}/connectors/{connector}", None, 200),
        "organizations_create_gateway": (
            "POST",
            f"{ORG}/gateways",
            {"gatewayId": "GW2", "name": "Hall B"},
            201,
        ),
        "organizations_update_gateway": (
            "PUT",
            f"{ORG}/gateways/GW1",
            {"status": "disconnected"},
            200,
        ),
        "organizations_delete_gateway": ("DELETE", f"{ORG}/gateways/GW1", None, 200),
        "organizations_create_user": (
            "POST",
            f"{ORG}/users",
            {"name": "Bo", "email": "bo@acme.io", "role": "viewer"},
            201,
        ),
        "organizations_update_user": ("PUT", f"{ORG}/users/{user}", {"role": "viewer"}, 200),
        "organizations_delete_user": ("DELETE", f"{ORG}/users/{user}", None, 200),
        "organizations_set_user_password": (
            "PUT",
            f"{ORG}/users/{user}/password",
            {"password": "another long passphrase"},
            200,
        ),
        "services_create_service": (
            "POST",
            "/api/services",
            {**platform.NEW_SERVICE, "name": "mqtt-2"},
            201,
        ),
        "services_update_service": (
            "PUT",
            f"/api/services/{service}",
            {"configuration": {"host": "mqtt.acme.io", "port": 8883}},
            200,
        ),
        "services_delete_service": ("DELETE", f"/api/services/{service}", None, 204),
        "services_toggle_service": (
            "PATCH",
            f"/api/services/{service}/toggle",
            {"enabled": False},
            200,
        ),
        "device_create_device": (
            "POST",
            "/device/new",
            {"machineId": "L2", "name": "L2", "organizationId": "acme"},
            201,
        ),
        "device_update_device": ("PUT", "/device/L1", {"name": "L1 (lathe)"}, 200),
        "device_delete_device": ("DELETE", "/device/L1", None, 200),
        "device_machines_status": ("POST", "/device/status", {"machineIds": ["CN1", "L1"]}, 200),
    }


def _new_connector():
    return {**application_parts.NEW_CONNECTOR, "name": "Second"}


def send(client, method, path, body, headers=None):
    """The case's request: JSON, or multipart when the body holds bytes."""
    if isinstance(body, dict) and any(isinstance(value, bytes) for value in body.values()):
        data = {
            key: (io.BytesIO(value), f"{key}.png") if isinstance(value, bytes) else value
            for key, value in body.items()
        }
        return client.open(
            path, method=method, data=data, content_type="multipart/form-data", headers=headers
        )
    return client.open(path, method=method, json=body, headers=headers)


OBJECT_ID = re.compile(r"^[0-9a-f]{24}$")
# ObjectIds, request ids, password hashes, and content ETags and Idempotency-Key
# fingerprints (keyed by the deployment's random key, `repositories.keys`).
RANDOM = re.compile(
    r"(?<![0-9a-z])c[0-9a-f]{32}(?![0-9a-f])"
    r"|(?<![0-9a-f])([0-9a-f]{24}|[0-9a-f]{32}|[0-9a-f]{64})(?![0-9a-f])|\$argon2[^\"]*"
)


def normalized(state):
    """`state` (`helpers.snapshot` of the client) with what differs from world to world made
    neutral, and each collection's documents in a stable order. An `Idempotency-Key`'s
    pending marker is no change (nothing the API shows; it frees its key when its request
    has answered, or expires): one that a fault kept from being removed is left out."""
    state = {
        name: {
            collection: [
                document
                for document in documents
                if collection != idempotency_keys.COLLECTION
                or document.get("state") != idempotency_keys.PENDING
            ]
            for collection, documents in collections.items()
        }
        for name, collections in state.items()
    }
    state = {
        name: {collection: documents for collection, documents in collections.items() if documents}
        for name, collections in state.items()
    }
    text = json.dumps(state, default=_neutral, sort_keys=True)
    text = RANDOM.sub("<random>", text)
    databases = json.loads(text)
    return {
        name: {
            collection: sorted(json.dumps(document, sort_keys=True) for document in documents)
            for collection, documents in collections.items()
        }
        for name, collections in databases.items()
    }


def _neutral(value):
    if isinstance(value, bytes):  # a key of the deployment (`repositories.keys`): random
        return "<bytes>"
    text = str(value)
    return "<oid>" if OBJECT_ID.match(text) else text
