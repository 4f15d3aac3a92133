"""`/api/services` (spec/services.md) and the secret masking of spec README §11.19."""

import pytest
from bson import ObjectId

from tests.conftest import snapshot

REDIS = {"name": "redis-cache", "type": "redis", "configuration": {"host": "cache", "port": 6379}}
SECRET_CONFIGURATION = {
    "host": "broker",
    "Password": "pw",
    "nested": {"api_key": "k", "brokers": [{"db_token": "t", "port": 1}], "tokens": 3},
    "keyfile_secret": "s",
    "username": "sync",
}
MASKED = {
    "host": "broker",
    "Password": "********",
    "nested": {
        "api_key": "********",
        "brokers": [{"db_token": "********", "port": 1}],
        "tokens": 3,
    },
    "keyfile_secret": "********",
    "username": "sync",
}


@pytest.fixture
def shared(mongo):
    return mongo["syncapi"]


def create(client, **overrides):
    return client.post("/api/services", json={**REDIS, **overrides})


def test_create_stores_defaults_and_ignores_other_keys(client, shared):
    response = create(client, owner="me")

    assert response.status_code == 201
    stored = shared.services.find_one()
    assert response.json["_id"] == str(stored["_id"])
    assert stored["enabled"] is True
    assert stored["configuration"] == REDIS["configuration"]
    assert "owner" not in stored
    assert "name_unique" in shared.services.index_information()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"type": "redis", "configuration": {}}, "name"),
        ({"name": "x", "configuration": {}}, "type"),
        ({"name": "x", "type": "redis"}, "configuration"),
        ({**REDIS, "name": ""}, "name"),
        ({**REDIS, "name": {"$gt": ""}}, "name"),
        ({**REDIS, "type": "postgres"}, "type"),
        ({**REDIS, "configuration": "host=cache"}, "configuration"),
        ({**REDIS, "configuration": {"$where": "1"}}, "configuration.$where"),
        ({**REDIS, "enabled": "true"}, "enabled"),
        ({**REDIS, "enabled": 1}, "enabled"),
    ],
)
def test_create_refuses_bad_input(client, shared, payload, field):
    before = snapshot(shared)
    response = client.post("/api/services", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert snapshot(shared) == before


def test_duplicate_name_is_409(client, shared):
    create(client)
    response = create(client, type="kafka")
    assert (response.status_code, response.json["error"]) == (
        409,
        "A service with this name already exists",
    )
    assert shared.services.count_documents({}) == 1


def test_list_is_newest_update_first_with_secrets_masked(client, shared, monkeypatch):
    from datetime import timedelta

    from syncapi import serialization

    first = create(client, configuration=SECRET_CONFIGURATION).json
    create(client, name="second")
    moment = serialization.utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(serialization, "clock", lambda: moment)
    client.put(f"/api/services/{first['_id']}", json={"enabled": False})

    response = client.get("/api/services")

    assert [item["name"] for item in response.json] == ["redis-cache", "second"]
    later = moment + timedelta(minutes=1)
    monkeypatch.setattr(serialization, "clock", lambda: later)
    create(client, name="third")  # newer still: goes first, though inserted last
    assert [item["name"] for item in client.get("/api/services").json][0] == "third"
    assert response.json[0]["configuration"] == MASKED
    assert shared.services.find_one({"name": "redis-cache"})["configuration"]["Password"] == "pw"


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "APIKEY",
        "access_key",
        "secret_key",
        "private_key",
        "credentials",
        "db_password",
        "client_secret",
        "refresh_token",
    ],
)
def test_every_secret_name_is_masked_in_every_answer(client, key):
    configuration = {key: "s3cr3t", "host": "h"}
    created = create(client, configuration=configuration).json
    service_id = created["_id"]
    answers = [
        created,
        client.get(f"/api/services/{service_id}").json,
        client.get("/api/services").json[0],
        client.put(f"/api/services/{service_id}", json={"name": "renamed"}).json,
        client.patch(f"/api/services/{service_id}/toggle", json={"enabled": False}).json,
    ]
    assert [answer["configuration"] for answer in answers] == [{key: "********", "host": "h"}] * 5


def test_a_mask_sent_back_in_another_case_keeps_the_secret(client, shared):
    service_id = create(client, configuration={"password": "pw"}).json["_id"]
    client.put(f"/api/services/{service_id}", json={"configuration": {"PASSWORD": "********"}})
    assert shared.services.find_one()["configuration"] == {"PASSWORD": "pw"}


def test_a_document_without_configuration_is_answered_as_stored(client, shared):
    shared.services.insert_one({"name": "bare", "type": "redis"})
    assert "configuration" not in client.get("/api/services").json[0]


def test_get_masks_unless_revealed(client):
    service_id = create(client, configuration=SECRET_CONFIGURATION).json["_id"]
    assert client.get(f"/api/services/{service_id}").json["configuration"] == MASKED
    revealed = client.get(f"/api/services/{service_id}?reveal=true")
    assert revealed.json["configuration"] == SECRET_CONFIGURATION


def test_put_replaces_sent_keys_and_keeps_masked_secrets(client, shared):
    service_id = create(client, configuration=SECRET_CONFIGURATION).json["_id"]
    edited = {**MASKED, "host": "broker-2", "nested": {**MASKED["nested"], "api_key": "new"}}
    edited["new_token"] = "********"  # a mask with nothing stored behind it is not saved

    response = client.put(f"/api/services/{service_id}", json={"configuration": edited})

    assert response.status_code == 200
    stored = shared.services.find_one({"_id": ObjectId(service_id)})["configuration"]
    assert stored["host"] == "broker-2"
    assert stored["Password"] == "pw"
    assert stored["nested"]["api_key"] == "new"
    assert stored["nested"]["brokers"][0]["db_token"] == "t"
    assert "new_token" not in stored
    assert stored == {
        **SECRET_CONFIGURATION,
        "host": "broker-2",
        "nested": {**SECRET_CONFIGURATION["nested"], "api_key": "new"},
    }


def test_put_rename_onto_a_taken_name_is_409(client, shared):
    create(client)
    other = create(client, name="other").json["_id"]
    response = client.put(f"/api/services/{other}", json={"name": "redis-cache"})
    assert response.status_code == 409
    assert shared.services.find_one({"_id": ObjectId(other)})["name"] == "other"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "x"}, "type"),
        ({"enabled": "no"}, "enabled"),
        ({"configuration": []}, "configuration"),
    ],
)
def test_put_refuses_bad_input(client, shared, payload, field):
    service_id = create(client).json["_id"]
    before = snapshot(shared)
    response = client.put(f"/api/services/{service_id}", json=payload)
    assert (response.status_code, response.json["field"]) == (400, field)
    assert snapshot(shared) == before


def test_toggle_sets_enabled(client, shared):
    service_id = create(client).json["_id"]
    response = client.patch(f"/api/services/{service_id}/toggle", json={"enabled": False})
    assert response.status_code == 200
    assert response.json["enabled"] is False
    assert shared.services.find_one()["enabled"] is False


@pytest.mark.parametrize("body", [{"enabled": "true"}, {"enabled": 1}, {"enabled": None}, {}])
def test_toggle_needs_a_json_boolean(client, shared, body):
    service_id = create(client).json["_id"]
    before = snapshot(shared)
    response = client.patch(f"/api/services/{service_id}/toggle", json=body)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid value for enabled field", "field": "enabled"}
    assert snapshot(shared) == before


def test_delete_answers_204_with_no_body(client, shared):
    service_id = create(client).json["_id"]
    response = client.delete(f"/api/services/{service_id}")
    assert (response.status_code, response.data) == (204, b"")
    assert shared.services.count_documents({}) == 0


@pytest.mark.parametrize(
    ("method", "suffix"), [("get", ""), ("put", ""), ("delete", ""), ("patch", "/toggle")]
)
def test_malformed_and_unknown_ids(client, shared, method, suffix):
    malformed = getattr(client, method)(f"/api/services/xyz{suffix}", json={"enabled": True})
    unknown = getattr(client, method)(f"/api/services/{ObjectId()}{suffix}", json={"enabled": True})
    assert malformed.json == {"error": "Invalid service ID format", "field": "id"}
    assert (unknown.status_code, unknown.json) == (404, {"error": "Service not found"})
