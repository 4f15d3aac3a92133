"""`/device`: per-machine time series (spec/device.md routes 1-2) and the legacy CRUD over
the shared database (routes 3-6)."""

import re
from urllib.parse import quote

import pytest

from tests.helpers import MAIN_DB, unchanged
from tests.influx_standin import epoch_ms, table

TANK = {"machineId": "A1B2C3D4E5F60708", "name": "Tank 3", "properties": {"max_tank_volume": 2500}}


def test_create_stores_the_schema_fields_and_drops_others(client, shared, started):
    response = client.post("/device/new", json={**TANK, "extra": 1, "_id": "x", "createdAt": "x"})

    assert response.status_code == 201
    stored = shared.devices.find_one({"machineId": TANK["machineId"]})
    assert response.json["_id"] == str(stored["_id"])
    assert {key: stored[key] for key in TANK} == TANK
    assert (stored["connectors"], stored["events"]) == ([], [])
    assert "extra" not in stored
    assert stored["createdAt"] != "x"
    assert "machineId_unique" in shared.devices.index_information()


def test_create_keeps_application_and_organization_as_given(client, shared):
    body = {"machineId": "M1", "applicationId": "oil-monitor", "organizationId": "acme"}
    assert client.post("/device/new", json=body).status_code == 201
    stored = shared.devices.find_one({"machineId": "M1"})
    assert (stored["applicationId"], stored["organizationId"]) == ("oil-monitor", "acme")


LEGACY_BAD_INPUTS = [
    ({"name": "x"}, "machineId"),
    ({"machine_id": "M1"}, "machineId"),
    ({"machineId": ""}, "machineId"),
    ({"machineId": "a/b"}, "machineId"),
    ({"machineId": {"$gt": ""}}, "machineId"),
    ({"machineId": "M", "events": [{"id": "M30"}]}, "events[0].class"),
    ({"machineId": "M", "connectors": "Fanuc"}, "connectors"),
    ({"machineId": "M", "properties": {"$set": 1}}, "properties.$set"),
    ({"machineId": "M", "applicationId": 5}, "applicationId"),
    ({"machineId": "M", "organizationId": "Acme"}, "organizationId"),
    ({"machineId": "M", "organizationId": "admin"}, "organizationId"),
    ({"machineId": "M", "organizationId": "syncapi"}, "organizationId"),
]


@pytest.mark.parametrize(("payload", "field"), LEGACY_BAD_INPUTS)
def test_create_refuses_bad_input(client, shared, payload, field):
    with unchanged(shared):
        response = client.post("/device/new", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_duplicate_machine_id_is_409(client, shared, started):
    client.post("/device/new", json=TANK)
    response = client.post("/device/new", json=TANK)
    assert response.status_code == 409
    assert response.json["field"] == "machineId"
    assert shared.devices.count_documents({}) == 1


def test_get_by_machine_id_and_new_is_just_an_id(client, shared):
    created = client.post("/device/new", json=TANK).json
    assert client.get(f"/device/{TANK['machineId']}").json == created
    assert client.get("/device/new").json == {"error": "Device not found"}


def test_update_sets_sent_keys_only_and_returns_the_document(client, shared):
    client.post("/device/new", json=TANK)

    response = client.put(
        f"/device/{TANK['machineId']}", json={"name": "Tank 4", "createdAt": "x", "extra": 1}
    )

    assert response.status_code == 200
    stored = shared.devices.find_one()
    assert response.json["name"] == stored["name"] == "Tank 4"
    assert stored["properties"] == TANK["properties"]
    assert "extra" not in stored and stored["createdAt"] != "x"


def test_update_renames_unless_taken(client, shared, started):
    client.post("/device/new", json={"machineId": "A"})
    client.post("/device/new", json={"machineId": "B"})
    assert client.put("/device/A", json={"machineId": "B"}).status_code == 409
    assert client.put("/device/A", json={"machineId": "C"}).json["machineId"] == "C"
    assert sorted(doc["machineId"] for doc in shared.devices.find()) == ["B", "C"]


@pytest.mark.parametrize(("payload", "field"), LEGACY_BAD_INPUTS[2:])
def test_update_refuses_bad_input(client, shared, payload, field):
    client.post("/device/new", json={"machineId": "M"})
    with unchanged(shared):
        response = client.put("/device/M", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_delete(client, shared):
    client.post("/device/new", json=TANK)
    response = client.delete(f"/device/{TANK['machineId']}")
    assert response.json == {"message": "Device deleted successfully"}
    assert shared.devices.count_documents({}) == 0


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_unknown_device_is_404(client, shared, method):
    response = getattr(client, method)("/device/NOPE", json={"name": "x"})
    assert (response.status_code, response.json) == (404, {"error": "Device not found"})


def test_secrets_in_properties_are_masked_and_kept_when_sent_back(client, shared):
    properties = {"max_tank_volume": 2500, "apiKey": "k", "uplink": "https://h/u?sig=s&x=1"}
    shown = {
        "max_tank_volume": 2500,
        "apiKey": "********",
        "uplink": "https://h/u?sig=********&x=1",
    }
    created = client.post("/device/new", json={**TANK, "properties": properties})
    read = client.get(f"/device/{TANK['machineId']}")

    updated = client.put(
        f"/device/{TANK['machineId']}", json={"properties": read.json["properties"]}
    )

    assert [answer.json["properties"] for answer in (created, read, updated)] == [shown] * 3
    assert shared.devices.find_one()["properties"] == properties


# Per-machine events and status (InfluxDB)


def test_events_of_one_machine_newest_first(client, machines, now_ns):
    response = client.get("/device/CN1/events")

    assert response.status_code == 200
    rows = response.json
    assert [row["time"] for row in rows] == [
        epoch_ms(ago, now_ns) for ago in (60, 60, 90, 90, 90, 120)
    ]
    assert {row["machine_id"] for row in rows} == {"CN1"}
    assert (rows[-1]["event_id"], rows[-1]["event_value"]) == ("execution", "STOPPED")
    assert {row["event_class"] for row in rows} == {
        "execution",
        "mode",
        "op_code",
        "piece_id",
        "pieces_produced",
    }
    assert set(rows[0]) == {"time", "machine_id", "event_id", "event_value", "event_class"}


def test_events_of_a_machine_without_recent_data_are_empty(client, machines):
    assert client.get("/device/CN4/events").json == []
    assert client.get("/device/UNKNOWN/events").json == []


def test_events_of_one_machine_stop_at_twenty(client, influx, now_ns):
    rows = [{"ago": 10 + n, "machine_id": "T1", "event_value": float(n)} for n in range(25)]
    rows.append({"ago": 1, "machine_id": "T2", "event_value": 0.0})
    influx.databases[MAIN_DB] = {"events": table(rows, now_ns)}

    response = client.get("/device/T1/events")
    assert [row["event_value"] for row in response.json] == [str(float(n)) for n in range(20)]


@pytest.mark.parametrize(
    ("machine_id", "power"),
    [
        ("CN1", True),  # latest of two samples
        ("CN2", False),  # switched off after being on
        ("CN4", False),
        ("UNKNOWN", None),
    ],
)
def test_status_is_the_latest_power_sample(client, machines, machine_id, power):
    response = client.get(f"/device/{machine_id}/status")
    assert (response.status_code, response.json) == (200, {"power": power})


HOUR = 3600
STATUS_ROWS = [
    {"ago": HOUR / 2, "machine_id": "RECENT", "power": True},
    {"ago": 5 * HOUR, "machine_id": "TODAY", "power": False},
    {"ago": 600, "machine_id": "TODAY", "mode": "MANUAL"},  # newer, but without power
    {"ago": 36 * HOUR, "machine_id": "YESTERDAY", "power": True},
    {"ago": 3 * 24 * HOUR, "machine_id": "SILENT", "power": True},  # beyond the widest window
]


@pytest.mark.parametrize(
    ("machine_id", "power", "windows"),
    [
        ("RECENT", True, ["1 hour"]),
        ("TODAY", False, ["1 hour", "1 day"]),
        ("YESTERDAY", True, ["1 hour", "1 day", "2 days"]),
        ("SILENT", None, ["1 hour", "1 day", "2 days"]),
        ("UNKNOWN", None, ["1 hour", "1 day", "2 days"]),
    ],
)
def test_status_looks_back_in_widening_windows_up_to_two_days(
    client, influx, now_ns, machine_id, power, windows
):
    """Never "all history": InfluxDB 3 Core refuses a query over more Parquet files than its
    `--query-file-limit` (spec §13.7). A machine that reported within the hour costs one
    query; beyond two days the answer is null."""
    influx.databases[MAIN_DB] = {"state": table(STATUS_ROWS, now_ns)}

    response = client.get(f"/device/{machine_id}/status")

    assert (response.status_code, response.json) == (200, {"power": power})
    asked = [t["sql_query"] for t in influx.tickets if "FROM state" in t["sql_query"]]
    assert [re.search(r"INTERVAL '([^']+)'", sql).group(1) for sql in asked] == windows


def test_status_without_a_state_table_is_null(client, influx):
    influx.databases[MAIN_DB] = {}
    assert client.get("/device/CN1/status").json == {"power": None}


INJECTION = "x' OR '1'='1"


def test_a_machine_id_is_a_query_parameter_never_sql(client, machines):
    events = client.get(f"/device/{quote(INJECTION)}/events")
    status = client.get(f"/device/{quote(INJECTION)}/status")

    assert (events.status_code, events.json) == (200, [])
    assert (status.status_code, status.json) == (200, {"power": None})
    queries = [ticket for ticket in machines.tickets if "params" in ticket]
    assert len(queries) == 4  # the events, and the status in its three windows
    for ticket in queries:
        assert ticket["params"] == {"m0": INJECTION}
        assert INJECTION not in ticket["sql_query"]
        assert "machine_id IN ($m0)" in ticket["sql_query"]


def test_a_machine_id_with_quotes_is_found_as_is(client, influx, now_ns):
    rows = [{"ago": 5, "machine_id": "O'Brien-1", "power": True, "mode": "AUTO"}]
    influx.databases[MAIN_DB] = {"state": table(rows, now_ns)}

    path = "/device/" + quote("O'Brien-1")
    assert client.get(f"{path}/status").json == {"power": True}
    assert client.get(f"{path}/events").json[0]["event_value"] == "AUTO"


@pytest.mark.parametrize("machine_id", ["%20", "%20%20", "a" * 129])
@pytest.mark.parametrize("route", ["events", "status"])
def test_a_blank_or_long_machine_id_is_400(client, influx, machine_id, route):
    response = client.get(f"/device/{machine_id}/{route}")
    assert response.status_code == 400
    assert response.json["field"] == "machineId"
    assert influx.tickets == []


def test_a_failed_query_is_500_without_its_cause(client, influx):
    """The stand-in has no database: InfluxDB answers with an error, not with rows."""
    for route in ("events", "status"):
        response = client.get(f"/device/CN1/{route}")
        assert (response.status_code, response.json) == (500, {"error": "Error querying InfluxDB"})


@pytest.mark.parametrize("stored", [1, "true"])
def test_a_power_that_is_not_a_boolean_is_null(client, influx, now_ns, stored):
    """The console shows "connected" only for JSON true: anything else is no answer."""
    influx.databases[MAIN_DB] = {
        "state": table([{"ago": 5, "machine_id": "P1", "power": stored}], now_ns)
    }
    assert client.get("/device/P1/status").json == {"power": None}
