"""`/status`: liveness. Touches no backend, so it answers whenever the process is up."""

from flask import Blueprint

from syncapi import auth

bp = Blueprint("status", __name__)
bp.auth_rule = auth.PUBLIC  # liveness probes carry no token


@bp.get("")
def get_status():
    """Always 200 while the process is up."""
    return {"message": "Sync API is running"}
