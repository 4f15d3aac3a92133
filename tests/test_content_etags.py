"""Content ETags (docs/api.md "Conditional requests"): what has no `_id` and revision of its
own to be named by (organization metadata, an application's registry entry, a machine claim,
a new event class) is tagged by its content; a write checks it inside its own filter all the
same."""

import hashlib
import json
import threading
from datetime import datetime

import pytest

from syncapi.core.serialization import to_jsonable
from syncapi.web import conditional, handles, memo
from tests.helpers import APP, ORG, slowed_reads, unchanged

APPS = "/api/applications/acme/applications/monitoreo-cnc"

# (item path, a PUT's body, the stored revision's place)
SETTINGS = {
    "organization": (ORG, {"description": "tools"}),
    "application": (APP, {"description": "lathes"}),
}


def stored_revision(db, kind):
    if kind == "organization":
        return db.config.find_one({"key": "organization"})["value"].get("revision")
    registry = db.config.find_one({"key": "applications"})["value"]
    return registry["applicationSettings"]["monitoreo-cnc"].get("revision")


@pytest.mark.parametrize("kind", SETTINGS)
def test_settings_carry_a_content_etag_checked_by_their_write(client, mongo, cnc, kind):
    path, update = SETTINGS[kind]
    read = client.get(path)
    tag = read.headers["ETag"]
    assert tag.startswith('"c')
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304
    revision = stored_revision(cnc, kind)

    changed = client.put(path, json=update, headers={"If-Match": tag})

    assert changed.status_code == 200
    assert changed.headers["ETag"] == client.get(path).headers["ETag"] != tag
    assert changed.json["revision"] == stored_revision(cnc, kind) == revision + 1
    with unchanged(mongo):
        stale = client.put(path, json={"description": "other"}, headers={"If-Match": tag})
    assert stale.status_code == 412
    assert "changed since" in stale.json["error"]
    assert client.put(path, json=update, headers={"If-Match": "*"}).status_code == 200


@pytest.mark.parametrize("kind", SETTINGS)
def test_settings_take_their_etag_weak_or_in_a_list(client, mongo, cnc, kind):
    """What nginx compresses reaches a browser with a weak ETag, which names the same
    version; a list writes when any ETag in it is current."""
    path, update = SETTINGS[kind]
    tag = client.get(path).headers["ETag"]
    changed = client.put(path, json=update, headers={"If-Match": f'"c00", W/{tag}'})
    assert changed.status_code == 200
    with unchanged(mongo):
        stale = client.put(path, json=update, headers={"If-Match": f"W/{tag}"})
    assert stale.status_code == 412


@pytest.mark.parametrize("kind", SETTINGS)
def test_settings_older_code_wrote_get_their_first_revision(client, cnc, kind):
    path, update = SETTINGS[kind]
    if kind == "organization":
        cnc.config.update_one({"key": "organization"}, {"$unset": {"value.revision": ""}})
    else:
        field = "value.applicationSettings.monitoreo-cnc.revision"
        cnc.config.update_one({"key": "applications"}, {"$unset": {field: ""}})
    read = client.get(path)
    assert read.json["revision"] is None if kind == "organization" else "revision" not in read.json
    tag = read.headers["ETag"]
    assert client.put(path, json=update, headers={"If-Match": tag}).json["revision"] == 1
    assert stored_revision(cnc, kind) == 1


def test_an_if_match_on_an_organization_not_yet_there_is_412(client, mongo, acme):
    with unchanged(mongo):
        response = client.put(
            "/api/organizations/globex", json={"name": "G"}, headers={"If-Match": "*"}
        )
    assert response.status_code == 412
    assert "globex" not in mongo.list_database_names()


def test_the_organization_config_is_tagged_as_its_metadata(client, acme):
    assert client.get(f"{ORG}/config").headers["ETag"] == client.get(ORG).headers["ETag"]


def test_a_created_application_answers_the_etag_its_get_answers(client, acme):
    body = {"applicationId": "lathes", "name": "Lathes"}
    created = client.post(f"{ORG}/applications", json=body)
    assert created.headers["ETag"] == client.get(f"{ORG}/applications/lathes").headers["ETag"]


@pytest.mark.parametrize("kind", SETTINGS)
def test_two_concurrent_conditional_puts_of_settings_never_both_succeed(
    app, cnc, kind, monkeypatch
):
    """Each read yields to the other threads, so that every writer reads the version the
    ETag names before any writes: the filter of the write itself must refuse all but one."""
    path, _ = SETTINGS[kind]
    tag = app.test_client().get(path).headers["ETag"]
    slowed_reads(monkeypatch)
    barrier, statuses = threading.Barrier(8), []

    def put(number):
        client = app.test_client()
        barrier.wait()
        body = {"description": f"writer {number}"}
        statuses.append(client.put(path, json=body, headers={"If-Match": tag}).status_code)

    threads = [threading.Thread(target=put, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 7
    updates = cnc.changes.count_documents({"resource.type": kind, "action": "update"})
    assert updates == 1


def test_a_machine_claim_carries_a_content_etag(app, client, cnc):
    assigned = client.put("/api/machines/M1", json={"organizationId": "acme"})
    read = client.get("/api/machines/M1")
    assert assigned.headers["ETag"] == read.headers["ETag"]
    with app.app_context():
        assert read.headers["ETag"] == conditional.content_tag(read.json)
    etag = {"If-None-Match": read.headers["ETag"]}
    assert client.get("/api/machines/M1", headers=etag).status_code == 304


def test_a_created_event_class_carries_the_etag_of_its_answer(app, client, cnc):
    body = {"id": "e1", "class": "A", "topic": "t", "type": "STR"}
    created = client.post(f"{APPS}/event-classes", json=body)
    with app.app_context():
        assert created.headers["ETag"] == conditional.content_tag(created.json)


def test_a_content_etag_is_the_same_for_the_same_content_release_after_release():
    """Pinned: clients keep ETags across upgrades (the replay makes them neutral, since they
    hash dates): its JSON canonical form, dates as the wire writes them, under the
    deployment's key (kept in its shared database), HMAC-SHA256."""
    stored = {"name": "Acme", "at": datetime(2026, 1, 2, 3, 4, 5, 678000)}
    key = bytes(range(32))
    assert conditional.content_tag(stored, key) == '"c55944c84f0515dc57c95a3d057e755a8"'
    assert conditional.content_tag(stored, bytes(32)) != conditional.content_tag(stored, key)


def unkeyed_tag(value):
    """What a content ETag was before it was keyed: anyone could compute it from a guess."""
    text = json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))
    return '"c' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def test_a_content_etag_does_not_confirm_a_guessed_secret(client, mongo, shared):
    """A document without revision shows its secrets masked; its content ETag is keyed by a
    key of the deployment that no caller knows, so a reader cannot check a guess of them
    against it, offline or with If-None-Match. It still changes when a secret changes."""
    stored = {"name": "old", "type": "redis", "configuration": {"password": "hunter2"}}
    path = f"/api/services/{shared.services.insert_one(dict(stored)).inserted_id}"

    read = client.get(path)
    tag = read.headers["ETag"]

    assert read.json["configuration"] == {"password": "********"}
    assert tag.startswith('"c') and tag != unkeyed_tag(shared.services.find_one())
    guessed = client.get(path, headers={"If-None-Match": unkeyed_tag(shared.services.find_one())})
    assert guessed.status_code == 200
    shared.services.update_one({}, {"$set": {"configuration.password": "rotated"}})
    assert client.get(path).headers["ETag"] not in (tag, unkeyed_tag(shared.services.find_one()))
    with unchanged(mongo):
        stale = client.put(path, json={"type": "redis"}, headers={"If-Match": tag})
    assert stale.status_code == 412


def test_the_content_etag_key_is_made_once_in_the_shared_database(app, client, shared, acme):
    """Created by the first process that needs it (an upsert, so two at once make one), kept
    by each process, read by every other: each replica answers the same ETags."""
    tag = client.get(ORG).headers["ETag"]
    assert shared.keys.count_documents({}) == 1
    key = shared.keys.find_one({"_id": "content-etag"})["key"]
    assert len(key) == 32
    app.extensions[memo.ONCE_KEY].forget(handles.CONTENT_ETAG_KEY)  # another process: reads it
    assert client.get(ORG).headers["ETag"] == tag
    assert shared.keys.count_documents({}) == 1 and shared.keys.find_one()["key"] == key
