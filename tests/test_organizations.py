"""`/api/organizations` (spec/organizations.md), route by route."""

import threading

import pytest
from bson import ObjectId

from tests import round_trips
from tests.helpers import APP, ORG, reconcile, tenant_names, unchanged

OPERATOR = {"$gt": ""}


# 1. GET /api/organizations


def test_list_is_empty_without_tenants(client):
    response = client.get("/api/organizations")
    assert response.status_code == 200
    assert response.json == []


def refreshed_list(app, client):
    """The list after its off-request refresh has run (sizes, databases made elsewhere):
    one started by an earlier listing is let finish first, else the listing below would find
    it still running and start none of its own."""
    app.extensions["syncapi.background"].wait()
    client.get("/api/organizations")
    app.extensions["syncapi.background"].wait()
    return client.get("/api/organizations")


def test_list_gives_each_tenant_sorted_with_counts(app, client, mongo, cnc):
    client.put("/api/organizations/beta", json={})
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"})
    client.post(f"{ORG}/users", json={"name": "Bo", "email": "bo@example.com"})

    first = client.get("/api/organizations").json  # sizes are measured off the request path
    response = refreshed_list(app, client)

    assert response.status_code == 200
    assert [item["id"] for item in response.json] == ["acme", "beta"]
    assert [(item["sizeOnDisk"], item["empty"]) for item in first] == [(0, False), (0, False)]
    acme = response.json[0]
    assert acme["name"] == "acme"
    assert acme["applicationCount"] == 1
    assert acme["userCount"] == 2
    assert acme["empty"] is False
    assert isinstance(acme["sizeOnDisk"], int) and acme["sizeOnDisk"] > 0


@pytest.mark.parametrize("name", ["admin", "local", "config", "syncapi", "Legacy_Org", "has space"])
def test_list_skips_system_shared_and_rule_breaking_databases(app, client, mongo, acme, name):
    mongo[name].things.insert_one({"x": 1})

    response = refreshed_list(app, client)

    assert [item["id"] for item in response.json] == ["acme"]


def test_databases_other_programs_make_or_drop_join_the_list_after_a_refresh(app, client, mongo):
    mongo["legacy"].config.insert_one(
        {"key": "applications", "value": {"applicationSettings": {"cnc": {"name": "C"}}}}
    )
    mongo["legacy"].users.insert_many([{"email": "a@x"}, {"email": "b@x"}])
    mongo["legacy"].cnc_devices.insert_one({"machineId": "M1"})
    app.config["ORGANIZATION_REFRESH_SECONDS"] = 0  # a refresh after every listing
    assert client.get("/api/organizations").json == []

    listed = refreshed_list(app, client).json

    assert [(o["id"], o["applicationCount"], o["userCount"]) for o in listed] == [("legacy", 1, 2)]
    assert client.get("/api/query/registered?organizationId=legacy").json == {"count": 1}
    mongo.drop_database("legacy")
    assert refreshed_list(app, client).json == []


def test_the_refresh_runs_at_most_once_a_period(app, client, mongo, monkeypatch):
    from syncapi.repositories import organizations

    runs = []
    monkeypatch.setattr(organizations, "refresh_summaries", lambda *a: runs.append(1))
    app.config["ORGANIZATION_REFRESH_SECONDS"] = 3600
    for _ in range(5):
        client.get("/api/organizations")
        app.extensions["syncapi.background"].wait()
    assert runs == [1]


def test_get_organization_answers_stored_details(client, acme):
    client.put(ORG, json={"description": "Dev tenant", "email": "dev@example.com"})

    response = client.get(ORG)

    assert response.status_code == 200
    assert response.json == {
        "id": "acme",
        "name": "Acme",
        "description": "Dev tenant",
        "email": "dev@example.com",
        "website": None,
        "revision": 2,  # created, then changed
    }


def test_get_organization_without_metadata_answers_defaults(client, mongo):
    mongo["legacy"].users.insert_one({"name": "Old"})

    response = client.get("/api/organizations/legacy")

    assert response.status_code == 200
    assert response.json == {
        "id": "legacy",
        "name": "legacy",
        "description": None,
        "email": None,
        "website": None,
        "revision": None,
    }


def test_unknown_organization_is_404(client):
    response = client.get("/api/organizations/nobody")
    assert response.status_code == 404
    assert response.json == {"error": "Organization not found"}


@pytest.mark.parametrize(
    "organization_id",
    ["Acme", "-acme", "_acme", "ac.me", "ac%20me", "a" * 64, "admin", "local", "config", "syncapi"],
)
@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_malformed_or_reserved_organization_id_is_400(client, mongo, organization_id, method):
    response = getattr(client, method)(f"/api/organizations/{organization_id}", json={})

    assert response.status_code == 400
    assert response.json["field"] == "organizationId"
    assert "acme" not in mongo.list_database_names()


def test_63_character_organization_id_is_valid(client, mongo):
    response = client.put(f"/api/organizations/{'a' * 63}", json={})
    assert response.status_code == 201
    assert tenant_names(mongo) == ["a" * 63]


# 3. PUT /api/organizations/{org}


def test_put_creates_the_organization_with_its_indexes(client, mongo):
    response = client.put(ORG, json={"name": "Acme", "website": "https://acme.test"})

    assert response.status_code == 201
    assert response.json["name"] == "Acme"
    stored = mongo["acme"].config.find_one({"key": "organization"})["value"]
    assert stored["name"] == "Acme"
    assert stored["website"] == "https://acme.test"
    assert stored["organizationId"] == "acme"
    assert stored["updatedAt"].endswith("Z")
    assert "email_unique" in mongo["acme"].users.index_information()
    assert "gatewayId_unique" in mongo["acme"].gateways.index_information()


def test_put_merges_into_existing_metadata(client, mongo, acme):
    acme.config.update_one(
        {"key": "organization"},
        {"$set": {"value.organizationName": "Acme Corp", "value.status": "active"}},
    )

    response = client.put(ORG, json={"description": "Plant", "unknownKey": "ignored"})

    assert response.status_code == 200
    assert response.json["description"] == "Plant"
    stored = acme.config.find_one({"key": "organization"})["value"]
    assert stored["organizationName"] == "Acme Corp"
    assert stored["status"] == "active"
    assert stored["name"] == "Acme"
    assert "unknownKey" not in stored


def test_put_accepts_an_empty_object(client, mongo):
    response = client.put(ORG, json={})
    assert response.status_code == 201
    assert tenant_names(mongo) == ["acme"]


@pytest.mark.parametrize("content_type", ["application/json", None])
def test_put_refuses_a_body_of_zero_bytes(client, mongo, content_type):
    response = client.put(ORG, data=b"", content_type=content_type)
    assert response.status_code == 400
    assert response.json == {"error": "Invalid JSON body"}
    assert mongo.list_database_names() == []


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "no-at-sign"}, "email"),
        ({"name": 42}, "name"),
        ({"name": OPERATOR}, "name"),
        ({"website": ["x"]}, "website"),
    ],
)
def test_put_refuses_bad_details_and_stores_nothing(client, mongo, payload, field):
    response = client.put(ORG, json=payload)

    assert response.status_code == 400
    assert response.json["field"] == field
    assert "acme" not in mongo.list_database_names()


def test_put_refuses_a_body_that_is_not_an_object(client, mongo, acme):
    with unchanged(acme):
        response = client.put(ORG, json=["name"])
    assert response.status_code == 400
    assert response.json == {"error": "Invalid JSON body"}


@pytest.mark.parametrize(
    "website", ["https://acme.test", "http://acme.test:8080/a/b?c=d#e", "HTTPS://Acme.Test"]
)
def test_put_stores_an_http_or_https_website(client, acme, website):
    response = client.put(ORG, json={"website": website})
    assert response.status_code == 200
    assert response.json["website"] == website
    assert acme.config.find_one({"key": "organization"})["value"]["website"] == website


@pytest.mark.parametrize("cleared", ["", None])
def test_put_clears_the_website_with_an_empty_string_or_null(client, acme, cleared):
    client.put(ORG, json={"website": "https://acme.test"})

    response = client.put(ORG, json={"website": cleared})

    assert response.status_code == 200
    assert client.get(ORG).json["website"] is None
    assert acme.config.find_one({"key": "organization"})["value"]["website"] is None


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://acme.test",
        "acme.test",
        "//acme.test",
        "https://",
        "https:///path",
        "https://acme .test",
        "https://acme.test/\n",
        " https://acme.test",
        "http://[::1",
        42,
        ["https://acme.test"],
    ],
)
def test_put_refuses_a_website_that_is_not_an_http_url(client, acme, website):
    client.put(ORG, json={"website": "https://acme.test"})
    with unchanged(acme):
        response = client.put(ORG, json={"website": website})
    assert response.status_code == 400
    assert response.json["field"] == "website"


@pytest.mark.parametrize(("email", "status"), [("", 200), ("a@b", 200), ("ab", 400)])
def test_put_email_must_hold_an_at_sign_when_not_empty(client, acme, email, status):
    response = client.put(ORG, json={"email": email})
    assert response.status_code == status
    if status == 200:
        assert response.json["email"] == email


# DELETE /api/organizations/{org}


def test_delete_with_confirmation_drops_the_database(client, mongo, acme):
    response = client.delete(f"{ORG}?confirm=acme")
    assert response.status_code == 200
    assert response.json == {"message": "Organization deleted successfully"}
    assert "acme" not in mongo.list_database_names()


@pytest.mark.parametrize("query", ["", "?confirm=", "?confirm=other", "?confirm=ACME"])
def test_delete_without_matching_confirmation_drops_nothing(client, mongo, acme, query):
    response = client.delete(f"{ORG}{query}")
    assert response.status_code == 400
    assert response.json["field"] == "confirm"
    assert tenant_names(mongo) == ["acme"]


def test_delete_unknown_organization_is_404(client):
    assert client.delete("/api/organizations/nobody?confirm=nobody").status_code == 404


# 4-5. config and stats


def test_config_answers_the_raw_stored_value(client, acme):
    response = client.get(f"{ORG}/config")
    assert response.status_code == 200
    assert response.json["name"] == "Acme"
    assert response.json["organizationId"] == "acme"
    assert set(response.json) == {"name", "organizationId", "createdAt", "updatedAt", "revision"}


def test_config_is_empty_without_metadata(client, mongo):
    mongo["legacy"].users.insert_one({"name": "Old"})
    assert client.get("/api/organizations/legacy/config").json == {}


def test_stats_sum_devices_and_tolerate_legacy_settings(app, client, cnc):
    cnc.config.update_one(
        {"key": "organization"},
        {"$set": {"value.organizationName": "Acme Corp", "value.status": "active"}},
    )
    cnc.config.update_one(
        {"key": "applications"},
        {
            "$set": {
                "value.applicationSettings.legacy": {
                    "applicationName": "Old App",
                    "status": "inactive",
                }
            }
        },
    )
    for machine_id in ("CN1", "CN2"):
        client.post(f"{APP}/devices", json={"machineId": machine_id})
    cnc["legacy_devices"].insert_one({"machineId": "L1"})
    reconcile(app)  # data written by another program

    response = client.get(f"{ORG}/stats")

    assert response.status_code == 200
    assert response.json == {
        "organization": {"id": "acme", "name": "Acme Corp", "status": "active"},
        "applications": 2,
        "totalDevices": 3,
        "applicationsList": [
            {
                "applicationId": "monitoreo-cnc",
                "applicationName": "CNC",
                "deviceCount": 2,
                "status": "active",
            },
            {
                "applicationId": "legacy",
                "applicationName": "Old App",
                "deviceCount": 1,
                "status": "inactive",
            },
        ],
    }


# 6-7. users


def test_create_user_stores_and_answers_the_public_shape(client, acme):
    response = client.post(
        f"{ORG}/users", json={"name": " Ana ", "email": " ana@example.com", "role": "admin"}
    )

    assert response.status_code == 201
    stored = acme.users.find_one({"email": "ana@example.com"})
    assert response.json == {
        "id": str(stored["_id"]),
        "name": "Ana",
        "email": "ana@example.com",
        "role": "admin",
        "status": "active",
        "createdAt": stored["createdAt"],
        "revision": 1,
    }
    assert stored["organizationId"] == "acme"


def test_list_users_fills_defaults_and_prefers_a_stored_id(client, acme):
    acme.users.insert_one({"id": "u-1", "name": "Old", "email": "old@example.com"})

    response = client.get(f"{ORG}/users")

    assert response.json == [
        {
            "id": "u-1",
            "name": "Old",
            "email": "old@example.com",
            "role": "user",
            "status": "active",
            "createdAt": None,
            "revision": None,  # written before syncapi kept revisions
        }
    ]


USER_BAD_INPUTS = [
    ({"email": "a@x"}, "name"),
    ({"name": "", "email": "a@x"}, "name"),
    ({"name": "   ", "email": "a@x"}, "name"),
    ({"name": 7, "email": "a@x"}, "name"),
    ({"name": OPERATOR, "email": "a@x"}, "name"),
    ({"name": "Ana"}, "email"),
    ({"name": "Ana", "email": "ana.example.com"}, "email"),
    ({"name": "Ana", "email": OPERATOR}, "email"),
    ({"name": "Ana", "email": "a@x", "role": "root"}, "role"),
    ({"name": "Ana", "email": "a@x", "password": "x"}, "password"),
]


@pytest.mark.parametrize(("payload", "field"), USER_BAD_INPUTS)
def test_create_user_refuses_bad_input(client, acme, payload, field):
    with unchanged(acme):
        response = client.post(f"{ORG}/users", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert field in response.json["error"]


def test_duplicate_user_email_is_409(client, acme):
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"})
    response = client.post(f"{ORG}/users", json={"name": "Other", "email": "ana@example.com"})
    assert response.status_code == 409
    assert response.json["field"] == "email"
    assert acme.users.count_documents({}) == 1


def test_update_user_changes_only_sent_keys(client, acme):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"}).json[
        "id"
    ]

    response = client.put(f"{ORG}/users/{user_id}", json={"role": "viewer", "status": "inactive"})

    assert response.status_code == 200
    assert response.json["role"] == "viewer"
    stored = acme.users.find_one({"_id": ObjectId(user_id)})
    assert (stored["name"], stored["role"], stored["status"]) == ("Ana", "viewer", "inactive")


def test_update_user_onto_a_taken_email_is_409(client, acme):
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@example.com"})
    bo = client.post(f"{ORG}/users", json={"name": "Bo", "email": "bo@example.com"}).json["id"]
    response = client.put(f"{ORG}/users/{bo}", json={"email": "ana@example.com"})
    assert response.status_code == 409
    assert acme.users.find_one({"_id": ObjectId(bo)})["email"] == "bo@example.com"


@pytest.mark.parametrize(
    ("payload", "field"), [({"role": "root"}, "role"), ({"status": "gone"}, "status")]
)
def test_update_user_refuses_bad_input(client, acme, payload, field):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"}).json["id"]
    with unchanged(acme):
        response = client.put(f"{ORG}/users/{user_id}", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_delete_user(client, acme):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"}).json["id"]
    response = client.delete(f"{ORG}/users/{user_id}")
    assert response.status_code == 200
    assert response.json == {"message": "User deleted successfully"}
    assert acme.users.count_documents({}) == 0


@pytest.mark.parametrize("method", ["put", "delete"])
def test_unknown_user_is_404(client, acme, method):
    response = getattr(client, method)(f"{ORG}/users/{ObjectId()}", json={"name": "X"})
    assert response.status_code == 404
    assert response.json == {"error": "User not found"}


# 8-9. gateways


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


def test_list_gateways_newest_first(client, acme):
    for gateway_id in ("GW-01", "GW-02"):
        client.post(f"{ORG}/gateways", json={"gatewayId": gateway_id, "name": gateway_id})
    acme.gateways.update_one({"gatewayId": "GW-01"}, {"$set": {"createdAt": "2000-01-01"}})
    response = client.get(f"{ORG}/gateways")
    assert [item["gatewayId"] for item in response.json] == ["GW-02", "GW-01"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "P"}, "gatewayId"),
        ({"gatewayId": "", "name": "P"}, "gatewayId"),
        ({"gatewayId": OPERATOR, "name": "P"}, "gatewayId"),
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


def test_duplicate_gateway_id_is_409(client, acme):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "A"})
    response = client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "B"})
    assert response.status_code == 409
    assert acme.gateways.count_documents({}) == 1


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


# 10-14. applications


def test_create_application_registers_it_and_creates_its_collections(client, acme):
    payload = {
        "applicationId": "robosync",
        "name": "RoboSync",
        "description": "Robots",
        "status": "active",
    }

    response = client.post(f"{ORG}/applications", json=payload)

    assert response.status_code == 201
    body = response.json
    assert {key: body[key] for key in payload} == payload
    assert body["collections"] == ["devices", "config"]
    registry = acme.config.find_one({"key": "applications"})["value"]
    assert registry["availableApplications"] == ["robosync"]
    assert registry["defaultApplication"] == "robosync"
    assert registry["applicationSettings"]["robosync"]["createdAt"] == body["createdAt"]
    assert {"robosync_devices", "robosync_config"} <= set(acme.list_collection_names())
    assert "machineId_unique" in acme.robosync_devices.index_information()


def test_second_application_keeps_the_default(client, cnc):
    client.post(f"{ORG}/applications", json={"applicationId": "robosync", "name": "R"})
    registry = cnc.config.find_one({"key": "applications"})["value"]
    assert registry["availableApplications"] == ["monitoreo-cnc", "robosync"]
    assert registry["defaultApplication"] == "monitoreo-cnc"


def test_duplicate_application_is_409(client, cnc):
    with unchanged(cnc):
        response = client.post(
            f"{ORG}/applications", json={"applicationId": "monitoreo-cnc", "name": "Again"}
        )
    assert response.status_code == 409
    assert response.json["field"] == "applicationId"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "X"}, "applicationId"),
        ({"applicationId": "", "name": "X"}, "applicationId"),
        ({"applicationId": "Robo", "name": "X"}, "applicationId"),
        ({"applicationId": "robo\n", "name": "X"}, "applicationId"),
        ({"applicationId": "a" * 64, "name": "X"}, "applicationId"),
        ({"applicationId": OPERATOR, "name": "X"}, "applicationId"),
        ({"applicationId": "oilmonitor", "name": "X"}, "applicationId"),
        ({"applicationId": "robo"}, "name"),
        ({"applicationId": "robo", "name": " "}, "name"),
        ({"applicationId": "robo", "name": "X", "status": "paused"}, "status"),
        ({"applicationId": "robo", "name": "X", "owner": "me"}, "owner"),
    ],
)
def test_create_application_refuses_bad_input(client, acme, payload, field):
    with unchanged(acme):
        response = client.post(f"{ORG}/applications", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_list_applications_in_registry_order_with_counts(client, cnc):
    cnc.config.update_one(
        {"key": "applications"},
        {
            "$set": {
                "value.applicationSettings.legacy": {"applicationName": "Old", "status": "active"}
            }
        },
    )
    client.post(f"{APP}/devices", json={"machineId": "CN1"})

    response = client.get(f"{ORG}/applications")

    assert response.status_code == 200
    first, legacy = response.json
    assert first["applicationId"] == "monitoreo-cnc"
    assert first["deviceCount"] == 1
    assert first["lastModified"] == first["updatedAt"]
    assert legacy["applicationName"] == "Old"
    assert legacy["deviceCount"] == 0
    assert legacy["lastModified"].endswith("Z")


def test_list_applications_without_registry_is_empty(client, acme):
    assert client.get(f"{ORG}/applications").json == []


def test_get_application(client, cnc):
    response = client.get(APP)
    assert response.status_code == 200
    assert response.json["applicationId"] == "monitoreo-cnc"
    assert response.json["name"] == "CNC"


@pytest.mark.parametrize(
    "path",
    [
        "/applications/robosync",
        "/applications/robosync/devices",
        "/applications/robosync/devices/CN1",
        "/applications/robosync/properties",
    ],
)
def test_unregistered_application_is_404(client, cnc, path):
    response = client.get(f"{ORG}{path}")
    assert response.status_code == 404
    assert response.json == {"error": "Application not found"}


def test_update_application_changes_only_sent_keys(client, cnc):
    created = cnc.config.find_one({"key": "applications"})["value"]["applicationSettings"][
        "monitoreo-cnc"
    ]
    cnc.config.update_one(
        {"key": "applications"},
        {"$set": {"value.applicationSettings.monitoreo-cnc.status": "inactive"}},
    )

    response = client.put(APP, json={"name": "CNC 2", "description": "New"})

    assert response.status_code == 200
    assert response.json["status"] == "inactive"
    stored = cnc.config.find_one({"key": "applications"})["value"]["applicationSettings"][
        "monitoreo-cnc"
    ]
    assert (stored["name"], stored["description"], stored["status"]) == ("CNC 2", "New", "inactive")
    assert stored["createdAt"] == created["createdAt"]
    assert stored["updatedAt"] >= created["updatedAt"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"status": "paused"}, "status"),
        ({"applicationId": "other"}, "applicationId"),
    ],
)
def test_update_application_refuses_bad_input(client, cnc, payload, field):
    with unchanged(cnc):
        response = client.put(APP, json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_delete_application_removes_everything_it_owns(client, cnc):
    client.post(f"{ORG}/applications", json={"applicationId": "robosync", "name": "R"})
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    cnc["monitoreo-cnc_connectors"].insert_one({"name": "Fanuc"})
    cnc["monitoreo-cnc_events"].insert_many(
        [{"applicationId": "monitoreo-cnc"}, {"applicationId": "robosync"}]
    )
    cnc.functions.insert_one({"applicationId": "monitoreo-cnc"})

    response = client.delete(APP)

    assert response.status_code == 200
    assert response.json == {"message": "Application deleted successfully"}
    registry = cnc.config.find_one({"key": "applications"})["value"]
    assert list(registry["applicationSettings"]) == ["robosync"]
    assert registry["availableApplications"] == ["robosync"]
    assert registry["defaultApplication"] == "robosync"
    names = set(cnc.list_collection_names())
    assert not names & {"monitoreo-cnc_devices", "monitoreo-cnc_config", "monitoreo-cnc_connectors"}
    assert cnc["monitoreo-cnc_events"].count_documents({}) == 1
    assert cnc.functions.count_documents({}) == 0


def test_delete_last_application_clears_the_default(client, cnc):
    client.delete(APP)
    registry = cnc.config.find_one({"key": "applications"})["value"]
    assert registry["defaultApplication"] is None
    assert client.delete(APP).status_code == 404


# 15-19. devices


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


def test_delete_device(client, cnc):
    client.post(f"{APP}/devices", json={"machineId": "CN6"})
    response = client.delete(f"{APP}/devices/CN6")
    assert response.json == {"message": "Device deleted successfully"}
    assert cnc["monitoreo-cnc_devices"].count_documents({}) == 0


# 20. properties


def test_properties_lists_each_key_with_its_machines(client, cnc):
    devices = cnc["monitoreo-cnc_devices"]
    devices.insert_many(
        [
            {"machineId": "CN4", "properties": {"ip": "1", "imageUrl": "a"}},
            {"name": "Named", "properties": {"ip": "2", " ": "blank"}},
            {"properties": {"ip": None}},
            {"machineId": "CN9", "properties": "not an object"},
        ]
    )

    response = client.get(f"{APP}/properties")

    assert response.status_code == 200
    assert response.json == [
        {"key": "imageUrl", "machines": ["CN4"]},
        {"key": "ip", "machines": ["CN4", "Named", "Unknown"]},
    ]


# 21-23. organization connectors


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


# 24. oilmonitor_devices


def test_oilmonitor_devices_are_raw_and_need_no_application(client, acme):
    assert client.get(f"{ORG}/oilmonitor_devices").json == []
    acme.oilmonitor_devices.insert_one({"eui": "A1", "oil": {"temp": 40.5}})
    response = client.get(f"{ORG}/oilmonitor_devices")
    assert response.status_code == 200
    assert response.json[0]["eui"] == "A1"
    assert response.json[0]["oil"] == {"temp": 40.5}


# Older data shapes (spec README §5: readers tolerate what older writers left)


@pytest.fixture
def odd_registry(app, acme):
    acme.config.insert_one(
        {
            "key": "applications",
            "value": {
                "applicationSettings": {
                    "cnc": {"name": "CNC", "applicationId": "forged", "deviceCount": 99},
                    "broken": "not an object",
                    "Legacy App": {"name": "Unreachable"},
                    "oilmonitor": {"name": "Its devices would be oilmonitor_devices"},
                },
                "availableApplications": "not a list",
            },
        }
    )
    acme.cnc_devices.insert_one({"machineId": "CN1"})
    reconcile(app)  # written by other programs, as the counts kept on write learn
    return acme


def test_registry_entries_that_are_not_applications_are_skipped_everywhere(client, odd_registry):
    listed = client.get(f"{ORG}/applications")
    stats = client.get(f"{ORG}/stats")
    organizations = client.get("/api/organizations")

    assert [item["applicationId"] for item in listed.json] == ["cnc"]
    assert listed.json[0]["deviceCount"] == 1
    assert stats.json["applications"] == 1
    assert stats.json["totalDevices"] == 1
    assert organizations.json[0]["applicationCount"] == 1
    assert client.get(f"{ORG}/applications/broken").status_code == 404
    assert client.get(f"{ORG}/applications/oilmonitor/devices").status_code == 404


def test_an_application_cannot_take_the_oil_monitor_collection(client, acme):
    acme.oilmonitor_devices.insert_one({"eui": "A1"})
    response = client.post(f"{ORG}/applications", json={"applicationId": "oilmonitor", "name": "O"})
    assert (response.status_code, response.json["field"]) == (400, "applicationId")
    assert "oilmonitor_devices" in response.json["error"]
    assert [doc["eui"] for doc in acme.oilmonitor_devices.find()] == ["A1"]


def test_stored_settings_never_override_computed_fields(client, odd_registry):
    detail = client.get(f"{ORG}/applications/cnc").json
    assert detail["applicationId"] == "cnc"
    assert "deviceCount" not in detail
    assert client.get(f"{ORG}/applications").json[0]["deviceCount"] == 1


def test_creating_an_application_repairs_the_lists(client, odd_registry):
    response = client.post(f"{ORG}/applications", json={"applicationId": "robo", "name": "R"})
    assert response.status_code == 201
    registry = odd_registry.config.find_one({"key": "applications"})["value"]
    assert registry["availableApplications"] == ["cnc", "robo"]
    assert registry["defaultApplication"] == "cnc"
    assert registry["applicationSettings"]["broken"] == "not an object"


@pytest.mark.parametrize("value", ["a string", ["a", "list"], {"applicationSettings": ["x"]}])
def test_creating_an_application_in_a_malformed_registry_is_409(client, acme, value):
    acme.config.insert_one({"key": "applications", "value": value})
    with unchanged(acme):
        response = client.post(f"{ORG}/applications", json={"applicationId": "robo", "name": "R"})
    assert response.status_code == 409


def test_an_orphan_collection_with_duplicates_is_not_registered(client, acme):
    acme.robo_devices.insert_many([{"machineId": "A"}, {"machineId": "A"}])

    response = client.post(f"{ORG}/applications", json={"applicationId": "robo", "name": "R"})

    assert response.status_code == 409
    assert response.json["field"] == "applicationId"
    assert acme.config.find_one({"key": "applications"}) is None
    assert client.get(f"{ORG}/applications/robo/devices").status_code == 404


@pytest.mark.parametrize("value", ["a string", ["a", "list"], 42])
def test_metadata_that_is_not_an_object_is_replaced_on_update(client, acme, value):
    acme.config.update_one({"key": "organization"}, {"$set": {"value": value}})
    assert client.get(ORG).json["name"] == "acme"

    response = client.put(ORG, json={"name": "Acme 2"})

    assert (response.status_code, response.json["name"]) == (200, "Acme 2")
    stored = acme.config.find_one({"key": "organization"})["value"]
    assert stored["name"] == "Acme 2"
    assert stored["organizationId"] == "acme"


def test_raw_documents_of_any_bson_type_are_answered(client, acme):
    import uuid

    from bson import Binary, Decimal128, Int64, Regex, Timestamp

    acme.oilmonitor_devices.insert_one(
        {
            "decimal": Decimal128("1.5"),
            "long": Int64(7),
            "binary": Binary(b"\x00\x01"),
            "uuid": Binary.from_uuid(uuid.UUID(int=1)),
            "stamp": Timestamp(1, 2),
            "pattern": Regex("^a"),
        }
    )
    response = client.get(f"{ORG}/oilmonitor_devices")
    assert response.status_code == 200
    document = response.json[0]
    assert (document["decimal"], document["long"], document["binary"]) == (1.5, 7, "AAE=")


# Updates, with the clock moved on so a timestamp that is not bumped shows


@pytest.fixture
def later(monkeypatch):
    """Moves the clock a minute on, for what the test does after calling it."""

    def move():
        from datetime import timedelta

        from syncapi.core import clock

        real = clock.utcnow
        moment = real() + timedelta(minutes=1)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


def test_updates_move_updated_at(client, cnc, later):
    client.post(f"{APP}/devices", json={"machineId": "CN6"})
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "G"})
    later()

    device = client.put(f"{APP}/devices/CN6", json={"name": "x"}).json
    gateway = client.put(f"{ORG}/gateways/GW", json={"name": "y"}).json
    application = client.put(APP, json={"name": "z"}).json

    assert device["updatedAt"] > device["createdAt"]
    assert gateway["updatedAt"] > gateway["createdAt"]
    assert application["updatedAt"] > application["createdAt"]


USER_UPDATE_BAD_INPUTS = [
    ({"name": ""}, "name"),
    ({"name": 5}, "name"),
    ({"email": "no-at"}, "email"),
    ({"email": OPERATOR}, "email"),
    ({"role": "root"}, "role"),
    ({"status": "gone"}, "status"),
    ({"password": "x"}, "password"),
    ({"organizationId": "other"}, "organizationId"),
]


@pytest.mark.parametrize(("payload", "field"), USER_UPDATE_BAD_INPUTS)
def test_update_user_refuses_every_bad_input(client, acme, payload, field):
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"}).json["id"]
    with unchanged(acme):
        response = client.put(f"{ORG}/users/{user_id}", json=payload)
    assert (response.status_code, response.json["field"]) == (400, field)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"gatewayId": ""}, "gatewayId"),
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


def test_organization_routes_create_no_index_per_request(client, cnc, monkeypatch):
    import mongomock

    client.post(f"{APP}/devices", json={"machineId": "CN0"})  # the shared database's first use
    created = []
    original = mongomock.Collection.create_index

    def counting(self, *args, **kwargs):
        created.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mongomock.Collection, "create_index", counting)
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@x"})
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW", "name": "G"})
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    client.post(f"{ORG}/connectors", json={"name": "MQTT", "driver": "mqtt"})
    assert created == []


# Writes that are atomic on a real server


def both_at_once(app, monkeypatch, first, second):
    """Run two requests in two threads, both past their read of the application registry
    before either writes: the interleaving where a read-then-write loses an update."""
    from syncapi.repositories import applications

    read, gate = applications.registry, threading.Barrier(2, timeout=5)
    reads = {}

    def registry(db):
        value = read(db)
        reads[threading.get_ident()] = reads.get(threading.get_ident(), 0) + 1
        if reads[threading.get_ident()] == 2:  # the read its write is based on
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass
        return value

    monkeypatch.setattr(applications, "registry", registry)
    answers = {}

    def call(name, body):
        answers[name] = app.test_client().post(f"{ORG}/applications", json=body)

    threads = [
        threading.Thread(target=call, args=(name, body))
        for name, body in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers["first"], answers["second"]


def test_two_first_applications_created_at_once_are_both_registered(app, acme, monkeypatch):
    one, two = both_at_once(
        app,
        monkeypatch,
        {"applicationId": "one", "name": "One"},
        {"applicationId": "two", "name": "Two"},
    )

    assert (one.status_code, two.status_code) == (201, 201)
    registry = acme.config.find_one({"key": "applications"})["value"]
    assert sorted(registry["applicationSettings"]) == ["one", "two"]
    assert sorted(registry["availableApplications"]) == ["one", "two"]
    assert registry["defaultApplication"] in ("one", "two")


def test_the_same_application_created_twice_at_once_is_one_201_and_one_409(app, acme, monkeypatch):
    body = {"applicationId": "one", "name": "One"}
    answers = sorted(
        response.status_code for response in both_at_once(app, monkeypatch, body, body)
    )

    assert answers == [201, 409]
    registry = acme.config.find_one({"key": "applications"})["value"]
    assert registry["availableApplications"] == ["one"]


def test_a_collection_another_request_just_made_is_not_a_500(client, acme, monkeypatch):
    from pymongo.errors import OperationFailure

    from syncapi.embedded.store import EmbeddedDatabase

    def already_made(self, name, **options):
        raise OperationFailure(f"Collection {name} already exists.", 48)  # NamespaceExists

    monkeypatch.setattr(EmbeddedDatabase, "create_collection", already_made)
    response = client.post(f"{ORG}/applications", json={"applicationId": "one", "name": "One"})
    assert response.status_code == 201


def test_an_organization_gets_its_indexes_before_its_metadata(client, mongo, monkeypatch):
    trips = round_trips.install(monkeypatch)
    assert client.put("/api/organizations/newco", json={"name": "N"}).status_code == 201
    writes = [
        (call.namespace, call.operation)
        for call in trips.calls
        if call.namespace.startswith("newco.") and call.operation in ("create_index", "update_one")
    ]
    metadata = writes.index(("newco.config", "update_one"))
    indexes = [index for index, write in enumerate(writes) if write[1] == "create_index"]
    assert len(indexes) >= 6 and max(indexes) < metadata  # every index before the metadata


def test_an_index_that_cannot_be_made_is_logged_not_a_500(client, mongo, caplog):
    """An older index of the same keys with other options (the original ODM's) makes index
    creation fail on a real server (codes 85/86): requests go on, the log says what to run."""
    mongo["syncapi"].services.create_index("name", name="name_unique")  # not unique
    with caplog.at_level("WARNING"):
        response = client.get("/api/services")
    assert response.status_code == 200
    assert any("name_unique" in record.getMessage() for record in caplog.records)


# Deletes cut short, and the counts kept on write


def drop_then_time_out(monkeypatch, what):
    """The server goes on dropping after the client gave up: a real server's dropDatabase
    waits for a majority of the replica set, which can outlast MONGODB_TIMEOUT_MS."""
    from pymongo.errors import NetworkTimeout

    from syncapi.embedded.store import EmbeddedClient, EmbeddedCollection

    owner, method = (
        (EmbeddedClient, "drop_database")
        if what == "database"
        else (
            EmbeddedCollection,
            "drop",
        )
    )
    original = getattr(owner, method)

    def drop(self, *args, **kwargs):
        original(self, *args, **kwargs)
        monkeypatch.setattr(owner, method, original)  # once
        raise NetworkTimeout("timed out")

    monkeypatch.setattr(owner, method, drop)


def test_an_organization_delete_cut_short_is_finished_by_its_recreation(
    client, mongo, cnc, monkeypatch
):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    shared = mongo["syncapi"]
    old_since = shared.machine_claims.find_one({"_id": "CN1"})["since"]
    drop_then_time_out(monkeypatch, "database")

    assert client.delete(f"{ORG}?confirm=acme").status_code == 503
    assert client.delete(f"{ORG}?confirm=acme").status_code == 404  # gone on the server

    assert client.put(ORG, json={"name": "New Acme"}).status_code == 201
    assert shared.machine_claims.find_one({"_id": "CN1"}) is None  # the old claim let go
    body = {"applicationId": "monitoreo-cnc", "name": "CNC"}
    assert client.post(f"{ORG}/applications", json=body).status_code == 201
    assert client.post(f"{APP}/devices", json={"machineId": "CN1"}).status_code == 201
    assert shared.machine_claims.find_one({"_id": "CN1"})["since"] > old_since


def test_a_dropped_organization_is_forgotten_by_the_next_refresh(
    app, client, mongo, cnc, monkeypatch
):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    drop_then_time_out(monkeypatch, "database")
    client.delete(f"{ORG}?confirm=acme")
    app.config["ORGANIZATION_REFRESH_SECONDS"] = 0

    assert refreshed_list(app, client).json == []
    assert mongo["syncapi"].machine_claims.count_documents({}) == 0


def test_an_application_delete_cut_short_is_finished_by_a_retry(client, mongo, cnc, monkeypatch):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    drop_then_time_out(monkeypatch, "collection")

    assert client.delete(APP).status_code == 503
    assert client.get(APP).status_code == 200  # still registered: the retry can finish
    assert client.delete(APP).status_code == 200

    assert client.get(APP).status_code == 404
    assert mongo["syncapi"].machine_claims.count_documents({}) == 0
    assert client.get("/api/query/applications").json == []


def counts(client):
    (acme,) = [item for item in client.get("/api/organizations").json if item["id"] == "acme"]
    devices = client.get("/api/query/registered?organizationId=acme").json["count"]
    return acme["applicationCount"], acme["userCount"], devices


def test_the_counts_kept_on_write_follow_every_create_and_delete(client, cnc):
    user = client.post(f"{ORG}/users", json={"name": "A", "email": "a@x"}).json["id"]
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    client.post(f"{APP}/devices", json={"machineId": "CN2"})
    assert counts(client) == (1, 1, 2)

    client.delete(f"{APP}/devices/CN2")
    client.delete(f"{ORG}/users/{user}")
    assert counts(client) == (1, 0, 1)
    client.delete(APP)
    assert counts(client) == (0, 0, 0)


def test_a_new_organization_whose_indexes_fail_is_not_created(client, mongo, monkeypatch):
    """A database whose name differs only in case exists: the server refuses the first
    write (13297). Nothing is listed, and nothing is half made."""
    from pymongo.errors import OperationFailure

    from syncapi.embedded.store import EmbeddedCollection

    def refused(self, *args, **kwargs):
        raise OperationFailure("db already exists with different case already have: [Acme]", 13297)

    monkeypatch.setattr(EmbeddedCollection, "create_index", refused)
    response = client.put(ORG, json={"name": "Acme"})

    assert response.status_code == 409
    assert client.get("/api/organizations").json == []
