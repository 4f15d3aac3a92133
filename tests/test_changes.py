"""The change log (docs/api.md "Change log"): one entry per change, who made it, what it was,
read as a feed that never skips an entry."""

import threading
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from pymongo.errors import AutoReconnect

from syncapi.access import change_log
from syncapi.core import clock, tokens
from syncapi.core.masking import MASK
from syncapi.extensions import mongo_client
from syncapi.repositories import changes, indexes
from tests import round_trips
from tests.helpers import APP, JWT_SECRET, ORG, bearer, refreshed

APPS = "/api/applications/acme/applications/monitoreo-cnc"
SHARED = "syncapi"


def entries(db):
    return list(db.changes.find({}, {"_id": 0}).sort("seq", 1))


CONNECTOR = {"name": "mqtt", "driver": "mqtt"}
FUNCTION = {"name": "f", "type": "Algebraic Function", "expression": "x", "variables": ["x"]}
# (type, create path, body, the id the API addresses it by (None: from the answer),
#  item path under the create path, update body)
RESOURCES = [
    ("device", f"{APP}/devices", {"machineId": "CN1"}, "CN1", "CN1", {"name": "Lathe"}),
    (
        "gateway",
        f"{ORG}/gateways",
        {"gatewayId": "GW1", "name": "G"},
        "GW1",
        "GW1",
        {"name": "Gate"},
    ),
    ("user", f"{ORG}/users", {"name": "Ana", "email": "ana@acme.io"}, None, None, {"name": "A"}),
    ("connector", f"{ORG}/connectors", CONNECTOR, None, None, {**CONNECTOR, "description": "d"}),
    ("function", f"{APPS}/functions", {"id": "fn_1", **FUNCTION}, "fn_1", "fn_1", FUNCTION),
]


@pytest.mark.parametrize(("kind", "base", "body", "key", "item", "update"), RESOURCES)
def test_create_update_and_delete_each_leave_one_entry(
    client, cnc, kind, base, body, key, item, update
):
    before = len(entries(cnc))
    created = client.post(base, json=body)
    assert created.status_code == 201, created.json
    key = key or created.json.get("id") or created.json["_id"]
    path = f"{base}/{item or key}"
    assert client.put(path, json=update).status_code == 200
    assert client.delete(path).status_code == 200

    logged = entries(cnc)[before:]
    assert [entry["action"] for entry in logged] == ["create", "update", "delete"]
    assert {entry["resource"]["type"] for entry in logged} == {kind}
    assert {entry["resource"]["id"] for entry in logged} == {key}
    assert [entry["seq"] for entry in logged] == list(range(before + 1, before + 4))
    assert logged[0]["before"] is None and logged[2]["after"] is None
    assert logged[1]["after"]["revision"] == logged[1]["before"]["revision"] + 1
    assert logged[2]["before"] == logged[1]["after"]
    nobody = {"sub": None, "role": None, "auth": "none", "jti": None}
    assert all(entry["actor"] == nobody for entry in logged)


def test_application_connectors_and_devices_name_their_application(client, cnc):
    client.post(f"{APPS}/connectors", json=CONNECTOR)
    client.post(f"{APPS}/devices", json={"machineId": "CN9"})
    kinds = [(e["resource"]["type"], e["resource"].get("applicationId")) for e in entries(cnc)]
    assert kinds[-2:] == [("connector", "monitoreo-cnc"), ("device", "monitoreo-cnc")]


def test_organization_and_application_changes_are_logged(client, cnc):
    client.put(ORG, json={"description": "tools"})
    client.put(APP, json={"name": "CNC 2"})
    logged = entries(cnc)
    assert [(e["action"], e["resource"]["type"]) for e in logged] == [
        ("create", "organization"),
        ("create", "application"),
        ("update", "organization"),
        ("update", "application"),
    ]
    assert logged[2]["before"]["name"] == "Acme" and logged[2]["after"]["description"] == "tools"
    assert logged[3]["before"]["name"] == "CNC" and logged[3]["after"]["name"] == "CNC 2"


def test_a_bulk_change_is_one_entry_with_counts(client, cnc):
    for machine_id in ("A", "B", "C"):
        client.post(f"{APP}/devices", json={"machineId": machine_id})
    count = len(entries(cnc))
    body = {"machineIds": ["A", "B", "C"], "add": ["line-1"], "remove": []}
    assert client.post(f"{APP}/device-tags", json=body).json == {"matched": 3}
    assert client.delete(APP).status_code == 200

    tags, deleted = entries(cnc)[count:]
    assert (tags["resource"]["type"], tags["counts"]) == ("device-tags", {"devices": 3})
    assert tags["after"] == body
    assert (deleted["resource"], deleted["counts"]) == (
        {"type": "application", "id": "monitoreo-cnc"},
        {"devices": 3},
    )


def test_replacing_event_classes_is_one_entry_with_both_sets(client, cnc):
    event_class = {"class": "A", "topic": "t", "type": "STR"}
    assert client.post(f"{APPS}/event-classes", json={"id": "e1", **event_class}).status_code == 201
    client.put(f"{APPS}/event-classes", json=[{"id": "e2", **event_class}])
    created, replaced = entries(cnc)[-2:]
    assert (created["action"], created["resource"]["type"]) == ("create", "event-class")
    assert replaced["counts"] == {"before": 1, "after": 1}
    assert [c["id"] for c in replaced["before"]["eventClasses"]] == ["e1"]
    assert [c["id"] for c in replaced["after"]["eventClasses"]] == ["e2"]


def test_password_hashes_never_reach_the_log(client, cnc):
    body = {"name": "Ana", "email": "ana@acme.io", "password": "first password"}
    user_id = client.post(f"{ORG}/users", json=body).json["id"]
    client.put(f"{ORG}/users/{user_id}/password", json={"password": "second password"})
    logged = [e for e in entries(cnc) if e["resource"]["type"] == "user"]
    assert [e["action"] for e in logged] == ["create", "update"]
    assert "passwordHash" not in str(logged) and "argon2" not in str(logged)


def test_a_secret_an_older_writer_left_on_a_user_is_masked_in_the_log(client, cnc):
    """Org admins read the log: a user's stored keys beyond the API's are kept, secrets masked."""
    body = {"name": "Ana", "email": "ana@acme.io", "password": "first password"}
    user_id = client.post(f"{ORG}/users", json=body).json["id"]
    cnc.users.update_one({}, {"$set": {"apiToken": "old-secret", "pwd": "hunter2"}})
    assert client.put(f"{ORG}/users/{user_id}", json={"name": "Ana B"}).status_code == 200
    (updated,) = [e for e in entries(cnc) if e["action"] == "update"]
    assert updated["before"]["apiToken"] == updated["before"]["pwd"] == MASK
    assert updated["before"]["email"] == "ana@acme.io"
    assert "old-secret" not in str(updated) and "hunter2" not in str(updated)


def test_service_secrets_are_masked_in_the_shared_log(client, mongo):
    body = {"name": "kafka", "type": "kafka", "configuration": {"saslPassword": "s3cret"}}
    service_id = client.post("/api/services", json=body).json["_id"]
    client.put(f"/api/services/{service_id}", json={"configuration": {"saslPassword": "n3w"}})
    client.delete(f"/api/services/{service_id}")
    logged = entries(mongo[SHARED])
    assert [e["action"] for e in logged] == ["create", "update", "delete"]
    assert "s3cret" not in str(logged) and "n3w" not in str(logged)
    assert logged[1]["after"]["configuration"] == {"saslPassword": MASK}
    # the service itself keeps its secret
    assert mongo[SHARED].services.find_one() is None


# (type, create path, item path or None: under the `_id` the create answered, the log)
WITH_PROPERTIES = [
    ("device", f"{APPS}/devices", f"{APP}/devices/CN1", "acme"),
    ("connector", f"{ORG}/connectors", None, "acme"),
    ("connector", f"{APPS}/connectors", None, "acme"),
    ("legacy-device", "/device/new", "/device/CN1", SHARED),
]


@pytest.mark.parametrize(("resource_type", "base", "item", "log"), WITH_PROPERTIES)
def test_secrets_in_properties_are_masked_in_every_snapshot(
    client, cnc, mongo, resource_type, base, item, log
):
    """A rotated or deleted credential is not readable in the log for as long as it keeps
    the entry."""
    body = {"machineId": "CN1", "name": "mqtt", "driver": "mqtt"}
    body["properties"] = {"host": "h", "password": "old", "dsn": "Server=h;pwd=old2"}
    created = client.post(base, json=body).json
    path = item or f"{base}/{created['_id']}"
    rotated = {"host": "h", "password": "new", "dsn": "Server=h;pwd=new2"}
    assert client.put(path, json={**body, "properties": rotated}).status_code == 200
    assert client.delete(path).status_code == 200

    logged = [e for e in entries(mongo[log]) if e["resource"]["type"] == resource_type]
    assert [e["action"] for e in logged] == ["create", "update", "delete"]
    shown = {"host": "h", "password": MASK, "dsn": "Server=h;pwd=********"}
    snapshots = [logged[0]["after"], logged[1]["before"], logged[1]["after"], logged[2]["before"]]
    assert [snapshot["properties"] for snapshot in snapshots] == [shown] * 4
    for secret in ("old", "new"):
        assert secret not in str(logged)


@pytest.mark.parametrize("path", ["/api/changes", f"{ORG}/changes"])
def test_the_log_is_never_kept_by_a_cache(client, acme, path):
    response = client.get(path)
    assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-store")


def test_a_claim_moved_to_another_organization_is_logged_in_each_its_own_part(client, cnc, mongo):
    """The former organization's log says what it held; the new one's shows no trace of
    the former's applications and devices."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    client.put("/api/organizations/beta", json={"name": "Beta"})
    assert client.put("/api/machines/CN1", json={"organizationId": "beta"}).status_code == 200
    (released,) = [e for e in entries(cnc) if e["resource"]["type"] == "machine-claim"]
    assert (released["action"], released["before"]["organizationId"]) == ("delete", "acme")
    assert released["after"] is None
    (taken,) = [e for e in entries(mongo["beta"]) if e["resource"]["type"] == "machine-claim"]
    assert (taken["action"], taken["before"], taken["after"]["organizationId"]) == (
        "create",
        None,
        "beta",
    )
    assert "monitoreo" not in str(taken) and "acme" not in str(taken)


def test_deleting_an_organization_is_kept_in_the_shared_log(client, acme, mongo):
    assert client.delete(f"{ORG}?confirm=acme").status_code == 200
    (entry,) = entries(mongo[SHARED])
    assert (entry["action"], entry["resource"]) == (
        "delete",
        {"type": "organization", "id": "acme"},
    )
    assert entry["before"]["name"] == "Acme"


def test_legacy_devices_and_machine_claims_are_logged(client, cnc, mongo):
    client.post("/device/new", json={"machineId": "L1", "organizationId": "acme"})
    client.put("/api/machines/M1", json={"organizationId": "acme"})
    client.delete("/api/machines/M1")
    assert [(e["action"], e["resource"]) for e in entries(mongo[SHARED])] == [
        ("create", {"type": "legacy-device", "id": "L1"})
    ]
    claims = [e for e in entries(cnc) if e["resource"]["type"] == "machine-claim"]
    assert [(e["action"], e["resource"]["id"]) for e in claims] == [
        ("create", "M1"),
        ("delete", "M1"),
    ]


def test_entries_expire_after_the_retention(app, client, acme):
    app.config["CHANGELOG_RETENTION_DAYS"] = 7
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})
    entry = acme.changes.find_one({"resource.type": "gateway"})
    assert entry["expiresAt"] - entry["at"] == timedelta(days=7)
    refreshed(app)  # a TTL index serves no write: the refresh makes it (index_builds)
    ttl = [i for i in indexes.TENANT_INDEXES if i.collection == "changes" and i.expire_after == 0]
    assert [index.keys for index in ttl] == [("expiresAt",)]
    assert acme.changes.index_information()["expiresAt_ttl"]["expireAfterSeconds"] == 0


def test_an_entry_carries_the_servers_request_id_and_the_clients_beside_it(client, acme):
    """The client's id cannot make its change look like another request's."""
    sent = {"X-Request-ID": "w-1"}
    first_answer = client.post(
        f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"}, headers=sent
    )
    answered = client.post(f"{ORG}/gateways", json={"gatewayId": "GW2", "name": "G"})
    forged = {"X-Request-ID": first_answer.headers["X-Request-ID"]}  # another request's id
    third = client.post(f"{ORG}/gateways", json={"gatewayId": "GW3", "name": "G"}, headers=forged)
    first, second, last = acme.changes.find({"resource.type": "gateway"}).sort("seq", 1)
    assert (first["requestId"], first["clientRequestId"]) == (
        first_answer.headers["X-Request-ID"],
        "w-1",
    )
    assert second["requestId"] == answered.headers["X-Request-ID"]
    assert "clientRequestId" not in second
    assert last["requestId"] == third.headers["X-Request-ID"] != first["requestId"]
    read = client.get(f"{ORG}/changes?type=gateway").json
    assert [entry.get("clientRequestId") for entry in read] == ["w-1", None, first["requestId"]]


def test_a_failed_entry_undoes_its_change_and_answers_503(client, acme, monkeypatch):
    """The entry is written in the change's transaction: a change is never made without
    it, and a 503 means nothing changed."""

    def failing(*args, **kwargs):
        raise AutoReconnect("MongoDB went away")

    monkeypatch.setattr(changes, "append", failing)
    lost = REGISTRY.get_sample_value("syncapi_change_log_possibly_lost_entries_total")
    response = client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})
    assert (response.status_code, response.json["error"]) == (503, "MongoDB unavailable")
    assert "details" not in response.json  # not "the change may have been applied"
    assert acme.gateways.count_documents({}) == 0
    assert acme.changes.count_documents({"resource.type": "gateway"}) == 0
    assert REGISTRY.get_sample_value("syncapi_change_log_possibly_lost_entries_total") == lost


# Reading the log


def test_reading_since_with_a_link_to_the_next_page(client, acme):
    for number in range(5):
        client.post(f"{ORG}/gateways", json={"gatewayId": f"GW{number}", "name": "G"})
    first = client.get(f"{ORG}/changes?since=0&limit=3")
    assert [entry["seq"] for entry in first.json] == [1, 2, 3]
    assert first.headers["Link"] == f'<{ORG}/changes?limit=3&since=3>; rel="next"'
    second = client.get(f"{ORG}/changes?limit=3&since=3")
    assert [entry["seq"] for entry in second.json] == [4, 5, 6]
    last = client.get(f"{ORG}/changes?since=6")
    assert last.json == [] and "Link" not in last.headers
    assert first.json[1]["at"].endswith("Z")


def test_reading_by_type_and_id(client, acme):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW2", "name": "G"})
    client.put(f"{ORG}/gateways/GW1", json={"name": "one"})
    found = client.get(f"{ORG}/changes?type=gateway&id=GW1").json
    assert [(e["action"], e["resource"]["id"]) for e in found] == [
        ("create", "GW1"),
        ("update", "GW1"),
    ]
    assert [e["resource"]["type"] for e in client.get(f"{ORG}/changes?type=organization").json] == [
        "organization"
    ]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("since=-1", "since"),
        ("since=x", "since"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("type=planet", "type"),
        ("id=" + "x" * 129, "id"),
        ("since=1&since=2", "since"),
        ("color=red", "color"),
    ],
)
def test_bad_read_parameters_are_400_naming_them(client, acme, query, field):
    response = client.get(f"{ORG}/changes?{query}")
    assert response.status_code == 400
    assert response.json["field"] == field


def test_an_entry_still_being_written_holds_the_feed_back(client, acme, monkeypatch):
    """Writer A took seq 3 and has not inserted it yet; writer B's 4 is there. The feed
    answers up to 2 only, so a poller asking after 2 gets 3 once it is written; an entry that
    never comes is given up a grace later (a minute with the default MongoDB timeout)."""
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW0", "name": "G"})  # 2 (1: the org)
    in_flight, _ = changes._next_seq(acme)  # 3, not written yet
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})  # 4
    assert [e["seq"] for e in client.get(f"{ORG}/changes").json] == [1, 2]

    later = clock.now() + changes.MIN_GRACE + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert [e["seq"] for e in client.get(f"{ORG}/changes?since=2").json] == [4]
    assert in_flight == 3


@pytest.mark.parametrize(("timeout_ms", "grace"), [(2000, 60), (20_000, 60), (40_000, 120)])
def test_the_grace_is_three_mongodb_timeouts_and_at_least_a_minute(timeout_ms, grace):
    """A writer may take its seq and insert it one MongoDB timeout later: giving its seq up
    before that would let a poller step past it for good."""
    assert changes.grace(timeout_ms) == timedelta(seconds=grace)


def test_a_long_write_timeout_holds_an_entry_in_flight_longer(make_app, monkeypatch):
    """Entries are written by write requests, which have `MONGODB_WRITE_TIMEOUT_MS`."""
    app = make_app(MONGODB_WRITE_TIMEOUT_MS=40_000)
    client = app.test_client()
    client.put(ORG, json={"name": "Acme"})  # 1
    changes._next_seq(mongo_client(app)["acme"])  # 2, in flight
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})  # 3
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=61))
    assert [e["seq"] for e in client.get(f"{ORG}/changes?since=1").json] == []
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=121))
    assert [e["seq"] for e in client.get(f"{ORG}/changes?since=1").json] == [3]


def test_many_recent_entries_before_since_do_not_hold_the_feed(client, acme, monkeypatch):
    """The horizon looks at the recent entries after what the poller has: the oldest recent
    ones (all before `since`) once filled its look and held a caught-up poller there."""
    monkeypatch.setattr(changes, "RECENT_LIMIT", 3)
    for number in range(6):
        client.post(f"{ORG}/gateways", json={"gatewayId": f"GW{number}", "name": "G"})  # 2-7
    assert [e["seq"] for e in client.get(f"{ORG}/changes?since=4").json] == [5, 6, 7]


def test_an_entry_written_between_the_horizon_and_the_page_waits(client, acme, monkeypatch):
    """The horizon is always a bound: an entry written after it was read (here 4, behind 3
    still in flight) is not in this page, which a poller would otherwise step past 3 with
    (found by the concurrent test below: the horizon answered "no limit" when it saw no
    gap)."""
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW0", "name": "G"})  # seq 2
    measured = changes.horizon

    def then_two_writers(db, since, now, given_up_after):
        last = measured(db, since, now, given_up_after)
        changes._next_seq(db)  # 3: taken, not written yet
        changes.append(db, {"action": "create"}, timedelta(days=1))  # 4
        return last

    monkeypatch.setattr(changes, "horizon", then_two_writers)
    assert [e["seq"] for e in client.get(f"{ORG}/changes?since=1").json] == [2]
    assert [e["seq"] for e in acme.changes.find({}, {"seq": 1})] == [1, 2, 4]


def test_a_log_older_than_its_indexes_is_written_at_once_and_indexed_by_the_refresh(
    app, client, acme, monkeypatch
):
    """An organization made before the change log existed has no `changes` indexes: its next
    entry is written without them (no request builds an index), and the refresh makes them
    (until then its entries would never expire)."""
    acme.changes.drop()
    trips = round_trips.install(monkeypatch)

    response = client.post(f"{ORG}/gateways", json={"gatewayId": "GW0", "name": "G"})

    assert response.status_code == 201
    assert [call for call in trips.calls if call.operation == "create_index"] == []
    assert acme.changes.count_documents({"resource.id": "GW0"}) == 1
    assert client.get(f"{ORG}/changes?id=GW0").status_code == 200  # read without them too
    refreshed(app)
    assert {"seq_unique", "expiresAt_ttl"} <= set(acme.changes.index_information())


def test_a_poller_misses_no_entry_of_concurrent_writers(app, cnc):
    """Eight writers create devices while a poller follows the feed: it sees every entry
    once, in seq order."""
    stop, seen, statuses, writers = threading.Event(), [], [], 8

    def write(number):
        client = app.test_client()
        for index in range(10):
            body = {"machineId": f"W{number}-{index}"}
            statuses.append(client.post(f"{APP}/devices", json=body).status_code)

    def poll():
        client, since = app.test_client(), 0
        while True:
            done = stop.is_set()
            page = client.get(f"{ORG}/changes?since={since}&limit=7").json
            seen.extend(entry["seq"] for entry in page)
            since = seen[-1] if seen else since
            if done and not page:
                return

    poller = threading.Thread(target=poll)
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    poller.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    poller.join()
    assert statuses == [201] * writers * 10
    assert seen == list(range(1, 2 + 1 + writers * 10))  # organization, application, devices


# Who may read which log


PLATFORM = bearer(("*",), "admin", "root")


def test_an_entry_names_the_caller_how_they_signed_in_and_the_token(secured):
    """The token's `jti` tells two sessions of one subject apart (and is what `tokens
    revoke` takes)."""
    client = secured.test_client()
    client.put(ORG, json={"name": "Acme"}, headers=PLATFORM)
    sessions = [bearer(["acme"], "user", "ana"), bearer(["acme"], "user", "ana")]
    for number, headers in enumerate(sessions):
        body = {"gatewayId": f"G{number}", "name": "G"}
        assert client.post(f"{ORG}/gateways", json=body, headers=headers).status_code == 201
    logged = entries(mongo_client(secured)["acme"])
    jtis = [entry["actor"].pop("jti") for entry in logged]
    assert [entry["actor"] for entry in logged] == [
        {"sub": "root", "role": "admin", "auth": "token"},
        {"sub": "ana", "role": "user", "auth": "token"},
        {"sub": "ana", "role": "user", "auth": "token"},
    ]
    presented = [PLATFORM, *sessions]
    assert jtis == [
        tokens.read(JWT_SECRET, headers["Authorization"][7:])["jti"] for headers in presented
    ]
    assert len(set(jtis)) == 3


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        (bearer(["acme"], "admin"), 200),
        (PLATFORM, 200),
        (bearer(["acme"], "user"), 403),
        (bearer(["acme"], "viewer"), 403),
        (bearer(["globex"], "admin"), 403),  # another organization's admin
    ],
)
def test_an_organization_log_is_read_by_its_admins_only(secured, headers, status):
    client = secured.test_client()
    client.put(ORG, json={"name": "Acme"}, headers=PLATFORM)
    client.put("/api/organizations/globex", json={"name": "Globex"}, headers=PLATFORM)
    response = client.get(f"{ORG}/changes", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert [e["resource"]["id"] for e in response.json] == ["acme"]


@pytest.mark.parametrize("role", ["user", "viewer"])
def test_a_member_is_told_only_an_admin_reads_the_log(secured, role):
    client = secured.test_client()
    client.put(ORG, json={"name": "Acme"}, headers=PLATFORM)
    response = client.get(f"{ORG}/changes", headers=bearer(["acme"], role))
    assert response.json == {"error": "Only an organization admin may read its change log"}
    body = {"name": "A", "email": "a@acme.io"}  # the users' routes keep their own words
    created = client.post(f"{ORG}/users", json=body, headers=bearer(["acme"], role))
    assert created.json == {"error": "Only an organization admin may manage users"}
    assert mongo_client(secured)["acme"].users.count_documents({}) == 0


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        (PLATFORM, 200, []),  # nothing shared changed yet
        (bearer(["acme"], "admin"), 403, {"error": "Only a platform admin may do this"}),
        (bearer(["*"], "user"), 403, {"error": "Only a platform admin may do this"}),
    ],
)
def test_the_shared_log_is_read_by_platform_admins_only(secured, headers, status, body):
    response = secured.test_client().get("/api/changes", headers=headers)
    assert response.status_code == status
    assert response.json == body


def test_a_document_too_large_to_keep_is_logged_as_its_size_and_digest(client, acme, monkeypatch):
    """Two snapshots of a document near MongoDB's 16 MiB limit would make an entry the
    server refuses: the change would never reach the log. (The limit is lowered here.)"""
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})
    small = acme.changes.find_one({"resource.type": "gateway"})["bytes"]
    monkeypatch.setattr(change_log, "MAX_SNAPSHOT_BYTES", small + 20)
    assert client.put(f"{ORG}/gateways/GW1", json={"name": "G" * 100}).status_code == 200
    (entry,) = client.get(f"{ORG}/changes?type=gateway&since=2").json
    assert entry["before"]["name"] == "G" and "beforeSummary" not in entry
    assert entry["after"] is None
    assert entry["afterSummary"]["bytes"] > small + 20
    assert len(entry["afterSummary"]["sha256"]) == 64
    client.delete(f"{ORG}/gateways/GW1")
    deleted = acme.changes.find_one({"resource.type": "gateway", "action": "delete"})
    assert deleted["before"] is None and "beforeSummary" in deleted
    restored = client.post(f"{ORG}/changes/{deleted['seq']}/restore")
    assert (restored.status_code, restored.json["field"]) == (400, "seq")
    assert acme.gateways.count_documents({}) == 0


def test_a_page_is_cut_where_its_snapshots_pass_the_byte_budget(client, acme, monkeypatch):
    for number in range(4):
        client.post(f"{ORG}/gateways", json={"gatewayId": f"GW{number}", "name": "G"})  # 2-5
    size = acme.changes.find_one({"seq": 2})["bytes"]
    monkeypatch.setattr(changes, "PAGE_BYTES", 2 * size + size // 2)
    first = client.get(f"{ORG}/changes?since=1&limit=50")
    assert [entry["seq"] for entry in first.json] == [2, 3]
    assert first.headers["Link"] == f'<{ORG}/changes?limit=50&since=3>; rel="next"'
    assert [entry["seq"] for entry in client.get(f"{ORG}/changes?since=3").json] == [4, 5]
