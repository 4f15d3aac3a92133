"""`/api/organizations` and each organization's own routes (`blueprints/organizations.py`,
spec/organizations.md): listing, reading, creating, changing and deleting organizations,
their config and stats, an application's device properties, the oil-monitor devices.

What an organization holds has a module per route module: test_user_routes,
test_gateway_routes, test_application_routes, test_device_routes, test_connector_routes,
test_changes (change_routes) and test_restore (restore_routes)."""

import pytest

from tests import round_trips
from tests.helpers import APP, OPERATOR, ORG, drop_then_time_out, reconcile, tenant_names, unchanged

# Listing organizations


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


# On a cluster shared with other programs: ORGANIZATION_DATABASES


def other_programs_databases(mongo):
    """Databases other programs keep on the cluster, named as organizations may be, one of
    them even holding a `config` document keyed `organization`."""
    mongo["grafana"].users.insert_one({"email": "admin@grafana.local"})
    mongo["grafana"].config.insert_one({"key": "organization", "value": {"name": "Main Org."}})
    mongo["billing"].invoices.insert_one({"total": 120})


def test_other_programs_databases_stay_out_of_the_list_and_the_refresh(
    app, client, mongo, shared, acme
):
    """Only databases whose whole name matches the pattern are organizations; the original's
    stay ones, with an `organization` config document (org-2) or without (legacy)."""
    app.config["ORGANIZATION_DATABASES"] = r"acme|legacy|org-[0-9]+"
    app.config["ORGANIZATION_REFRESH_SECONDS"] = 0
    other_programs_databases(mongo)
    mongo["legacy"].users.insert_one({"email": "ana@legacy.test"})
    mongo["org-2"].config.insert_one({"key": "organization", "value": {"name": "Two"}})

    with unchanged(mongo["grafana"], mongo["billing"]):
        listed = refreshed_list(app, client).json

    assert [(item["id"], item["userCount"]) for item in listed] == [
        ("acme", 0),
        ("legacy", 1),
        ("org-2", 0),
    ]
    assert summaries_of(shared) == ["acme", "legacy", "org-2"]
    assert client.get("/api/organizations/legacy").json["name"] == "legacy"


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_a_database_outside_the_pattern_is_no_organization_id(app, client, mongo, method):
    app.config["ORGANIZATION_DATABASES"] = r"acme|beta"
    other_programs_databases(mongo)

    with unchanged(mongo):
        response = client.open("/api/organizations/grafana?confirm=grafana", method=method, json={})

    assert response.status_code == 400
    assert response.json == {
        "error": "organizationId is not an organization's database on this server"
        " (ORGANIZATION_DATABASES)",
        "field": "organizationId",
    }


def test_an_organization_the_pattern_leaves_out_leaves_the_list_and_keeps_its_claims(
    app, client, mongo, shared, cnc
):
    """A pattern that leaves out an organization (a mistake, or a program's database listed
    before the setting) takes it off the list; its machine claims and sessions stay, so
    setting the pattern right brings it back whole."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    app.config["ORGANIZATION_REFRESH_SECONDS"] = 0
    app.config["ORGANIZATION_DATABASES"] = r"beta"

    assert refreshed_list(app, client).json == []
    assert summaries_of(shared) == []
    assert shared.machine_claims.find_one({"_id": "CN1"})["organizationId"] == "acme"
    assert shared.ended_sessions.count_documents({}) == 0

    app.config["ORGANIZATION_DATABASES"] = ""
    listed = refreshed_list(app, client).json
    assert [(item["id"], item["applicationCount"]) for item in listed] == [("acme", 1)]


def summaries_of(shared):
    return sorted(summary["_id"] for summary in shared.organization_summaries.find())


# Reading an organization


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


# Which organization ids are valid


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


# Creating and changing an organization: PUT


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


@pytest.mark.parametrize("value", ["a string", ["a", "list"], 42])
def test_metadata_that_is_not_an_object_is_replaced_on_update(client, acme, value):
    acme.config.update_one({"key": "organization"}, {"$set": {"value": value}})
    assert client.get(ORG).json["name"] == "acme"

    response = client.put(ORG, json={"name": "Acme 2"})

    assert (response.status_code, response.json["name"]) == (200, "Acme 2")
    stored = acme.config.find_one({"key": "organization"})["value"]
    assert stored["name"] == "Acme 2"
    assert stored["organizationId"] == "acme"


# An organization's indexes: made before its metadata, never per request


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


# Deleting an organization


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


def test_delete_unknown_organization_is_404(client, mongo):
    response = client.delete("/api/organizations/nobody?confirm=nobody")
    assert response.status_code == 404
    assert response.json == {"error": "Organization not found"}
    assert tenant_names(mongo) == []


# A delete cut short (the server drops on after the client gave up, or never dropped)


def refuse_drop(monkeypatch):
    """The drop never reaches the server (it steps down first), once."""
    from pymongo.errors import AutoReconnect

    from syncapi.embedded.store import EmbeddedClient

    original = EmbeddedClient.drop_database

    def drop(self, *args, **kwargs):
        monkeypatch.setattr(EmbeddedClient, "drop_database", original)  # once
        raise AutoReconnect("the primary stepped down")

    monkeypatch.setattr(EmbeddedClient, "drop_database", drop)


def test_a_delete_cut_short_after_its_drop_is_finished_by_its_retry(
    client, shared, mongo, cnc, monkeypatch
):
    """It took effect (tokens ended, claims released, its entry written): the 503 says it
    may have been applied, and its retry answers 200, not 404."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    drop_then_time_out(monkeypatch, "database")

    first = client.delete(f"{ORG}?confirm=acme")
    assert (first.status_code, first.json["details"]) == (503, "the change may have been applied")
    assert shared.organization_deletes.count_documents({"_id": "acme"}) == 1
    assert shared.machine_claims.count_documents({}) == 0
    assert client.delete(f"{ORG}?confirm=acme").status_code == 200
    assert shared.organization_deletes.count_documents({}) == 0
    assert "acme" not in mongo.list_database_names()
    entries = shared.changes.find({"resource.type": "organization", "resource.id": "acme"})
    assert [entry["action"] for entry in entries] == ["delete"]  # one entry, not two


def test_an_organization_delete_cut_short_is_finished_by_its_recreation(
    client, shared, mongo, cnc, monkeypatch
):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    old_since = shared.machine_claims.find_one({"_id": "CN1"})["since"]
    refuse_drop(monkeypatch)

    assert client.delete(f"{ORG}?confirm=acme").status_code == 503
    assert "acme" in mongo.list_database_names()  # not dropped, but being deleted

    assert client.put(ORG, json={"name": "New Acme"}).status_code == 201
    assert client.get(f"{ORG}/applications").json == []  # a new organization
    assert shared.organization_deletes.count_documents({}) == 0
    body = {"applicationId": "monitoreo-cnc", "name": "CNC"}
    assert client.post(f"{ORG}/applications", json=body).status_code == 201
    assert client.post(f"{APP}/devices", json={"machineId": "CN1"}).status_code == 201
    assert shared.machine_claims.find_one({"_id": "CN1"})["since"] > old_since


def still_dropping(monkeypatch, name):
    """The server drops `name` on after its delete answered: until the drop is majority
    committed, it refuses every write there with DatabaseDropPending (code 215)."""
    from pymongo.errors import OperationFailure

    from syncapi.embedded.store import EmbeddedCollection

    def refusing(method):
        original = getattr(EmbeddedCollection, method)

        def refused(self, *args, **kwargs):
            if self.database.name == name:
                raise OperationFailure(f"database {name} is being dropped", 215)
            return original(self, *args, **kwargs)

        return refused

    for method in ("create_index", "insert_one", "update_one", "find_one_and_update"):
        monkeypatch.setattr(EmbeddedCollection, method, refusing(method))


def test_a_recreation_while_the_server_still_drops_the_database_is_a_503_to_retry(
    client, mongo, shared, acme, monkeypatch
):
    assert client.delete(f"{ORG}?confirm=acme").status_code == 200
    with monkeypatch.context() as dropping:
        still_dropping(dropping, "acme")
        response = client.put(ORG, json={"name": "New Acme"})

        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.json == {
            "error": "The organization is being deleted; retry",
            "details": "MongoDB is still dropping its database",
        }
        assert tenant_names(mongo) == []
        assert shared.organization_summaries.count_documents({}) == 0

    assert client.put(ORG, json={"name": "New Acme"}).status_code == 201  # the drop is done
    assert client.get(ORG).json["name"] == "New Acme"


def test_a_delete_cut_short_is_finished_by_the_next_refresh(app, client, mongo, cnc, monkeypatch):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    refuse_drop(monkeypatch)
    client.delete(f"{ORG}?confirm=acme")
    app.config["ORGANIZATION_REFRESH_SECONDS"] = 0

    refreshed_list(app, client)
    assert "acme" not in mongo.list_database_names()
    assert mongo["syncapi"].organization_deletes.count_documents({}) == 0
    assert mongo["syncapi"].machine_claims.count_documents({}) == 0


# Its stored configuration and its stats


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


# The device properties of an application


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


# Oil-monitor devices: raw documents, whatever their BSON types


def test_oilmonitor_devices_are_raw_and_need_no_application(client, acme):
    assert client.get(f"{ORG}/oilmonitor_devices").json == []
    acme.oilmonitor_devices.insert_one({"eui": "A1", "oil": {"temp": 40.5}})
    response = client.get(f"{ORG}/oilmonitor_devices")
    assert response.status_code == 200
    assert response.json[0]["eui"] == "A1"
    assert response.json[0]["oil"] == {"temp": 40.5}


def test_oilmonitor_devices_properties_are_masked_as_every_devices(client, acme):
    properties = {"apn": "iot", "imei": "3569", "password": "pw"}
    acme.oilmonitor_devices.insert_one({"eui": "A1", "properties": properties})
    response = client.get(f"{ORG}/oilmonitor_devices")
    assert response.json[0]["properties"] == {
        "apn": "iot",
        "imei": "3569",
        "password": "********",
    }
    assert acme.oilmonitor_devices.find_one()["properties"] == properties


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


# The counts the listing shows, kept on every write


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
