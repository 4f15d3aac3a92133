"""`/api/organizations/{org}/connectors` (`blueprints/connector_routes.py`,
spec/organizations.md): an organization's connector templates. The same routes under
`/api/applications` (an application's connectors): test_applications."""

import pytest
from bson import ObjectId

from tests.helpers import OPERATOR, ORG, unchanged

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
