"""`/api/services` (spec/services.md) and the secret masking of spec README §11.19."""

import json
import time

import pytest
from bson import ObjectId

from syncapi.core import masking
from tests.helpers import refreshed, unchanged

REDIS = {"name": "redis-cache", "type": "redis", "configuration": {"host": "cache", "port": 6379}}
JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required password="pw";'
SECRET_CONFIGURATION = {
    "host": "broker",
    "Password": "pw",
    "nested": {"api_key": "k", "brokers": [{"db_token": "t", "port": 1}], "maxTokens": 3},
    "keyfile_secret": "s",
    "username": "sync",
    "saslPassword": "sp",
    "sasl.jaas.config": JAAS,
    "brokerUrl": "mqtt://sync:p@ss:w0rd@broker:1883/path",
    "mirrors": ["mqtt://a:one@m1", "mqtt://m2", "plain text"],
}
MASKED = {
    "host": "broker",
    "Password": "********",
    "nested": {
        "api_key": "********",
        "brokers": [{"db_token": "********", "port": 1}],
        "maxTokens": 3,
    },
    "keyfile_secret": "********",
    "username": "sync",
    "saslPassword": "********",
    "sasl.jaas.config": "********",
    "brokerUrl": "mqtt://sync:********@broker:1883/path",
    "mirrors": ["mqtt://a:********@m1", "mqtt://m2", "plain text"],
}


def create(client, **overrides):
    return client.post("/api/services", json={**REDIS, **overrides})


def test_create_stores_defaults_and_ignores_other_keys(client, shared, started):
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
    with unchanged(shared):
        response = client.post("/api/services", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_duplicate_name_is_409(client, shared, started):
    create(client)
    response = create(client, type="kafka")
    assert (response.status_code, response.json["error"]) == (
        409,
        "A service with this name already exists",
    )
    assert shared.services.count_documents({}) == 1


def test_list_is_newest_update_first_with_secrets_masked(client, shared, monkeypatch):
    from datetime import timedelta

    from syncapi.core import clock

    first = create(client, configuration=SECRET_CONFIGURATION).json
    create(client, name="second")
    moment = clock.utcnow() + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: moment)
    client.put(f"/api/services/{first['_id']}", json={"enabled": False})

    response = client.get("/api/services")

    assert [item["name"] for item in response.json] == ["redis-cache", "second"]
    later = moment + timedelta(minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    create(client, name="third")  # newer still: goes first, though inserted last
    assert [item["name"] for item in client.get("/api/services").json][0] == "third"
    assert response.json[0]["configuration"] == MASKED
    assert shared.services.find_one({"name": "redis-cache"})["configuration"]["Password"] == "pw"


def answers_for(client, service_id, created):
    """What every route answers for one service: create, get, list, update, toggle."""
    return [
        created,
        client.get(f"/api/services/{service_id}").json,
        client.get("/api/services").json[0],
        client.put(f"/api/services/{service_id}", json={"name": "renamed"}).json,
        client.patch(f"/api/services/{service_id}/toggle", json={"enabled": False}).json,
    ]


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "passwd",
        "pwd",
        "pass",
        "PASS",
        "secret",
        "token",
        "api_key",
        "APIKEY",
        "API-Key",
        "x-api-key",
        "access_key",
        "accessKey",
        "secret_key",
        "secret-key",
        "private_key",
        "privateKey",
        "credentials",
        "Credentials",
        "passphrase",
        "db_password",
        "saslPassword",
        "sasl.password",
        "ssl.key.password",
        "ssl.keystore.password",
        "sasl.jaas.config",
        "db.passwd",
        "client_secret",
        "clientSecret",
        "refresh_token",
        "accessToken",
        "my_private_key",
        # the names of spec §13.13 (the whole table: tests/test_masking.py)
        "aws_secret_access_key",
        "secretAccessKey",
        "ssl.keystore.key",
        "basic.auth.user.info",
        "credential",
        "authorization",
        "bearer",
        "cookie",
        "tls.key",
        "client_key",
        "hmacKey",
        "encryption_key",
        "privateKeyPem",
    ],
)
def test_every_secret_name_is_masked_in_every_answer(client, shared, key):
    configuration = {key: "s3cr3t", "host": "h"}
    created = create(client, configuration=configuration).json

    answers = answers_for(client, created["_id"], created)

    assert [answer["configuration"] for answer in answers] == [{key: "********", "host": "h"}] * 5
    assert shared.services.find_one()["configuration"] == configuration


@pytest.mark.parametrize(
    "key",
    [
        "passage",
        "tokens_count",
        "maxTokens",
        "username",
        "host",
        "passwordless",
        "bypass",
        "secretName",
        "keyId",
        "publicKey",
        "keyName",
        "key",
    ],
)
def test_names_that_only_look_like_secrets_are_answered_as_stored(client, shared, key):
    configuration = {key: "visible", "password": "pw"}
    created = create(client, configuration=configuration).json

    answers = answers_for(client, created["_id"], created)

    shown = {key: "visible", "password": "********"}
    assert [answer["configuration"] for answer in answers] == [shown] * 5
    assert shared.services.find_one()["configuration"] == configuration


@pytest.mark.parametrize(
    "value",
    [{"user": "u", "password": "p"}, ["k1", "k2"], 1234, None, True, "mqtt://u:p@h"],
)
def test_a_secret_value_is_masked_whatever_its_type_and_kept_when_sent_back(client, shared, value):
    service_id = create(client, configuration={"credentials": value}).json["_id"]
    shown = client.get(f"/api/services/{service_id}").json["configuration"]

    response = client.put(f"/api/services/{service_id}", json={"configuration": shown})

    assert shown == {"credentials": "********"}
    assert response.json["configuration"] == shown
    assert shared.services.find_one()["configuration"] == {"credentials": value}


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("mqtt://user:pw@broker:1883", "mqtt://user:********@broker:1883"),
        ("redis://:pw@cache:6379/0", "redis://:********@cache:6379/0"),
        ("amqp://user:p%40ss%3Aw@rabbit/vhost", "amqp://user:********@rabbit/vhost"),
        ("mqtt://user:p@ss:w0rd@broker", "mqtt://user:********@broker"),
        (
            "mongodb://u:pw@h1:27017,h2:27017/db?authSource=admin",
            "mongodb://u:********@h1:27017,h2:27017/db?authSource=admin",
        ),
        ("https://u:pw@host#frag@x", "https://u:********@host#frag@x"),
        (
            "main mqtt://a:one@h1, spare mqtt://b:two@h2",
            "main mqtt://a:********@h1, spare mqtt://b:********@h2",
        ),
        ("mqtt://user@broker:1883", "mqtt://user@broker:1883"),
        ("postgresql://user:@db/x", "postgresql://user:@db/x"),
        ("http://host/path?mail=a:b@c", "http://host/path?mail=a:b@c"),
        ("http://host?mail=a:b@c", "http://host?mail=a:b@c"),
        ("http://host#a:b@c", "http://host#a:b@c"),
        ("mailto:ops:team@example.com", "mailto:ops:team@example.com"),
        ("ops:team@example.com", "ops:team@example.com"),
        ("://u:pw@host", "://u:pw@host"),
        # secrets of connection and query strings (spec §13.13)
        ("Server=db;User Id=u;Password=pw;", "Server=db;User Id=u;Password=********;"),
        ("HostName=h;SharedAccessKey=k=", "HostName=h;SharedAccessKey=********"),
        ("https://a.example/c?sv=1&sig=s%3D&se=2", "https://a.example/c?sv=1&sig=********&se=2"),
        ("host=db password=pw dbname=x", "host=db password=******** dbname=x"),
    ],
)
def test_uri_passwords_are_masked_in_place_and_kept_when_sent_back(client, shared, stored, shown):
    configuration = {"url": stored, "hosts": [stored], "nested": {"dsn": stored}}
    masked = {"url": shown, "hosts": [shown], "nested": {"dsn": shown}}
    created = create(client, configuration=configuration).json
    service_id = created["_id"]

    answers = answers_for(client, service_id, created)
    revealed = client.get(f"/api/services/{service_id}?reveal=true").json["configuration"]
    response = client.put(f"/api/services/{service_id}", json={"configuration": masked})

    assert [answer["configuration"] for answer in answers] == [masked] * 5
    assert revealed == configuration
    assert response.json["configuration"] == masked
    assert shared.services.find_one()["configuration"] == configuration


def test_a_masked_uri_password_survives_an_edit_around_it(client, shared):
    stored = "one mqtt://a:pw1@h1 two mqtt://b:pw2@h2"
    service_id = create(client, configuration={"url": stored}).json["_id"]
    edited = "one mqtt://a2:********@h1b two mqtt://b:new@h2 three mqtt://c:pw3@h3"

    client.put(f"/api/services/{service_id}", json={"configuration": {"url": edited}})

    assert shared.services.find_one()["configuration"] == {
        "url": "one mqtt://a2:pw1@h1b two mqtt://b:new@h2 three mqtt://c:pw3@h3"
    }


@pytest.mark.parametrize(
    "stored",
    [
        {"url": "mqtt://user@broker"},
        {"url": 1883},
        {"other": "mqtt://user:pw@broker"},
        {"url": "mqtt://a:pw@h1"},  # the second sent password has no stored one of its rank
    ],
)
def test_a_masked_uri_password_with_nothing_stored_behind_it_is_dropped(client, shared, stored):
    service_id = create(client, configuration=stored).json["_id"]
    sent = {"url": "mqtt://a:new@h1 mqtt://user:********@broker"}

    response = client.put(f"/api/services/{service_id}", json={"configuration": sent})

    assert response.status_code == 200
    assert shared.services.find_one()["configuration"] == {
        "url": "mqtt://a:new@h1 mqtt://user@broker"
    }


@pytest.mark.parametrize(
    ("stored_key", "sent_key"),
    [("password", "PASSWORD"), ("sasl.password", "saslPassword"), ("api_key", "API-Key")],
)
def test_a_mask_sent_back_under_another_spelling_keeps_the_secret(
    client, shared, stored_key, sent_key
):
    service_id = create(client, configuration={stored_key: "pw"}).json["_id"]
    client.put(f"/api/services/{service_id}", json={"configuration": {sent_key: "********"}})
    assert shared.services.find_one()["configuration"] == {sent_key: "pw"}


def test_a_mask_under_a_spelling_two_stored_keys_share_is_dropped(client, shared):
    stored = {"sasl.password": "a", "sasl_password": "b", "host": "h"}
    service_id = create(client, configuration=stored).json["_id"]
    sent = {"saslPassword": "********", "host": "h"}
    client.put(f"/api/services/{service_id}", json={"configuration": sent})
    assert shared.services.find_one()["configuration"] == {"host": "h"}


def test_uri_masking_is_linear_in_the_text():
    """Past the 10 000-character cap on purpose: a quadratic scan would take minutes here."""
    texts = ["a" * 200_000, "a://" * 50_000, "a://" + "@:" * 100_000, "a:@" * 70_000]
    started = time.perf_counter()
    masked = [masking.mask(text) for text in texts]
    assert time.perf_counter() - started < 2  # a guard against a hang, not a speed target
    assert masked == [texts[0], texts[1], "a://@:********@:", texts[3]]


def test_a_document_without_configuration_is_answered_as_stored(client, shared):
    shared.services.insert_one({"name": "bare", "type": "redis"})
    assert "configuration" not in client.get("/api/services").json[0]


def test_get_and_list_mask_unless_revealed(client):
    service_id = create(client, configuration=SECRET_CONFIGURATION).json["_id"]
    assert client.get(f"/api/services/{service_id}").json["configuration"] == MASKED
    assert client.get("/api/services").json[0]["configuration"] == MASKED
    revealed = client.get(f"/api/services/{service_id}?reveal=true")
    assert revealed.json["configuration"] == SECRET_CONFIGURATION
    revealed = client.get("/api/services?reveal=true")
    assert revealed.json[0]["configuration"] == SECRET_CONFIGURATION


def test_put_of_what_get_showed_changes_no_secret(client, shared):
    service_id = create(client, configuration=SECRET_CONFIGURATION).json["_id"]
    shown = client.get(f"/api/services/{service_id}").json

    response = client.put(
        f"/api/services/{service_id}", json={"configuration": shown["configuration"]}
    )

    assert response.json["configuration"] == MASKED
    assert shared.services.find_one({"_id": ObjectId(service_id)})["configuration"] == (
        SECRET_CONFIGURATION
    )


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


def test_put_rename_onto_a_taken_name_is_409(client, shared, started):
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
    with unchanged(shared):
        response = client.put(f"/api/services/{service_id}", json=payload)
    assert (response.status_code, response.json["field"]) == (400, field)


def test_toggle_sets_enabled(client, shared):
    service_id = create(client).json["_id"]
    response = client.patch(f"/api/services/{service_id}/toggle", json={"enabled": False})
    assert response.status_code == 200
    assert response.json["enabled"] is False
    assert shared.services.find_one()["enabled"] is False


@pytest.mark.parametrize("body", [{"enabled": "true"}, {"enabled": 1}, {"enabled": None}, {}])
def test_toggle_needs_a_json_boolean(client, shared, body):
    service_id = create(client).json["_id"]
    with unchanged(shared):
        response = client.patch(f"/api/services/{service_id}/toggle", json=body)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid value for enabled field", "field": "enabled"}


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


@pytest.mark.parametrize(
    "edit",
    [
        lambda items: list(reversed(items)),  # reordered
        lambda items: items[1:],  # the first removed
        lambda items: [items[1], {"host": "new", "password": "fresh"}, items[0]],  # one added
    ],
)
def test_secrets_in_a_list_stay_with_their_entry_when_the_list_changes(client, shared, edit):
    brokers = [
        "mqtt://user:p9@broker:1883",
        {"host": "h2", "password": "p10"},
        "amqps://u:p11@h/vhost",
    ]
    service_id = create(client, configuration={"brokers": brokers}).json["_id"]
    shown = client.get(f"/api/services/{service_id}").json["configuration"]["brokers"]

    sent = edit(shown)
    client.put(f"/api/services/{service_id}", json={"configuration": {"brokers": sent}})

    stored = shared.services.find_one()["configuration"]["brokers"]
    by_entry = {json.dumps(item, sort_keys=True) for item in stored}
    expected = edit(brokers)
    assert by_entry == {json.dumps(item, sort_keys=True) for item in expected}


def test_keys_with_dots_inside_a_configuration_are_stored_and_kept(client, shared):
    """MongoDB 5.0+ stores field names with dots (`sasl.password` in a Kafka configuration);
    syncapi never refuses them inside free objects."""
    configuration = {"sasl.mechanism": "PLAIN", "sasl.password": "pw", "nested": {"a.b": 1}}
    response = create(client, configuration=configuration)
    assert response.status_code == 201
    assert shared.services.find_one()["configuration"] == configuration


# An index the server refuses to make (an older one of the same keys is in the way)


def test_an_index_that_cannot_be_made_is_logged_not_a_500(app, client, shared, caplog):
    """An older index of the same keys with other options (the original ODM's) makes index
    creation fail on a real server (codes 85/86): the refresh that meets it logs what to
    run, and requests go on."""
    shared.services.create_index("name", name="name_unique")  # not unique
    with caplog.at_level("WARNING"):
        refreshed(app)
    assert client.get("/api/services").status_code == 200
    assert any(
        "name_unique" in record.getMessage() and "ensure-indexes" in record.getMessage()
        for record in caplog.records
    )
