"""Machine claims (spec §13.1): a machine id belongs to one organization, whoever registers
it; platform admins move, date back and release claims (`/api/machines`, `flask machines`)."""

import threading
from datetime import UTC, datetime

import pytest

from syncapi.cli.database import db_group
from syncapi.cli.machines import machines_group
from syncapi.embedded import upserts
from syncapi.repositories import registrations
from tests import builders
from tests.helpers import APP, ORG, as_server, unchanged

GLOBEX = "/api/organizations/globex"
PRESSES = f"{GLOBEX}/applications/presses"


@pytest.fixture
def globex(client, cnc):
    """A second organization with the application `presses`, beside acme's `monitoreo-cnc`."""
    builders.organization(client, "globex", "Globex")
    builders.application(client, "globex", "presses", "Presses")


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
    with unchanged(mongo):
        response = add_device(client, PRESSES, **body)  # auth is off: a platform-wide caller

    assert (response.status_code, response.json["field"]) == (409, field)
    assert "platform admin can move it" in response.json["error"]


def test_a_rename_onto_another_organizations_id_changes_nothing(client, mongo, globex):
    add_device(client, APP, machineId="CN1")
    add_device(client, PRESSES, machineId="GX-1", eui="GX-E")
    with unchanged(mongo):
        for body, field in [({"machineId": "CN1"}, "machineId"), ({"eui": "CN1"}, "eui")]:
            response = client.put(f"{PRESSES}/devices/GX-1", json=body)
            assert (response.status_code, response.json["field"]) == (409, field)


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


def test_a_failed_insert_releases_only_the_claims_it_made(client, mongo, shared, cnc):
    assert add_device(client, APP, machineId="CN1").status_code == 201
    with unchanged(mongo):  # CN1 still claimed, NEW-EUI not left behind
        response = add_device(client, APP, machineId="CN1", eui="NEW-EUI")  # duplicate id

    assert response.status_code == 409
    assert list(claims(shared)) == ["CN1"]


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
    as_server(app).test_cli_runner().invoke(args=["seed-demo"])
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
def test_a_bad_assignment_changes_nothing(client, mongo, cnc, body, status, field):
    add_device(client, APP, machineId="CN1")
    with unchanged(mongo):
        response = client.put("/api/machines/CN1", json=body)
    assert (response.status_code, response.json.get("field")) == (status, field)


# `db ensure-indexes` builds the registry from devices registered before it existed


def test_ensure_indexes_dates_back_existing_registrations(app, mongo, shared):
    created = datetime(2024, 5, 1, tzinfo=UTC)
    for org, machines in [("legacy", [("A", created), ("B", None)]), ("other", [("A", None)])]:
        mongo[org].config.insert_one(
            {"key": "applications", "value": {"applicationSettings": {"cnc": {"name": "CNC"}}}}
        )
        for machine_id, at in machines:
            mongo[org].cnc_devices.insert_one({"machineId": machine_id, "createdAt": at})

    result = as_server(app).test_cli_runner().invoke(db_group, ["ensure-indexes"])

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


# `db ensure-indexes` run again keeps every claim as it stands


def test_ensure_indexes_never_dates_back_a_claim_that_exists(app, client, mongo, shared, cnc):
    """A rename onto a free id starts its claim now; re-running the migration must not
    reopen that id's history by dating the claim back to the device's createdAt."""
    client.post(f"{APP}/devices", json={"machineId": "OLD"})
    devices = mongo["acme"]["monitoreo-cnc_devices"]
    devices.update_one({"machineId": "OLD"}, {"$set": {"createdAt": datetime(2020, 1, 1)}})
    client.put(f"{APP}/devices/OLD", json={"machineId": "TARGET"})
    client.put("/api/machines/ADMIN-SET", json={"organizationId": "acme", "since": "2024-06-01"})
    before = claims(shared)

    as_server(app).test_cli_runner().invoke(db_group, ["ensure-indexes"])

    after = claims(shared)
    assert after["TARGET"]["since"] == before["TARGET"]["since"] > datetime(2020, 1, 2)
    assert after["ADMIN-SET"]["since"] == datetime(2024, 6, 1)


def test_a_contested_id_a_platform_admin_settled_is_no_longer_reported(app, mongo, shared):
    for org in ("legacy", "other"):
        mongo[org].config.insert_one(
            {"key": "applications", "value": {"applicationSettings": {"cnc": {"name": "C"}}}}
        )
        mongo[org].cnc_devices.insert_one({"machineId": "A"})
    runner = as_server(app).test_cli_runner()
    assert runner.invoke(db_group, ["ensure-indexes"]).exit_code == 1
    app.test_client().put("/api/machines/A", json={"organizationId": "other"})

    result = runner.invoke(db_group, ["ensure-indexes"])

    assert result.exit_code == 0, result.output
    assert "legacy.cnc_devices: machineId 'A' is held by other (a platform admin's decision)" in (
        result.output
    )


# Claims through a lost race, and the demo's claims


def test_a_failed_insert_keeps_the_claim_of_the_device_that_won(client, shared, cnc, mongo):
    """Two creates of one machineId: the one that loses the insert must not release the
    claim the winner (same application, same holder) relies on."""
    assert add_device(client, APP, machineId="CN1").status_code == 201  # the winner

    response = add_device(client, APP, machineId="CN1", eui="E-LOSER")

    assert response.status_code == 409
    assert set(claims(shared)) == {"CN1"}  # kept for the winner; the loser's eui let go


def claimed_at_once(app, monkeypatch, first, second):
    """POST the two devices (`(path, body)`) in two threads, both past their claim's query
    (finding no claim) before either inserts one: the first claims of one id racing on a
    server, whose second insert fails with E11000. Their answers."""
    query, gate, queried = upserts.matches, threading.Barrier(2, timeout=5), set()

    def matches(collection, filter):
        found = query(collection, filter)
        first = len(queried) < 2 and threading.get_ident() not in queried
        if collection.name == "machine_claims" and first:  # each thread's claim query
            queried.add(threading.get_ident())
            gate.wait()
        return found

    monkeypatch.setattr(upserts, "matches", matches)
    answers = {}

    def post(name, path, body):
        answers[name] = app.test_client().post(f"{path}/devices", json=body)

    threads = [
        threading.Thread(target=post, args=(name, *call))
        for name, call in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return answers["first"], answers["second"]


def test_two_first_claims_of_one_id_by_one_organization_at_once_both_succeed(
    app, client, shared, globex, monkeypatch
):
    body = {"applicationId": "robosync", "name": "Robots"}
    assert client.post(f"{ORG}/applications", json=body).status_code == 201
    robots = f"{ORG}/applications/robosync"

    one, two = claimed_at_once(
        app, monkeypatch, (APP, {"machineId": "CN1"}), (robots, {"machineId": "CN1"})
    )

    assert (one.status_code, two.status_code) == (201, 201)
    claim = claims(shared)["CN1"]
    assert claim["organizationId"] == "acme"
    assert sorted(h["applicationId"] for h in claim["holders"]) == ["monitoreo-cnc", "robosync"]
    response = add_device(client, PRESSES, machineId="CN1")
    assert (response.status_code, response.json["field"]) == (409, "machineId")


def test_two_first_claims_of_one_id_by_two_organizations_at_once_are_one_201_and_one_409(
    app, client, shared, globex, monkeypatch
):
    calls = (APP, {"machineId": "CN1"}), (PRESSES, {"machineId": "CN1"})
    answers = dict(zip(("acme", "globex"), claimed_at_once(app, monkeypatch, *calls), strict=True))

    assert sorted(answer.status_code for answer in answers.values()) == [201, 409]
    winner, loser = sorted(answers, key=lambda name: answers[name].status_code)
    assert answers[loser].json["field"] == "machineId"
    assert claims(shared)["CN1"]["organizationId"] == winner
    devices = {"acme": f"{APP}/devices", "globex": f"{PRESSES}/devices"}
    assert [len(client.get(devices[name]).json) for name in (winner, loser)] == [1, 0]


def changed_meanwhile(app, monkeypatch, path, body):
    """`PUT path body` (another request, in its own thread) starts between the next
    request's read of the device and its claim: on a server, a change of the same device in
    between (its transaction conflicts and runs again); on the embedded store it waits for
    the first's transaction. `finish()`: the other request's answer, once made."""
    claim, answers, threads = registrations.claim, [], []

    def claim_after_the_other(*args, **kwargs):
        monkeypatch.setattr(registrations, "claim", claim)  # once
        other = threading.Thread(target=lambda: answers.append(put(app, path, body)))
        other.start()
        other.join(0.5)  # long enough to make its change, where nothing holds it
        threads.append(other)
        return claim(*args, **kwargs)

    def finish():
        for thread in threads:
            thread.join(30)
        return answers

    monkeypatch.setattr(registrations, "claim", claim_after_the_other)
    return finish


def put(app, path, body):
    return app.test_client().put(path, json=body)


@pytest.mark.parametrize(
    ("first", "second", "device"),
    [
        ({"eui": "E-1"}, {"eui": "E-2"}, {"machineId": "CN1", "eui": "E-1"}),
        ({"machineId": "CN9"}, {"eui": "E-2"}, {"machineId": "CN9", "eui": "E-2"}),
    ],
)
def test_two_id_changes_of_one_device_at_once_leave_no_claim_behind(
    app, client, shared, cnc, monkeypatch, first, second, device
):
    add_device(client, APP, machineId="CN1", eui="E-0")
    finish = changed_meanwhile(app, monkeypatch, f"{APP}/devices/CN1", second)

    response = client.put(f"{APP}/devices/CN1", json=first)
    others = finish()

    # The other ran after, or found the device renamed (404): either way no claim leaks.
    assert response.status_code == 200 and [o.status_code in (200, 404) for o in others] == [True]
    stored = cnc["monitoreo-cnc_devices"].find_one({}, {"_id": 0, "machineId": 1, "eui": 1})
    both, first_alone = (
        {"machineId": "CN1", "eui": "E-0", **first, **second},
        {"machineId": "CN1", "eui": "E-0", **first},
    )
    assert stored in (device, both) or (others[0].status_code == 404 and stored == first_alone)
    holder = [{"applicationId": "monitoreo-cnc", "machineId": stored["machineId"]}]
    held = {machine_id: claim["holders"] for machine_id, claim in claims(shared).items()}
    assert held == {stored["machineId"]: holder, stored["eui"]: holder}


def test_a_real_registration_makes_a_demo_claim_real(client, shared, cnc):
    shared.machine_claims.insert_one(
        {
            "_id": "CN4",
            "organizationId": "acme",
            "holders": [],
            "since": datetime(2026, 1, 1),
            "demo": True,
        }
    )
    assert add_device(client, APP, machineId="CN4").status_code == 201
    assert "demo" not in claims(shared)["CN4"]


def test_taking_over_a_demo_claim_starts_it_now(client, shared, cnc):
    old = datetime(2020, 1, 1)
    shared.machine_claims.insert_one(
        {"_id": "CN4", "organizationId": "autentiodev", "holders": [], "since": old, "demo": True}
    )
    assert add_device(client, APP, machineId="CN4").status_code == 201
    assert claims(shared)["CN4"]["since"] > old


# A claim's date must be one InfluxDB can compare


@pytest.mark.parametrize(
    "since",
    [
        "1600-01-01T00:00:00Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "2300-01-01",
    ],
)
def test_a_claim_date_influxdb_cannot_compare_is_refused(client, shared, cnc, since):
    response = client.put("/api/machines/CN1", json={"organizationId": "acme", "since": since})
    assert (response.status_code, response.json["field"]) == (400, "since")
    assert claims(shared) == {}


# Legacy devices naming an organization claim their machine id


def test_a_legacy_device_claims_its_id_for_its_organization(client, shared, globex):
    body = {"machineId": "L1", "organizationId": "acme"}
    assert client.post("/device/new", json=body).status_code == 201
    assert claims(shared)["L1"]["holders"] == [{"applicationId": None, "machineId": "L1"}]

    response = add_device(client, PRESSES, machineId="L1")
    assert (response.status_code, response.json["field"]) == (409, "machineId")
    response = client.post("/device/new", json={"machineId": "GX-1", "organizationId": "globex"})
    assert response.status_code == 201
    assert client.put("/device/GX-1", json={"machineId": "L1"}).status_code == 409

    moved = client.put("/device/L1", json={"organizationId": "globex"})
    assert (moved.status_code, moved.json["field"]) == (409, "machineId")  # acme holds it
    client.put("/api/machines/L1", json={"organizationId": "globex"})  # a platform admin's call
    assert client.put("/device/L1", json={"organizationId": "globex"}).status_code == 200
    assert claims(shared)["L1"]["organizationId"] == "globex"
    assert client.delete("/device/L1").status_code == 200
    assert "L1" not in claims(shared)
    assert client.post("/device/new", json={"machineId": "FREE"}).status_code == 201
    assert "FREE" not in claims(shared)  # no organization: nothing to claim for


def test_ensure_indexes_records_legacy_devices(app, shared, mongo):
    shared.devices.insert_one({"machineId": "L9", "organizationId": "acme"})
    as_server(app).test_cli_runner().invoke(db_group, ["ensure-indexes"])
    assert claims(shared)["L9"]["organizationId"] == "acme"


@pytest.mark.parametrize("command", [["db", "ensure-indexes"], ["db", "audit"], ["seed-demo"]])
def test_operator_commands_say_they_cannot_reach_the_embedded_store(app, mongo, command):
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert "embedded store" in result.output
    assert mongo.list_database_names() == []
