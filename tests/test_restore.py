"""Restore (docs/api.md "Restore"): `POST /api/organizations/{org}/changes/{seq}/restore` creates
again what a delete removed, from the entry's `before`; who may, and when it cannot."""

import json

import pytest

from syncapi.extensions import mongo_client
from tests import round_trips
from tests.helpers import APP, JWT_SECRET, ORG, bearer, unchanged

APPS = "/api/applications/acme/applications/monitoreo-cnc"
SHARED = "syncapi"
CONNECTOR = {"name": "mqtt", "driver": "mqtt"}
FUNCTION = {"id": "fn_1", "name": "f", "type": "Algebraic Function", "expression": "x"}
FUNCTION = {**FUNCTION, "variables": ["x"]}


def last_seq(db):
    return db.changes.find_one(sort=[("seq", -1)])["seq"]


def restore(client, seq, organization="acme", **options):
    return client.post(f"/api/organizations/{organization}/changes/{seq}/restore", **options)


CHANGED_CONNECTOR = {**CONNECTOR, "description": "changed"}
# (create path, body, the answer's key that addresses it, a PUT's body)
KINDS = {
    "device (application mount)": (
        f"{APPS}/devices",
        {"machineId": "CN1"},
        "machineId",
        {"name": "changed"},
    ),
    "device (organization mount)": (
        f"{APP}/devices",
        {"machineId": "CN1"},
        "machineId",
        {"name": "changed"},
    ),
    "gateway": (f"{ORG}/gateways", {"gatewayId": "GW1", "name": "G"}, "gatewayId", {"name": "H"}),
    "organization connector": (f"{ORG}/connectors", CONNECTOR, "_id", CHANGED_CONNECTOR),
    "application connector": (f"{APPS}/connectors", CONNECTOR, "_id", CHANGED_CONNECTOR),
    "function": (f"{APPS}/functions", FUNCTION, "id", {**FUNCTION, "name": "changed"}),
    "user": (f"{ORG}/users", {"name": "Ana", "email": "ana@acme.io"}, "id", {"name": "A"}),
}
ITEM_PATHS = {  # where each is read and deleted (devices: the organization mount only)
    f"{APPS}/devices": f"{APP}/devices",
}
COLLECTIONS = {
    "device": "monitoreo-cnc_devices",
    "gateway": "gateways",
    "organization connector": "connectors",
    "application connector": "monitoreo-cnc_connectors",
    "function": "functions",
    "user": "users",
}


def collection_of(kind):
    return COLLECTIONS[kind.split(" (")[0]]


def created_and_deleted(client, db, kind):
    """`(item path, the answer of its GET, its stored document, the delete's seq)`."""
    base, body, key, update = KINDS[kind]
    created = client.post(base, json=body)
    assert created.status_code == 201, created.json
    path = f"{ITEM_PATHS.get(base, base)}/{created.json[key]}"
    assert client.put(path, json=update).status_code == 200
    read = client.get(path)
    stored = db[collection_of(kind)].find_one()
    assert client.delete(path).status_code == 200
    return path, read, stored, last_seq(db)


@pytest.mark.parametrize("kind", KINDS)
def test_a_deleted_document_is_restored_as_it_was(client, cnc, mongo, kind):
    path, read, stored, seq = created_and_deleted(client, cnc, kind)
    assert cnc[collection_of(kind)].count_documents({}) == 0

    restored = restore(client, seq)

    assert restored.status_code == 201, restored.json
    again = cnc[collection_of(kind)].find_one()
    assert again == {**stored, "updatedAt": again["updatedAt"], "revision": 3}
    assert again["_id"] == stored["_id"]  # the id the API and tokens address it by
    answer = {**read.json, "revision": 3, "updatedAt": restored.json.get("updatedAt")}
    assert restored.json == {k: v for k, v in answer.items() if k in restored.json}
    assert restored.json.keys() == read.json.keys()
    now = client.get(path)
    assert now.json == restored.json
    assert restored.headers["ETag"] == now.headers["ETag"] != read.headers["ETag"]
    entry = cnc.changes.find_one({"seq": seq + 1}, {"_id": 0, "expiresAt": 0, "at": 0})
    assert entry["action"] == "restore" and entry["restoredFrom"] == seq
    assert entry["resource"] == cnc.changes.find_one({"seq": seq})["resource"]
    assert entry["before"] is None and entry["after"]["revision"] == 3
    assert entry["actor"] == {"sub": None, "role": None, "auth": "none", "jti": None}
    assert last_seq(cnc) == seq + 1  # the restore is one entry


def test_a_restored_device_claims_its_machine_ids_again(client, cnc, mongo):
    client.post(f"{APP}/devices", json={"machineId": "CN1", "eui": "E1"})
    client.delete(f"{APP}/devices/CN1")
    claims = mongo[SHARED].machine_claims
    assert claims.count_documents({}) == 0
    assert restore(client, last_seq(cnc)).status_code == 201
    assert sorted(claim["_id"] for claim in claims.find({"organizationId": "acme"})) == [
        "CN1",
        "E1",
    ]
    summary = mongo[SHARED].application_summaries.find_one({"_id": "acme/monitoreo-cnc"})
    assert summary["deviceCount"] == 1


def test_a_restored_user_has_no_password_until_an_admin_sets_one(app, client, cnc, mongo):
    app.config["JWT_SECRET"] = JWT_SECRET
    body = {"name": "Ana", "email": "ana@acme.io", "password": "ana's passphrase"}
    user_id = client.post(f"{ORG}/users", json=body).json["id"]
    client.delete(f"{ORG}/users/{user_id}")
    login = {"organizationId": "acme", "email": "ana@acme.io", "password": body["password"]}

    assert restore(client, last_seq(cnc)).json["id"] == user_id
    assert "passwordHash" not in cnc.users.find_one()
    assert client.post("/api/auth/login", json=login).status_code == 401
    summary = mongo[SHARED].organization_summaries.find_one({"_id": "acme"})
    assert summary["userCount"] == 1
    new = {"password": "a new passphrase"}
    assert client.put(f"{ORG}/users/{user_id}/password", json=new).status_code == 200
    assert client.post("/api/auth/login", json={**login, **new}).status_code == 200


# Secrets: the log keeps them masked, so a restore leaves them out and says which


@pytest.mark.parametrize(
    ("base", "item", "collection"),
    [
        (f"{APP}/devices", f"{APP}/devices/CN1", "monitoreo-cnc_devices"),
        (f"{APPS}/connectors", None, "monitoreo-cnc_connectors"),
    ],
)
def test_a_masked_value_is_never_restored_and_the_answer_names_it(
    client, cnc, base, item, collection
):
    properties = {
        "host": "h",
        "mqtt": {"password": "pw", "port": 1883},
        "dsn": "Server=h;Password=pw2",
        "a/b": {"token": "t"},
    }
    body = {**CONNECTOR, "machineId": "CN1", "properties": properties}
    created = client.post(base, json=body).json
    client.delete(item or f"{base}/{created['_id']}")

    restored = restore(client, last_seq(cnc))

    assert restored.status_code == 201
    assert json.loads(restored.headers["X-Omitted-Keys"]) == [
        "/properties/mqtt/password",
        "/properties/dsn",
        "/properties/a~1b/token",
    ]
    kept = {"host": "h", "mqtt": {"port": 1883}, "a/b": {}}
    assert restored.json["properties"] == kept
    assert cnc[collection].find_one()["properties"] == kept


def test_a_restored_user_gets_no_masked_value_back(client, cnc):
    """Keys older writers left on a user, named like credentials, are masked in the log:
    the restore leaves them out rather than store the mask, and names them."""
    user_id = client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@acme.io"}).json["id"]
    legacy = {"apiToken": "t-1", "settings": {"smtpPassword": "pw", "dsn": "Password=pw2;"}}
    cnc.users.update_one({}, {"$set": legacy})
    client.delete(f"{ORG}/users/{user_id}")

    restored = restore(client, last_seq(cnc))

    assert restored.status_code == 201
    omitted = ["/apiToken", "/settings/smtpPassword", "/settings/dsn"]
    assert json.loads(restored.headers["X-Omitted-Keys"]) == omitted
    stored = cnc.users.find_one()
    assert "********" not in json.dumps(stored, default=str)
    assert (stored["name"], stored["email"], stored["settings"]) == ("Ana", "ana@acme.io", {})


def test_a_restored_user_keeps_the_name_and_email_its_answers_showed(client, cnc):
    """They are answered as stored to every member, so the log keeps them as they are, even
    where they look like a secret; masked, a restore would leave them out."""
    body = {"name": "Ana pwd=x", "email": "password=ana@acme.io", "password": "ana-password"}
    user_id = client.post(f"{ORG}/users", json=body).json["id"]
    read = client.get(f"{ORG}/users/{user_id}").json
    client.delete(f"{ORG}/users/{user_id}")

    restored = restore(client, last_seq(cnc))

    assert (restored.status_code, restored.headers["X-Omitted-Keys"]) == (201, "[]")
    assert (restored.json["name"], restored.json["email"]) == (read["name"], read["email"])
    stored = cnc.users.find_one()
    assert (stored["name"], stored["email"]) == (body["name"], body["email"])
    assert "passwordHash" not in stored


def test_a_restore_with_nothing_masked_says_so(client, cnc):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"})
    client.delete(f"{ORG}/gateways/GW1")
    assert restore(client, last_seq(cnc)).headers["X-Omitted-Keys"] == "[]"


def test_a_long_list_of_omitted_keys_is_cut_and_says_so(client, cnc):
    properties = {f"k{number:04d}": {"password": "s"} for number in range(300)}
    client.post(f"{APP}/devices", json={"machineId": "CN1", "properties": properties})
    client.delete(f"{APP}/devices/CN1")

    restored = restore(client, last_seq(cnc))

    header = restored.headers["X-Omitted-Keys"]
    listed = json.loads(header)
    assert len(header) <= 2000 and listed[-1] == "…"
    assert listed[:-1] == [
        f"/properties/k{number:04d}/password" for number in range(len(listed) - 1)
    ]
    assert cnc["monitoreo-cnc_devices"].find_one()["properties"] == dict.fromkeys(properties, {})


# When it cannot be restored


CONFLICTS = {  # kind -> (a body taking its key again, where, the field the 409 names)
    "device (organization mount)": (f"{APP}/devices", {"machineId": "CN1"}, "machineId"),
    "gateway": (f"{ORG}/gateways", {"gatewayId": "GW1", "name": "Other"}, "gatewayId"),
    "organization connector": (f"{ORG}/connectors", CONNECTOR, "name"),
    "application connector": (f"{APPS}/connectors", CONNECTOR, "name"),
    "function": (f"{APPS}/functions", FUNCTION, "id"),
    "user": (f"{ORG}/users", {"name": "Other", "email": "ana@acme.io"}, "email"),
}


@pytest.mark.parametrize("kind", CONFLICTS)
def test_a_key_taken_again_since_is_409(client, cnc, mongo, kind):
    _, _, _, seq = created_and_deleted(client, cnc, kind)
    base, body, field = CONFLICTS[kind]
    assert client.post(base, json=body).status_code == 201
    with unchanged(mongo):
        response = restore(client, seq)
    assert response.status_code == 409
    assert response.json["field"] == field


@pytest.mark.parametrize("kind", ["gateway", "user", "device (organization mount)"])
def test_restoring_twice_is_409(client, cnc, mongo, kind):
    _, _, _, seq = created_and_deleted(client, cnc, kind)
    assert restore(client, seq).status_code == 201
    with unchanged(mongo):
        response = restore(client, seq)
    assert response.status_code == 409
    assert response.json == {"error": "The document exists again: it was restored already"}


def test_a_machine_id_claimed_elsewhere_since_is_409(client, cnc, mongo):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    client.delete(f"{APP}/devices/CN1")
    seq = last_seq(cnc)
    globex = "/api/organizations/globex"
    client.put(globex, json={"name": "Globex"})
    client.post(f"{globex}/applications", json={"applicationId": "lathes", "name": "L"})
    lathe = client.post(f"{globex}/applications/lathes/devices", json={"machineId": "CN1"})
    assert lathe.status_code == 201

    with unchanged(mongo):
        response = restore(client, seq)

    assert response.status_code == 409
    assert response.json["field"] == "machineId"
    assert "another organization" in response.json["error"]
    assert mongo[SHARED].machine_claims.find_one({"_id": "CN1"})["organizationId"] == "globex"


@pytest.mark.parametrize(
    "kind", ["device (organization mount)", "application connector", "function"]
)
def test_a_document_whose_application_is_gone_is_404(client, cnc, mongo, kind):
    _, _, _, seq = created_and_deleted(client, cnc, kind)
    assert client.delete(APP).status_code == 200
    with unchanged(mongo):
        response = restore(client, seq)
    assert response.status_code == 404
    assert response.json == {"error": "Application monitoreo-cnc no longer exists"}


NOT_A_DELETE = [
    # (arrange, the words the 400 says)
    (lambda c: c.post(f"{ORG}/gateways", json={"gatewayId": "G", "name": "G"}), "is a create"),
    (lambda c: c.put(ORG, json={"name": "Acme 2"}), "is a update"),
    (
        lambda c: c.post(f"{APPS}/event-classes", json={"class": "A", "topic": "t", "type": "STR"}),
        "replaced as a list",
    ),
    (lambda c: c.put(f"{APPS}/event-classes", json=[]), "replaced as a list"),
    (lambda c: c.delete(APP), "nor are the devices it removed"),
    (
        lambda c: (
            c.put("/api/machines/M1", json={"organizationId": "acme"})
            and c.delete("/api/machines/M1")
        ),
        "A machine-claim is not restorable (restorable: device, connector, function, "
        "gateway, user)",
    ),
]


@pytest.mark.parametrize(("arrange", "words"), NOT_A_DELETE)
def test_an_entry_that_is_no_restorable_delete_is_400(client, cnc, mongo, arrange, words):
    arrange(client)
    with unchanged(mongo):
        response = restore(client, last_seq(cnc))
    assert response.status_code == 400
    assert response.json["field"] == "seq"
    assert words in response.json["error"]


def test_a_restore_is_not_restorable_again(client, cnc, mongo):
    _, _, _, seq = created_and_deleted(client, cnc, "gateway")
    restore(client, seq)
    with unchanged(mongo):
        response = restore(client, seq + 1)
    assert (response.status_code, response.json["field"]) == (400, "seq")
    assert "is a restore, not a delete" in response.json["error"]


@pytest.mark.parametrize(
    ("seq", "status"),
    [("x", 400), ("-1", 400), ("0", 400), ("1.5", 400), ("1e3", 400), ("9" * 11, 400)]
    + [("9" * 10, 404), ("99", 404)],
)
def test_a_bad_or_unknown_seq(client, cnc, mongo, seq, status):
    with unchanged(mongo):
        response = restore(client, seq)
    assert response.status_code == status
    if status == 400:
        assert response.json["field"] == "seq"
    else:
        assert response.json == {"error": "Change not found"}


# Who may restore


PLATFORM = bearer(("*",), "admin", "root")


@pytest.fixture
def deleted(secured):
    """acme with a deleted gateway and a deleted user, and globex: `{kind: seq}`."""
    client = secured.test_client()
    client.put(ORG, json={"name": "Acme"}, headers=PLATFORM)
    client.put("/api/organizations/globex", json={"name": "Globex"}, headers=PLATFORM)
    client.post(f"{ORG}/gateways", json={"gatewayId": "G", "name": "G"}, headers=PLATFORM)
    client.delete(f"{ORG}/gateways/G", headers=PLATFORM)
    body = {"name": "Ana", "email": "ana@acme.io"}
    user_id = client.post(f"{ORG}/users", json=body, headers=PLATFORM).json["id"]
    client.delete(f"{ORG}/users/{user_id}", headers=PLATFORM)
    return {"gateway": 3, "user": 5}


@pytest.mark.parametrize(
    ("headers", "gateway", "user"),
    [
        (bearer(["acme"], "admin", "ana"), 201, 201),
        (PLATFORM, 201, 201),
        (bearer(["acme"], "user", "bo"), 201, 403),  # a member creates gateways, not users
        (bearer(["acme"], "viewer"), 403, 403),
        (bearer(["globex"], "admin"), 403, 403),  # another organization's admin
    ],
)
def test_a_restore_needs_the_role_its_create_needs(secured, deleted, headers, gateway, user):
    client, mongo = secured.test_client(), mongo_client(secured)
    acme = mongo["acme"]
    for kind, status in (("gateway", gateway), ("user", user)):
        if status == 201:
            response = restore(client, deleted[kind], headers=headers)
        else:
            with unchanged(mongo):
                response = restore(client, deleted[kind], headers=headers)
        assert response.status_code == status, (kind, response.json)
    if user == 403 and gateway == 201:
        refused = restore(client, deleted["user"], headers=headers).json
        assert refused == {"error": "Only an organization admin may restore a user"}
    assert acme.gateways.count_documents({}) == (gateway == 201)
    assert acme.users.count_documents({}) == (user == 201)
    if gateway == 201:
        entry = acme.changes.find_one({"action": "restore", "resource.type": "gateway"})
        assert entry["actor"]["auth"] == "token" and entry["actor"]["sub"] in ("ana", "root", "bo")


def test_another_organizations_admin_finds_no_entry_of_it_in_their_own_log(secured, deleted):
    """The seq of acme's deleted user, asked through globex's log (where globex's admin may
    restore): globex has no such entry, 404; acme is untouched."""
    client, mongo = secured.test_client(), mongo_client(secured)
    with unchanged(mongo):
        response = restore(
            client, deleted["user"], organization="globex", headers=bearer(["globex"], "admin")
        )
    assert response.status_code == 404
    assert response.json == {"error": "Change not found"}


# Its cost


def test_a_device_restore_costs_a_constant_number_of_round_trips(client, cnc, monkeypatch):
    """Like every write of tests/test_round_trips.py: the organization, the entry, the
    application, the claim, the device, its count, and the change log's two."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    client.delete(f"{APP}/devices/CN1")
    seq = last_seq(cnc)
    trips = round_trips.install(monkeypatch)
    assert restore(client, seq).status_code == 201
    assert [(call.namespace, call.operation) for call in trips.calls] == [
        ("admin", "command"),  # the organization exists (listDatabases, name only)
        ("acme.changes", "find_one"),
        ("acme.config", "find_one"),  # its application
        ("syncapi.machine_claims", "update_one"),
        ("acme.monitoreo-cnc_devices", "insert_one"),
        ("syncapi.application_summaries", "update_one"),
        ("acme.change_counters", "find_one_and_update"),
        ("acme.changes", "insert_one"),
        ("client", "commit_transaction"),  # all of it at once
    ]
