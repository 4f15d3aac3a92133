"""Every query a request makes is served by an index on a real server (spec §13.7).

The embedded store has no query planner, so each query of a walk over every route is
checked against the one table of index definitions (`repositories/indexes.py`) that also
creates them: its leading field must be the first key of an index of its collection (or
`_id`), and a partial index is used only when the query states the index's own filter
(MongoDB does not derive `$type: "string"` from an equality). Reads of a whole collection
(the contract's unpaged lists) are the exception, and are named as such.
"""

import mongomock
import pymongo
import pytest

from syncapi.core.masking import MASK
from syncapi.extensions import mongo_client
from syncapi.repositories import indexes
from tests import round_trips
from tests.helpers import APP, ORG, refreshed

SHARED = "syncapi"
FUNCTIONS = "/api/applications/acme/applications/monitoreo-cnc/functions"
EVENT_CLASSES = "/api/applications/acme/applications/monitoreo-cnc/event-classes"
APP_CONNECTORS = "/api/applications/acme/applications/monitoreo-cnc/connectors"
LOGIN = {"email": "ana@acme.io", "password": "another password"}
M2 = {"name": "M2", "driver": "mqtt"}
REDIS = {"name": "redis-cache", "type": "redis", "configuration": {"host": "cache"}}
KEYED = {"Idempotency-Key": "walk-1"}


def indexes_of(namespace):
    """The index definitions of a `database.collection`."""
    database, collection = namespace.split(".", 1)
    if database == SHARED:
        return [index for index in indexes.SHARED_INDEXES if index.collection == collection]
    found = [index for index in indexes.TENANT_INDEXES if index.collection == collection]
    for index in indexes.APPLICATION_INDEXES:
        if collection.endswith(f"_{index.collection}"):
            found.append(index)
    return found


def unserved(namespace, query):
    """Why the query is not served by an index; None when it is."""
    if "$or" in query:
        reasons = [unserved(namespace, clause) for clause in query["$or"]]
        return next((reason for reason in reasons if reason), None)
    fields = [field for field in query if not field.startswith("$")]
    if "_id" in fields:
        return None
    reason = f"no index of {namespace} leads with one of {fields}"
    for index in indexes_of(namespace):
        leading = index.keys[0]
        if leading not in fields:
            continue
        if index.partial is None:
            return None
        stated = query[leading]
        wanted = index.partial[leading]
        if isinstance(stated, dict) and wanted.items() <= stated.items():
            return None
        reason = f"{leading} must state the partial filter {wanted} of index {index.name}"
    return reason


@pytest.fixture
def walk(app, client, cnc, monkeypatch):
    """Every route called with bodies that reach their writes; the calls, recorded."""
    app.config["JWT_SECRET"] = "a-test-secret-of-at-least-32-bytes!"
    ana = {"name": "Ana", "email": "ana@acme.io", "password": "ana-password"}
    user = client.post(f"{ORG}/users", json=ana).json["id"]
    connector = client.post(f"{ORG}/connectors", json={"name": "M", "driver": "mqtt"}).json["_id"]
    trips = round_trips.install(monkeypatch)
    calls = [
        ("GET", "/api/organizations", None),
        ("GET", ORG, None),
        ("PUT", ORG, {"name": "Acme"}),
        ("GET", f"{ORG}/config", None),
        ("GET", f"{ORG}/stats", None),
        ("GET", f"{ORG}/users", None),
        ("PUT", f"{ORG}/users/{user}", {"name": "Ana B."}),
        ("PUT", f"{ORG}/users/{user}/password", {"password": LOGIN["password"]}),
        ("POST", "/api/auth/login", {"organizationId": "acme", **LOGIN}),
        ("POST", f"{ORG}/gateways", {"gatewayId": "GW1", "name": "G"}),
        ("GET", f"{ORG}/gateways", None),
        ("PUT", f"{ORG}/gateways/GW1", {"name": "G2"}),
        ("DELETE", f"{ORG}/gateways/GW1", None),
        ("GET", f"{ORG}/applications", None),
        ("GET", APP, None),
        ("PUT", APP, {"description": "d"}),
        ("POST", f"{APP}/devices", {"machineId": "CN1", "eui": "E1"}),
        ("GET", f"{APP}/devices", None),
        ("GET", f"{APP}/devices/CN1", None),
        ("PUT", f"{APP}/devices/CN1", {"machineId": "CN2"}),
        ("PUT", f"{APP}/devices/CN2", {"properties": {"password": MASK}}),  # reads the stored
        ("GET", f"{APP}/devices?limit=2&sort=-name&q=cn&tag=line-1", None),
        ("GET", f"{APP}/devices?limit=2&sort=machineId", None),
        ("POST", f"{APP}/device-tags", {"machineIds": ["CN2"], "add": ["line-1"]}),
        ("GET", f"{APP}/device-tags", None),
        ("GET", f"{APP}/properties", None),
        ("DELETE", f"{APP}/devices/CN2", None),
        ("GET", f"{ORG}/connectors", None),
        ("GET", f"{ORG}/connectors/{connector}", None),
        ("PUT", f"{ORG}/connectors/{connector}", {"name": "M2", "driver": "mqtt"}),
        ("PUT", f"{ORG}/connectors/{connector}", {**M2, "properties": {"token": MASK}}),
        ("POST", APP_CONNECTORS, {**M2, "properties": {"apiKey": MASK}}),
        ("DELETE", f"{ORG}/connectors/{connector}", None),
        ("GET", f"{ORG}/oilmonitor_devices", None),
        ("POST", APP_CONNECTORS, {"name": "F", "driver": "fanuc"}),
        ("GET", APP_CONNECTORS, None),
        ("POST", EVENT_CLASSES, {"class": "A", "topic": "t", "type": "STR"}),
        ("PUT", EVENT_CLASSES, [{"class": "B", "topic": "t", "type": "INT", "id": "b"}]),
        ("GET", EVENT_CLASSES, None),
        ("POST", FUNCTIONS, {"id": "f1", "name": "F", "expression": "x", "variables": ["x"]}),
        ("GET", FUNCTIONS, None),
        ("PUT", f"{FUNCTIONS}/f1", {"name": "F", "expression": "x", "variables": ["x"]}),
        ("POST", f"{FUNCTIONS}/f1/evaluate", {"values": {"x": 1}}),
        ("DELETE", f"{FUNCTIONS}/f1", None),
        ("GET", "/api/applications/acme/applications/monitoreo-cnc/config", None),
        ("GET", "/api/applications/acme/applications/monitoreo-cnc/stats", None),
        ("POST", "/device/new", {"machineId": "L1", "organizationId": "acme"}),
        ("GET", "/device/L1", None),
        ("PUT", "/device/L1", {"properties": {"pwd": MASK}}),
        ("PUT", "/device/L1", {"machineId": "L2"}),
        ("DELETE", "/device/L2", None),
        ("POST", "/api/services", {"name": "s", "type": "redis", "configuration": {}}),
        ("GET", "/api/services", None),
        # An Idempotency-Key, its replay, and one in the shared database (found by `_id`)
        ("POST", f"{ORG}/gateways", {"gatewayId": "GW3", "name": "G"}, KEYED),
        ("POST", f"{ORG}/gateways", {"gatewayId": "GW3", "name": "G"}, KEYED),
        ("POST", "/api/services", {"name": "t", "type": "redis", "configuration": {}}, KEYED),
        ("PUT", "/api/machines/M9", {"organizationId": "acme"}),
        ("GET", "/api/machines?organizationId=acme", None),
        ("GET", "/api/machines/M9", None),
        ("DELETE", "/api/machines/M9", None),
        ("GET", "/api/query/registered?organizationId=acme", None),
        ("GET", "/api/query/applications", None),
        ("GET", f"{ORG}/changes?since=2", None),
        ("GET", f"{ORG}/changes?type=device&limit=5", None),
        ("GET", f"{ORG}/changes?id=CN1", None),
        ("GET", "/api/changes", None),
        ("DELETE", f"{ORG}/users/{user}", None),
        ("DELETE", APP, None),
        ("DELETE", f"{ORG}?confirm=acme", None),
    ]
    for method, path, body, *headers in calls:
        response = client.open(path, method=method, json=body, headers=dict(*headers))
        assert response.status_code < 300, (method, path, response.json)
    return trips.calls


# Whole collections, read by design: the contract's lists (whole when no `limit` is sent),
# and the small lists every process re-reads (revocations).
WHOLE_READS = {
    "acme.users",
    "acme.gateways",
    "acme.connectors",
    "acme.oilmonitor_devices",
    "acme.monitoreo-cnc_devices",
    "acme.monitoreo-cnc_config",
    "acme.monitoreo-cnc_connectors",
    "syncapi.services",
    "syncapi.machine_claims",
    "syncapi.organization_summaries",
    "syncapi.application_summaries",
    "syncapi.revoked_tokens",
    "syncapi.ended_sessions",
}


def test_every_query_of_every_route_is_served_by_an_index(walk):
    checked = 0
    for call in walk:
        if call.filter is None or "." not in call.namespace:  # commands: no collection
            continue
        if not call.filter:
            assert call.namespace in WHOLE_READS, f"{call.operation} of all {call.namespace}"
            continue
        assert unserved(call.namespace, call.filter) is None, (call.operation, call.filter)
        checked += 1
    assert checked > 40
    replayed = [call for call in walk if call.namespace == "acme.idempotency_keys"]
    assert ("find_one", {"_id": '[null,"walk-1"]'}) in [(c.operation, c.filter) for c in replayed]


@pytest.mark.parametrize(
    ("namespace", "query", "served"),
    [
        ("acme.users", {"email": "a@acme.io"}, False),
        ("acme.users", indexes.by_key("email", "a@acme.io"), True),
        ("acme.monitoreo-cnc_devices", indexes.by_key("machineId", "X"), True),
        ("acme.monitoreo-cnc_devices", {"properties.line": "1"}, False),
        ("acme.users", {"name": "Ana"}, False),
        ("acme.users", {"$or": [{"_id": 1}, {"id": "x"}]}, False),
        ("syncapi.machine_claims", {"organizationId": "acme"}, True),
    ],
)
def test_the_check_itself_tells_served_from_unserved(namespace, query, served):
    assert (unserved(namespace, query) is None) is served


# Where indexes are made (index_builds): a creation makes the unique ones, within its request's
# budget; the refresh every other one and every older database's; no request any.


def index_names(db):
    """`{collection: names}` of syncapi's indexes in `db` (not `_id`'s)."""
    names = {name: set(db[name].index_information()) for name in db.list_collection_names()}
    return {name: made - {"_id_"} for name, made in names.items() if made - {"_id_"}}


def spec_names(specs):
    names = {}
    for index in specs:
        names.setdefault(index.collection, set()).add(index.name)
    return names


def test_a_creation_makes_the_unique_indexes_and_the_refresh_the_others(app, client, mongo):
    """What a write's correctness depends on (every 409) exists as soon as the organization
    and the application do; what only serves a query (its collections are empty) follows
    with the next refresh."""
    assert client.put(ORG, json={"name": "Acme"}).status_code == 201
    body = {"applicationId": "monitoreo-cnc", "name": "CNC"}
    assert client.post(f"{ORG}/applications", json=body).status_code == 201
    specs = indexes.tenant_specs(["monitoreo-cnc"])

    assert index_names(mongo["acme"]) == spec_names([index for index in specs if index.unique])
    refreshed(app)
    assert index_names(mongo["acme"]) == spec_names(specs)


def test_no_request_makes_an_index_in_a_process_whose_refresh_has_not_run(make_app, monkeypatch):
    """The shared database's first use and an older organization's first change-log entry
    are served as they are: the refresh, not the request, makes their indexes."""
    app = make_app()  # no worker start: no index anywhere
    mongo = mongo_client(app)
    mongo["acme"].config.insert_one({"key": "organization", "value": {"name": "Acme"}})
    client = app.test_client()
    trips = round_trips.install(monkeypatch)

    assert client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "G"}).status_code == 201
    assert client.post("/api/services", json=REDIS).status_code == 201
    assert client.post("/device/new", json={"machineId": "L1"}).status_code == 201

    assert [call.namespace for call in trips.calls if call.operation == "create_index"] == []
    assert mongo["acme"].changes.count_documents({}) == 1
    assert mongo[SHARED].changes.count_documents({}) == 2
    assert index_names(mongo[SHARED]) == {}


@pytest.mark.parametrize(
    "timeout",
    [
        pymongo.errors.ExecutionTimeout("operation exceeded time limit", 50),  # the server's
        pymongo.errors.NetworkTimeout("timed out"),  # the client's
    ],
    ids=["ExecutionTimeout", "NetworkTimeout"],
)
def test_a_build_that_times_out_is_logged_and_made_by_the_next_refresh(
    app, client, acme, monkeypatch, caplog, timeout
):
    original, budgets = mongomock.Collection.create_index, []

    def slow(self, keys, *args, name=None, **kwargs):
        budgets.append(pymongo._csot.get_timeout())
        if (self.database.name, name) == ("acme", "resource_id_seq"):
            raise timeout
        return original(self, keys, *args, name=name, **kwargs)

    with monkeypatch.context() as slowed, caplog.at_level("WARNING"):
        slowed.setattr(mongomock.Collection, "create_index", slow)
        refreshed(app)

    assert set(budgets) == {app.config["INDEX_BUILD_SECONDS"]}  # each build its own time
    assert (
        "acme.changes: index resource_id_seq not made within INDEX_BUILD_SECONDS"
        f" ({type(timeout).__name__}); the next refresh tries again"
    ) in caplog.text
    made = set(acme.changes.index_information())
    assert "resource_id_seq" not in made and "expiresAt_ttl" in made  # the others made
    assert client.get(f"{ORG}/changes?id=acme").status_code == 200  # served meanwhile
    refreshed(app)
    assert "resource_id_seq" in acme.changes.index_information()


def test_a_refresh_builds_only_what_the_process_has_not_made(app, client, cnc, monkeypatch):
    """A worker's first pass sends a build per index of every organization; the next ones
    only for what is new since: another organization, or one deleted and made again."""
    refreshed(app)
    built = []
    original = mongomock.Collection.create_index

    def counting(self, *args, **kwargs):
        built.append(self.database.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mongomock.Collection, "create_index", counting)
    refreshed(app)
    assert built == []
    client.delete(f"{ORG}?confirm=acme")
    client.put(ORG, json={"name": "Acme again"})
    client.put("/api/organizations/beta", json={})
    built.clear()
    refreshed(app)
    unique = len([index for index in indexes.TENANT_INDEXES if index.unique])
    others = len(indexes.TENANT_INDEXES) - unique
    assert (built.count("acme"), built.count("beta"), built.count(SHARED)) == (
        len(indexes.TENANT_INDEXES),  # the unique ones again: this process cannot tell
        len(indexes.TENANT_INDEXES),
        0,
    )
    assert others > 0 and "resource_id_seq" in mongo_client(app)["acme"].changes.index_information()
