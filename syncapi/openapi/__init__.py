"""The API's OpenAPI 3.1 description, built with apispec from the app's URL map and what
each view states about itself (`web.operations`: its body, answer, statuses, examples).

Nothing here is written by hand twice: paths and their parameters come from the URL map
and `identifiers`, bodies and answers from the schemas (`converter`), who may call from
`auth.route_rule`, and the statuses every route of a kind shares are derived below.
"""

from apispec import APISpec

from syncapi.access import auth
from syncapi.openapi import answers, preconditions
from syncapi.openapi.converter import Plugin
from syncapi.openapi.operation import REQUEST_ID, Schemas, operation, ref, with_request_id
from syncapi.openapi.parameters import openapi_path, path_parameters
from syncapi.schemas.limits import MAX_NODES

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
    408: "The body did not arrive whole within `REQUEST_BODY_TIMEOUT` seconds of the request's "
    "start; the connection closes.",
    409: "The change collides with what exists (a duplicate; `field` names it).",
    412: preconditions.STALE,
    413: "The body is larger than its route takes (`MAX_JSON_BYTES` for JSON, "
    f"`MAX_CONTENT_LENGTH` for uploads), or holds more than {MAX_NODES:,} array items and "
    "object keys in all, or the document would be larger than MongoDB keeps (16 MB).",
    429: "Too many attempts; `Retry-After` says when to try again.",
    500: "The time-series query failed (the cause is logged, never sent).",
    503: "MongoDB or InfluxDB is unreachable or not configured; `details` says which.",
}
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
        content = {"application/json": {"schema": ref("Error")}}
        response = {"description": text, "content": content, "headers": with_request_id()}
        spec.components.response(str(status), response)
    schemas = Schemas(spec, plugin.converter)
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        operations = {
            method.lower(): operation(app, rule, method, schemas)
            for method in sorted(rule.methods & set(METHODS))
        }
        parameters = [*path_parameters(rule), REQUEST_ID]
        spec.path(openapi_path(rule), operations=operations, parameters=parameters)
    return spec.to_dict()
