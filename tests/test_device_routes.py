"""`/api/organizations/{org}/applications/{app}/devices` (`blueprints/device_routes.py`,
spec/organizations.md): an application's devices, addressed by their `machineId`.
The same routes under `/api/applications`: test_applications; device tags and pages:
test_lists; machine claims: test_machines; the legacy `/device` mount: test_device."""

import pytest
from bson import ObjectId

from syncapi.core.masking import MASK
from tests import builders
from tests.helpers import APP, OPERATOR, SECURED, bearer, unchanged

# Registering a device


CONSOLE_DEVICE = {
    "machineId": "CN6",
    "name": "CN6",
    "events": [{"id": "M30", "class": "PIECES"}],
    "connectors": ["Fanuc"],
    "properties": {"ip": "10.0.0.40", "port": 5000},
}


def test_create_device_from_the_console_body(client, cnc):
    response = client.post(f"{APP}/devices", json=CONSOLE_DEVICE)

    assert response.status_code == 201
    stored = cnc["monitoreo-cnc_devices"].find_one({"machineId": "CN6"})
    assert response.json["_id"] == str(stored["_id"])
    assert {key: stored[key] for key in CONSOLE_DEVICE} == CONSOLE_DEVICE
    assert stored["organizationId"] == "acme"
    assert stored["applicationId"] == "monitoreo-cnc"
    assert stored["createdAt"] == stored["updatedAt"]


def test_create_device_accepts_machine_id_and_keeps_extra_keys(client, cnc):
    payload = {"machine_id": "CN7", "eui": "70B3D5", "organizationId": "other", "_id": "forged"}

    response = client.post(f"{APP}/devices", json=payload)

    assert response.status_code == 201
    stored = cnc["monitoreo-cnc_devices"].find_one({"machineId": "CN7"})
    assert "machine_id" not in stored
    assert stored["eui"] == "70B3D5"
    assert stored["organizationId"] == "acme"
    assert isinstance(stored["_id"], ObjectId)
    assert (stored["connectors"], stored["events"], stored["properties"]) == ([], [], {})


DEVICE_BAD_INPUTS = [
    ({"name": "x"}, "machineId"),
    ({"machineId": ""}, "machineId"),
    ({"machineId": "a/b"}, "machineId"),
    ({"machineId": "."}, "machineId"),  # a dot segment, which clients collapse in a path
    ({"machineId": ".."}, "machineId"),
    ({"machineId": "M", "eui": ".."}, "eui"),
    ({"machineId": "CN\u0000"}, "machineId"),  # NUL
    ({"machineId": "CN\u202e4"}, "machineId"),  # a right-to-left override
    ({"machineId": "CN\u200b4"}, "machineId"),  # a zero-width space
    ({"machineId": "CN\U000e0041"}, "machineId"),  # a tag character (beyond the BMP)
    ({"machineId": "M", "eui": "E\u2066"}, "eui"),  # a bidi isolate
    ({"machineId": "x" * 129}, "machineId"),
    ({"machineId": OPERATOR}, "machineId"),
    ({"machineId": 12}, "machineId"),
    ({"machineId": "M", "name": 5}, "name"),
    ({"machineId": "M", "connectors": "Fanuc"}, "connectors"),
    ({"machineId": "M", "connectors": [1]}, "connectors[0]"),
    ({"machineId": "M", "events": [{"id": "M30"}]}, "events[0].class"),
    ({"machineId": "M", "events": [{"id": "", "class": "P"}]}, "events[0].id"),
    ({"machineId": "M", "properties": ["ip"]}, "properties"),
    ({"machineId": "M", "properties": {"$where": "1"}}, "properties.$where"),
    ({"machineId": "M", "$set": {"x": 1}}, "$set"),
    ({"machineId": "M", "properties.ip": "1"}, "properties.ip"),
]


@pytest.mark.parametrize(("payload", "field"), DEVICE_BAD_INPUTS)
def test_create_device_refuses_bad_input(client, cnc, payload, field):
    with unchanged(cnc):
        response = client.post(f"{APP}/devices", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_duplicate_machine_id_is_409(client, cnc):
    client.post(f"{APP}/devices", json={"machineId": "CN6"})
    response = client.post(f"{APP}/devices", json={"machine_id": "CN6"})
    assert response.status_code == 409
    assert response.json["field"] == "machineId"
    assert cnc["monitoreo-cnc_devices"].count_documents({}) == 1


# Listing and reading devices


def test_list_and_get_devices(client, cnc):
    client.post(f"{APP}/devices", json=CONSOLE_DEVICE)

    listed = client.get(f"{APP}/devices")
    got = client.get(f"{APP}/devices/CN6")

    assert listed.status_code == got.status_code == 200
    assert listed.json == [got.json]
    assert got.json["properties"] == {"ip": "10.0.0.40", "port": 5000}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_device_is_404(client, cnc, method):
    response = getattr(client, method)(f"{APP}/devices/NOPE", json={})
    assert response.status_code == 404
    assert response.json == {"error": "Device not found"}


# Changing a device


def test_update_device_sets_sent_keys_and_returns_the_document(client, cnc):
    client.post(f"{APP}/devices", json=CONSOLE_DEVICE)

    response = client.put(
        f"{APP}/devices/CN6",
        json={
            "name": "Lathe",
            "properties": {"ip": "10.0.0.41"},
            "createdAt": "forged",
            "workOrder": "W1",
        },
    )

    assert response.status_code == 200
    stored = cnc["monitoreo-cnc_devices"].find_one({"machineId": "CN6"})
    assert response.json["name"] == stored["name"] == "Lathe"
    assert stored["properties"] == {"ip": "10.0.0.41"}
    assert stored["events"] == CONSOLE_DEVICE["events"]
    assert stored["workOrder"] == "W1"
    assert stored["createdAt"] != "forged"
    assert stored["updatedAt"] >= stored["createdAt"]


def test_an_update_moves_updated_at(client, cnc, later):
    client.post(f"{APP}/devices", json={"machineId": "CN6"})
    later()

    device = client.put(f"{APP}/devices/CN6", json={"name": "x"}).json

    assert device["updatedAt"] > device["createdAt"]


def test_update_device_renames_unless_the_id_is_taken(client, cnc):
    client.post(f"{APP}/devices", json={"machineId": "CN6"})
    client.post(f"{APP}/devices", json={"machineId": "CN7"})

    taken = client.put(f"{APP}/devices/CN6", json={"machineId": "CN7"})
    renamed = client.put(f"{APP}/devices/CN6", json={"machineId": "CN8"})

    assert taken.status_code == 409
    assert renamed.status_code == 200
    ids = sorted(doc["machineId"] for doc in cnc["monitoreo-cnc_devices"].find())
    assert ids == ["CN7", "CN8"]


@pytest.mark.parametrize(("payload", "field"), DEVICE_BAD_INPUTS[1:])
def test_update_device_refuses_bad_input(client, cnc, payload, field):
    client.post(f"{APP}/devices", json={"machineId": "M"})
    with unchanged(cnc):
        response = client.put(f"{APP}/devices/M", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


# Deleting a device


def test_delete_device(client, cnc):
    client.post(f"{APP}/devices", json={"machineId": "CN6"})
    response = client.delete(f"{APP}/devices/CN6")
    assert response.json == {"message": "Device deleted successfully"}
    assert cnc["monitoreo-cnc_devices"].count_documents({}) == 0


# Secrets in properties: masked in every answer, to every caller; the mask sent back keeps them

SECRET_PROPERTIES = {
    "ip": "10.0.0.40",
    "mqtt": {"user": "cnc", "password": "pw", "keyId": "k1"},
    "dsn": "Server=db;Password=pw2;Database=cnc",
    "tls": {"cert": "CERT", "key": "PRIVATE KEY"},
    "brokers": ["mqtt://cnc:pw3@broker:1883"],
}
SHOWN_PROPERTIES = {
    "ip": "10.0.0.40",
    "mqtt": {"user": "cnc", "password": MASK, "keyId": "k1"},
    "dsn": "Server=db;Password=********;Database=cnc",
    "tls": {"cert": "CERT", "key": MASK},
    "brokers": ["mqtt://cnc:********@broker:1883"],
}
SECRET_DEVICE = {"machineId": "CN6", "properties": SECRET_PROPERTIES}


def stored_properties(db):
    return db["monitoreo-cnc_devices"].find_one({"machineId": "CN6"})["properties"]


def test_secrets_in_properties_are_masked_in_every_answer(client, cnc):
    created = client.post(f"{APP}/devices", json=SECRET_DEVICE)

    answers = [
        created.json,
        client.get(f"{APP}/devices").json[0],
        client.get(f"{APP}/devices?limit=1").json[0],
        client.get(f"{APP}/devices/CN6").json,
        client.put(f"{APP}/devices/CN6", json={"name": "Lathe"}).json,
        client.get("/api/applications/acme/applications/monitoreo-cnc/devices").json[0],
    ]

    assert [answer["properties"] for answer in answers] == [SHOWN_PROPERTIES] * len(answers)
    assert stored_properties(cnc) == SECRET_PROPERTIES


@pytest.mark.parametrize(
    "headers",
    [
        bearer(["acme"], "viewer"),
        bearer(["acme"], "user"),
        bearer(["acme"], "admin"),
        bearer(["*"], "admin"),  # a platform admin too
    ],
)
def test_every_role_reads_the_mask(make_app, headers):
    client = make_app(**SECURED).test_client()
    root = bearer(["*"], "admin", "root")
    builders.organization(client, "acme", "Acme", root)
    builders.application(client, "acme", "monitoreo-cnc", "CNC", root)
    builders.devices(client, "acme", "monitoreo-cnc", [SECRET_DEVICE], root)

    listed = client.get(f"{APP}/devices", headers=headers)
    read = client.get(f"{APP}/devices/CN6", headers=headers)

    assert listed.json[0]["properties"] == read.json["properties"] == SHOWN_PROPERTIES


def test_a_put_of_what_get_showed_keeps_every_secret(client, cnc):
    client.post(f"{APP}/devices", json=SECRET_DEVICE)
    shown = client.get(f"{APP}/devices/CN6").json
    edited = {**shown["properties"], "ip": "10.0.0.41"}
    edited["dsn"] = "Server=db2;Password=********;Database=cnc"

    response = client.put(f"{APP}/devices/CN6", json={"properties": edited})

    assert response.status_code == 200
    assert response.json["properties"] == {
        **SHOWN_PROPERTIES,
        "ip": "10.0.0.41",
        "dsn": "Server=db2;Password=********;Database=cnc",
    }
    assert stored_properties(cnc) == {
        **SECRET_PROPERTIES,
        "ip": "10.0.0.41",
        "dsn": "Server=db2;Password=pw2;Database=cnc",
    }


def test_a_new_secret_replaces_the_stored_one(client, cnc):
    client.post(f"{APP}/devices", json=SECRET_DEVICE)
    properties = {**SHOWN_PROPERTIES, "mqtt": {"user": "cnc", "password": "rotated"}}
    client.put(f"{APP}/devices/CN6", json={"properties": properties})
    assert stored_properties(cnc)["mqtt"] == {"user": "cnc", "password": "rotated"}


def test_a_mask_with_nothing_stored_behind_it_is_never_saved(client, cnc):
    body = {"machineId": "CN6", "properties": {"password": MASK, "dsn": "Password=********;"}}
    created = client.post(f"{APP}/devices", json=body)
    client.put(f"{APP}/devices/CN6", json={"properties": {**body["properties"], "token": MASK}})
    assert created.json["properties"] == {"dsn": "Password=;"}
    assert stored_properties(cnc) == {"dsn": "Password=;"}
