"""`/device` legacy CRUD over the shared database (spec/device.md routes 3-6)."""

import pytest

from tests.conftest import snapshot

TANK = {"machineId": "A1B2C3D4E5F60708", "name": "Tank 3", "properties": {"max_tank_volume": 2500}}


@pytest.fixture
def shared(mongo):
    return mongo["syncapi"]


def test_create_stores_the_schema_fields_and_drops_others(client, shared):
    response = client.post("/device/new", json={**TANK, "extra": 1, "_id": "x", "createdAt": "x"})

    assert response.status_code == 201
    stored = shared.devices.find_one({"machineId": TANK["machineId"]})
    assert response.json["_id"] == str(stored["_id"])
    assert {key: stored[key] for key in TANK} == TANK
    assert (stored["connectors"], stored["events"]) == ([], [])
    assert "extra" not in stored
    assert stored["createdAt"] != "x"
    assert "machineId_unique" in shared.devices.index_information()


def test_create_keeps_application_and_organization_as_given(client, shared):
    body = {"machineId": "M1", "applicationId": "oil-monitor", "organizationId": "acme"}
    assert client.post("/device/new", json=body).status_code == 201
    stored = shared.devices.find_one({"machineId": "M1"})
    assert (stored["applicationId"], stored["organizationId"]) == ("oil-monitor", "acme")


LEGACY_BAD_INPUTS = [
    ({"name": "x"}, "machineId"),
    ({"machine_id": "M1"}, "machineId"),
    ({"machineId": ""}, "machineId"),
    ({"machineId": "a/b"}, "machineId"),
    ({"machineId": {"$gt": ""}}, "machineId"),
    ({"machineId": "M", "events": [{"id": "M30"}]}, "events[0].class"),
    ({"machineId": "M", "connectors": "Fanuc"}, "connectors"),
    ({"machineId": "M", "properties": {"$set": 1}}, "properties.$set"),
    ({"machineId": "M", "applicationId": 5}, "applicationId"),
]


@pytest.mark.parametrize(("payload", "field"), LEGACY_BAD_INPUTS)
def test_create_refuses_bad_input(client, shared, payload, field):
    before = snapshot(shared)
    response = client.post("/device/new", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert snapshot(shared) == before


def test_duplicate_machine_id_is_409(client, shared):
    client.post("/device/new", json=TANK)
    response = client.post("/device/new", json=TANK)
    assert response.status_code == 409
    assert response.json["field"] == "machineId"
    assert shared.devices.count_documents({}) == 1


def test_get_by_machine_id_and_new_is_just_an_id(client, shared):
    created = client.post("/device/new", json=TANK).json
    assert client.get(f"/device/{TANK['machineId']}").json == created
    assert client.get("/device/new").json == {"error": "Device not found"}


def test_update_sets_sent_keys_only_and_returns_the_document(client, shared):
    client.post("/device/new", json=TANK)

    response = client.put(
        f"/device/{TANK['machineId']}", json={"name": "Tank 4", "createdAt": "x", "extra": 1}
    )

    assert response.status_code == 200
    stored = shared.devices.find_one()
    assert response.json["name"] == stored["name"] == "Tank 4"
    assert stored["properties"] == TANK["properties"]
    assert "extra" not in stored and stored["createdAt"] != "x"


def test_update_renames_unless_taken(client, shared):
    client.post("/device/new", json={"machineId": "A"})
    client.post("/device/new", json={"machineId": "B"})
    assert client.put("/device/A", json={"machineId": "B"}).status_code == 409
    assert client.put("/device/A", json={"machineId": "C"}).json["machineId"] == "C"
    assert sorted(doc["machineId"] for doc in shared.devices.find()) == ["B", "C"]


@pytest.mark.parametrize(("payload", "field"), LEGACY_BAD_INPUTS[2:])
def test_update_refuses_bad_input(client, shared, payload, field):
    client.post("/device/new", json={"machineId": "M"})
    before = snapshot(shared)
    response = client.put("/device/M", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert snapshot(shared) == before


def test_delete(client, shared):
    client.post("/device/new", json=TANK)
    response = client.delete(f"/device/{TANK['machineId']}")
    assert response.json == {"message": "Device deleted successfully"}
    assert shared.devices.count_documents({}) == 0


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_device_is_404(client, shared, method):
    response = getattr(client, method)("/device/NOPE", json={"name": "x"})
    assert (response.status_code, response.json) == (404, {"error": "Device not found"})
