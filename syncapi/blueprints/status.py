"""`/status`: liveness, and `/ready`: readiness. Both public, since probes carry no token.

`/status` touches no backend, so it answers whenever the process is up (a process that does
not is restarted). `/ready` answers 503 while MongoDB does not answer (a process that is not
ready is only sent no requests); its body names each backend's state and nothing more.
"""

from flask import Blueprint

from syncapi.access import auth
from syncapi.errors import ApiError
from syncapi.openapi.answers import MessageSchema, ReadySchema
from syncapi.web import readiness
from syncapi.web.operations import no_backend, response

bp = Blueprint("status", __name__)
bp.auth_rule = auth.PUBLIC


@bp.get("/status")
@response(MessageSchema)
@no_backend
def get_status():
    """Always 200 while the process is up."""
    return {"message": "Sync API is running"}


@bp.get("/ready")
@response(ReadySchema)
def get_ready():
    """200 `{"status": "ready", "mongodb": "ok", "influxdb": …}`, else 503."""
    backends = readiness.backends()
    if backends["mongodb"] != "ok":
        raise ApiError(503, "MongoDB unavailable", extra={"status": "not ready", **backends})
    return {"status": "ready", **backends}
