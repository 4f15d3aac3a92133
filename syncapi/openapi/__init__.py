"""The API's OpenAPI 3.1 description, built with apispec from the app's URL map and what
each view states about itself (`web.operations`: its body, answer, statuses, examples).

Nothing here is written by hand twice: paths and their parameters come from the URL map
and `identifiers`, bodies and answers from the schemas (`converter`), who may call from
`auth.route_rule`, and the statuses every route of a kind shares are derived below.
"""

import inspect

from apispec import APISpec

from syncapi.access import auth
from syncapi.openapi import answers, preconditions
from syncapi.openapi.converter import Plugin, schema_name, stored_document
from syncapi.openapi.parameters import (
    change_parameters,
    list_parameters,
    openapi_path,
    path_parameters,
)
from syncapi.web.operations import Many, Stored

TITLE = "syncapi"
VERSION = "1"
DESCRIPTION = (
    "The multi-tenant backend of the Sync Admin Console. Errors are JSON objects with "
    "`error`, `field` naming the input at fault (spec README §10) and `requestId`, the "
    "answer's `X-Request-ID` (spec §13.5). Send a bearer token "
    "(`flask tokens create`, or `accessToken` from `POST /api/auth/login`) or the session "
    "cookie login sets; with `AUTH_MODE=off` nothing is checked."
)
ERRORS = {
    400: "The body or a parameter breaks a rule; `field` names it.",
    401: "No valid token or session (`WWW-Authenticate: Bearer`).",
    403: "The caller may not do this here (another organization, a viewer writing, ...).",
    404: "The organization, application or resource does not exist.",
    409: "The change collides with what exists (a duplicate; `field` names it).",
    412: preconditions.STALE,
    413: "The body is larger than `MAX_CONTENT_LENGTH`, or the document than MongoDB keeps.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    500: "The time-series query failed (the cause is logged, never sent).",
    503: "MongoDB or InfluxDB is unreachable or not configured; `details` says which.",
}
PAGE_HEADERS = {  # a page's (spec §13.3); the whole array has neither
    "X-Total-Count": {
        "description": "Items matching, over every page.",
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    "Link": {
        "description": "RFC 8288 links to the first, previous and next pages.",
        "schema": {"type": "string"},
    },
}
# Every request may name its id, and every answer carries it (syncapi/request_log.py).
REQUEST_ID = "RequestId"
REQUEST_ID_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}
REQUEST_ID_PARAMETER = {  # any value is taken: one that is not a plain token is replaced
    "name": "X-Request-ID",
    "required": False,
    "description": "The request's id, kept when it matches `^[A-Za-z0-9._-]{1,64}$`; "
    "any other value is replaced by a fresh id, never refused.",
    "schema": {"type": "string"},
}
REQUEST_ID_HEADER = {
    "description": "The request's id: the one sent, else a fresh one; also `requestId` of an "
    "error body and `request_id` of its log lines.",
    "schema": REQUEST_ID_SCHEMA,
}
SUCCESS = {200: "OK", 201: "Created", 204: "Deleted (no body)"}
TAGS = {
    "organizations": "Organizations, their users, gateways, applications, devices, connectors",
    "applications": "An application's devices, event classes, functions and connectors",
    "device": "Per-machine time series and the legacy devices of the shared database",
    "services": "Global service configurations (platform admins)",
    "icons": "The icon library",
    "query": "The dashboard's KPIs",
    "auth": "Login and logout",
    "machines": "The machine registry (platform admins)",
    "status": "Liveness and readiness",
    "metrics": "Prometheus metrics (METRICS_TOKEN)",
    "docs": "This description and its page",
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def describe(app):
    """The OpenAPI document of `app`, as a dict."""
    plugin = Plugin()
    spec = APISpec(
        TITLE,
        VERSION,
        "3.1.0",
        plugins=[plugin],
        info={"description": DESCRIPTION},
        tags=[{"name": name, "description": text} for name, text in TAGS.items()],
        security=[{"bearer": []}, {"sessionCookie": []}],
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    spec.components.security_scheme(
        "sessionCookie", {"type": "apiKey", "in": "cookie", "name": auth.SESSION_COOKIE}
    )
    spec.components.security_scheme(
        "metricsToken",
        {"type": "http", "scheme": "bearer", "description": "`METRICS_TOKEN`, and only it"},
    )
    spec.components.parameter(REQUEST_ID, "header", REQUEST_ID_PARAMETER)
    spec.components.header(REQUEST_ID, REQUEST_ID_HEADER)
    spec.components.schema("Error", schema=answers.ErrorSchema)
    for status, text in ERRORS.items():
        content = {"application/json": {"schema": _ref("Error")}}
        response = {"description": text, "content": content, "headers": _headers()}
        spec.components.response(str(status), response)
    schemas = _Schemas(spec, plugin.converter)
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        operations = {
            method.lower(): _operation(app, rule, method, schemas)
            for method in sorted(rule.methods & set(METHODS))
        }
        parameters = [*path_parameters(rule), REQUEST_ID]
        spec.path(openapi_path(rule), operations=operations, parameters=parameters)
    return spec.to_dict()


def _operation(app, rule, method, schemas):
    """One operation: what its view states (`web.operations`) and what its kind of route
    implies."""
    view = app.view_functions[rule.endpoint]
    facts = view.operation
    blueprint_name = rule.endpoint.rpartition(".")[0]
    scoped = "organization_id" in rule.arguments
    rule_of_caller = auth.route_rule(view, app.blueprints.get(blueprint_name), scoped, method)
    doc = inspect.getdoc(view) or ""
    operation = {
        "operationId": rule.endpoint.replace(".", "_"),
        "tags": [blueprint_name],
        "summary": facts.summary or doc.split("\n\n")[0].replace("\n", " "),
        "responses": _responses(facts, rule, method, rule_of_caller, scoped, schemas),
    }
    if doc and not facts.summary and "\n\n" in doc:
        operation["description"] = doc.split("\n\n", 1)[1]
    query = [
        *facts.query,
        *(change_parameters(facts.query_schema) if facts.query_schema else ()),
        *(list_parameters(facts.listing) if facts.listing else ()),
    ]
    parameters = [*query, *preconditions.request_headers(facts, method)]
    if parameters:
        operation["parameters"] = parameters
    if facts.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {facts.body_media: _media(schemas.body(facts.body), facts.example)},
        }
    if facts.security is not None:
        operation["security"] = facts.security
    elif rule_of_caller == auth.PUBLIC:
        operation["security"] = []
    return operation


def _media(schema, example):
    media = {"schema": schema}
    if example is not None:
        media["example"] = example
    return media


def _responses(facts, rule, method, rule_of_caller, scoped, schemas):
    responses = {}
    for status in facts.status:
        response = {"description": SUCCESS[status], "headers": _headers()}
        if facts.answer is not None:
            answer = schemas.answer(facts.answer)
            response["content"] = {media: {"schema": answer} for media in facts.answer_media}
        others = {
            **(PAGE_HEADERS if facts.listing is not None else {}),
            **(facts.headers or {}),
            **preconditions.answer_headers(facts, method),
        }
        response["headers"] = _headers(others)
        responses[str(status)] = response
    for status, answer in preconditions.statuses(facts, method).items():
        responses[status] = {**answer, "headers": _headers(answer["headers"])}
    errors = _errors(facts, rule, rule_of_caller, scoped) | preconditions.errors(facts, method)
    for status in sorted(errors):
        responses[str(status)] = {"$ref": f"#/components/responses/{status}"}
    return responses


def _errors(facts, rule, rule_of_caller, scoped):
    """The error statuses of a route: its own, and those of its kind."""
    errors = set(facts.errors)
    if (
        facts.body is not None
        or facts.query
        or facts.query_schema
        or facts.listing
        or rule.arguments
    ):
        errors.add(400)
    if facts.body is not None:
        errors.add(413)
    if rule_of_caller != auth.PUBLIC:
        errors.add(401)
        if rule_of_caller != auth.SIGNED_IN:
            errors.add(403)
    if scoped:
        errors.add(404)
    if facts.backend or rule_of_caller != auth.PUBLIC:  # tokens are checked against MongoDB
        errors.add(503)
    return errors


def _headers(others=None):
    """The headers of an answer: `X-Request-ID` always, and `others`."""
    return {**(others or {}), "X-Request-ID": REQUEST_ID}


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


class _Schemas:
    """Schemas of bodies and answers, each registered once as a component."""

    def __init__(self, spec, converter):
        self.spec = spec
        self.converter = converter

    def body(self, schema):
        return self.converter.resolve_nested_schema(schema)

    def answer(self, answer):
        if isinstance(answer, dict):
            return answer
        if isinstance(answer, Many):
            return {"type": "array", "items": self.answer(answer.item)}
        if isinstance(answer, Stored):
            return self._stored(answer.schema)
        return self.converter.resolve_nested_schema(answer)

    def _stored(self, schema_class):
        """`Stored<Name>`: the body's fields, `_id`, and any other key; none required."""
        name = "Stored" + schema_name(schema_class)
        if name not in self.spec.components.schemas:
            jsonschema = stored_document(self.converter.schema2jsonschema(schema_class()))
            self.spec.components.schema(name, component=jsonschema)
        return _ref(name)
