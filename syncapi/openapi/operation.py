"""One operation of the API description: what its view states (`web.operations`) and what
its kind of route implies (401/403 from its `auth` rule, 404 for an organization in its
path, 400, 408 and 413 for a body, 503 for a backend, ETags for a conditional one)."""

import inspect

from syncapi.access import auth
from syncapi.openapi import idempotency, preconditions
from syncapi.openapi.converter import schema_name, stored_document
from syncapi.openapi.parameters import change_parameters, list_parameters, openapi_path
from syncapi.openapi.tags import tag_of
from syncapi.web.operations import Many, Stored

REQUEST_ID = "RequestId"
SUCCESS = {200: "OK", 201: "Created", 204: "Deleted (no body)"}
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
# Every request may name its id, and every answer carries it (syncapi/web/request_log.py).


def operation(app, rule, method, schemas):
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
        "tags": [tag_of(openapi_path(rule))],
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
    parameters = [
        *query,
        *preconditions.request_headers(facts, method),
        *idempotency.request_headers(facts),
    ]
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
        response = {"description": SUCCESS[status], "headers": with_request_id()}
        if facts.answer is not None:
            answer = schemas.answer(facts.answer)
            response["content"] = {
                media: _media(answer, facts.answer_example) for media in facts.answer_media
            }
        others = {  # a view's own headers say more than those of its kind
            **(PAGE_HEADERS if facts.listing is not None else {}),
            **preconditions.answer_headers(facts, method),
            **idempotency.answer_headers(facts),
            **(facts.headers or {}),
        }
        response["headers"] = with_request_id(others)
        responses[str(status)] = response
    own_headers = facts.headers or {}
    for status, answer in preconditions.statuses(facts, method).items():
        own = {name: own_headers[name] for name in answer["headers"] if name in own_headers}
        responses[status] = {**answer, "headers": with_request_id({**answer["headers"], **own})}
    errors = (
        _errors(facts, rule, rule_of_caller, scoped)
        | preconditions.errors(facts, method)
        | idempotency.errors(facts)
    )
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
        errors |= {408, 413}
    if rule_of_caller != auth.PUBLIC:
        errors.add(401)
        if rule_of_caller != auth.SIGNED_IN:
            errors.add(403)
    if scoped:
        errors.add(404)
    if facts.backend or rule_of_caller != auth.PUBLIC:  # tokens are checked against MongoDB
        errors.add(503)
    return errors


def with_request_id(others=None):
    """The headers of an answer: `X-Request-ID` always, and `others`."""
    return {**(others or {}), "X-Request-ID": REQUEST_ID}


def ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


class Schemas:
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
        return ref(name)
