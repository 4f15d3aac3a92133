"""`/status`: liveness, and `/ready`: readiness. Both public, since probes carry no token.

`/status` touches no backend, so it answers whenever the process is up (a process that does
not is restarted). `/ready` answers 503 while MongoDB does not answer (a process that is not
ready is only sent no requests); its body names each backend's state and nothing more.
"""

from flask import Blueprint

from syncapi.access import auth
from syncapi.errors import ApiError
from syncapi.openapi.answers import MessageSchema, ReadySchema
from syncapi.openapi.examples import platform as examples
from syncapi.web import readiness
from syncapi.web.operations import no_backend, response

bp = Blueprint("status", __name__)
bp.auth_rule = auth.PUBLIC


@bp.get("/status")
@response(MessageSchema, example=examples.RUNNING)
@no_backend
def get_status():
    """Check that the API is up

    Always 200 while the process runs: it touches no database."""
    return {"message": "Sync API is running"}


@bp.get("/ready")
@response(ReadySchema, example=examples.READY)
def get_ready():
    """Check that the API can serve

    200 while MongoDB answers, else 503; InfluxDB's state is reported, never decisive."""
    backends = readiness.backends()
    if backends["mongodb"] != "ok":
        raise ApiError(503, "MongoDB unavailable", extra={"status": "not ready", **backends})
    return {"status": "ready", **backends}
