"""`/api/organizations/{org}/applications` (`blueprints/application_routes.py`,
spec/organizations.md): the application registry, each application's settings in the
organization's `config`, and the collections an application owns. The routes under
`/api/applications` (event classes, functions, its connectors) are test_applications'."""

import threading

import pytest

from tests.helpers import APP, OPERATOR, ORG, reconcile, unchanged

# Registering an application


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


def test_an_application_cannot_take_the_oil_monitor_collection(client, acme):
    acme.oilmonitor_devices.insert_one({"eui": "A1"})
    response = client.post(f"{ORG}/applications", json={"applicationId": "oilmonitor", "name": "O"})
    assert (response.status_code, response.json["field"]) == (400, "applicationId")
    assert "oilmonitor_devices" in response.json["error"]
    assert [doc["eui"] for doc in acme.oilmonitor_devices.find()] == ["A1"]


def test_an_orphan_collection_with_duplicates_is_not_registered(client, acme):
    acme.robo_devices.insert_many([{"machineId": "A"}, {"machineId": "A"}])

    response = client.post(f"{ORG}/applications", json={"applicationId": "robo", "name": "R"})

    assert response.status_code == 409
    assert response.json["field"] == "applicationId"
    assert acme.config.find_one({"key": "applications"}) is None
    assert client.get(f"{ORG}/applications/robo/devices").status_code == 404


# Listing and reading applications


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


# Changing an application


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


def test_an_update_moves_updated_at(client, cnc, later):
    later()

    application = client.put(APP, json={"name": "z"}).json

    assert application["updatedAt"] > application["createdAt"]


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


# Deleting an application, and what it owned


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
    # Emptied (a transaction may not drop a collection): an application created again with
    # that id reuses them.
    for suffix in ("devices", "config", "connectors"):
        assert cnc[f"monitoreo-cnc_{suffix}"].count_documents({}) == 0
    assert cnc["monitoreo-cnc_events"].count_documents({}) == 1
    assert cnc.functions.count_documents({}) == 0


def test_delete_last_application_clears_the_default(client, cnc):
    client.delete(APP)
    registry = cnc.config.find_one({"key": "applications"})["value"]
    assert registry["defaultApplication"] is None
    assert client.delete(APP).status_code == 404


def test_an_application_delete_cut_short_changes_nothing_and_a_retry_makes_it(
    client, mongo, cnc, monkeypatch
):
    from pymongo.errors import AutoReconnect

    from syncapi.repositories import machine_claims

    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    release = machine_claims.release_application

    def cut_short(*args):
        raise AutoReconnect("the primary stepped down")

    monkeypatch.setattr(machine_claims, "release_application", cut_short)
    assert client.delete(APP).status_code == 503
    assert client.get(APP).status_code == 200  # all of it or nothing: a transaction
    assert client.get(f"{APP}/devices/CN1").status_code == 200
    monkeypatch.setattr(machine_claims, "release_application", release)
    assert client.delete(APP).status_code == 200

    assert client.get(APP).status_code == 404
    assert mongo["syncapi"].machine_claims.count_documents({}) == 0
    assert client.get("/api/query/applications").json == []


# Registries older writers left (spec README §5: readers tolerate them)


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
    assert response.json == {"error": "The application registry of this organization is malformed"}


# Registrations at once: atomic on a real server


def both_at_once(app, monkeypatch, first, second):
    """Run two requests in two threads, both past their read of the application registry
    before either writes, where they can: the interleaving where a read-then-write loses an
    update. In transactions the second waits for the first (the embedded store), or
    conflicts and runs again (a server): the barrier is then given up."""
    from syncapi.repositories import applications

    read, gate = applications.registry, threading.Barrier(2, timeout=0.5)
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

    create = EmbeddedDatabase.create_collection

    def already_made(self, name, **options):
        """Another request makes it first, once: the transaction runs again and reuses it."""
        monkeypatch.setattr(EmbeddedDatabase, "create_collection", create)
        create(self, name)
        raise OperationFailure(f"Collection {name} already exists.", 48)  # NamespaceExists

    monkeypatch.setattr(EmbeddedDatabase, "create_collection", already_made)
    response = client.post(f"{ORG}/applications", json={"applicationId": "one", "name": "One"})
    assert response.status_code == 201
    assert response.json["applicationId"] == "one"
    registry = acme.config.find_one({"key": "applications"})["value"]
    assert registry["availableApplications"] == ["one"]
