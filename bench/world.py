"""The data every measurement reads, written the way the API writes it, and the settings.
The organizations, applications and devices are made by tests/builders.py, as the test
suite's fixtures make theirs.

Every app is built from `Config` with production defaults (memo periods, revocation refresh,
the rate limiter): the benchmark measures what a deployment runs, not `TestingConfig`.
"""

import logging

from config import Config
from syncapi import create_app
from syncapi.core import tokens
from syncapi.extensions import mongo_client
from tests import builders

SECRET = "bench-only-secret-of-at-least-32-bytes"
ORIGIN = "https://console.example"
ORG = "acme"
APP = "monitoreo-cnc"  # 100 devices
SMALL_APP = "sensores"  # 10 devices: the list's operation count must not depend on the size
DEVICES = 100
SHARED = builders.SHARED  # the embedded store's shared database (Config's default)
DEVICE_PATH = f"/api/organizations/{ORG}/applications/{APP}/devices"
LEGACY_ID = "L1"


def machine_id(number):
    return f"CN{number:03d}"


def environment(auth):
    """The settings of a syncapi process; `auth` turns on bearer tokens as production does.
    Request lines are off while seeding; the measured apps write them (`request_log`)."""
    quiet = {"REQUEST_LOG": "0"}
    if not auth:
        return quiet | {"AUTH_MODE": "off"}
    return quiet | {"AUTH_MODE": "required", "JWT_SECRET": SECRET, "CORS_ALLOWED_ORIGIN": ORIGIN}


def build(auth, environ=None):
    """A syncapi app with its own embedded store, seeded; `environ` (the process's) is read
    instead of `environment(auth)` when given (gunicorn workers)."""
    quiet = logging.getLogger("syncapi")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # AUTH_MODE=off says so in a warning at every start
    try:
        app = create_app(Config(environ if environ is not None else environment(auth)))
    finally:
        quiet.setLevel(level)
    seed(app)
    return app


def token(role="user", orgs=(ORG,)):
    """A bearer token as `flask tokens create` makes it: an `acme` member by default."""
    issued, _ = tokens.issue(SECRET, "bench-user", list(orgs), role, 3600)
    return issued


def bearer(auth):
    return {"Authorization": f"Bearer {token()}"} if auth else {}


def seed(app):
    """acme with two applications (100 and 10 devices) and a legacy device, through the API,
    among 50 organizations in all."""
    client = app.test_client()
    admin = {"Authorization": f"Bearer {token('admin', ['*'])}"}
    builders.organization(client, ORG, "Acme", headers=admin)
    for application_id, count in ((APP, DEVICES), (SMALL_APP, 10)):
        builders.application(client, ORG, application_id, application_id, headers=admin)
        devices = [
            {"machineId": machine_id(number), "name": f"Machine {number}"}
            | {"properties": {"line": "A", "cell": number % 7}}
            for number in range(count)
        ]
        builders.devices(client, ORG, application_id, devices, headers=admin)
    legacy = {"machineId": LEGACY_ID, "name": "Tank", "organizationId": ORG}
    builders.legacy_device(client, legacy, headers=admin)
    builders.organizations_in_bulk(mongo_client(app), 1, 50)  # as test_round_trips.py's


def add_devices(db, application_id, count):
    """`count` devices written as an ingestion would (tests/test_lists.py's fleet, smaller)."""
    builders.ingested_devices(
        db,
        application_id,
        (
            {"machineId": f"F{n:05d}", "name": f"press {n % 997:03d}", "tags": ["line-1"]}
            for n in range(count)
        ),
    )
