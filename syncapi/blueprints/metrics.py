"""`/metrics`: the Prometheus metrics of every worker of this replica (syncapi/core/metrics.py).

Opened by its own credential only: `METRICS_TOKEN` as a bearer token, compared in constant
time. A user's token, a platform admin's included, never opens it (the route is public to
the JWT check, which it does not need), and a scraper's token opens nothing else. While the
setting is unset, every caller gets the same 503 naming it, whatever it sends; once it is
set, a caller without that token is a 401. nginx keeps it off the public side.
"""

import hmac

from flask import Blueprint, Response, current_app, request

from syncapi.access import auth
from syncapi.core import metrics
from syncapi.core.failures import Unavailable
from syncapi.errors import ApiError
from syncapi.openapi.examples import platform as examples
from syncapi.web.headers import no_store
from syncapi.web.operations import errors, no_backend, response, security

bp = Blueprint("metrics", __name__)
bp.auth_rule = auth.PUBLIC  # to the JWT check; METRICS_TOKEN is checked here


@bp.get("")
@no_store
@response(
    {"type": "string", "description": "Prometheus text exposition format 0.0.4"},
    media="text/plain",
    example=examples.METRICS,
)
@errors(401, 503)
@no_backend
@security([{"metricsToken": []}])
def get_metrics():
    """Read the metrics

    Prometheus' text format, over every worker of this server; only `METRICS_TOKEN` opens
    it, as a bearer token."""
    expected = current_app.config["METRICS_TOKEN"]
    if not expected:  # no token could open them: say which setting, to anyone
        raise Unavailable("Metrics unavailable", details="METRICS_TOKEN not set")
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _refused()
    if not hmac.compare_digest(token.encode(), expected.encode()):
        raise _refused()
    return Response(metrics.exposition(), content_type=metrics.CONTENT_TYPE)


def _refused():
    headers = {"WWW-Authenticate": 'Bearer realm="metrics"'}
    return ApiError(401, "Metrics need METRICS_TOKEN as bearer token", headers=headers)
