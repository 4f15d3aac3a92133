"""Hostile keys and values, empty bodies, bounded strings, oversized documents (spec README
§10): refused with a 4xx naming what is wrong, on every write route, changing nothing."""

import io
import json
import re
import sys
import unicodedata

import bson
import mongomock
import pytest
from pymongo.errors import DocumentTooLarge, OperationFailure, WriteError

from syncapi.core import identifiers
from syncapi.embedded.document_size import MAX_BSON_SIZE
from syncapi.errors import ApiError
from syncapi.openapi.parameters import RECORD_ID_PATTERN
from syncapi.schemas.limits import MAX_NODES, over_budget
from syncapi.web.inputs import body_cap
from syncapi.web.operations import JSON, Operation
from tests.helpers import APP, JWT_SECRET, ORG, SAMPLE_VALUES, snapshot, unchanged, unserved_app

# Write routes that take no JSON body: icon uploads are multipart, logout and a restore
# have no body.
NO_JSON_BODY = {
    "icons.upload_icon",
    "icons.upload_icon_by_form",
    "auth.logout",
    "organizations.restore_change",
}
ARRAY_BODY = {"applications.replace_event_classes"}
WRITE_METHODS = {"POST", "PUT", "PATCH"}


def write_routes():
    """(endpoint, method, path) of every route that reads a JSON body, from the URL map, so
    a route added later is covered the day it is added."""
    routes = []
    for rule in unserved_app().url_map.iter_rules():
        if rule.endpoint in NO_JSON_BODY or not rule.methods & WRITE_METHODS:
            continue
        path = rule.build({name: SAMPLE_VALUES[name] for name in rule.arguments})[1]
        for method in sorted(rule.methods & WRITE_METHODS):
            routes.append(pytest.param(rule.endpoint, method, path, id=f"{method} {path}"))
    return routes


WRITE_ROUTES = write_routes()


def test_the_write_routes_cover_every_mount():
    paths = {param.values[2] for param in WRITE_ROUTES}
    assert {"/api/auth/login", f"{APP}/devices", "/device/CN1", ORG} <= paths
    assert "/api/services/6650a1b2c3d4e5f601234567" in paths
    assert len(WRITE_ROUTES) >= 25


@pytest.fixture
def world(app, client, cnc, mongo):
    """acme with monitoreo-cnc and its algebraic function `fn_1` (evaluate looks it up before
    reading the body), and a secret so that login reads its body."""
    app.config["JWT_SECRET"] = JWT_SECRET
    function = {"id": "fn_1", "name": "F", "variables": ["x"], "expression": "x"}
    functions = "/api/applications/acme/applications/monitoreo-cnc/functions"
    assert client.post(functions, json=function).status_code == 201
    return mongo


def send(client, method, path, raw):
    return client.open(path, method=method, data=raw, content_type="application/json")


# Hostile keys and values: (raw JSON body, the field named)

HOSTILE_BODIES = [
    ('{"$set": {"name": "x"}}', "$set"),
    ('{"name": "x", "$where": "sleep(1000)"}', "$where"),
    ('{"__proto__": {"isAdmin": true}}', "__proto__"),
    ('{"properties": {"__proto__": {"isAdmin": true}}}', "properties.__proto__"),
    ('{"a": [0, {"__proto__": 1}]}', "a[1].__proto__"),
    ('{"name": "\\ud800"}', "name"),
    ('{"properties": {"note": ["ok", "\\udfff"]}}', "properties.note[1]"),
    ('{"x\\ud800y": 1}', "x\\ud800y"),
    ('{"properties": {"\\udc00": 1}}', "properties.\\udc00"),
    ('{"n": 1e999}', "n"),
    ('{"a": [0, {"b": -1e999}]}', "a[1].b"),
    ('{"deep": ' + "[" * 40 + "]" * 40 + "}", "deep" + "[0]" * 32),
]


def as_body_of(endpoint, raw, field):
    """An array route gets the hostile object as its first item."""
    if endpoint in ARRAY_BODY:
        return f"[{raw}]", f"[0].{field}"
    return raw, field


@pytest.mark.slow  # a big walk: every write route × every hostile body
@pytest.mark.parametrize(("endpoint", "method", "path"), WRITE_ROUTES)
@pytest.mark.parametrize(("raw", "field"), HOSTILE_BODIES)
def test_every_write_route_refuses_hostile_keys_and_values(
    client, world, endpoint, method, path, raw, field
):
    raw, field = as_body_of(endpoint, raw, field)
    with unchanged(world):
        response = send(client, method, path, raw)
    assert response.status_code == 400, response.data
    assert response.json["field"] == field
    assert response.json["error"].startswith(f"{field} ")


def test_a_surrogate_key_is_named_in_text_that_encodes(client, world):
    response = send(client, "POST", f"{ORG}/users", '{"name": "A", "email": "a@x", "k\\ud800": 1}')

    assert response.status_code == 400
    assert json.loads(response.data.decode("utf-8"))["field"] == "k\\ud800"
    assert response.json["error"] == "k\\ud800 is not valid text (it holds a lone UTF-16 surrogate)"


@pytest.mark.parametrize(
    ("method", "path", "body", "stored"),
    [
        ("PUT", "/device/CN1", {"name": "N", "$set": {"x": 1}}, "legacy device"),
        ("PUT", "/api/services/{id}", {"enabled": False, "$rename": {"a": "b"}}, "service"),
        ("PUT", ORG, {"name": "N", "$unset": ""}, "organization"),
    ],
)
def test_routes_that_drop_unknown_keys_still_refuse_operator_keys(
    client, world, method, path, body, stored
):
    """Where other unknown keys are dropped or ignored, a `$` key is still a 400."""
    assert client.post("/device/new", json={"machineId": "CN1"}).status_code == 201
    service = {"name": "s", "type": "redis", "configuration": {}}
    service_id = client.post("/api/services", json=service).json["_id"]
    with unchanged(world):
        response = client.open(path.format(id=service_id), method=method, json=body)
    assert response.status_code == 400
    assert response.json["field"] == next(key for key in body if key.startswith("$"))


def test_nested_operator_keys_are_named_by_the_schema(client, cnc):
    """Below the top level, the schema's rules speak: `name` must be a string."""
    response = client.post(f"{APP}/devices", json={"machineId": "M", "name": {"$gt": ""}})
    assert response.status_code == 400
    assert response.json["field"] == "name"


def test_an_error_text_holding_a_lone_surrogate_still_encodes(app):
    """Whatever a message echoes, the answer is JSON that UTF-8 carries, never a 500."""

    @app.get("/echo")
    def echo():
        raise ApiError(400, "bad \ud800 value", field="k\udc00")

    response = app.test_client().get("/echo")

    assert response.status_code == 400
    assert response.data.decode("utf-8").isascii()
    assert response.json == {"error": "bad \ud800 value", "field": "k\udc00"}


# Bodies of zero bytes


@pytest.mark.slow  # a big walk: every write route
@pytest.mark.parametrize(("endpoint", "method", "path"), WRITE_ROUTES)
def test_every_write_route_refuses_a_body_of_zero_bytes(client, world, endpoint, method, path):
    with unchanged(world):
        response = send(client, method, path, b"")
    assert response.status_code == 400
    assert response.json == {"error": "Invalid JSON body"}


# JSON sent as something else


@pytest.mark.slow  # a big walk: every write route
@pytest.mark.parametrize(("endpoint", "method", "path"), WRITE_ROUTES)
def test_every_write_route_names_a_content_type_that_is_not_json(
    client, world, endpoint, method, path
):
    raw = "[{}]" if endpoint in ARRAY_BODY else '{"name": "N"}'
    with unchanged(world):
        response = client.open(path, method=method, data=raw, content_type="text/plain")
    assert response.status_code == 400
    assert response.json == {
        "error": "Content-Type must be application/json, got 'text/plain'",
        "field": "Content-Type",
    }


def test_a_delete_declared_as_json_with_no_body_works(client, acme):
    client.post(f"{ORG}/gateways", json={"gatewayId": "GW-01", "name": "G"})

    response = client.delete(f"{ORG}/gateways/GW-01", data=b"", content_type="application/json")

    assert response.status_code == 200
    assert acme.gateways.count_documents({}) == 0


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_logout_takes_zero_bytes_of_any_type(client, content_type):
    response = client.post("/api/auth/logout", data=b"", content_type=content_type)
    assert response.status_code == 200
    assert response.json == {"message": "Logged out"}


# Bounded strings: (route, body where V stands for the string, field, its cap)

V = object()
ROUTES = {
    "organization": ("PUT", ORG),
    "user": ("POST", f"{ORG}/users"),
    "gateway": ("POST", f"{ORG}/gateways"),
    "application": ("POST", f"{ORG}/applications"),
    "device": ("POST", f"{APP}/devices"),
    "device update": ("PUT", f"{APP}/devices/CN1"),
    "legacy device": ("POST", "/device/new"),
    "connector": ("POST", f"{ORG}/connectors"),
    "event class": ("POST", "/api/applications/acme/applications/monitoreo-cnc/event-classes"),
    "function": ("POST", "/api/applications/acme/applications/monitoreo-cnc/functions"),
    "service": ("POST", "/api/services"),
}
DEVICE = {"machineId": "M"}
EVENT = {"id": "e", "class": "C"}
CONNECTOR = {"name": "C", "driver": "d"}
EVENT_CLASS = {"class": "C", "topic": "t", "type": "STR"}
FUNCTION = {"name": "F", "variables": [], "expression": "1"}
SERVICE = {"name": "s", "type": "redis", "configuration": {}}
STRING_CAPS = [
    ("organization", {"name": V}, "name", 200),
    ("organization", {"description": V}, "description", 2_000),
    ("organization", {"email": V}, "email", 254),
    ("organization", {"website": V}, "website", 10_000),
    ("user", {"name": V, "email": "a@x"}, "name", 200),
    ("user", {"name": "A", "email": V}, "email", 254),
    ("gateway", {"gatewayId": V, "name": "G"}, "gatewayId", 128),
    ("gateway", {"gatewayId": "G", "name": V}, "name", 200),
    ("gateway", {"gatewayId": "G", "name": "G", "status": V}, "status", 200),
    ("gateway", {"gatewayId": "G", "name": "G", "location": V}, "location", 10_000),
    ("application", {"applicationId": "b", "name": V}, "name", 200),
    ("application", {"applicationId": "b", "name": "B", "description": V}, "description", 2_000),
    ("device", {"machineId": V}, "machineId", 128),
    ("device", {**DEVICE, "name": V}, "name", 200),
    ("device", {**DEVICE, "connectors": [V]}, "connectors[0]", 200),
    ("device", {**DEVICE, "events": [{"id": V, "class": "C"}]}, "events[0].id", 128),
    ("device", {**DEVICE, "events": [{**EVENT, "class": V}]}, "events[0].class", 200),
    ("device", {**DEVICE, "events": [{**EVENT, "label": V}]}, "events[0].label", 200),
    ("device", {**DEVICE, "properties": {"notes": ["a", V]}}, "properties.notes[1]", 10_000),
    ("device", {**DEVICE, "firmware": V}, "firmware", 10_000),
    ("device update", {"name": V}, "name", 200),
    ("legacy device", {**DEVICE, "name": V}, "name", 200),
    ("legacy device", {**DEVICE, "properties": {"p": V}}, "properties.p", 10_000),
    ("connector", {"name": V, "driver": "d"}, "name", 200),
    ("connector", {**CONNECTOR, "driver": V}, "driver", 200),
    ("connector", {**CONNECTOR, "description": V}, "description", 2_000),
    ("connector", {**CONNECTOR, "properties": {"host": V}}, "properties.host", 10_000),
    ("event class", {**EVENT_CLASS, "id": V}, "id", 128),
    ("event class", {**EVENT_CLASS, "class": V}, "class", 200),
    ("event class", {**EVENT_CLASS, "topic": V}, "topic", 10_000),
    ("event class", {**EVENT_CLASS, "auth_values": [V]}, "auth_values[0]", 10_000),
    ("function", {**FUNCTION, "id": V}, "id", 128),
    ("function", {**FUNCTION, "name": V}, "name", 200),
    ("function", {**FUNCTION, "variables": [V]}, "variables[0]", 200),
    ("function", {**FUNCTION, "description": V}, "description", 2_000),
    ("service", {**SERVICE, "name": V}, "name", 200),
    ("service", {**SERVICE, "configuration": {"h": [{"u": V}]}}, "configuration.h[0].u", 10_000),
]  # fmt: skip


def string_of(length, field):
    """`length` characters the field takes: an email holds `@`, a website is a URL."""
    if field == "email":
        return "x" * (length - 2) + "@x"
    if field == "website":
        return "https://x.test/" + "p" * (length - 15)
    return "x" * length


def fill(template, value):
    if template is V:
        return value
    if isinstance(template, dict):
        return {key: fill(item, value) for key, item in template.items()}
    if isinstance(template, list):
        return [fill(item, value) for item in template]
    return template


@pytest.mark.parametrize(("route", "body", "field", "cap"), STRING_CAPS)
def test_a_string_over_its_cap_is_refused(client, world, route, body, field, cap):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    method, path = ROUTES[route]
    with unchanged(world):
        response = client.open(path, method=method, json=fill(body, string_of(cap + 1, field)))
    assert response.status_code == 400
    assert response.json["field"] == field
    assert response.json["error"].endswith(f" must be at most {cap} characters")


@pytest.mark.parametrize(("route", "body", "field", "cap"), STRING_CAPS)
def test_a_string_of_exactly_its_cap_is_stored(client, world, route, body, field, cap):
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    method, path = ROUTES[route]
    value = string_of(cap, field)

    response = client.open(path, method=method, json=fill(body, value))

    assert response.status_code in (200, 201), response.json
    assert value in json.dumps(snapshot(world), default=str)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"machineId": "M", "properties": {"k" * 201: 1}}, "properties." + "k" * 201),
        ({"machineId": "M", "k" * 201: 1}, "k" * 201),
    ],
)
def test_a_key_of_a_free_object_is_at_most_200_characters(client, cnc, body, field):
    response = client.post(f"{APP}/devices", json=body)
    assert response.status_code == 400
    assert response.json == {
        "error": f"{field} is too long a key (at most 200 characters)",
        "field": field,
    }
    assert cnc["monitoreo-cnc_devices"].count_documents({}) == 0
    accepted = client.post(f"{APP}/devices", json={"machineId": "M", "k" * 200: 1})
    assert accepted.status_code == 201


@pytest.mark.parametrize(
    ("field", "cap"), [("organizationId", 128), ("email", 254), ("password", 1024)]
)
def test_login_refuses_strings_over_their_cap(client, world, field, cap):
    login = {"organizationId": "acme", "email": "a@x", "password": "password1"}

    response = client.post("/api/auth/login", json={**login, field: "x" * (cap + 1)})
    at_cap = client.post("/api/auth/login", json={**login, field: "x" * cap})

    assert response.status_code == 400
    assert response.json == {"error": f"{field} must be at most {cap} characters", "field": field}
    assert at_cap.status_code == 401


def test_a_current_password_is_at_most_1024_characters(client, world):
    response = client.put(
        f"{ORG}/users/6650a1b2c3d4e5f601234567/password",
        json={"password": "password1", "currentPassword": "x" * 1025},
    )
    assert response.status_code == 400
    assert response.json["field"] == "currentPassword"


# Body caps (spec §13.13): the console's JSON routes take MAX_JSON_BYTES, uploads and the
# routes stating it MAX_CONTENT_LENGTH; beyond, a 413 before a byte is read


def padded(body, size):
    """`body` as JSON of exactly `size` bytes (blanks after it)."""
    text = json.dumps(body).encode()
    return text + b" " * (size - len(text))


@pytest.mark.slow  # a big walk: every write route
@pytest.mark.parametrize(("endpoint", "method", "path"), WRITE_ROUTES)
def test_every_json_route_refuses_a_body_over_the_json_cap_unread(
    app, client, world, endpoint, method, path
):
    app.config["MAX_JSON_BYTES"] = 4096
    with unchanged(world):
        response = send(client, method, path, padded({"name": "x"}, 4097))
    assert (response.status_code, response.json) == (413, {"error": "Payload too large"})
    assert response.request.environ["wsgi.input"].tell() == 0


def test_a_body_of_the_json_cap_is_taken_one_byte_more_is_not(app, client, cnc):
    app.config["MAX_JSON_BYTES"] = 4096
    at_cap = padded({"machineId": "CN1", "properties": {"note": "x" * 3000}}, 4096)
    assert send(client, "POST", f"{APP}/devices", at_cap).status_code == 201
    over = padded({"machineId": "CN2"}, 4097)
    assert send(client, "POST", f"{APP}/devices", over).status_code == 413
    assert [d["machineId"] for d in cnc["monitoreo-cnc_devices"].find()] == ["CN1"]


def test_three_million_tiny_items_are_refused_unparsed(client, acme):
    """6 MB, under MAX_CONTENT_LENGTH but over MAX_JSON_BYTES (1 MiB by default)."""
    body = b"[" + b"0," * 3_000_000 + b"0]"
    with unchanged(acme):
        response = send(client, "PUT", ORG, body)
    assert (response.status_code, response.json) == (413, {"error": "Payload too large"})
    assert response.request.environ["wsgi.input"].tell() == 0


@pytest.mark.parametrize("size", [4097, 10_000])
def test_a_chunked_body_over_the_cap_is_413(app, client, acme, size):
    """No Content-Length to refuse: reading stops at the cap (gunicorn ends its input), and
    a byte beyond it is a 413, not a body cut short."""
    app.config["MAX_JSON_BYTES"] = 4096
    with unchanged(acme):
        response = client.put(
            ORG,
            data=padded({"name": "A"}, size),
            content_type="application/json",
            environ_overrides={
                "CONTENT_LENGTH": "",
                "HTTP_TRANSFER_ENCODING": "chunked",
                "wsgi.input_terminated": True,
            },
        )
    assert (response.status_code, response.json) == (413, {"error": "Payload too large"})
    assert response.request.environ["wsgi.input"].tell() == 4096 + 1


class Stalling(io.BytesIO):
    """A chunked body whose client stops sending once the cap has come: its deadline shuts
    the connection's reading side, and gunicorn's reader raises."""

    def read(self, size=-1):
        data = super().read(size)
        if not data:
            raise OSError("No more data")  # gunicorn's NoMoreData is an OSError
        return data


def test_a_chunked_body_stalling_at_the_cap_is_408(app, client, acme):
    app.config["MAX_JSON_BYTES"] = 4096
    with unchanged(acme):
        response = client.put(
            ORG,
            content_type="application/json",
            environ_overrides={
                "CONTENT_LENGTH": "",
                "HTTP_TRANSFER_ENCODING": "chunked",
                "wsgi.input_terminated": True,
                "wsgi.input": Stalling(padded({"name": "A"}, 4096)),
            },
        )
    assert response.status_code == 408


def test_a_chunked_body_of_the_cap_is_taken(app, client, acme):
    app.config["MAX_JSON_BYTES"] = 4096
    response = client.put(
        ORG,
        data=padded({"name": "Chunked"}, 4096),
        content_type="application/json",
        environ_overrides={
            "CONTENT_LENGTH": "",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input_terminated": True,
        },
    )
    assert response.status_code == 200
    assert acme.config.find_one({"key": "organization"})["value"]["name"] == "Chunked"


@pytest.mark.parametrize(
    ("operation", "cap"),
    [
        (None, 4096),  # a route stating no body: the JSON cap
        (Operation(), 4096),
        (Operation(body_media="multipart/form-data"), 65_536),  # uploads
        (Operation(max_bytes="MAX_CONTENT_LENGTH"), 65_536),  # a route raising its own cap
        (Operation(max_bytes=10_000), 10_000),
        (Operation(max_bytes=10**9, body_media=JSON), 65_536),  # never past MAX_CONTENT_LENGTH
    ],
)
def test_a_route_states_its_cap(make_app, operation, cap):
    app = make_app(MAX_JSON_BYTES=4096, MAX_CONTENT_LENGTH=65_536)
    with app.test_request_context():
        assert body_cap(operation) == cap


# The node budget: array items and object keys in one body, in all


def nested(depth):
    value = []
    for _ in range(depth):
        value = [value]
    return value


def test_a_body_of_more_values_than_the_budget_is_413(client, cnc):
    body = {"machineId": "CN1", "properties": {"readings": [0] * MAX_NODES}}  # 2 more
    with unchanged(cnc):
        response = client.post(f"{APP}/devices", json=body)
    assert response.status_code == 413
    assert response.json == {
        "error": f"Body too large: at most {MAX_NODES} array items and object keys in all"
    }


@pytest.mark.parametrize(
    ("body", "over"),
    [
        ([0] * MAX_NODES, False),
        ([0] * (MAX_NODES + 1), True),
        ({f"k{index}": {} for index in range(MAX_NODES)}, False),
        ({"a": [{"b": 1}] * (MAX_NODES // 2)}, True),  # items and keys add up
        ([[[]]] * 3_000_000, True),
        (nested(10_000), False),  # depth is `hostile`'s to refuse
    ],
)
def test_the_budget_counts_items_and_keys_at_any_depth(body, over):
    assert over_budget(body) is over


# Documents MongoDB would refuse as larger than 16 MiB


TOO_LARGE = "Document too large: MongoDB stores at most 16 MB per document"


def raise_as_a_server_would(error):
    def refuse(*args, **kwargs):
        raise error

    return refuse


@pytest.mark.parametrize(
    "error",
    [
        WriteError("Resulting document after update is larger than 16777216", code=17419),
        WriteError("Document to upsert is larger than 16777216", code=17420),
        OperationFailure("BSONObj size: 16793600 (0x1004000) is invalid", code=10334),
    ],
)
def test_an_update_growing_a_document_past_16_mb_is_413(client, cnc, monkeypatch, error):
    """Repeated PUTs of new top-level keys grow a device; the server refuses the update."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    collection = mongomock.collection.Collection
    monkeypatch.setattr(collection, "find_one_and_update", raise_as_a_server_would(error))
    with unchanged(cnc):
        response = client.put(f"{APP}/devices/CN1", json={"extra": "x" * 10_000})
    assert response.status_code == 413
    assert response.json == {
        "error": "Document too large: MongoDB stores at most 16 MB per document"
    }


def test_a_device_grown_past_16_mb_is_413_on_the_embedded_store_too(client, cnc):
    """mongomock keeps any size: the embedded store measures what it writes, as a server."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    devices = cnc["monitoreo-cnc_devices"]
    room = MAX_BSON_SIZE - len(bson.encode(devices.find_one())) - 5_000
    devices.update_one({"machineId": "CN1"}, {"$set": {"grown": "x" * room}})  # as PUTs would
    with unchanged(cnc):
        response = client.put(f"{APP}/devices/CN1", json={"extra": "x" * 10_000})
    assert (response.status_code, response.json) == (413, {"error": TOO_LARGE})


def test_an_insert_pymongo_finds_too_large_is_413(client, cnc, monkeypatch):
    error = DocumentTooLarge("BSON document too large (16777300 bytes)")
    monkeypatch.setattr(
        mongomock.collection.Collection, "insert_one", raise_as_a_server_would(error)
    )
    with unchanged(cnc):
        response = client.post(f"{APP}/devices", json={"machineId": "CN1"})
    assert response.status_code == 413
    assert response.json == {
        "error": "Document too large: MongoDB stores at most 16 MB per document"
    }


def test_another_server_failure_is_still_a_generic_500(client, cnc, monkeypatch):
    error = OperationFailure("Executor error during find command", code=96)
    monkeypatch.setattr(
        mongomock.collection.Collection, "insert_one", raise_as_a_server_would(error)
    )

    response = client.post(f"{APP}/devices", json={"machineId": "CN1"})

    assert (response.status_code, response.json) == (500, {"error": "Internal server error"})


# Record ids refuse control and format characters (spec §13.13)


def test_the_invisible_characters_are_unicodes_control_and_format_ones():
    """The table of `identifiers` is Unicode's Cc and Cf: a Python with newer Unicode data
    fails here until the table is brought up to date."""
    found, start = [], None
    for code in range(sys.maxunicode + 2):
        invisible = code <= sys.maxunicode and unicodedata.category(chr(code)) in ("Cc", "Cf")
        if invisible and start is None:
            start = code
        elif not invisible and start is not None:
            found.append((start, code - 1))
            start = None
    assert tuple(found) == identifiers.INVISIBLE_RANGES


def test_the_descriptions_record_id_pattern_is_the_rule_in_the_basic_plane():
    """What the pattern refuses, the server refuses; beyond the BMP (which a pattern of
    ECMAScript without its `u` flag cannot name) the server alone does. Matched whole, as
    ECMAScript's `$` does (Python's also matches before a last line break)."""
    pattern = re.compile(RECORD_ID_PATTERN)
    disagree = [
        hex(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF  # surrogates: no text holds one alone
        and (pattern.fullmatch(f"a{chr(code)}") is None)
        == identifiers.is_record_id(f"a{chr(code)}")
    ]
    assert disagree == []
    for dots in (".", "..", "...", ".a", "a."):
        assert (pattern.fullmatch(dots) is not None) == identifiers.is_record_id(dots)
    assert not identifiers.is_record_id(".") and not identifiers.is_record_id("..")
