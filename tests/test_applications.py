"""`/api/applications` (`blueprints/applications.py`, spec/applications.md), route by route."""

import json
import time
from datetime import UTC, datetime

import pytest
from bson import ObjectId

from syncapi.core import clock
from tests.helpers import OPERATOR, unchanged

APP = "/api/applications/acme/applications/monitoreo-cnc"

# The console's own request bodies (console-calls.md rows 24, 27, 44).
CONSOLE_EVENT_CLASS = {
    "className": "MODE",
    "topic": "accepted",
    "type": "STR",
    "auth_values": ["EDIT", "MANUAL", "AUTOMATIC"],
}
CONSOLE_FUNCTION = {
    "name": "Magnitud",
    "type": "Algebraic Function",
    "expression": "sqrt(x*x+y*y)",
    "variables": ["x", "y"],
    "events": [
        {
            "type": "event",
            "eventClass": "CARTESIAN_POSITION",
            "event": "CARTESIAN_POSITION",
            "name": "x",
        }
    ],
    "description": "",
}
CONSOLE_COUNTER = {
    "name": "Contador de piezas",
    "type": "Counter",
    "expression": "",
    "variables": [],
    "events": [],
    "counter": {"name": "pieces_counter", "eventClass": "PIECES"},
    "description": "Cuenta piezas",
}
CONSOLE_CONNECTOR = {
    "name": "Fanuc",
    "driver": "fanuc",
    "description": "Connector Fanuc for application",
    "properties": {},
    "collections": {"STATE": {"used": True, "variables": {}}},
    "organizationId": "autentiodemo",
}


@pytest.fixture
def same_millisecond(monkeypatch):
    moment = datetime.fromtimestamp(1733590000, UTC)  # every generated id from this ms
    monkeypatch.setattr(clock, "now", lambda: moment)


# The mount: its test route, and the organizations and applications it does not know


def test_test_route_touches_no_database(client, mongo):
    response = client.get("/api/applications/test")
    assert response.status_code == 200
    assert response.json == {"message": "Application routes are working!"}
    assert mongo.list_database_names() == []


@pytest.mark.parametrize(
    "path",
    ["/devices", "/config", "/stats", "/event-classes", "/functions", "/connectors"],
)
def test_unknown_organization_and_application_are_404(client, cnc, path):
    other_org = client.get(f"/api/applications/nobody/applications/monitoreo-cnc{path}")
    other_app = client.get(f"/api/applications/acme/applications/robosync{path}")
    assert (other_org.status_code, other_org.json) == (404, {"error": "Organization not found"})
    assert (other_app.status_code, other_app.json) == (404, {"error": "Application not found"})


def test_malformed_ids_are_400(client, cnc):
    bad_org = client.get("/api/applications/Acme/applications/monitoreo-cnc/devices")
    bad_app = client.get("/api/applications/acme/applications/Monitoreo/devices")
    assert (bad_org.status_code, bad_org.json["field"]) == (400, "organizationId")
    assert (bad_app.status_code, bad_app.json["field"]) == (400, "applicationId")


# Devices through this mount: the same code as under /api/organizations


def test_device_create_accepts_machine_id_and_stores_machine_id(client, cnc):
    response = client.post(f"{APP}/devices", json={"machine_id": "CN6", "name": "CN6"})

    assert response.status_code == 201
    stored = cnc["monitoreo-cnc_devices"].find_one()
    assert stored["machineId"] == "CN6"
    assert "machine_id" not in stored
    org_view = client.get("/api/organizations/acme/applications/monitoreo-cnc/devices/CN6")
    assert org_view.json == response.json
    assert client.get(f"{APP}/devices").json == [response.json]


def test_device_create_without_id_is_400(client, cnc):
    response = client.post(f"{APP}/devices", json={"name": "CN6"})
    assert response.status_code == 400
    assert response.json == {"error": "machineId is required", "field": "machineId"}


# An application's config and stats


def test_config_maps_keys_to_values_later_duplicates_winning(client, cnc):
    cnc["monitoreo-cnc_config"].insert_many(
        [
            {"key": "sampleIntervalMs", "value": 500},
            {"key": "featureFlags", "value": {"alarms": True}},
            {"key": "sampleIntervalMs", "value": 1000},
            {"value": "no key"},
        ]
    )
    response = client.get(f"{APP}/config")
    assert response.status_code == 200
    assert response.json == {"sampleIntervalMs": 1000, "featureFlags": {"alarms": True}}


def test_config_is_empty_by_default(client, cnc):
    assert client.get(f"{APP}/config").json == {}


def test_stats_count_devices(client, cnc):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    response = client.get(f"{APP}/stats")
    assert response.status_code == 200
    assert response.json["applicationId"] == "monitoreo-cnc"
    assert response.json["deviceCount"] == 1
    assert response.json["lastActivity"].endswith("Z")


# Event classes: created one by one, or the whole set replaced (never left empty)


def test_create_event_class_from_the_console_body(client, cnc, same_millisecond):
    response = client.post(f"{APP}/event-classes", json=CONSOLE_EVENT_CLASS)

    assert response.status_code == 201
    assert response.json == {
        "id": "ec_1733590000000",
        "class": "MODE",
        "topic": "accepted",
        "type": "STR",
        "auth_values": ["EDIT", "MANUAL", "AUTOMATIC"],
    }
    stored = cnc["monitoreo-cnc_events"].find_one()
    assert stored["applicationId"] == "monitoreo-cnc"
    assert "className" not in stored
    assert stored["createdAt"] == stored["updatedAt"]


def test_generated_ids_never_collide_within_a_millisecond(client, cnc, same_millisecond):
    ids = [
        client.post(f"{APP}/event-classes", json={"class": "A", "topic": "t", "type": "INT"}).json[
            "id"
        ]
        for _ in range(3)
    ]
    assert ids == ["ec_1733590000000", "ec_1733590000000_1", "ec_1733590000000_2"]


def test_type_specific_keys_are_kept_only_for_their_type(client, cnc):
    payload = {"auth_values": ["ON"], "values_range": [-360, 360]}
    floats = client.post(
        f"{APP}/event-classes", json={"class": "J", "topic": "t", "type": "FLOAT", **payload}
    )
    ints = client.post(
        f"{APP}/event-classes", json={"class": "K", "topic": "t", "type": "INT", **payload}
    )

    assert floats.json["values_range"] == [-360, 360]
    assert "auth_values" not in floats.json
    assert "auth_values" not in ints.json and "values_range" not in ints.json
    stored = cnc["monitoreo-cnc_events"].find_one({"class": "K"})
    assert "auth_values" not in stored and "values_range" not in stored


def test_a_sent_event_class_id_already_used_is_409(client, cnc):
    body = {"id": "ec_mode", "class": "MODE", "topic": "t", "type": "STR"}
    assert client.post(f"{APP}/event-classes", json=body).status_code == 201
    response = client.post(f"{APP}/event-classes", json=body)
    assert response.status_code == 409
    assert response.json["field"] == "id"
    assert cnc["monitoreo-cnc_events"].count_documents({}) == 1


EVENT_CLASS_BAD_INPUTS = [
    ({"topic": "t", "type": "STR"}, "class"),
    ({"class": "", "topic": "t", "type": "STR"}, "class"),
    ({"className": 5, "topic": "t", "type": "STR"}, "class"),
    ({"class": "A", "type": "STR"}, "topic"),
    ({"class": "A", "topic": OPERATOR, "type": "STR"}, "topic"),
    ({"class": "A", "topic": "t"}, "type"),
    ({"class": "A", "topic": "t", "type": "TEXT"}, "type"),
    ({"class": "A", "topic": "t", "type": "str"}, "type"),
    ({"class": "A", "topic": "t", "type": "STR", "auth_values": "ON"}, "auth_values"),
    ({"class": "A", "topic": "t", "type": "STR", "auth_values": [1]}, "auth_values[0]"),
    ({"class": "A", "topic": "t", "type": "FLOAT", "values_range": [1]}, "values_range"),
    ({"class": "A", "topic": "t", "type": "FLOAT", "values_range": [1, 2, 3]}, "values_range"),
    ({"class": "A", "topic": "t", "type": "FLOAT", "values_range": [5, 1]}, "values_range"),
    ({"class": "A", "topic": "t", "type": "FLOAT", "values_range": ["1", 2]}, "values_range[0]"),
    ({"class": "A", "topic": "t", "type": "FLOAT", "values_range": [True, 2]}, "values_range[0]"),
    ({"class": "A", "topic": "t", "type": "STR", "id": ""}, "id"),
    ({"class": "A", "topic": "t", "type": "STR", "id": "x" * 129}, "id"),
    ({"class": "A", "topic": "t", "type": "STR", "id": "."}, "id"),
    ({"class": "A", "topic": "t", "type": "STR", "extra": 1}, "extra"),
]


@pytest.mark.parametrize(("payload", "field"), EVENT_CLASS_BAD_INPUTS)
def test_create_event_class_refuses_bad_input(client, cnc, payload, field):
    with unchanged(cnc):
        response = client.post(f"{APP}/event-classes", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_list_event_classes_hides_internal_fields_and_other_apps(client, cnc):
    client.post(
        f"{APP}/event-classes", json={"id": "e1", "class": "A", "topic": "t", "type": "BOOL"}
    )
    cnc["monitoreo-cnc_events"].insert_one(
        {"id": "old", "className": "LEGACY", "topic": "t", "type": "STR", "applicationId": "robo"}
    )
    response = client.get(f"{APP}/event-classes")
    assert response.json == [{"id": "e1", "class": "A", "topic": "t", "type": "BOOL"}]


def test_put_replaces_the_whole_set_in_request_order(client, cnc, same_millisecond):
    client.post(
        f"{APP}/event-classes", json={"id": "old", "class": "A", "topic": "t", "type": "INT"}
    )
    items = [
        {"className": "B", "topic": "b", "type": "BOOL"},
        {"id": "keep", "class": "C", "topic": "c", "type": "STR", "auth_values": ["X"]},
    ]

    response = client.put(f"{APP}/event-classes", json=items)

    assert response.status_code == 200
    assert response.json == [
        {"id": "ec_1733590000000_0", "class": "B", "topic": "b", "type": "BOOL"},
        {"id": "keep", "class": "C", "topic": "c", "type": "STR", "auth_values": ["X"]},
    ]
    assert client.get(f"{APP}/event-classes").json == response.json


def test_put_with_a_bad_third_item_leaves_the_old_set_intact(client, cnc):
    for index in range(2):
        client.post(
            f"{APP}/event-classes",
            json={"id": f"e{index}", "class": "A", "topic": "t", "type": "INT"},
        )
    items = [{"class": f"C{index}", "topic": "t", "type": "INT"} for index in range(5)]
    del items[2]["topic"]
    with unchanged(cnc):
        response = client.put(f"{APP}/event-classes", json=items)
    assert response.status_code == 400
    assert response.json == {"error": "topic is required", "field": "[2].topic"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"class": "A"}, {"error": "Event classes must be an array"}),
        ("not json", {"error": "Event classes must be an array"}),
        (
            [{"id": "x", "class": "A", "topic": "t", "type": "INT"}] * 2,
            {"error": "id is used twice in the array", "field": "[1].id"},
        ),
        ([5], {"error": "[0] must be an object", "field": "[0]"}),
    ],
)
def test_put_refuses_what_is_not_an_array_of_valid_items(client, cnc, body, expected):
    client.post(f"{APP}/event-classes", json={"id": "e", "class": "A", "topic": "t", "type": "INT"})
    with unchanged(cnc):
        if isinstance(body, str):
            response = client.put(
                f"{APP}/event-classes", data=body, content_type="application/json"
            )
        else:
            response = client.put(f"{APP}/event-classes", json=body)
    assert response.status_code == 400
    assert response.json == expected


def test_put_an_empty_array_clears_the_set(client, cnc):
    client.post(f"{APP}/event-classes", json={"class": "A", "topic": "t", "type": "INT"})
    assert client.put(f"{APP}/event-classes", json=[]).json == []
    assert cnc["monitoreo-cnc_events"].count_documents({}) == 0


def test_replacing_event_classes_never_leaves_the_application_without_any(client, cnc, monkeypatch):
    """Whatever a reader sees between the swap's writes, the set is never empty (the console
    and the pipeline read it at any moment)."""
    from syncapi.embedded.store import EmbeddedCollection

    first = [{"id": "a", "class": "A", "topic": "t", "type": "STR"}]
    assert client.put(f"{APP}/event-classes", json=first).status_code == 200
    seen = []
    for method in ("bulk_write", "delete_many", "insert_many", "replace_one"):
        original = getattr(EmbeddedCollection, method)

        def observed(self, *args, _original=original, **kwargs):
            result = _original(self, *args, **kwargs)
            if self.name == "monitoreo-cnc_events":
                seen.append([doc["id"] for doc in self.find({"applicationId": "monitoreo-cnc"})])
            return result

        monkeypatch.setattr(EmbeddedCollection, method, observed)

    second = [{"id": "b", "class": "B", "topic": "t", "type": "INT"}]
    response = client.put(f"{APP}/event-classes", json=second)

    assert response.status_code == 200
    assert seen and all(seen), seen
    assert [doc["id"] for doc in cnc["monitoreo-cnc_events"].find()] == ["b"]


def test_two_replacements_at_once_never_leave_the_application_without_classes(
    app, cnc, monkeypatch
):
    """Each would delete the other's classes: they run one after the other, or one of the
    two is a 409 to retry instead, and the set is whole either way."""
    import threading

    from syncapi.embedded.store import EmbeddedCollection

    gate, delete = threading.Barrier(2, timeout=0.5), EmbeddedCollection.delete_many

    def delete_after_both_wrote(self, *args, **kwargs):
        if self.name == "monitoreo-cnc_events":
            try:
                gate.wait()
            except threading.BrokenBarrierError:
                pass  # the other request was refused: nothing to wait for
        return delete(self, *args, **kwargs)

    monkeypatch.setattr(EmbeddedCollection, "delete_many", delete_after_both_wrote)
    answers = {}

    def replace(name):
        body = [{"id": name, "class": name.upper(), "topic": "t", "type": "STR"}]
        answers[name] = app.test_client().put(f"{APP}/event-classes", json=body).status_code

    threads = [threading.Thread(target=replace, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    # Each runs in a transaction: the second waits for the first (or is a 409 to retry).
    assert 200 in answers.values() and set(answers.values()) <= {200, 409}
    kept = [doc["id"] for doc in cnc["monitoreo-cnc_events"].find()]
    assert kept in ([name] for name, status in answers.items() if status == 200)
    assert cnc.config.count_documents({"key": {"$regex": "^lock:"}}) == 0  # lease released


# Functions


def test_create_function_from_the_console_body(client, cnc, same_millisecond):
    response = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION)

    assert response.status_code == 201
    expected = {"id": "fn_1733590000000", **CONSOLE_FUNCTION, "counter": None, "revision": 1}
    assert response.json == expected
    stored = cnc.functions.find_one()
    assert stored["applicationId"] == "monitoreo-cnc"
    assert client.get(f"{APP}/functions").json == [response.json]


def test_a_counter_expression_defaults_to_the_counter_name(client, cnc):
    body = {key: value for key, value in CONSOLE_COUNTER.items() if key != "expression"}
    response = client.post(f"{APP}/functions", json=body)
    assert response.status_code == 201
    assert response.json["expression"] == "pieces_counter"
    assert cnc.functions.find_one()["counter"] == {"name": "pieces_counter", "eventClass": "PIECES"}


def test_the_console_counter_body_gets_the_counter_name_as_expression(client, cnc):
    response = client.post(f"{APP}/functions", json=CONSOLE_COUNTER)  # sends "expression": ""
    assert response.json["expression"] == "pieces_counter"
    assert cnc.functions.find_one()["expression"] == "pieces_counter"


def test_generated_function_ids_never_collide(client, cnc, same_millisecond):
    first = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION).json["id"]
    second = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION).json["id"]
    assert (first, second) == ("fn_1733590000000", "fn_1733590000000_1")


def test_a_sent_function_id_already_used_is_409(client, cnc):
    client.post(f"{APP}/functions", json={**CONSOLE_FUNCTION, "id": "fn_mag"})
    response = client.post(f"{APP}/functions", json={**CONSOLE_FUNCTION, "id": "fn_mag"})
    assert response.status_code == 409
    assert cnc.functions.count_documents({}) == 1


def with_expression(expression, variables=("x", "y")):
    return {**CONSOLE_FUNCTION, "expression": expression, "variables": list(variables)}


FUNCTION_BAD_INPUTS = [
    ({**CONSOLE_FUNCTION, "name": ""}, "name"),
    ({**CONSOLE_FUNCTION, "name": OPERATOR}, "name"),
    ({**CONSOLE_FUNCTION, "variables": "x,y"}, "variables"),
    ({key: v for key, v in CONSOLE_FUNCTION.items() if key != "variables"}, "variables"),
    ({**CONSOLE_FUNCTION, "events": {}}, "events"),
    ({**CONSOLE_FUNCTION, "events": [{"type": "signal", "name": "x"}]}, "events[0].type"),
    ({key: v for key, v in CONSOLE_FUNCTION.items() if key != "expression"}, "expression"),
    ({**CONSOLE_COUNTER, "counter": None}, "counter.name"),
    ({**CONSOLE_COUNTER, "counter": {"name": " ", "eventClass": "P"}}, "counter.name"),
    ({**CONSOLE_COUNTER, "counter": "pieces"}, "counter"),
    ({**CONSOLE_FUNCTION, "id": ""}, "id"),
    ({**CONSOLE_FUNCTION, "owner": "me"}, "owner"),
    (with_expression("sqrt(x*x+"), "expression"),
    (with_expression("x y"), "expression"),
    (with_expression(""), "expression"),
    (with_expression("x + z"), "expression"),
    (with_expression("__import__('os').system('id')"), "expression"),
    (with_expression("x.real"), "expression"),
    (with_expression("x.__class__"), "expression"),
    (with_expression("[x][0]"), "expression"),
    (with_expression("'a' * 3"), "expression"),
    (with_expression("lambda: 1"), "expression"),
    (with_expression("open('/etc/passwd')"), "expression"),
    (with_expression("9**9**9"), "expression"),
    (with_expression("x ^ 9 ^ 9"), "expression"),
    (with_expression("2 ** 100000"), "expression"),
    (with_expression("x + " * 2500 + "y"), "expression"),
    (with_expression("-" * 200 + "x"), "expression"),
    (with_expression("round(x, ndigits=2)"), "expression"),
    (with_expression("sin"), "expression"),
    (with_expression("max + 1"), "expression"),
    (with_expression("max()"), "expression"),
    (with_expression("abs(x, y)"), "expression"),
    (with_expression("atan2(x)"), "expression"),
    ({**CONSOLE_FUNCTION, "type": " "}, "type"),
    ({**CONSOLE_FUNCTION, "id": "a/b"}, "id"),
    ({**CONSOLE_FUNCTION, "id": ".."}, "id"),
    ({**CONSOLE_FUNCTION, "id": "fn\u00ad1"}, "id"),  # a soft hyphen
    ({**CONSOLE_FUNCTION, "": 1}, ""),
]


@pytest.mark.parametrize(("payload", "field"), FUNCTION_BAD_INPUTS)
def test_create_function_refuses_bad_input(client, cnc, payload, field):
    with unchanged(cnc):
        response = client.post(f"{APP}/functions", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("x + z", "uses 'z', which the function does not declare"),
        ("sqrt(x*x+", "has a syntax error"),
        ("x + " * 250 + "y", "is too long"),
        ("9**9**9", "is too large"),
    ],
)
def test_an_expression_error_says_why(client, cnc, expression, reason):
    response = client.post(f"{APP}/functions", json=with_expression(expression))
    assert response.json["error"].startswith("expression ")
    assert reason in response.json["error"]


def test_event_names_are_declared_names(client, cnc):
    payload = {
        **with_expression("x * speed", ["x"]),
        "events": [{"type": "event", "name": "speed"}],
    }
    response = client.post(f"{APP}/functions", json=payload)
    assert response.status_code == 201
    assert response.json["events"] == [{"type": "event", "name": "speed"}]
    assert cnc.functions.find_one()["events"] == [{"type": "event", "name": "speed"}]


def test_update_function_replaces_its_definition(client, cnc):
    function_id = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION).json["id"]

    response = client.put(
        f"{APP}/functions/{function_id}", json={**CONSOLE_COUNTER, "id": "ignored"}
    )

    assert response.status_code == 200
    assert response.json["id"] == function_id
    assert response.json["type"] == "Counter"
    stored = cnc.functions.find_one({"id": function_id})
    assert stored["counter"]["name"] == "pieces_counter"
    assert stored["description"] == "Cuenta piezas"
    assert stored["updatedAt"] >= stored["createdAt"]


@pytest.mark.parametrize(
    ("payload", "field"), FUNCTION_BAD_INPUTS[:12] + FUNCTION_BAD_INPUTS[16:19]
)
def test_update_function_refuses_bad_input(client, cnc, payload, field):
    function_id = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION).json["id"]
    with unchanged(cnc):
        response = client.put(f"{APP}/functions/{function_id}", json=payload)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_delete_function_answers_json(client, cnc):
    function_id = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION).json["id"]
    response = client.delete(f"{APP}/functions/{function_id}")
    assert response.status_code == 200
    assert response.json == {"message": "Function deleted successfully"}
    assert cnc.functions.count_documents({}) == 0


@pytest.mark.parametrize("method", ["put", "delete"])
def test_unknown_function_is_404(client, cnc, method):
    response = getattr(client, method)(f"{APP}/functions/fn_none", json=CONSOLE_FUNCTION)
    assert response.status_code == 404
    assert response.json == {"error": "Function not found"}


# Evaluating a function: its result, or why it has none


def evaluate(client, cnc, expression, values, variables=("x", "y")):
    cnc.functions.insert_one(
        {
            "id": "fn_eval",
            "applicationId": "monitoreo-cnc",
            "type": "Algebraic Function",
            "expression": expression,
            "variables": list(variables),
            "events": [],
        }
    )
    return client.post(f"{APP}/functions/fn_eval/evaluate", json={"values": values})


@pytest.mark.parametrize(
    ("expression", "values", "result"),
    [
        ("sqrt(x*x+y*y)", {"x": 3, "y": 4}, 5.0),
        ("x^2 + y", {"x": 3, "y": 1}, 10.0),
        ("2^3^2", {}, 512.0),
        ("x ** 0.5", {"x": 16}, 4.0),
        ("(x > y) * 10", {"x": 2, "y": 1}, 10.0),
        ("max(x, y) - min(x, y)", {"x": -1.5, "y": 2}, 3.5),
        ("round(pi, 2)", {}, 3.14),
    ],
)
def test_evaluate_computes_the_formula(client, cnc, expression, values, result):
    response = evaluate(client, cnc, expression, values)
    assert response.status_code == 200
    assert response.json == {"result": result}


def test_evaluate_the_console_function(client, cnc):
    function_id = client.post(f"{APP}/functions", json=CONSOLE_FUNCTION).json["id"]
    response = client.post(
        f"{APP}/functions/{function_id}/evaluate", json={"values": {"x": 3, "y": 4}}
    )
    assert response.json == {"result": 5.0}


@pytest.mark.parametrize(
    ("expression", "values", "field"),
    [
        ("x + y", {"x": 1}, "values.y"),
        ("x + y", {"x": "1", "y": 2}, "values.x"),
        ("x + y", {"x": True, "y": 2}, "values.x"),
        ("x + y", {"x": None, "y": 2}, "values.x"),
        ("x / y", {"x": 1, "y": 0}, "expression"),
        ("x ** y", {"x": 10, "y": 400}, "expression"),
        ("x * y", {"x": 1e308, "y": 10}, "expression"),
        ("x ** y", {"x": 9, "y": 387420489}, "expression"),
        ("sqrt(x) + y", {"x": -1, "y": 0}, "expression"),
        ("9**9**9", {}, "expression"),
        ("__import__('os')", {}, "expression"),
    ],
)
def test_evaluate_refuses_what_has_no_value(client, cnc, expression, values, field):
    response = evaluate(client, cnc, expression, values)
    assert response.status_code == 400
    assert response.json["field"] == field


def test_a_formula_with_a_huge_rounding_is_saved_and_answers_promptly(client, cnc):
    """Issue 11: on integers this computed 10**999999999 holding the GIL, stalling the worker."""
    payload = with_expression("round(1, -999999999) + x", ["x"])
    saved = client.post(f"{APP}/functions", json=payload)
    assert saved.status_code == 201
    stored = cnc.functions.find_one({"id": saved.json["id"]})
    assert stored["expression"] == "round(1, -999999999) + x"
    started = time.monotonic()
    with unchanged(cnc):
        response = client.post(
            f"{APP}/functions/{saved.json['id']}/evaluate", json={"values": {"x": 2}}
        )
    assert time.monotonic() - started < 2  # a hang never gets here: see test_expressions
    assert (response.status_code, response.json) == (200, {"result": 2.0})


@pytest.mark.parametrize("body", [{}, {"values": [1]}, {"values": {"x": 1}, "extra": 1}])
def test_evaluate_needs_a_values_object(client, cnc, body):
    cnc.functions.insert_one(
        {"id": "f", "applicationId": "monitoreo-cnc", "type": "Algebraic", "expression": "1"}
    )
    response = client.post(f"{APP}/functions/f/evaluate", json=body)
    assert response.status_code == 400
    assert response.json["field"].startswith("values") or response.json["field"] == "extra"


def test_evaluate_a_counter_is_400_and_an_unknown_function_404(client, cnc):
    counter_id = client.post(f"{APP}/functions", json=CONSOLE_COUNTER).json["id"]
    counter = client.post(f"{APP}/functions/{counter_id}/evaluate", json={"values": {}})
    unknown = client.post(f"{APP}/functions/fn_none/evaluate", json={"values": {}})
    assert (counter.status_code, counter.json["field"]) == (400, "type")
    assert unknown.status_code == 404


def test_a_declared_variable_wins_over_a_constant_of_that_name(client, cnc):
    response = evaluate(client, cnc, "e * 2", {"e": 10}, variables=["e"])
    assert response.json == {"result": 20.0}


@pytest.mark.parametrize(
    ("expression", "values"),
    [
        ("1 / (x * 1e308 * 10)", {"x": 1}),
        ("min(x * 1e308 * 10, 1)", {"x": 1}),
        ("(x * 1e308 * 10) > 5", {"x": 1}),
    ],
)
def test_an_overflow_inside_the_expression_is_reported(client, cnc, expression, values):
    response = evaluate(client, cnc, expression, values)
    assert (response.status_code, response.json) == (
        400,
        {"error": "expression overflows", "field": "expression"},
    )


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"expression": 5, "variables": []}, "expression"),
        ({"expression": "x + 1", "variables": [{"name": "x"}], "events": ["x"]}, "expression"),
        ({"expression": "x + 1", "variables": "x", "events": [{"name": ["x"]}]}, "expression"),
        ({"expression": "x + 1", "variables": ["x"], "events": "none"}, "values.x"),
    ],
)
def test_functions_the_original_stored_unchecked_evaluate_to_a_400(client, cnc, document, field):
    cnc.functions.insert_one(
        {"id": "legacy", "applicationId": "monitoreo-cnc", "type": "Algebraic", **document}
    )
    response = client.post(f"{APP}/functions/legacy/evaluate", json={"values": {}})
    assert (response.status_code, response.json["field"]) == (400, field)


# Integers beyond 64 bits, in any body


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/event-classes", {"class": "X", "topic": "t", "type": "FLOAT", "values_range": "HUGE"}),
        ("/functions/fn_eval/evaluate", {"values": {"x": "HUGE", "y": 1}}),
    ],
)
def test_integers_beyond_64_bits_are_refused(client, cnc, path, body):
    cnc.functions.insert_one(
        {
            "id": "fn_eval",
            "applicationId": "monitoreo-cnc",
            "type": "Algebraic Function",
            "expression": "x + y",
            "variables": ["x", "y"],
        }
    )
    huge = "1" + "0" * 400
    raw = json.dumps(body).replace('"HUGE"', f"[{huge}, 2]" if "event" in path else huge)
    response = client.post(f"{APP}{path}", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json["field"] in ("values_range[0]", "values.x")


# An application's connectors


def test_create_connector_from_the_console_body(client, cnc):
    response = client.post(f"{APP}/connectors", json={**CONSOLE_CONNECTOR, "extra": "ignored"})

    assert response.status_code == 201
    stored = cnc["monitoreo-cnc_connectors"].find_one()
    assert response.json["_id"] == str(stored["_id"])
    assert stored["organizationId"] == "acme"
    assert stored["applicationId"] == "monitoreo-cnc"
    assert stored["collections"] == CONSOLE_CONNECTOR["collections"]
    assert "extra" not in stored
    assert client.get(f"{APP}/connectors").json == [response.json]


def test_create_connector_fills_defaults(client, cnc):
    response = client.post(f"{APP}/connectors", json={"name": "MQTT", "driver": "mqtt"})
    assert response.status_code == 201
    stored = cnc["monitoreo-cnc_connectors"].find_one()
    assert (stored["description"], stored["properties"], stored["collections"]) == ("", {}, {})


@pytest.mark.parametrize("key", ["", "a.b"])
def test_an_update_key_mongodb_cannot_set_is_refused(client, cnc, key):
    created = client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR).json
    with unchanged(cnc):
        response = client.put(
            f"{APP}/connectors/{created['_id']}", json={**CONSOLE_CONNECTOR, key: 1}
        )
    assert (response.status_code, response.json["field"]) == (400, key)


def test_connector_names_are_unique_per_application(client, cnc):
    client.post("/api/organizations/acme/applications", json={"applicationId": "robo", "name": "R"})
    client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR)
    again = client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR)
    elsewhere = client.post(
        "/api/applications/acme/applications/robo/connectors", json=CONSOLE_CONNECTOR
    )
    assert (again.status_code, elsewhere.status_code) == (409, 201)
    assert again.json["field"] == "name"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"driver": "fanuc"}, "name"),
        ({"name": "Fanuc"}, "driver"),
        ({"name": OPERATOR, "driver": "fanuc"}, "name"),
        ({"name": "F", "driver": "fanuc", "properties": []}, "properties"),
        ({"name": "F", "driver": "fanuc", "collections": {"S": {"variables": []}}}, "collections"),
    ],
)
def test_create_connector_refuses_bad_input(client, cnc, payload, field):
    with unchanged(cnc):
        response = client.post(f"{APP}/connectors", json=payload)
    assert response.status_code == 400
    assert response.json["field"].startswith(field)


def test_update_connector_from_the_console_body(client, cnc):
    created = client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR).json
    body = {**CONSOLE_CONNECTOR, "description": "New", "applicationId": "other", "port": 8193}

    response = client.put(f"{APP}/connectors/{created['_id']}", json=body)

    assert response.status_code == 200
    assert response.json["_id"] == created["_id"]
    stored = cnc["monitoreo-cnc_connectors"].find_one({"_id": ObjectId(created["_id"])})
    assert (stored["description"], stored["port"]) == ("New", 8193)
    assert stored["applicationId"] == "monitoreo-cnc"
    assert stored["organizationId"] == "acme"
    assert stored["createdAt"] == cnc["monitoreo-cnc_connectors"].find_one()["createdAt"]


def test_update_connector_rules(client, cnc):
    first = client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR).json
    other = client.post(f"{APP}/connectors", json={"name": "MQTT", "driver": "mqtt"}).json
    with unchanged(cnc):
        missing_driver = client.put(f"{APP}/connectors/{other['_id']}", json={"name": "X"})
        taken = client.put(
            f"{APP}/connectors/{other['_id']}", json={"name": "Fanuc", "driver": "d"}
        )
        bad_id = client.put(f"{APP}/connectors/123", json=CONSOLE_CONNECTOR)
        unknown = client.put(f"{APP}/connectors/{ObjectId()}", json=CONSOLE_CONNECTOR)
    assert (missing_driver.status_code, missing_driver.json["field"]) == (400, "driver")
    assert (taken.status_code, taken.json["field"]) == (409, "name")
    assert bad_id.json == {"error": "Invalid connector ID format", "field": "connectorId"}
    assert (unknown.status_code, unknown.json) == (404, {"error": "Connector not found"})
    assert first["name"] == "Fanuc"


def test_delete_connector(client, cnc):
    created = client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR).json
    response = client.delete(f"{APP}/connectors/{created['_id']}")
    assert response.json == {"message": "Connector deleted successfully"}
    assert cnc["monitoreo-cnc_connectors"].count_documents({}) == 0
    assert client.delete(f"{APP}/connectors/{created['_id']}").status_code == 404
    assert client.delete(f"{APP}/connectors/zz").status_code == 400


# Deleting the application (an /api/organizations route) removes what this mount made


def test_deleting_the_application_removes_its_classes_functions_and_connectors(client, cnc):
    client.post(f"{APP}/event-classes", json=CONSOLE_EVENT_CLASS)
    client.post(f"{APP}/functions", json=CONSOLE_FUNCTION)
    client.post(f"{APP}/connectors", json=CONSOLE_CONNECTOR)

    assert client.delete("/api/organizations/acme/applications/monitoreo-cnc").status_code == 200

    assert cnc["monitoreo-cnc_events"].count_documents({}) == 0
    assert cnc.functions.count_documents({}) == 0
    assert (
        cnc["monitoreo-cnc_connectors"].count_documents({}) == 0
    )  # emptied, in the delete's transaction
