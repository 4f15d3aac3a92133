"""Lists at fleet scale (spec §13.3): pages, sorting, search and device tags on every list,
the console's arrays unchanged without the new parameters, and a batch machine status."""

import random
import re
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from syncapi.core import tokens
from syncapi.repositories import indexes, summaries
from tests import builders, round_trips
from tests.helpers import APP, JWT_SECRET, ORG, as_server, reconcile, refreshed, unchanged

APP_MOUNT = "/api/applications/acme/applications/monitoreo-cnc"
DEVICES = f"{APP}/devices"
TAGS = f"{APP}/device-tags"


def add_devices(client, names, mount=APP):
    for index, name in enumerate(names):
        body = {"machineId": f"M{index:05d}", "name": name}
        assert client.post(f"{mount}/devices", json=body).status_code == 201


def links(response):
    """`{rel: {parameter: value}}` of the RFC 8288 `Link` header."""
    found = {}
    for target, rel in re.findall(r'<([^>]*)>; rel="(\w+)"', response.headers.get("Link", "")):
        query = parse_qs(urlsplit(target).query)
        found[rel] = {name: values[0] for name, values in query.items()}
    return found


def walk(client, url, size):
    """Every page of a list, following `next`; the items of each page."""
    pages, offset = [], 0
    while True:
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}limit={size}&offset={offset}")
        assert response.status_code == 200
        pages.append(response.json)
        following = links(response).get("next")
        if following is None:
            return pages, int(response.headers["X-Total-Count"])
        offset = int(following["offset"])


# The contract's arrays, unchanged


def test_without_list_parameters_a_list_is_the_whole_array_without_page_headers(client, cnc):
    add_devices(client, ["a", "b", "c"])

    response = client.get(DEVICES)

    assert [device["name"] for device in response.json] == ["a", "b", "c"]
    assert "X-Total-Count" not in response.headers and "Link" not in response.headers


def test_other_query_parameters_do_not_make_a_page(client, cnc):
    add_devices(client, ["a", "b"])
    response = client.get(f"{DEVICES}?reveal=true")
    assert len(response.json) == 2 and "X-Total-Count" not in response.headers


# Pages


def test_a_page_carries_the_total_and_links_keeping_the_other_parameters(client, cnc):
    add_devices(client, [f"d{index}" for index in range(7)])

    first = client.get(f"{DEVICES}?limit=3&sort=name&q=d")
    middle = client.get(f"{DEVICES}?limit=3&offset=3&sort=name&q=d")
    last = client.get(f"{DEVICES}?limit=3&offset=6&sort=name&q=d")

    assert [d["name"] for d in first.json] == ["d0", "d1", "d2"]
    assert [d["name"] for d in last.json] == ["d6"]
    assert {first.headers["X-Total-Count"], last.headers["X-Total-Count"]} == {"7"}
    assert set(links(first)) == {"first", "next"}
    assert set(links(middle)) == {"first", "prev", "next"}
    assert set(links(last)) == {"first", "prev"}
    assert links(middle)["next"] == {"sort": "name", "q": "d", "limit": "3", "offset": "6"}
    assert links(middle)["prev"]["offset"] == "0" and links(last)["first"]["offset"] == "0"


def test_a_page_past_the_end_is_empty_with_the_total(client, cnc):
    add_devices(client, ["a"])
    response = client.get(f"{DEVICES}?offset=10")
    assert (response.json, response.headers["X-Total-Count"]) == ([], "1")


def test_page_headers_are_exposed_to_the_console_through_cors(client, cnc):
    response = client.get(f"{DEVICES}?limit=1", headers={"Origin": "http://console.local"})
    exposed = response.headers["Access-Control-Expose-Headers"]
    assert "X-Total-Count" in exposed and "Link" in exposed


@pytest.mark.parametrize(
    "query, field",
    [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("limit=+5", "limit"),
        ("limit=1&limit=2", "limit"),
        ("offset=-1", "offset"),
        ("offset=99999999999", "offset"),
        ("sort=password", "sort"),
        ("sort=--name", "sort"),
        ("q=" + "x" * 101, "q"),
        ("q=a%00b", "q"),
        ("q=%0A", "q"),
        ("tag=Not%20a%20tag", "tag"),
        ("tag=" + "t" * 65, "tag"),
        ("&".join(f"tag=t{index}" for index in range(33)), "tag"),
    ],
)
def test_bad_list_parameters_are_a_400_naming_the_parameter(client, cnc, query, field):
    add_devices(client, ["a"])
    response = client.get(f"{DEVICES}?{query}")
    assert response.status_code == 400
    assert response.json["field"].startswith(field) and response.json["error"].startswith(field)


def test_sort_orders_hold_across_pages_and_ties_break_by_id(client, cnc):
    names = ["b", "a", "c", "a", "b", "a"]
    add_devices(client, names)

    ascending, total = walk(client, f"{DEVICES}?sort=name", 2)
    descending, _ = walk(client, f"{DEVICES}?sort=-name", 4)

    up = [device for page in ascending for device in page]
    down = [device for page in descending for device in page]
    assert total == 6
    assert [d["name"] for d in up] == sorted(names)
    assert [d["name"] for d in down] == sorted(names, reverse=True)
    assert [d["machineId"] for d in up if d["name"] == "a"] == ["M00001", "M00003", "M00005"]
    assert [d["machineId"] for d in down if d["name"] == "a"] == ["M00005", "M00003", "M00001"]


def test_search_matches_the_text_literally_and_ignores_case(client, cnc):
    add_devices(client, ["Line A.1", "line ax1", "Press (old)", "a+b*", "\\d"])

    def found(text):
        response = client.get(DEVICES, query_string={"q": text})
        assert response.status_code == 200
        return sorted(device["name"] for device in response.json)

    assert found("a.1") == ["Line A.1"]  # `.` is a dot, not any character
    assert found("LINE") == ["Line A.1", "line ax1"]
    assert found("(old") == ["Press (old)"]
    assert found("+b*") == ["a+b*"]
    assert found("\\d") == ["\\d"]
    assert found("M0000") == ["Line A.1", "Press (old)", "\\d", "a+b*", "line ax1"]
    assert found("a+") == ["a+b*"]  # as a pattern, `a+` would match four of them


LIST_ROUTES = [
    "/api/organizations",
    f"{ORG}/users",
    f"{ORG}/gateways",
    f"{ORG}/applications",
    f"{ORG}/connectors",
    f"{ORG}/oilmonitor_devices",
    DEVICES,
    f"{APP_MOUNT}/devices",
    f"{APP_MOUNT}/connectors",
    f"{APP_MOUNT}/event-classes",
    f"{APP_MOUNT}/functions",
    "/api/services",
]


@pytest.fixture
def two_of_each(client, cnc, mongo):
    """Two documents in every list."""
    for index in range(2):
        name = f"item {index}"
        posts = [
            (f"{ORG}/users", {"name": name, "email": f"u{index}@acme.io"}),
            (f"{ORG}/gateways", {"gatewayId": f"GW{index}", "name": name}),
            (f"{ORG}/applications", {"applicationId": f"app-{index}", "name": name}),
            (f"{ORG}/connectors", {"name": name, "driver": "mqtt"}),
            (DEVICES, {"machineId": f"M{index}", "name": name}),
            (f"{APP_MOUNT}/connectors", {"name": name, "driver": "mqtt"}),
            (f"{APP_MOUNT}/event-classes", {"class": name, "topic": "t", "type": "INT"}),
            (
                f"{APP_MOUNT}/functions",
                {"name": name, "expression": "x", "variables": ["x"]},
            ),
            ("/api/services", {"name": name, "type": "mqtt", "configuration": {}}),
        ]
        for url, body in posts:
            assert client.post(url, json=body).status_code == 201, url
        mongo["acme"].oilmonitor_devices.insert_one({"machineId": f"OIL{index}", "name": name})
    client.put("/api/organizations/globex", json={"name": "Globex"})


def identity(item):
    return item.get("_id") or item.get("id") or item["applicationId"]


@pytest.mark.parametrize("url", LIST_ROUTES)
def test_every_list_pages_sorts_and_searches(client, two_of_each, url):
    whole = client.get(url).json
    first = client.get(f"{url}?limit=1")
    second = client.get(f"{url}?limit=1&offset=1")
    newest = client.get(f"{url}?limit=500&sort=-createdAt" if "/api/organizations" != url else url)

    assert len(whole) >= 2 and "X-Total-Count" not in client.get(url).headers
    assert first.status_code == second.status_code == 200
    assert first.headers["X-Total-Count"] == str(len(whole))
    assert len(first.json) == len(second.json) == 1 and first.json != second.json
    assert [identity(first.json[0]), identity(second.json[0])] == [identity(i) for i in whole[:2]]
    assert newest.status_code == 200
    if url not in ("/api/organizations", f"{ORG}/oilmonitor_devices"):  # no createdAt there
        labels = [item.get("name") or item.get("class") for item in newest.json]
        assert labels.index("item 1") < labels.index("item 0")  # made in that order
    assert client.get(f"{url}?sort=nope").status_code == 400


@pytest.mark.parametrize(
    "url, text, expected",
    [
        ("/api/organizations", "glob", 1),
        (f"{ORG}/users", "U1@ACME", 1),
        (f"{ORG}/gateways", "gw0", 1),
        (f"{ORG}/applications", "app-", 2),
        (f"{APP_MOUNT}/functions", "item 1", 1),
        (f"{APP_MOUNT}/event-classes", "ITEM", 2),
        ("/api/services", "item 0", 1),
    ],
)
def test_search_finds_by_the_resources_human_fields(client, two_of_each, url, text, expected):
    response = client.get(url, query_string={"q": text})
    assert (response.status_code, len(response.json)) == (200, expected)
    assert response.headers["X-Total-Count"] == str(expected)


def test_the_application_registry_pages_in_memory_in_the_same_order(client, cnc):
    for name in ["zeta", "alpha", "mid"]:
        body = {"applicationId": name, "name": name.title()}
        assert client.post(f"{ORG}/applications", json=body).status_code == 201

    by_name = client.get(f"{ORG}/applications?sort=name&limit=2")
    registry_order = client.get(f"{ORG}/applications?limit=10")

    assert [item["applicationId"] for item in by_name.json] == ["alpha", "monitoreo-cnc"]
    assert by_name.headers["X-Total-Count"] == "4"
    ids = [item["applicationId"] for item in registry_order.json]
    assert ids == ["monitoreo-cnc", "zeta", "alpha", "mid"]


# Device tags


def test_tags_are_stored_lower_case_once_each(client, cnc):
    body = {"machineId": "M1", "tags": ["Line-1", "line-1", "zone:b"]}

    created = client.post(DEVICES, json=body)

    assert created.status_code == 201 and created.json["tags"] == ["line-1", "zone:b"]
    assert cnc["monitoreo-cnc_devices"].find_one({"machineId": "M1"})["tags"] == [
        "line-1",
        "zone:b",
    ]


@pytest.mark.parametrize(
    "tags",
    ["line-1", ["bad tag"], [""], ["t" * 65], [7], [f"t{index}" for index in range(33)]],
)
def test_bad_tags_are_refused_and_nothing_is_stored(client, cnc, tags):
    with unchanged(cnc):
        response = client.post(f"{APP_MOUNT}/devices", json={"machineId": "M1", "tags": tags})
    assert response.status_code == 400 and response.json["field"].startswith("tags")


def test_lists_filter_by_every_tag_given(client, cnc):
    for machine_id, tags in [("A", ["x", "y"]), ("B", ["x"]), ("C", ["y"]), ("D", [])]:
        client.post(DEVICES, json={"machineId": machine_id, "tags": tags})

    both = client.get(f"{DEVICES}?tag=x&tag=Y")
    either = client.get(f"{APP_MOUNT}/devices?tag=x")

    assert [device["machineId"] for device in both.json] == ["A"]
    assert [device["machineId"] for device in either.json] == ["A", "B"]
    assert either.headers["X-Total-Count"] == "2"


def test_tag_counts_are_exact_under_both_mounts(client, cnc):
    for machine_id, tags in [("A", ["x", "y"]), ("B", ["x"]), ("C", None)]:
        body = {"machineId": machine_id, **({"tags": tags} if tags else {})}
        client.post(DEVICES, json=body)

    for url in (TAGS, f"{APP_MOUNT}/device-tags"):
        response = client.get(url)
        assert response.json == [{"tag": "x", "count": 2}, {"tag": "y", "count": 1}]


def test_a_device_named_tags_is_still_a_device(client, cnc):
    client.post(DEVICES, json={"machineId": "tags"})
    assert client.get(f"{DEVICES}/tags").json["machineId"] == "tags"


def test_tags_change_on_many_devices_in_one_update(client, cnc, monkeypatch):
    for machine_id, tags in [("A", ["old", "keep"]), ("B", []), ("C", ["old"])]:
        client.post(DEVICES, json={"machineId": machine_id, "tags": tags})
    trips = round_trips.install(monkeypatch)

    body = {"machineIds": ["A", "B"], "add": ["New", "keep"], "remove": ["old"]}
    response = client.post(TAGS, json=body)

    assert (response.status_code, response.json) == (200, {"matched": 2})
    stored = {d["machineId"]: d.get("tags") for d in cnc["monitoreo-cnc_devices"].find()}
    assert sorted(stored["A"]) == ["keep", "new"] and sorted(stored["B"]) == ["keep", "new"]
    assert stored["C"] == ["old"]
    writes = [call for call in trips.calls if call.operation == "update_many"]
    assert len(writes) == 1


def test_a_tag_change_of_1000_devices_lets_every_tenant_write_meanwhile(
    app, client, cnc, monkeypatch
):
    """The embedded store changes one write at a time for every organization of the process
    (`embedded.transactions.WRITES`). The largest change (1 000 devices, 32 tags of 64 characters
    removed, 32 added) held it 8-15 s in one update; it changes 100 devices a write now, in
    one transaction, which another organization's writes wait for, never for seconds."""
    old, new = ([f"{prefix * 60}{n:04d}" for n in range(32)] for prefix in "on")
    devices = [{"machineId": f"M{n:04d}", "tags": old, "revision": 1} for n in range(1000)]
    builders.ingested_devices(cnc, "monitoreo-cnc", devices)
    builders.organization(client, "globex", "Globex")
    waits, stop = [], threading.Event()

    def another_tenant_writes():
        other = app.test_client()
        while not stop.is_set():
            started = time.monotonic()
            status = other.put("/api/organizations/globex", json={"name": "G"}).status_code
            waits.append((started, time.monotonic() - started, status))

    writer = threading.Thread(target=another_tenant_writes)
    writer.start()
    try:
        trips = round_trips.install(monkeypatch)
        body = {"machineIds": [device["machineId"] for device in devices], "add": new}
        response = client.post(TAGS, json={**body, "remove": old})
    finally:
        stop.set()
        writer.join(timeout=60)

    assert (response.status_code, response.json) == (200, {"matched": 1000})
    stored = cnc["monitoreo-cnc_devices"].find({}, {"tags": 1})
    assert all(sorted(device["tags"]) == new for device in stored)
    assert [call.operation for call in trips.calls].count("update_many") == 10
    # One transaction: another tenant's writes wait for it, never for seconds.
    assert waits and {status for _, _, status in waits} == {200}
    assert max(wait for _, wait, _ in waits) < 2  # seconds: the test's own bound


@pytest.mark.parametrize(
    "body, field",
    [
        ({"machineIds": ["A", "NOPE"], "add": ["x"]}, "machineIds"),
        ({"machineIds": [], "add": ["x"]}, "machineIds"),
        ({"machineIds": ["A"] * 1001, "add": ["x"]}, "machineIds"),
        ({"machineIds": ["A"]}, "add"),
        ({"machineIds": ["A"], "add": ["bad tag"]}, "add"),
        ({"machineIds": ["A"], "add": [f"n{index}" for index in range(31)]}, "add"),
        ({"machineIds": "A", "add": ["x"]}, "machineIds"),
        ({"machineIds": ["A"], "add": ["x", "a1"], "remove": ["a1"]}, "remove"),
    ],
)
def test_a_bad_tag_change_changes_nothing(client, cnc, body, field):
    client.post(DEVICES, json={"machineId": "A", "tags": ["a1", "a2"]})

    with unchanged(cnc):
        response = client.post(TAGS, json=body)

    assert response.status_code == 400 and response.json["field"].startswith(field)


def test_an_unknown_id_is_named(client, cnc):
    client.post(DEVICES, json={"machineId": "A"})
    response = client.post(TAGS, json={"machineIds": ["A", "GHOST"], "add": ["x"]})
    assert "GHOST" in response.json["error"] and "A," not in response.json["error"]


# Indexes


def test_device_collections_have_an_index_for_each_sort_field_and_tags(app, client, cnc):
    refreshed(app)  # made by the refresh after the application's creation (index_builds)
    names = {index["name"] for index in cnc["monitoreo-cnc_devices"].list_indexes()}
    assert {"machineId_id", "name_id", "createdAt_id", "updatedAt_id", "tags"} <= names
    specs = {
        index.keys[0] for index in indexes.APPLICATION_INDEXES if index.collection == "devices"
    }
    assert {"machineId", "name", "createdAt", "updatedAt", "tags"} <= specs


def test_a_page_costs_one_count_and_one_read_wherever_it_is(client, cnc, monkeypatch):
    add_devices(client, [f"d{index}" for index in range(30)])
    trips = round_trips.install(monkeypatch)

    def calls_of(url):
        trips.clear()
        assert client.get(url).status_code == 200
        return [(call.namespace, call.operation) for call in trips.calls]

    first, later = calls_of(f"{DEVICES}?limit=5"), calls_of(f"{DEVICES}?limit=5&offset=25")

    assert first == later
    assert [call for call in later if call[0] == "acme.monitoreo-cnc_devices"] == [
        ("acme.monitoreo-cnc_devices", "count_documents"),
        ("acme.monitoreo-cnc_devices", "find"),
    ]


# Batch machine status


def state_queries(influx):
    return [ticket for ticket in influx.tickets if "FROM state" in ticket["sql_query"]]


def test_batch_status_answers_every_machine_asking_only_the_missing_ones_further_back(
    client, machines
):
    body = {"machineIds": ["CN1", "CN2", "CN4", "NOPE", "CN1"]}

    response = client.post("/device/status", json=body)

    assert response.status_code == 200
    assert response.json == {
        "CN1": {"power": True},
        "CN2": {"power": False},
        "CN4": {"power": False},
        "NOPE": {"power": None},
    }
    assert list(response.json) == ["CN1", "CN2", "CN4", "NOPE"]
    first, *wider = state_queries(machines)  # the hour answers all but NOPE
    assert sorted(first["params"].values()) == ["CN1", "CN2", "CN4", "NOPE"]
    assert [list(query["params"].values()) for query in wider] == [["NOPE"], ["NOPE"]]


def test_batch_status_of_machines_that_reported_within_the_hour_is_one_query(client, machines):
    response = client.post("/device/status", json={"machineIds": ["CN1", "CN2", "CN4"]})
    assert response.status_code == 200 and len(state_queries(machines)) == 1


def test_batch_status_agrees_with_each_machines_own_status(client, machines):
    ids = ["CN1", "CN2", "CN3", "CN4"]
    batch = client.post("/device/status", json={"machineIds": ids}).json
    assert {machine_id: client.get(f"/device/{machine_id}/status").json for machine_id in ids} == (
        batch
    )


def test_batch_status_shows_a_limited_caller_only_its_claimed_machines(app, client, cnc, machines):
    client.put("/api/organizations/globex", json={"name": "Globex"})
    client.post("/api/organizations/globex/applications", json={"applicationId": "p", "name": "P"})
    client.post(DEVICES, json={"machineId": "CN1"})
    client.post("/api/organizations/globex/applications/p/devices", json={"machineId": "CN2"})
    client.put("/api/machines/CN1", json={"organizationId": "acme", "since": "2020-01-01"})
    app.config.update(AUTH_MODE="required", JWT_SECRET=JWT_SECRET)
    token, _ = tokens.issue(JWT_SECRET, "vic", ["acme"], "viewer", 3600)

    response = client.post(
        "/device/status",
        json={"machineIds": ["CN1", "CN2", "CN4"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    anonymous = client.post("/device/status", json={"machineIds": ["CN1"]})

    assert (response.status_code, response.json) == (200, {"CN1": {"power": True}})
    assert anonymous.status_code == 401


@pytest.mark.parametrize(
    "body, field",
    [
        ({"machineIds": []}, "machineIds"),
        ({"machineIds": [f"M{index}" for index in range(501)]}, "machineIds"),
        ({"machineIds": ["a/b"]}, "machineIds"),
        ({"machineIds": "CN1"}, "machineIds"),
        ({}, "machineIds"),
    ],
)
def test_a_bad_batch_status_request_is_a_400_and_asks_nothing(client, machines, body, field):
    response = client.post("/device/status", json=body)
    assert response.status_code == 400 and response.json["field"].startswith(field)
    assert state_queries(machines) == []


# At fleet scale


@pytest.fixture
def fleet(client, cnc):
    """10 000 devices in one application, written as the ingestion would (names repeat, a
    third carry tags), plus the device made through the API."""
    rng = random.Random(7)
    documents = [
        {
            "machineId": f"FLEET-{index:05d}",
            "name": f"press {rng.randrange(500):03d}" if index % 10 else None,
            "tags": rng.sample(["line-1", "line-2", "zone:a", "night"], k=index % 3),
            "createdAt": index // 7,
        }
        for index in range(10_000)
    ]
    builders.ingested_devices(cnc, "monitoreo-cnc", documents)
    return documents


@pytest.mark.slow
@pytest.mark.parametrize("sort", ["name", "-createdAt"])
def test_a_walk_over_10_000_devices_is_disjoint_complete_and_ordered(client, fleet, sort):
    pages, total = walk(client, f"{DEVICES}?sort={sort}", 500)

    walked = [device for page in pages for device in page]
    ids = [device["_id"] for device in walked]
    assert total == len(fleet) == len(walked) == len(set(ids)) == 10_000
    field, descending = sort.lstrip("-"), sort.startswith("-")
    keys = [
        (device.get(field) is not None, device.get(field) or 0, device["_id"]) for device in walked
    ]
    assert keys == sorted(keys, reverse=descending)


@pytest.mark.slow
def test_tag_counts_and_filters_are_exact_at_10_000_devices(client, fleet):
    expected = {}
    for device in fleet:
        for tag in device["tags"]:
            expected[tag] = expected.get(tag, 0) + 1

    counts = client.get(TAGS).json
    filtered = client.get(f"{DEVICES}?tag=line-1&tag=night&limit=1")

    assert counts == [{"tag": tag, "count": expected[tag]} for tag in sorted(expected)]
    both = sum(1 for device in fleet if {"line-1", "night"} <= set(device["tags"]))
    assert filtered.headers["X-Total-Count"] == str(both)


@pytest.mark.slow
def test_1000_organizations_page_at_the_cost_of_one_page(client, mongo, monkeypatch):
    shared = mongo["syncapi"]
    for index in range(1000):  # as the API makes them: metadata, and the summary kept on write
        organization_id = f"org-{index:04d}"
        mongo[organization_id].config.insert_one({"key": "organization", "value": {}})
        summaries.organization_created(shared, organization_id)
    trips = round_trips.install(monkeypatch)

    def summary_calls(url):
        trips.clear()
        response = client.get(url)
        calls = [(c.namespace, c.operation) for c in trips.calls if "organization_s" in c.namespace]
        return response, calls

    first, first_calls = summary_calls("/api/organizations?limit=50")
    second, second_calls = summary_calls("/api/organizations?limit=50&offset=50")
    pages, total = walk(client, "/api/organizations", 50)

    assert [item["id"] for item in second.json][:2] == ["org-0050", "org-0051"]
    assert (
        first_calls
        == second_calls
        == [
            ("syncapi.organization_summaries", "count_documents"),
            ("syncapi.organization_summaries", "find"),
        ]
    )
    walked = [item["id"] for page in pages for item in page]
    assert total == 1000 and len(pages) == 20 and walked == sorted(set(walked))


def test_ensure_indexes_adds_the_list_indexes_to_an_existing_application(app, client, cnc):
    devices = cnc["monitoreo-cnc_devices"]
    refreshed(app)
    for name in ("machineId_id", "name_id", "createdAt_id", "updatedAt_id", "tags"):
        devices.drop_index(name)  # an application made before lists were paged and sorted

    result = reconcile(app)

    assert result.exit_code == 0, result.output
    names = {index["name"] for index in devices.list_indexes()}
    assert {"machineId_id", "name_id", "createdAt_id", "updatedAt_id", "tags"} <= names


def test_batch_status_on_mongodb_without_influxdb_is_a_503_naming_the_settings(app):
    """(On the embedded store it reads the embedded engine: test_embedded_influx.)"""
    client = as_server(app).test_client()
    response = client.post("/device/status", json={"machineIds": ["CN1"]})
    assert response.status_code == 503
    assert response.json["details"] == "INFLUXDB_HOST, INFLUXDB_TOKEN, INFLUXDB_DATABASE not set"


def test_batch_status_for_a_limited_caller_without_mongodb_is_a_503(offline_app):
    offline_app.config.update(AUTH_MODE="required", JWT_SECRET=JWT_SECRET)
    token, _ = tokens.issue(JWT_SECRET, "vic", ["acme"], "viewer", 3600)

    response = offline_app.test_client().post(
        "/device/status",
        json={"machineIds": ["CN1"]},
        headers={"Authorization": f"Bearer {token}"},
    )

    assert (response.status_code, response.json) == (503, {"error": "MongoDB unavailable"})


def test_listed_applications_keep_the_contracts_key_order(client, cnc):
    """Stored settings in their stored order between the id and the computed counts."""
    listed = client.get(f"{ORG}/applications").json[0]
    single = client.get(APP).json

    assert list(listed)[0] == "applicationId"
    assert list(listed)[-2:] == ["deviceCount", "lastModified"]
    assert list(single)[:3] == ["applicationId", "name", "description"]


def test_a_viewer_may_read_tags_but_not_change_them(app, client, cnc):
    client.post(DEVICES, json={"machineId": "A"})
    app.config.update(AUTH_MODE="required", JWT_SECRET=JWT_SECRET)
    token, _ = tokens.issue(JWT_SECRET, "vic", ["acme"], "viewer", 3600)
    headers = {"Authorization": f"Bearer {token}"}

    with unchanged(cnc):
        change = client.post(TAGS, json={"machineIds": ["A"], "add": ["x"]}, headers=headers)
    read = client.get(TAGS, headers=headers)

    assert change.status_code == 403 and read.status_code == 200
