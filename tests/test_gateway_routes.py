"""`/api/organizations/{org}/gateways` (`blueprints/gateway_routes.py`,
spec/organizations.md): an organization's gateways, addressed by their `gatewayId`."""

from urllib.parse import quote

import pytest

from tests.helpers import OPERATOR, ORG, unchanged

# Creating a gateway


def test_create_gateway_stores_defaults_and_timestamps(client, acme):
    response = client.post(
        f"{ORG}/gateways", json={"gatewayId": "GW-01", "name": "Planta 1", "location": ""}
    )

    assert response.status_code == 201
    stored = acme.gateways.find_one({"gatewayId": "GW-01"})
    assert response.json["_id"] == str(stored["_id"])
    assert response.json["status"] == stored["status"] == "connected"
    assert stored["location"] == ""
    assert response.json["createdAt"].endswith("Z")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "P"}, "gatewayId"),
        ({"gatewayId": "", "name": "P"}, "gatewayId"),
        ({"gatewayId": OPERATOR, "name": "P"}, "gatewayId"),
        # the record-id rule: a gateway named so could never be read, changed or deleted
        ({"gatewayId": "a/b", "name": "P"}, "gatewayId"),
        ({"gatewayId": ".", "name": "P"}, "gatewayId"),  # dot segments: a client's path
        ({"gatewayId": "..", "name": "P"}, "gatewayId"),  # to it would lose them
        ({"gatewayId": " ", "name": "P"}, "gatewayId"),
        ({"gatewayId": "G" * 129, "name": "P"}, "gatewayId"),
        ({"gatewayId": "GW\u0000", "name": "P"}, "gatewayId"),  # NUL
        ({"gatewayId": "GW\u202e10", "name": "P"}, "gatewayId"),  # a right-to-left override
        ({"gatewayId": "GW\u200b1", "name": "P"}, "gatewayId"),  # a zero-width space
        ({"gatewayId": "GW"}, "name"),
        ({"gatewayId": "GW", "name": "P", "location": 3}, "location"),
        ({"gatewayId": "GW", "name": "P", "devices": 3}, "devices"),
    ],
)
def test_create_gateway_refuses_bad_input(client, acme, payload, field):
    with unchanged(acme):
        response = client.post(f"{ORG}/gateways", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


@pytest.mark.parametrize(
    "gateway_id", ["GW-01", "Planta Norte", "Nave 1.2", "ñandú", "G" * 128, "...", ".1"]
)
def test_a_gateway_id_the_rule_allows_is_read_changed_and_deleted_by_it(client, acme, gateway_id):
    created = client.post(f"{ORG}/gateways", json={"gatewayId": gateway_id, "name": "G"})
    path = f"{ORG}/gateways/{quote(gateway_id)}"
    assert created.status_code == 201
    assert client.get(path).json["gatewayId"] == gateway_id
    assert client.put(path, json={"name": "H"}).status_code == 200
    assert client.delete(path).status_code == 200
    assert acme.gateways.count_documents({}) == 0


def test_duplicate_gateway_id_is_409(client, acme):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "A"})
    response = client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "B"})
    assert response.status_code == 409
    assert acme.gateways.count_documents({}) == 1


# Listing gateways


def test_list_gateways_newest_first(client, acme):
    for gateway_id in ("GW-01", "GW-02"):
        client.post(f"{ORG}/gateways", json={"gatewayId": gateway_id, "name": gateway_id})
    acme.gateways.update_one({"gatewayId": "GW-01"}, {"$set": {"createdAt": "2000-01-01"}})
    response = client.get(f"{ORG}/gateways")
    assert [item["gatewayId"] for item in response.json] == ["GW-02", "GW-01"]


# Changing and deleting a gateway


def test_update_and_delete_gateway_by_gateway_id(client, acme):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "A"})

    updated = client.put(f"{ORG}/gateways/GW", json={"status": "disconnected"})
    assert updated.status_code == 200
    assert updated.json["status"] == "disconnected"
    assert acme.gateways.find_one({"gatewayId": "GW"})["name"] == "A"

    deleted = client.delete(f"{ORG}/gateways/GW")
    assert deleted.json == {"message": "Gateway deleted successfully"}
    assert acme.gateways.count_documents({}) == 0
    assert client.delete(f"{ORG}/gateways/GW").status_code == 404


def test_an_update_moves_updated_at(client, acme, later):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "G"})
    later()

    gateway = client.put(f"{ORG}/gateways/GW", json={"name": "y"}).json

    assert gateway["updatedAt"] > gateway["createdAt"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"gatewayId": ""}, "gatewayId"),
        ({"gatewayId": "a/b"}, "gatewayId"),
        ({"gatewayId": ".."}, "gatewayId"),
        ({"gatewayId": "GW\ufeff"}, "gatewayId"),
        ({"name": " "}, "name"),
        ({"location": 3}, "location"),
        ({"status": OPERATOR}, "status"),
        ({"createdAt": "x"}, "createdAt"),
    ],
)
def test_update_gateway_refuses_bad_input(client, acme, payload, field):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "G"})
    with unchanged(acme):
        response = client.put(f"{ORG}/gateways/GW", json=payload)
    assert (response.status_code, response.json["field"]) == (400, field)


def test_update_gateway_rename_onto_a_taken_id_is_409_and_unknown_is_404(client, acme):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "A"})
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW2", "name": "B"})
    taken = client.put(f"{ORG}/gateways/GW2", json={"gatewayId": "GW1"})
    unknown = client.put(f"{ORG}/gateways/NOPE", json={"name": "x"})
    assert (taken.status_code, taken.json["field"]) == (409, "gatewayId")
    assert (unknown.status_code, unknown.json) == (404, {"error": "Gateway not found"})
    assert sorted(doc["gatewayId"] for doc in acme.gateways.find()) == ["GW1", "GW2"]
