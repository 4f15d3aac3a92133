"""Machine claims (spec §13.1): a machine id belongs to one organization, whoever registers
it; platform admins move, date back and release claims (`/api/machines`, `flask machines`)."""

from datetime import UTC, datetime

import pytest

from syncapi.commands import db_group
from syncapi.machine_commands import machines_group
from tests.conftest import APP, ORG, snapshot

GLOBEX = "/api/organizations/globex"
PRESSES = f"{GLOBEX}/applications/presses"


@pytest.fixture
def shared(mongo):
    return mongo["syncapi"]


@pytest.fixture
def globex(client, cnc):
    """A second organization with the application `presses`, beside acme's `monitoreo-cnc`."""
    assert client.put(GLOBEX, json={"name": "Globex"}).status_code == 201
    body = {"applicationId": "presses", "name": "Presses"}
    assert client.post(f"{GLOBEX}/applications", json=body).status_code == 201


def claims(shared):
    return {doc["_id"]: doc for doc in shared.machine_claims.find()}


def holders(shared, machine_id):
    return shared.machine_claims.find_one({"_id": machine_id})["holders"]


def add_device(client, base, **body):
    return client.post(f"{base}/devices", json=body)


def test_a_device_claims_its_ids_for_its_organization(client, shared, cnc):
    response = add_device(client, APP, machineId="CN1", eui="E-1")

    assert response.status_code == 201
    stored = claims(shared)
    assert set(stored) == {"CN1", "E-1"}
    for claim in stored.values():
        assert claim["organizationId"] == "acme"
        assert claim["holders"] == [{"applicationId": "monitoreo-cnc", "machineId": "CN1"}]
        assert claim["since"] <= datetime.now(UTC).replace(tzinfo=None)
        assert "demo" not in claim


@pytest.mark.parametrize(
    ("body", "field"),
    [({"machineId": "CN1"}, "machineId"), ({"machineId": "GX-1", "eui": "CN1"}, "eui")],
)
def test_another_organization_gets_409_naming_the_field(client, app, mongo, globex, body, field):
    assert add_device(client, APP, machineId="CN1").status_code == 201
    before = {name: snapshot(mongo[name]) for name in ("acme", "globex", "syncapi")}

    response = add_device(client, PRESSES, **body)  # auth is off: a platform-wide caller

    assert (response.status_code, response.json["field"]) == (409, field)
    assert "platform admin can move it" in response.json["error"]
    assert {name: snapshot(mongo[name]) for name in ("acme", "globex", "syncapi")} == before


def test_a_rename_onto_another_organizations_id_changes_nothing(client, mongo, globex):
    add_device(client, APP, machineId="CN1")
    add_device(client, PRESSES, machineId="GX-1", eui="GX-E")
    before = {name: snapshot(mongo[name]) for name in ("acme", "globex", "syncapi")}

    for body, field in [({"machineId": "CN1"}, "machineId"), ({"eui": "CN1"}, "eui")]:
        response = client.put(f"{PRESSES}/devices/GX-1", json=body)
        assert (response.status_code, response.json["field"]) == (409, field)

    assert {name: snapshot(mongo[name]) for name in ("acme", "globex", "syncapi")} == before


def test_one_organization_may_hold_an_id_in_two_applications(client, shared, cnc):
    body = {"applicationId": "robosync", "name": "Robots"}
    assert client.post(f"{ORG}/applications", json=body).status_code == 201
    robots = f"{ORG}/applications/robosync"
    assert add_device(client, APP, machineId="CN1").status_code == 201
    assert add_device(client, robots, machineId="CN1").status_code == 201
    assert [h["applicationId"] for h in holders(shared, "CN1")] == ["monitoreo-cnc", "robosync"]

    assert client.delete(f"{APP}/devices/CN1").status_code == 200
    assert [h["applicationId"] for h in holders(shared, "CN1")] == ["robosync"]
    assert client.delete(f"{robots}/devices/CN1").status_code == 200
    assert claims(shared) == {}  # released with its last holder


def test_an_eui_equal_to_the_machine_id_claims_once(client, shared, cnc):
    assert add_device(client, APP, machineId="A1", eui="A1").status_code == 201
    assert list(claims(shared)) == ["A1"]
    assert len(holders(shared, "A1")) == 1


def test_a_failed_insert_releases_only_the_claims_it_made(client, shared, cnc):
    assert add_device(client, APP, machineId="CN1").status_code == 201
    before = claims(shared)

    response = add_device(client, APP, machineId="CN1", eui="NEW-EUI")  # duplicate machineId

    assert response.status_code == 409
    assert claims(shared) == before  # CN1 still claimed, NEW-EUI not left behind


def test_a_rename_moves_the_claim(client, shared, cnc):
    add_device(client, APP, machineId="CN1", eui="E-1")

    response = client.put(f"{APP}/devices/CN1", json={"machineId": "CN9"})

    assert response.status_code == 200
    stored = claims(shared)
    assert set(stored) == {"CN9", "E-1"}
    assert stored["E-1"]["holders"] == [{"applicationId": "monitoreo-cnc", "machineId": "CN9"}]
    client.put(f"{APP}/devices/CN9", json={"eui": "E-2"})
    assert set(claims(shared)) == {"CN9", "E-2"}


def test_application_and_organization_deletes_release_their_ids(client, shared, globex):
    add_device(client, APP, machineId="CN1")
    add_device(client, PRESSES, machineId="GX-1")

    assert client.delete(PRESSES).status_code == 200
    assert set(claims(shared)) == {"CN1"}
    assert client.delete(f"{ORG}?confirm=acme").status_code == 200
    assert claims(shared) == {}
    body = {"applicationId": "presses", "name": "Presses"}
    assert client.post(f"{GLOBEX}/applications", json=body).status_code == 201
    assert add_device(client, PRESSES, machineId="CN1").status_code == 201  # free again


def test_a_demo_claim_gives_way_to_a_real_registration(app, client, shared, cnc):
    app.test_cli_runner().invoke(args=["seed-demo"])
    demo = claims(shared)["CN4"]
    assert (demo["organizationId"], demo["demo"]) == ("autentiodev", True)

    assert add_device(client, APP, machineId="CN4").status_code == 201

    taken = claims(shared)["CN4"]
    assert taken["organizationId"] == "acme" and "demo" not in taken
    assert taken["holders"] == [{"applicationId": "monitoreo-cnc", "machineId": "CN4"}]


# The platform admins' routes


def test_list_get_move_and_release(client, shared, globex):
    add_device(client, APP, machineId="CN1")
    add_device(client, PRESSES, machineId="CN1-COPY", eui="CN1-E")

    listed = client.get("/api/machines?organizationId=acme").json
    assert [item["machineId"] for item in listed] == ["CN1"]
    assert client.get("/api/machines/CN1").json["organizationId"] == "acme"

    response = client.put("/api/machines/CN1", json={"organizationId": "globex"})
    assert (response.status_code, response.json["organizationId"]) == (200, "globex")
    assert response.json["holders"] == []  # globex has no device CN1 (yet)
    assert claims(shared)["CN1"]["since"] > claims(shared)["CN1-E"]["since"]  # moved: from now

    response = client.put(
        "/api/machines/CN1-E", json={"organizationId": "globex", "since": "1970-01-01T00:00:00Z"}
    )
    assert response.json["since"] == "1970-01-01T00:00:00.000Z"
    assert response.json["holders"] == [{"applicationId": "presses", "machineId": "CN1-COPY"}]

    assert client.delete("/api/machines/CN1").json == {"message": "Machine claim released"}
    assert "CN1" not in claims(shared)
    assert client.delete("/api/machines/CN1").status_code == 404


def test_a_claim_can_be_given_before_any_device_exists(client, shared, cnc):
    response = client.put("/api/machines/FUTURE-1", json={"organizationId": "acme"})
    assert response.status_code == 201
    assert add_device(client, APP, machineId="FUTURE-1").status_code == 201
    assert len(holders(shared, "FUTURE-1")) == 1


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "organizationId"),
        ({"organizationId": "Bad Id"}, 400, "organizationId"),
        ({"organizationId": "acme", "since": "yesterday"}, 400, "since"),
        ({"organizationId": "nowhere"}, 404, None),
    ],
)
def test_a_bad_assignment_changes_nothing(client, shared, cnc, body, status, field):
    add_device(client, APP, machineId="CN1")
    before = claims(shared)
    response = client.put("/api/machines/CN1", json=body)
    assert (response.status_code, response.json.get("field")) == (status, field)
    assert claims(shared) == before


# `db ensure-indexes` builds the registry from devices registered before it existed


def test_ensure_indexes_dates_back_existing_registrations(app, mongo, shared):
    created = datetime(2024, 5, 1, tzinfo=UTC)
    for org, machines in [("legacy", [("A", created), ("B", None)]), ("other", [("A", None)])]:
        mongo[org].config.insert_one(
            {"key": "applications", "value": {"applicationSettings": {"cnc": {"name": "CNC"}}}}
        )
        for machine_id, at in machines:
            mongo[org].cnc_devices.insert_one({"machineId": machine_id, "createdAt": at})

    result = app.test_cli_runner().invoke(db_group, ["ensure-indexes"])

    assert result.exit_code == 1
    assert "other.cnc_devices: machineId 'A' is also registered in legacy" in result.output
    stored = claims(shared)
    assert stored["A"]["since"] == created.replace(tzinfo=None)
    assert stored["B"]["since"] == datetime(1970, 1, 1)
    assert {claim["organizationId"] for claim in stored.values()} == {"legacy"}


# The command line


def test_the_cli_refuses_the_embedded_store(app):
    result = app.test_cli_runner().invoke(machines_group, ["list"])
    assert result.exit_code == 1
    assert "embedded store" in result.output


def test_the_cli_lists_claims_and_releases(app, client, shared, cnc):
    add_device(client, APP, machineId="CN1")
    app.config["MONGODB_URI"] = "mongodb://db:27017"  # as on a server; the client stays the same
    runner = app.test_cli_runner()

    result = runner.invoke(
        machines_group, ["claim", "CN1", "--org", "acme", "--since", "2020-01-01"]
    )
    assert result.exit_code == 0, result.output
    assert claims(shared)["CN1"]["since"] == datetime(2020, 1, 1)
    assert (
        "CN1\tacme\tsince 2020-01-01T00:00:00.000Z\tmonitoreo-cnc/CN1"
        in runner.invoke(machines_group, ["list", "--org", "acme"]).output
    )
    assert runner.invoke(machines_group, ["claim", "CN1", "--org", "nowhere"]).exit_code == 2
    assert runner.invoke(machines_group, ["release", "CN1"]).exit_code == 0
    assert claims(shared) == {}
    assert "Machine claim not found" in runner.invoke(machines_group, ["release", "CN1"]).output
