"""Constant cost per request, whatever the number of tenants (spec §13.7).

Every MongoDB round trip a request makes is counted (`round_trips`, the request's own
thread), first with 20 organizations and then with 1 000: the counts must be equal. The
embedded store answers `listDatabases` as a server does, so the real code path runs.
"""

import pytest

from syncapi.core import tokens
from syncapi.extensions import mongo_client
from tests import builders, round_trips
from tests.helpers import APP, JWT_SECRET, ORG

LEGACY = {"machineId": "L1", "name": "Tank"}


@pytest.fixture
def world(client, cnc, mongo):
    """acme (through the API: an application, a device, a user, a gateway, a legacy device)
    among 19 other organizations."""
    builders.devices(client, "acme", "monitoreo-cnc", [{"machineId": "CN1", "eui": "E1"}])
    client.post(f"{ORG}/users", json={"name": "Ana", "email": "ana@acme.io"})
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW1", "name": "Gate"})
    builders.legacy_device(client, LEGACY)
    builders.organizations_in_bulk(mongo, 1, 20)
    return mongo


ROUTES = [
    ("GET", "/api/organizations", None),
    ("GET", f"{ORG}", None),
    ("GET", f"{ORG}/stats", None),
    ("GET", f"{ORG}/applications", None),
    ("GET", f"{ORG}/users", None),
    ("POST", f"{ORG}/users", {"name": "Bo", "email": "bo-{n}@acme.io"}),
    ("GET", f"{ORG}/gateways", None),
    ("PUT", f"{ORG}/gateways/GW1", {"name": "Gate {n}"}),
    ("GET", f"{APP}/devices/CN1", None),
    ("PUT", f"{APP}/devices/CN1", {"name": "CNC {n}"}),
    ("POST", f"{APP}/devices", {"machineId": "NEW-{n}"}),
    ("DELETE", APP + "/devices/NEW-{n}", None),
    ("GET", "/api/applications/acme/applications/monitoreo-cnc/stats", None),
    ("GET", "/device/L1", None),
    ("GET", "/api/query/registered?organizationId=acme", None),
    ("GET", "/api/query/registered/all", None),
    ("GET", "/api/query/apps-registered", None),
    ("GET", "/api/query/applications", None),
]


def trips_of(client, trips, method, path, body, n):
    """The round trips of one call (`{n}` numbers what must be new each time)."""
    if body is not None:
        body = {key: value.format(n=n) for key, value in body.items()}
    trips.clear()
    response = client.open(path.format(n=n), method=method, json=body)
    assert response.status_code < 300, (path, response.json)
    return [(call.namespace, call.operation) for call in trips.calls]


@pytest.mark.slow  # a few seconds: 1000 organizations
def test_no_request_grows_with_the_number_of_organizations(client, world, monkeypatch):
    trips = round_trips.install(monkeypatch)
    with_20 = {path: trips_of(client, trips, m, path, body, 1) for m, path, body in ROUTES}

    builders.organizations_in_bulk(world, 20, 1000)
    with_1000 = {path: trips_of(client, trips, m, path, body, 2) for m, path, body in ROUTES}

    assert with_1000 == with_20
    # (the PUT's) exists?, the registry entry, the device; the change log's seq and entry;
    # the transaction's commit
    assert len(with_20[f"{APP}/devices/CN1"]) <= 6
    assert with_20["/device/L1"] == [("syncapi.devices", "find_one")]
    assert len(with_20["/api/organizations"]) == 1
    assert len(client.get("/api/organizations").json) == 1000


def test_request_paths_never_ask_for_database_sizes(client, world, monkeypatch):
    """`listDatabases` with sizes makes the server measure every database: only the
    background refresh may ask for it, never a request's own thread."""
    trips = round_trips.install(monkeypatch)
    for method, path, body in ROUTES:
        trips_of(client, trips, method, path, body, 3)
        for call in trips.calls:
            assert call.operation != "list_database_names", path
            if call.operation == "command":
                assert call.namespace == "admin"  # listDatabases, name only (see databases.py)


def test_the_organization_list_is_read_from_its_summaries_in_one_query(client, world, monkeypatch):
    trips = round_trips.install(monkeypatch)
    listed = client.get("/api/organizations").json
    assert [(call.namespace, call.operation) for call in trips.calls] == [
        ("syncapi.organization_summaries", "find")
    ]
    assert listed[0] == {
        "id": "acme",
        "name": "acme",
        "sizeOnDisk": 0,
        "empty": False,
        "applicationCount": 1,
        "userCount": 1,
    }


@pytest.fixture
def secured(secured):
    """The secured app, holding 30 organizations."""
    builders.organizations_in_bulk(mongo_client(secured), 0, 30)
    return secured


def test_a_limited_callers_list_touches_only_its_organizations(secured, monkeypatch):
    token, _ = tokens.issue(JWT_SECRET, "ana", ["org0003", "org0007"], "viewer", 60)
    client = secured.test_client()
    client.get("/api/organizations", headers={"Authorization": f"Bearer {token}"})  # warm up
    trips = round_trips.install(monkeypatch)

    listed = client.get("/api/organizations", headers={"Authorization": f"Bearer {token}"})

    assert [item["id"] for item in listed.json] == ["org0003", "org0007"]
    (call,) = [call for call in trips.calls if call.namespace.endswith("_summaries")]
    assert call.filter == {"_id": {"$in": ["org0003", "org0007"]}}
