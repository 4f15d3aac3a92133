"""`/api/openapi.json` and `/api/docs`: the description covers the app, is valid OpenAPI 3.1,
agrees with the schemas it is built from, and is served with its page to anyone."""

import importlib
import inspect
import pkgutil

import pytest
from jsonschema import Draft202012Validator
from marshmallow import Schema
from openapi_spec_validator import validate

from syncapi import schemas
from syncapi.openapi import REQUEST_ID_PARAMETER, describe
from syncapi.openapi.converter import BEYOND_DESCRIPTION, VALIDATORS
from syncapi.web import conditional
from tests.helpers import APP, ORG, SECURED, anyone_may_call

METHODS = {"get", "post", "put", "patch", "delete"}
SAMPLES = {  # a path value for each path parameter
    "organizationId": "acme",
    "applicationId": "monitoreo-cnc",
    "machineId": "CN1",
    "functionId": "fn_1",
    "connectorId": "6650a1b2c3d4e5f601234567",
    "id": "6650a1b2c3d4e5f601234567",
    "userId": "6650a1b2c3d4e5f601234567",
    "gatewayId": "GW-01",
    "category": "drivers",
    "name": "fanuc",
    "format": "svg",
    "asset": "swagger-ui.css",
    "seq": "1",
}


@pytest.fixture
def document(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.json


def described_operations(document):
    return {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS
    }


def routed_operations(app):
    """`(METHOD, /path/{param})` of every rule of the URL map, by the description's names."""
    from syncapi.openapi.parameters import openapi_path

    return {
        (method, openapi_path(rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def stated_operations(app):
    """What each endpoint's view states about itself (`web.operations`), by endpoint."""
    views = app.view_functions
    return {
        rule.endpoint: getattr(views[rule.endpoint], "operation", None)
        for rule in app.url_map.iter_rules()
    }


DOCS_PAGE = {("GET", "/api/openapi.json"), ("GET", "/api/docs"), ("GET", "/api/docs/{asset}")}


def test_every_route_of_the_app_is_described_and_nothing_else(app, document):
    """Every route but the docs page's own, which are described for the tests only: a page
    about the API, not an operation of it."""
    assert described_operations(document) == routed_operations(app) - DOCS_PAGE
    assert described_operations(describe(app, with_docs=True)) == routed_operations(app)
    assert None not in stated_operations(app).values()
    assert len(described_operations(document)) >= 83  # the contract's 68, and syncapi's
    assert not [tag for tag in document["tags"] if tag["name"] == "Docs"]


def test_the_description_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_every_operation_has_a_summary_an_id_and_its_statuses(document):
    ids = set()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            assert operation["summary"].strip(), (method, path)
            ids.add(operation["operationId"])
            statuses = set(operation["responses"])
            assert statuses & {"200", "201", "204"}, (method, path)
            if "{organizationId}" in path:
                assert {"400", "404", "503"} <= statuses, (method, path)
            if "requestBody" in operation:
                assert {"400", "413"} <= statuses, (method, path)
    assert len(ids) == len(described_operations(document))


def test_public_operations_say_so_and_the_others_need_a_token(document):
    public = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS and anyone_may_call(operation)
    }
    assert public == {
        ("GET", "/status"),
        ("GET", "/ready"),
        ("GET", "/api/library/{category}/{name}/icon"),
        ("GET", "/api/library/{category}/{name}/icon/{format}"),
        ("POST", "/api/auth/login"),
        ("POST", "/api/auth/logout"),
    }
    assert document["security"] == [{"bearer": []}, {"sessionCookie": []}]
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    assert schemes["sessionCookie"] == {"type": "apiKey", "in": "cookie", "name": "syncapi_session"}


def test_what_the_description_calls_public_is_public_and_the_rest_answers_401(make_app):
    """Every credential configured: `/metrics` without `METRICS_TOKEN` is a 503 to anyone."""
    secured = make_app(**SECURED, METRICS_TOKEN="m" * 32)
    client = secured.test_client()
    for path, item in describe(secured, with_docs=True)["paths"].items():
        url = path.format(**SAMPLES)
        for method, operation in item.items():
            if method not in METHODS:
                continue
            response = client.open(url, method=method.upper())
            response.close()
            if anyone_may_call(operation):
                assert response.status_code != 401, (method, path)
            else:
                assert response.status_code == 401, (method, path, response.json)


def resolver(document):
    """Validates an instance against a schema of the description (its `$ref`s resolved)."""

    def validator(schema):
        return Draft202012Validator({**schema, "components": document["components"]})

    return validator


def request_examples(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body and "example" in body:
                yield method, path, operation["operationId"], body


def test_every_request_example_matches_the_description_and_loads_through_its_schema(app, document):
    validator = resolver(document)
    stated = stated_operations(app).items()
    by_operation_id = {endpoint.replace(".", "_"): facts for endpoint, facts in stated}
    checked = 0
    for method, path, operation_id, body in request_examples(document):
        errors = list(validator(body["schema"]).iter_errors(body["example"]))
        assert not errors, (method, path, [error.message for error in errors])
        by_operation_id[operation_id].body.load(body["example"])  # raises when refused
        checked += 1
    json_bodies = [
        operation
        for item in document["paths"].values()
        for method, operation in item.items()
        if method in METHODS
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert checked == len(json_bodies)  # every JSON body has its example


def test_answers_that_pass_stored_keys_are_open_and_the_others_closed(document):
    components = document["components"]["schemas"]
    for name in ("StoredDevice", "StoredConnector", "StoredService", "StoredGateway"):
        assert components[name]["additionalProperties"] is True
        assert "required" not in components[name]
    for name in ("ApplicationOut", "ApplicationListItem", "EventClassOut", "FunctionOut"):
        assert components[name]["additionalProperties"] is True
    assert components["ApplicationOut"]["required"] == ["applicationId"]
    for name in ("UserOut", "OrganizationOut", "OrganizationListItem", "Count", "EventRow"):
        assert components[name]["additionalProperties"] is False
    assert components["Error"]["additionalProperties"] is True
    assert components["Error"]["required"] == ["error", "requestId"]


def test_a_drifting_answer_is_caught_and_a_correct_one_is_not(client, cnc, document):
    validator = resolver(document)
    device = {"machineId": "CN1", "name": "Lathe", "firmware": {"version": "2.1"}}
    created = client.post(f"{APP}/devices", json=device).json
    assert validator({"$ref": "#/components/schemas/StoredDevice"}).is_valid(created)
    assert created["firmware"] == {"version": "2.1"}  # a key the schema does not declare
    assert not validator({"$ref": "#/components/schemas/StoredDevice"}).is_valid(
        {**created, "events": "not a list"}
    )
    user = client.post(f"{ORG}/users", json={"name": "Ana", "email": "a@acme.io"}).json
    user_schema = validator({"$ref": "#/components/schemas/UserOut"})
    assert user_schema.is_valid(user)
    assert not user_schema.is_valid({**user, "passwordHash": "$argon2id$..."})
    application = client.get(f"{ORG}/applications/monitoreo-cnc").json
    assert validator({"$ref": "#/components/schemas/ApplicationOut"}).is_valid(application)
    assert "collections" in application  # stored, not declared: the schema is open


def schema_classes():
    """Every schema class of `syncapi.schemas` (each module imported)."""
    classes = set()
    for module_info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"syncapi.schemas.{module_info.name}")
        classes |= {
            value
            for value in vars(module).values()
            if inspect.isclass(value) and issubclass(value, Schema)
        }
    return classes


def test_every_validator_of_a_schema_is_described_or_named_as_left_to_the_server():
    for schema_class in schema_classes():
        for name, field in schema_class._declared_fields.items():
            inner = [field, *(getattr(field, attr, None) for attr in ("inner", "value_field"))]
            for part in filter(None, inner):
                for validator in part.validators:
                    known = (
                        validator in VALIDATORS
                        or validator in BEYOND_DESCRIPTION
                        or getattr(validator, "limit", None) is not None
                        or type(validator).__module__.startswith("marshmallow")
                    )
                    assert known, (schema_class.__name__, name, validator)


def test_path_parameters_carry_the_identifier_rules(document):
    parameters = document["paths"][
        "/api/organizations/{organizationId}/applications/{applicationId}/devices/{machineId}"
    ]["parameters"]
    by_name = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert parameters[-1]["name"] == "X-Request-ID"
    assert by_name["organizationId"]["pattern"] == "^[a-z0-9][a-z0-9_-]{0,62}$"
    assert by_name["machineId"]["maxLength"] == 128
    connector = document["paths"]["/api/organizations/{organizationId}/connectors/{connectorId}"]
    assert connector["parameters"][1]["schema"]["pattern"] == "^[0-9a-fA-F]{24}$"


def test_the_description_is_public_when_authentication_is_required(secured):
    client = secured.test_client()
    assert client.get("/api/openapi.json").status_code == 200
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.content_type.startswith("text/html")
    assert "script-src" not in page.headers["Content-Security-Policy"]  # default-src 'self'
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_the_docs_page_loads_swagger_ui_5_from_this_server(client):
    page = client.get("/api/docs").get_data(as_text=True)
    assert "http" not in page.replace('lang="en"', "")  # no CDN: every asset is ours
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"):
        assert f'"/api/docs/{asset}"' in page
        response = client.get(f"/api/docs/{asset}")
        assert response.status_code == 200, asset
        response.close()
    start = client.get("/api/docs/start.js")
    assert start.content_type.startswith("text/javascript")
    assert 'url: "/api/openapi.json"' in start.get_data(as_text=True)
    bundle = client.get("/api/docs/swagger-ui-bundle.js")
    assert bundle.content_type.startswith("text/javascript")
    bundle.close()
    from syncapi.blueprints.docs import SWAGGER_UI

    assert (SWAGGER_UI / "VERSION").read_text().startswith("v5.")


@pytest.mark.parametrize("asset", ["VERSION", "LICENSE", "..%2Fflask_swagger_ui.py", "x.js"])
def test_the_docs_page_serves_only_its_own_files(client, asset):
    response = client.get(f"/api/docs/{asset}")
    assert response.status_code == 404
    assert response.json == {"error": "Not found"}


def test_the_description_is_built_once_per_process(client, monkeypatch):
    from syncapi.blueprints import docs

    first = client.get("/api/openapi.json").json
    monkeypatch.setattr(docs, "describe", lambda app: {"rebuilt": True})
    assert client.get("/api/openapi.json").json == first


def test_conditional_requests_and_revisions_are_described(document):
    """A document's answers carry its ETag; a read takes If-None-Match (304), a write
    If-Match (412, its pattern the one the server checks); documents show `revision`."""
    gateway = document["paths"]["/api/organizations/{organizationId}/gateways/{gatewayId}"]
    headers = {
        method: {p["name"] for p in gateway[method].get("parameters", [])}
        for method in gateway
        if method in METHODS
    }
    assert headers == {"get": {"If-None-Match"}, "put": {"If-Match"}, "delete": {"If-Match"}}
    assert gateway["get"]["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert "ETag" in gateway["get"]["responses"]["304"]["headers"]
    assert "412" in gateway["put"]["responses"] and "412" not in gateway["get"]["responses"]
    assert gateway["put"]["responses"]["200"]["headers"]["ETag"]["required"] is True
    assert "ETag" not in gateway["delete"]["responses"]["200"]["headers"]
    created = document["paths"]["/api/organizations/{organizationId}/gateways"]["post"]
    assert "ETag" in created["responses"]["201"]["headers"]
    if_match = next(p for p in gateway["put"]["parameters"] if p["name"] == "If-Match")
    assert if_match["schema"]["pattern"] == conditional.IF_MATCH_PATTERN
    components = document["components"]["schemas"]
    for name in ("StoredDevice", "StoredGateway", "StoredConnector", "StoredService"):
        assert components[name]["properties"]["revision"]["type"] == "integer"
    for name in ("UserOut", "FunctionOut", "ApplicationOut"):
        assert "revision" in components[name]["properties"], name
    # the list of event classes is replaced whole: no ETag, no If-Match
    replaced = document["paths"][
        "/api/applications/{organizationId}/applications/{applicationId}/event-classes"
    ]["put"]
    assert "parameters" not in replaced and "412" not in replaced["responses"]


def test_a_password_change_takes_if_match_and_the_refusing_writes_list_none(document):
    """The password PUT checks the user's ETag but answers a message (no ETag); the writes
    that refuse If-Match (400) do not list it."""
    paths = document["paths"]
    password = paths["/api/organizations/{organizationId}/users/{userId}/password"]["put"]
    assert [p["name"] for p in password["parameters"]] == ["If-Match"]
    assert "412" in password["responses"]
    assert "ETag" not in password["responses"]["200"]["headers"]
    refusing = [
        paths["/api/organizations/{organizationId}"]["delete"],
        paths["/api/organizations/{organizationId}/applications/{applicationId}"]["delete"],
    ]
    for operation in refusing:
        names = [p["name"] for p in operation.get("parameters", [])]
        assert "If-Match" not in names and "400" in operation["responses"]


def test_the_change_feeds_are_described_with_their_parameters(document):
    for path in ("/api/organizations/{organizationId}/changes", "/api/changes"):
        read = document["paths"][path]["get"]
        assert [p["name"] for p in read["parameters"]] == ["since", "type", "id", "limit"]
        assert read["responses"]["200"]["headers"]["Link"]
        assert read["responses"]["200"]["content"]["application/json"]["schema"] == {
            "type": "array",
            "items": {"$ref": "#/components/schemas/ChangeOut"},
        }
    entry = document["components"]["schemas"]["ChangeOut"]
    assert entry["required"] == sorted(
        ["seq", "at", "actor", "action", "resource", "before", "after"]
    )


def test_the_request_id_is_described_on_every_path_and_answer(document):
    """Inline on each path: Swagger UI 5 shows a path-level `$ref` parameter nameless."""
    components = document["components"]
    assert "parameters" not in components
    pattern = components["headers"]["RequestId"]["schema"]["pattern"]
    assert pattern == "^[A-Za-z0-9._-]{1,64}$"
    reference = {"$ref": "#/components/headers/RequestId"}
    for status, response in components["responses"].items():
        assert response["headers"]["X-Request-ID"] == reference, status
    for path, item in document["paths"].items():
        request_id = [p for p in item["parameters"] if p.get("name") == "X-Request-ID"]
        assert request_id == [REQUEST_ID_PARAMETER] and request_id[0]["in"] == "header", path
        for method, operation in item.items():
            if method in METHODS:
                for status, response in operation["responses"].items():
                    if "$ref" not in response:
                        assert response["headers"]["X-Request-ID"] == reference, (path, status)


def test_readiness_and_metrics_are_described(document):
    ready = document["paths"]["/ready"]["get"]
    assert ready["security"] == [] and {"200", "503"} <= set(ready["responses"])
    ready_schema = ready["responses"]["200"]["content"]["application/json"]["schema"]
    assert ready_schema == {"$ref": "#/components/schemas/Ready"}
    required = document["components"]["schemas"]["Ready"]["required"]
    assert sorted(required) == ["influxdb", "mongodb", "status"]
    scrape = document["paths"]["/metrics"]["get"]
    assert scrape["security"] == [{"metricsToken": []}]
    assert set(scrape["responses"]) == {"200", "401", "503"}
    assert list(scrape["responses"]["200"]["content"]) == ["text/plain"]
    scheme = document["components"]["securitySchemes"]["metricsToken"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
