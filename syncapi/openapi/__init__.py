"""The API's OpenAPI 3.1 description, built with apispec from the app's URL map and what
each view states about itself (`web.operations`: its body, answer, statuses, examples).

Nothing here is written by hand twice: paths and their parameters come from the URL map
and `identifiers`, bodies and answers from the schemas (`converter`), who may call from
`auth.route_rule`, and the statuses every route of a kind shares are derived below.
"""

from apispec import APISpec

from syncapi.access import auth
from syncapi.openapi import answers, examples, preconditions, tags
from syncapi.openapi.converter import Plugin
from syncapi.openapi.operation import REQUEST_ID, Schemas, operation, ref, with_request_id
from syncapi.openapi.parameters import openapi_path, path_parameters
from syncapi.schemas.limits import MAX_NODES

TITLE = "syncapi"
VERSION = "1"
DESCRIPTION = """The backend of the Sync Admin Console: organizations (a database each), their \
users, gateways, applications, devices, event classes, functions and connectors, and the \
machines' time series.

**Signing in.** Send a bearer token (`accessToken` from `POST /api/auth/login`, or one an \
operator made with the `tokens create` command), or the session cookie login sets; with \
`AUTH_MODE=off` nothing is checked.

**Errors** are JSON objects: `error` says what is wrong, `field` names the input at fault, \
and `requestId` is the answer's `X-Request-ID`, to quote when reporting a problem.

**Two mounts.** An organization's data is under `/api/organizations/{organizationId}/…` and \
`/api/applications/{organizationId}/…`, because the console calls both: the first for \
organizations, users, gateways, applications and devices, the second for event classes, \
functions and an application's connectors. The device list, create and tags are under both, \
and either reads and writes the same devices.
"""
ERRORS = {
    400: "The body or a parameter breaks a rule; `field` names it.",
    401: "No valid token or session (`WWW-Authenticate: Bearer`).",
    403: "The caller may not do this here (another organization, a viewer writing, ...).",
    404: "The organization, application or resource does not exist.",
    408: "The body did not arrive whole within `REQUEST_BODY_TIMEOUT` seconds of the request's "
    "start; the connection closes.",
    409: "The change collides with what exists (a duplicate; `field` names it), or the first "
    "request with this `Idempotency-Key` is still under way (retry once it has answered).",
    412: preconditions.STALE,
    413: "The body is larger than its route takes (`MAX_JSON_BYTES` for JSON, "
    f"`MAX_CONTENT_LENGTH` for uploads), or holds more than {MAX_NODES:,} array items and "
    "object keys in all, or the document would be larger than MongoDB keeps (16 MB).",
    422: "This `Idempotency-Key` was sent before with another body or route (`field` names "
    "the header): use a new key for a new create.",
    429: "Too many attempts; `Retry-After` says when to try again.",
    500: "The time-series query failed (the cause is logged, never sent).",
    503: "MongoDB or InfluxDB is unreachable or not configured; `details` says which.",
}
REQUEST_ID_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$"}
REQUEST_ID_PARAMETER = {  # any value is taken: one that is not a plain token is ignored
    "in": "header",
    "name": "X-Request-ID",
    "required": False,
    "description": "Your own id for the request: when it matches `^[A-Za-z0-9._-]{1,64}$`, "
    "kept beside the server's as `clientRequestId` of the change-log entries it makes and "
    "`client_request_id` of its log lines; any other value is ignored, never refused. The "
    "request's id is the server's own (the answer's `X-Request-ID`).",
    "schema": {"type": "string"},
}
REQUEST_ID_HEADER = {
    "description": "The request's id, made by the server (or by its proxy), never the one "
    "sent; also `requestId` of an error body and of the change-log entries it made, and "
    "`request_id` of its log lines.",
    "schema": REQUEST_ID_SCHEMA,
}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def describe(app, with_docs=False):
    """The OpenAPI document of `app`, as a dict. The docs page's own routes are not listed
    (a page about the API, not an operation of it) unless `with_docs`: the tests describe
    them too, to check their answers like any other's."""
    plugin = Plugin()
    spec = APISpec(
        TITLE,
        VERSION,
        "3.1.0",
        plugins=[plugin],
        info={"description": DESCRIPTION},
        tags=tags.declared(with_docs),
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
    spec.components.header(REQUEST_ID, REQUEST_ID_HEADER)
    spec.components.schema("Error", schema=answers.ErrorSchema)
    for status, text in ERRORS.items():
        error = {"schema": ref("Error"), "example": examples.ERRORS[status]}
        content = {"application/json": error}
        response = {"description": text, "content": content, "headers": with_request_id()}
        spec.components.response(str(status), response)
    schemas = Schemas(spec, plugin.converter)
    for rule in sorted(listed_rules(app, with_docs), key=_position):
        operations = {
            method.lower(): operation(app, rule, method, schemas)
            for method in METHODS
            if method in rule.methods
        }
        # Inline: Swagger UI 5 shows a path-level `$ref` parameter as a nameless "any".
        parameters = [*path_parameters(rule), REQUEST_ID_PARAMETER]
        spec.path(openapi_path(rule), operations=operations, parameters=parameters)
    return spec.to_dict()


def _position(rule):
    """Operations are listed by tag (`tags.position`), then GET, POST, PUT, PATCH, DELETE."""
    method = next(METHODS.index(method) for method in METHODS if method in rule.methods)
    return (*tags.position(openapi_path(rule)), method)


def listed_rules(app, with_docs=False):
    """The URL map's rules the description lists: all but those of a blueprint that says it
    is not listed (`bp.listed = False`: the docs page's), unless `with_docs`."""
    return [
        rule
        for rule in app.url_map.iter_rules()
        if with_docs
        or getattr(app.blueprints.get(rule.endpoint.rpartition(".")[0]), "listed", True)
    ]
