"""`/api/organizations/{org}/connectors` (`blueprints/connector_routes.py`,
spec/organizations.md): an organization's connector templates. The same routes under
`/api/applications` (an application's connectors): test_applications; the secrets of both
mounts' `properties`: here."""

import pytest
from bson import ObjectId

from syncapi.core.masking import MASK
from tests.helpers import OPERATOR, ORG, SECURED, bearer, unchanged

# Creating a connector


TEMPLATE = {
    "name": "MQTT",
    "driver": "mqtt",
    "description": "Broker",
    "properties": {"mqtt_topic": "#"},
    "collections": {"STATE": {"used": True, "variables": {"execution": {"label": "Execution"}}}},
}


def test_create_connector_stores_the_body_and_server_keys(client, acme):
    response = client.post(
        f"{ORG}/connectors", json={**TEMPLATE, "_id": "forged", "applicationId": "robosync"}
    )

    assert response.status_code == 201
    stored = acme.connectors.find_one({"name": "MQTT"})
    assert response.json["_id"] == str(stored["_id"])
    assert {key: stored[key] for key in TEMPLATE} == TEMPLATE
    assert stored["applicationId"] == "robosync"
    assert stored["organizationId"] == "acme"
    assert response.json["createdAt"].endswith("Z")


def test_connector_names_are_unique_per_application(client, acme):
    first = client.post(f"{ORG}/connectors", json={"name": "MQTT", "driver": "mqtt"})
    copy = client.post(
        f"{ORG}/connectors", json={"name": "MQTT", "driver": "mqtt", "applicationId": "a"}
    )
    again = client.post(f"{ORG}/connectors", json={"name": "MQTT", "driver": "mqtt"})

    assert (first.status_code, copy.status_code, again.status_code) == (201, 201, 409)
    assert again.json["field"] == "name"
    assert acme.connectors.count_documents({}) == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"driver": "mqtt"}, "name"),
        ({"name": "", "driver": "mqtt"}, "name"),
        ({"name": OPERATOR, "driver": "mqtt"}, "name"),
        ({"name": "M"}, "driver"),
        ({"name": "M", "driver": "mqtt", "properties": "x"}, "properties"),
        ({"name": "M", "driver": "mqtt", "collections": {"S": "x"}}, "collections"),
        ({"name": "M", "driver": "mqtt", "collections": {"S": {"used": "yes"}}}, "collections"),
        ({"name": "M", "driver": "mqtt", "properties": {"$ne": 1}}, "properties.$ne"),
    ],
)
def test_create_connector_refuses_bad_input(client, acme, payload, field):
    with unchanged(acme):
        response = client.post(f"{ORG}/connectors", json=payload)
    assert response.status_code == 400
    assert response.json["field"].startswith(field)


# Listing and reading connectors, and ids that name none


def test_list_and_get_connectors(client, acme):
    created = client.post(f"{ORG}/connectors", json=TEMPLATE).json

    assert client.get(f"{ORG}/connectors").json == [created]
    assert client.get(f"{ORG}/connectors/{created['_id']}").json == created


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_malformed_connector_id_is_400(client, acme, method):
    response = getattr(client, method)(f"{ORG}/connectors/not-an-id", json=TEMPLATE)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid connector ID format", "field": "connectorId"}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_connector_is_404(client, acme, method):
    response = getattr(client, method)(f"{ORG}/connectors/{ObjectId()}", json=TEMPLATE)
    assert response.status_code == 404
    assert response.json == {"error": "Connector not found"}


# Changing and deleting a connector


def test_update_connector_sets_sent_keys_but_not_ownership(client, acme):
    created = client.post(f"{ORG}/connectors", json=TEMPLATE).json

    response = client.put(
        f"{ORG}/connectors/{created['_id']}",
        json={"name": "MQTT v5", "driver": "mqtt", "applicationId": "x", "organizationId": "other"},
    )

    assert response.status_code == 200
    stored = acme.connectors.find_one({"_id": ObjectId(created["_id"])})
    assert stored["name"] == response.json["name"] == "MQTT v5"
    assert stored["properties"] == TEMPLATE["properties"]
    assert "applicationId" not in stored
    assert stored["organizationId"] == "acme"


def test_update_connector_onto_a_taken_name_is_409(client, acme):
    client.post(f"{ORG}/connectors", json={"name": "MQTT", "driver": "mqtt"})
    other = client.post(f"{ORG}/connectors", json={"name": "Kafka", "driver": "kafka"}).json
    response = client.put(
        f"{ORG}/connectors/{other['_id']}", json={"name": "MQTT", "driver": "mqtt"}
    )
    assert response.status_code == 409
    assert acme.connectors.find_one({"_id": ObjectId(other["_id"])})["name"] == "Kafka"


def test_update_connector_requires_name_and_driver(client, acme):
    created = client.post(f"{ORG}/connectors", json=TEMPLATE).json
    with unchanged(acme):
        response = client.put(f"{ORG}/connectors/{created['_id']}", json={"name": "Only"})
    assert response.status_code == 400
    assert response.json["field"] == "driver"


def test_delete_connector(client, acme):
    created = client.post(f"{ORG}/connectors", json=TEMPLATE).json
    response = client.delete(f"{ORG}/connectors/{created['_id']}")
    assert response.json == {"message": "Connector deleted successfully"}
    assert acme.connectors.count_documents({}) == 0


# Secrets in properties: masked in every answer, to every caller; the mask sent back keeps them

APPS = "/api/applications/acme/applications/monitoreo-cnc"
KAFKA = {
    "name": "Kafka",
    "driver": "kafka",
    "properties": {
        "bootstrap.servers": "broker:9092",
        "sasl.jaas.config": 'PlainLoginModule required username="u" password="pw";',
        "ssl.keystore.key": "PRIVATE KEY",
        "basic.auth.user.info": "u:pw2",
        "keyName": "main",
    },
}
SHOWN = {
    "bootstrap.servers": "broker:9092",
    "sasl.jaas.config": MASK,
    "ssl.keystore.key": MASK,
    "basic.auth.user.info": MASK,
    "keyName": "main",
}


@pytest.mark.parametrize(
    ("base", "collection"),
    [(f"{ORG}/connectors", "connectors"), (f"{APPS}/connectors", "monitoreo-cnc_connectors")],
)
def test_secrets_in_properties_are_masked_in_every_answer_and_kept(client, cnc, base, collection):
    created = client.post(base, json=KAFKA)
    path = f"{base}/{created.json['_id']}"
    shown = client.get(path).json

    answers = [created.json, shown, client.get(base).json[0]]
    updated = client.put(path, json={**shown, "description": "edited"})

    assert [answer["properties"] for answer in [*answers, updated.json]] == [SHOWN] * 4
    stored = cnc[collection].find_one()
    assert (stored["description"], stored["properties"]) == ("edited", KAFKA["properties"])


@pytest.mark.parametrize(
    "headers", [bearer(["acme"], "viewer"), bearer(["acme"], "admin"), bearer(["*"], "admin")]
)
def test_every_role_reads_the_mask(make_app, headers):
    client = make_app(**SECURED).test_client()
    root = bearer(["*"], "admin", "root")
    client.put(ORG, json={"name": "Acme"}, headers=root)
    created = client.post(f"{ORG}/connectors", json=KAFKA, headers=root).json
    read = client.get(f"{ORG}/connectors/{created['_id']}", headers=headers)
    assert read.json["properties"] == SHOWN


def test_a_copy_of_a_template_keeps_the_templates_secrets(client, cnc):
    """The console makes an application's connector from a template: it reads the template
    (masked) and posts it to the application under the same name."""
    template = client.post(f"{ORG}/connectors", json=KAFKA).json
    shown = client.get(f"{ORG}/connectors/{template['_id']}").json
    copy = {key: shown[key] for key in ("name", "driver", "properties")}

    response = client.post(f"{APPS}/connectors", json={**copy, "organizationId": "acme"})

    assert response.status_code == 201
    assert response.json["properties"] == SHOWN
    assert cnc["monitoreo-cnc_connectors"].find_one()["properties"] == KAFKA["properties"]


@pytest.mark.parametrize(
    ("base", "name"),
    [(f"{APPS}/connectors", "Renamed"), (f"{ORG}/connectors", "Kafka")],  # no template behind
)
def test_a_mask_with_nothing_stored_behind_it_is_never_saved(client, cnc, base, name):
    client.post(f"{ORG}/connectors", json=KAFKA)
    body = {"name": name, "driver": "kafka", "properties": SHOWN}
    if base.startswith(ORG):
        body["applicationId"] = "monitoreo-cnc"  # a copy kept beside the templates
    response = client.post(base, json=body)
    assert response.status_code == 201
    saved = {"bootstrap.servers": "broker:9092", "keyName": "main"}
    assert response.json["properties"] == saved
    collection = "monitoreo-cnc_connectors" if base == f"{APPS}/connectors" else "connectors"
    assert cnc[collection].find_one({"_id": ObjectId(response.json["_id"])})["properties"] == saved
