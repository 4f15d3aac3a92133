"""`/api/docs` reads like documentation: every operation under a declared tag, in the
order the console meets them; a summary that speaks to API users; realistic request and
answer examples that the description's schemas accept. In Chromium, where it is installed,
the page shows every parameter with its name and those examples (`make docs-check` does
the same through gunicorn, with a screenshot)."""

import json
import re
import threading

import pytest
from jsonschema import Draft202012Validator
from werkzeug.serving import make_server

from deploy import chromium, docs_check
from syncapi.openapi import describe
from tests.helpers import unserved_app

METHODS = {"get", "post", "put", "patch", "delete"}
# The console's screens, top to bottom (spec console-calls.md), then what it does not call.
CONSOLE_ORDER = [
    "Organizations",
    "Users",
    "Dashboard",
    "Applications",
    "Devices",
    "Machine data",
    "Event classes",
    "Functions",
    "Connectors",
    "Gateways",
    "Icons",
]
OTHERS = [
    "Authentication",
    "Change history",
    "Services",
    "Machine registry",
    "Legacy devices",
    "Status",
    "Metrics",
]
# What a summary or description written for developers gives away.
DEVELOPER_WORDS = re.compile(
    r"§|\bspec\b|README|the original|the contract|\b(blueprints|visibility|power_states|"
    r"repositories|core|web|access)\.[a-z_]+"
)
MADE_UP = {"string", "additionalProp1"}  # what Swagger UI shows where no example is given


@pytest.fixture(scope="module")
def document():
    return json.loads(json.dumps(describe(unserved_app())))


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", item, operation


def validator(document, schema):
    return Draft202012Validator({**schema, "components": document["components"]})


def test_the_tags_are_declared_in_the_console_order_and_each_holds_operations(document):
    declared = [tag["name"] for tag in document["tags"]]
    assert declared == CONSOLE_ORDER + OTHERS
    assert all(len(tag["description"]) > 20 for tag in document["tags"])
    used = {}
    for label, _, operation in operations(document):
        assert len(operation["tags"]) == 1 and operation["tags"][0] in declared, label
        used.setdefault(operation["tags"][0], []).append(label)
    assert sorted(used) == sorted(declared)
    assert "GET /device/{machineId}/status" in used["Machine data"]
    assert "GET /device/{machineId}" in used["Legacy devices"]
    listed = [operation["tags"][0] for _, _, operation in operations(document)]
    assert listed == sorted(listed, key=declared.index)  # the page lists them in that order


def test_the_description_says_why_device_routes_are_under_both_mounts(document):
    assert "because the console calls both" in document["info"]["description"]
    devices = next(tag for tag in document["tags"] if tag["name"] == "Devices")
    assert "/api/organizations/…" in devices["description"]
    assert "/api/applications/…" in devices["description"]
    assert "because the console calls both" in devices["description"]
    mounts = {
        path.split("/")[2]
        for path in document["paths"]
        if path.endswith("/devices") or path.endswith("/device-tags")
    }
    assert mounts == {"organizations", "applications"}


def test_summaries_and_descriptions_speak_to_api_users(document):
    assert not DEVELOPER_WORDS.search(document["info"]["description"])
    for label, _, operation in operations(document):
        summary = operation["summary"]
        assert summary[0].isupper() and len(summary) <= 60, (label, summary)
        assert not summary.endswith(".") and "`" not in summary, (label, summary)  # plain text
        for text in (summary, operation.get("description", "")):
            assert not DEVELOPER_WORDS.search(text), (label, text)


def test_every_answer_has_an_example_its_schema_accepts(document):
    answers = list(document["components"]["responses"].items())
    for label, _, operation in operations(document):
        answers += [(f"{label} {s}", a) for s, a in operation["responses"].items()]
    checked = 0
    for label, answer in answers:
        for media, content in answer.get("content", {}).items():
            if content["schema"].get("format") == "binary":
                continue  # an image or a file: no text to show
            assert "example" in content, (label, media)
            errors = validator(document, content["schema"]).iter_errors(content["example"])
            assert [error.message for error in errors] == [], (label, media)
            checked += 1
    assert checked >= 100  # every JSON answer of the 97 operations, the 10 errors


def test_every_parameter_the_page_fills_in_has_an_example_its_schema_accepts(document):
    for label, item, operation in operations(document):
        parameters = [*item["parameters"], *operation.get("parameters", ())]
        for parameter in parameters:
            if parameter["in"] == "path" or parameter.get("required"):
                assert "example" in parameter, (label, parameter["name"])
                schema = validator(document, parameter["schema"])
                assert schema.is_valid(parameter["example"]), (label, parameter["name"])
    claims = document["paths"]["/api/machines/{machineId}"]["parameters"]
    assert [p["example"] for p in claims if p["in"] == "path"] == ["CN4"]


def test_examples_are_made_of_realistic_values(document):
    """None of what Swagger UI makes up without one ("string", random characters for a
    pattern); ids and dates in the forms the API gives them."""

    def values(value):
        if isinstance(value, dict):
            yield from value.keys()
            for item in value.values():
                yield from values(item)
        elif isinstance(value, list):
            for item in value:
                yield from values(item)
        else:
            yield value

    text = json.dumps(document)
    examples = [json.loads(match) for match in _examples(document)]
    assert examples and not MADE_UP & {v for e in examples for v in values(e) if isinstance(v, str)}
    assert "CN4" in text and "A1B2C3D4E5F60708" in text and "6650a1b2c3d4e5f601234567" in text
    for date in re.findall(r'"(?:createdAt|updatedAt|since|at)": "([^"]+)"', text):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z", date), date


def _examples(document):
    """Every `example` of the description, as JSON text."""
    found = []

    def walk(value):
        if isinstance(value, dict):
            if "example" in value:
                found.append(json.dumps(value["example"]))
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(document)
    return found


# The page as Chromium shows it.


def swagger_ui_page(document, operation_id, rows=None, answer=None):
    """The elements Swagger UI draws for an expanded operation, as the check reads them:
    a row per parameter (named, filled with its example), each answer's example."""
    item, operation = docs_check.operation_of(document, operation_id)
    if rows is None:
        rows = [
            f'<tr data-param-name="{p["name"]}"><td><div class="parameter__name">{p["name"]}'
            f'</div><div class="parameter__type">string</div></td><td><input value="'
            f'{p.get("example", "")}"></td></tr>'
            for p in [*item["parameters"], *operation.get("parameters", ())]
        ]
    answers = docs_check.answer_examples(document, operation)
    if answer is not None:
        answers["200"] = answer
    shown = "".join(
        f'<tr class="response" data-code="{status}"><td><pre class="example"><code>'
        f"{json.dumps(example)}</code></pre></td></tr>"
        for status, example in answers.items()
    )
    return (
        f'<div id="operations-Devices-{operation_id}"><div class="opblock-body">'
        f'<table class="parameters"><tbody>{"".join(rows)}</tbody></table>'
        f'<table class="responses-table"><tbody>{shown}</tbody></table></div></div>'
    )


def test_the_page_check_passes_the_page_swagger_ui_draws_from_this_description(document):
    page = swagger_ui_page(document, "organizations_get_device")
    assert docs_check.problems(page, document, "Devices", "organizations_get_device") == []


def test_the_page_check_finds_a_nameless_parameter_and_made_up_examples(document):
    """What the page showed before: a nameless "any" (a path-level `$ref`), and what
    Swagger UI makes up from a schema where the description gives no example."""
    nameless = (
        '<tr data-param-name=""><td><div class="parameter__name"></div>'
        '<div class="parameter__type">any</div></td><td><input value=""></td></tr>'
    )
    page = swagger_ui_page(document, "organizations_get_device", rows=[nameless])
    found = docs_check.problems(page, document, "Devices", "organizations_get_device")
    assert "a parameter is shown without a name" in found
    assert "machineId is not filled in with its example 'CN4'" in found
    made_up = {"machineId": "@XikJn>yq@=`Dfg{GA04", "name": "string"}
    page = swagger_ui_page(document, "organizations_get_device", answer=made_up)
    found = docs_check.problems(page, document, "Devices", "organizations_get_device")
    assert found == [f"the 200 answer shows {made_up!r}, not the description's example"]


@pytest.mark.slow  # a real browser
@pytest.mark.skipif(
    chromium.program() is None, reason="Chromium is not installed (make docs-check installs it)"
)
def test_chromium_shows_every_parameter_named_and_the_descriptions_examples(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        document = app.test_client().get("/api/openapi.json").json
        with chromium.Chromium() as browser:
            for tag, operation_id in docs_check.OPERATIONS:
                html = docs_check.shown(browser, base, tag, operation_id)
                assert docs_check.problems(html, document, tag, operation_id) == []
    finally:
        server.shutdown()
        server.server_close()
