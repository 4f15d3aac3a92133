"""ETags and conditional requests (docs/api.md "Conditional requests"): a server-set revision
on every document, `If-None-Match` → 304, a stale `If-Match` → 412, checked by the write
itself."""

import threading

import mongomock
import pytest

from tests.helpers import APP, ORG, slowed_reads, unchanged

APPS = "/api/applications/acme/applications/monitoreo-cnc"
CONNECTOR = {"name": "mqtt", "driver": "mqtt"}
FUNCTION = {"name": "f", "type": "Algebraic Function", "expression": "x", "variables": ["x"]}

# (create path, body, the key of the answer that addresses it, PUT body, item path if not
# the create path)
DOCUMENTS = {
    "device": (f"{APP}/devices", {"machineId": "CN1"}, "machineId", {"name": "L"}),
    "gateway": (f"{ORG}/gateways", {"gatewayId": "G1", "name": "G"}, "gatewayId", {"name": "H"}),
    "user": (f"{ORG}/users", {"name": "Ana", "email": "ana@acme.io"}, "id", {"name": "A"}),
    "connector": (f"{ORG}/connectors", CONNECTOR, "_id", {**CONNECTOR, "description": "d"}),
    "app connector": (f"{APPS}/connectors", CONNECTOR, "_id", {**CONNECTOR, "description": "d"}),
    "function": (f"{APPS}/functions", {"id": "fn_1", **FUNCTION}, "id", FUNCTION),
    "service": ("/api/services", {"name": "s", "type": "redis", "configuration": {}}, "_id", {}),
    "legacy device": ("/device/new", {"machineId": "L1"}, "machineId", {"name": "L"}, "/device"),
}


@pytest.fixture(params=DOCUMENTS, ids=list(DOCUMENTS))
def document(request, client, cnc):
    """`(item path, created answer, PUT body)` of one document of each kind."""
    base, body, key, update, *item = DOCUMENTS[request.param]
    created = client.post(base, json=body)
    assert created.status_code == 201, created.json
    return f"{item[0] if item else base}/{created.json[key]}", created, update or {"type": "mqtt"}


def test_every_answer_of_one_document_carries_its_etag(client, document):
    path, created, update = document
    read = client.get(path)
    assert read.status_code == 200
    assert created.headers["ETag"] == read.headers["ETag"]
    assert created.headers["ETag"].startswith('"') and created.headers["ETag"].endswith('-1"')
    changed = client.put(path, json=update)
    assert changed.headers["ETag"] == client.get(path).headers["ETag"]
    assert changed.headers["ETag"] != created.headers["ETag"]
    assert changed.headers["ETag"].endswith('-2"')


def test_if_none_match_is_304_until_it_changes(client, document):
    path, created, update = document
    tag = created.headers["ETag"]
    unchanged_read = client.get(path, headers={"If-None-Match": tag})
    assert unchanged_read.status_code == 304 and unchanged_read.data == b""
    assert unchanged_read.headers["ETag"] == tag
    client.put(path, json=update)
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 200


def test_a_stale_if_match_is_412_and_changes_nothing(client, mongo, document):
    path, created, update = document
    stale = created.headers["ETag"]
    client.put(path, json=update)
    with unchanged(mongo):
        refused = client.put(path, json=update, headers={"If-Match": stale})
        refused_delete = client.delete(path, headers={"If-Match": stale})
    assert refused.status_code == refused_delete.status_code == 412
    assert "changed since" in refused.json["error"]
    current = client.get(path).headers["ETag"]
    assert client.put(path, json=update, headers={"If-Match": current}).status_code == 200
    fresh = client.get(path).headers["ETag"]
    assert client.delete(path, headers={"If-Match": fresh}).status_code in (200, 204)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("tag", ['"nonsense"', '"6650a1b2c3d4e5f601234567-1"', '"c00"'])
def test_an_etag_of_something_else_is_412(client, mongo, cnc, tag):
    client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"})
    with unchanged(mongo):
        response = client.put(f"{ORG}/gateways/G1", json={"name": "X"}, headers={"If-Match": tag})
    assert response.status_code == 412
    assert response.json == {
        "error": "The document has changed since the ETag you sent; read it again"
    }


def test_if_match_on_a_missing_document_is_404(client, cnc):
    with unchanged(cnc):
        response = client.delete(f"{ORG}/gateways/NOPE", headers={"If-Match": "*"})
    assert response.status_code == 404
    assert response.json == {"error": "Gateway not found"}


def test_a_revision_is_never_taken_from_a_body(client, cnc):
    created = client.post(f"{ORG}/connectors", json={**CONNECTOR, "revision": 99}).json
    assert created["revision"] == 1
    path = f"{ORG}/connectors/{created['_id']}"
    assert client.put(path, json={**CONNECTOR, "revision": 7}).json["revision"] == 2
    assert cnc.connectors.find_one()["revision"] == 2


# (collection, the document older code left, its item path, a PUT's body)
OLDER = {
    "device": (
        "acme.monitoreo-cnc_devices",
        {"machineId": "OLD", "__v": 0},
        f"{APP}/devices/OLD",
        {"name": "New"},
    ),
    "gateway": ("acme.gateways", {"gatewayId": "OLD", "name": "Old"}, f"{ORG}/gateways/OLD", {}),
    "user": ("acme.users", {"name": "Old", "email": "old@acme.io"}, f"{ORG}/users/{{_id}}", {}),
    "connector": ("acme.connectors", CONNECTOR, f"{ORG}/connectors/{{_id}}", CONNECTOR),
    "app connector": (
        "acme.monitoreo-cnc_connectors",
        CONNECTOR,
        f"{APPS}/connectors/{{_id}}",
        CONNECTOR,
    ),
    "function": (
        "acme.functions",
        {"applicationId": "monitoreo-cnc", "id": "fn_old", **FUNCTION},
        f"{APPS}/functions/fn_old",
        FUNCTION,
    ),
    "service": (
        "syncapi.services",
        {"name": "old", "type": "redis", "configuration": {}},
        "/api/services/{_id}",
        {"type": "mqtt"},
    ),
    "legacy device": ("syncapi.devices", {"machineId": "OLD"}, "/device/OLD", {"name": "New"}),
}


@pytest.mark.parametrize("kind", OLDER)
def test_a_document_older_code_wrote_gets_a_content_etag_then_a_revision(client, mongo, cnc, kind):
    namespace, stored, item, update = OLDER[kind]
    database, collection = namespace.split(".")
    documents = mongo[database][collection]
    path = item.format(_id=documents.insert_one(dict(stored)).inserted_id)
    read = client.get(path)
    tag = read.headers["ETag"]
    assert tag.startswith('"c') and read.json.get("revision") is None  # users answer null
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    changed = client.put(path, json=update or {"name": "New"}, headers={"If-Match": tag})
    assert changed.status_code == 200 and changed.json["revision"] == 1
    assert changed.headers["ETag"] == f'"{documents.find_one()["_id"]}-1"'
    assert documents.find_one()["revision"] == 1
    with unchanged(mongo):
        stale = client.put(path, json=update or {"name": "N2"}, headers={"If-Match": tag})
    assert stale.status_code == 412


def test_without_if_match_writes_behave_as_before(client, cnc):
    client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"})
    for name in ("a", "b"):
        assert client.put(f"{ORG}/gateways/G1", json={"name": name}).status_code == 200
    assert cnc.gateways.find_one()["name"] == "b"


def test_list_items_carry_their_revision(client, cnc):
    client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"})
    client.put(f"{ORG}/gateways/G1", json={"name": "H"})
    assert [item["revision"] for item in client.get(f"{ORG}/gateways").json] == [2]


def test_the_application_config_has_a_content_etag(client, cnc):
    cnc["monitoreo-cnc_config"].insert_one({"key": "unit", "value": "mm"})
    read = client.get(f"{APPS}/config")
    assert read.json == {"unit": "mm"}
    tag = read.headers["ETag"]
    assert client.get(f"{APPS}/config", headers={"If-None-Match": tag}).status_code == 304
    cnc["monitoreo-cnc_config"].insert_one({"key": "scale", "value": 2})
    assert client.get(f"{APPS}/config", headers={"If-None-Match": tag}).status_code == 200


def test_two_concurrent_conditional_puts_never_both_succeed(app, cnc, monkeypatch):
    """Sixteen writers send the same ETag at once: exactly one wins, the others get 412,
    and the stored revision moved on once. Reads yield to the other threads, so that they
    all read before any writes: the write's own filter must decide."""
    client = app.test_client()
    tag = client.post(f"{ORG}/gateways", json={"gatewayId": "G1", "name": "G"}).headers["ETag"]
    slowed_reads(monkeypatch)
    barrier, statuses = threading.Barrier(16), []

    def put(number):
        own = app.test_client()
        barrier.wait()
        response = own.put(
            f"{ORG}/gateways/G1", json={"name": f"W{number}"}, headers={"If-Match": tag}
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 15
    assert cnc.gateways.find_one()["revision"] == 2
    updates = [e for e in cnc.changes.find({"resource.type": "gateway", "action": "update"})]
    assert len(updates) == 1


def test_a_bulk_tag_change_moves_each_device_to_a_new_version(client, mongo, cnc):
    """The tags of many devices change in one update: each device's revision moves on all
    the same, so an ETag read before is stale (no 304, and a 412 on a write)."""
    path = f"{APP}/devices/CN1"
    tag = client.post(f"{APP}/devices", json={"machineId": "CN1"}).headers["ETag"]
    older = {"machineId": "OLD", "tags": ["a"]}  # written by older code: no revision
    cnc["monitoreo-cnc_devices"].insert_one(older)
    older_tag = client.get(f"{APP}/devices/OLD").headers["ETag"]

    changed = client.post(f"{APP}/device-tags", json={"machineIds": ["CN1", "OLD"], "add": ["x"]})

    assert changed.status_code == 200
    read = client.get(path, headers={"If-None-Match": tag})
    assert read.status_code == 200 and read.headers["ETag"] == tag.removesuffix('-1"') + '-2"'
    assert cnc["monitoreo-cnc_devices"].find_one({"machineId": "OLD"})["revision"] == 1
    for item, stale in ((path, tag), (f"{APP}/devices/OLD", older_tag)):
        assert client.get(item, headers={"If-None-Match": stale}).status_code == 200
        with unchanged(mongo):
            refused = client.put(item, json={"name": "L"}, headers={"If-Match": stale})
        assert refused.status_code == 412


def test_a_stale_content_etag_is_412_on_a_document_still_without_revision(client, mongo, cnc):
    """Older code changed the document after it was read: its content ETag no longer matches,
    though it still has no revision."""
    cnc.gateways.insert_one({"gatewayId": "OLD", "name": "Old"})
    stale = client.get(f"{ORG}/gateways/OLD").headers["ETag"]
    cnc.gateways.update_one({"gatewayId": "OLD"}, {"$set": {"name": "Changed by older code"}})
    with unchanged(mongo):
        refused = client.put(f"{ORG}/gateways/OLD", json={"name": "X"}, headers={"If-Match": stale})
        refused_delete = client.delete(f"{ORG}/gateways/OLD", headers={"If-Match": stale})
    assert refused.status_code == refused_delete.status_code == 412
    assert "revision" not in cnc.gateways.find_one()


def test_a_content_etag_write_is_refused_when_a_write_lands_after_its_read(
    client, mongo, cnc, monkeypatch
):
    """A content ETag is compared on a read; the write then requires the document to still
    have no revision, so a write landing between that read and the write (which gives it one)
    makes it a 412, not a lost update."""
    cnc.gateways.insert_one({"gatewayId": "OLD", "name": "Old"})
    tag = client.get(f"{ORG}/gateways/OLD").headers["ETag"]
    read, landed = mongomock.Collection.find_one, []

    def find_one_then_another_write(self, *args, **kwargs):
        found = read(self, *args, **kwargs)
        if self.name == "gateways" and not landed:
            landed.append("writing")  # the other write reads too: once only
            landed[0] = client.put(f"{ORG}/gateways/OLD", json={"name": "Other"}).status_code
        return found

    monkeypatch.setattr(mongomock.Collection, "find_one", find_one_then_another_write)
    response = client.put(f"{ORG}/gateways/OLD", json={"name": "Mine"}, headers={"If-Match": tag})

    assert landed == [200] and response.status_code == 412
    assert cnc.gateways.find_one({}, {"_id": 0, "name": 1, "revision": 1}) == {
        "name": "Other",
        "revision": 1,
    }
