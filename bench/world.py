"""The data every measurement reads, written the way the API writes it, and the settings.

Every app is built from `Config` with production defaults (memo periods, revocation refresh,
the rate limiter): the benchmark measures what a deployment runs, not `TestingConfig`.
"""

import logging

from config import Config
from syncapi import create_app
from syncapi.core import tokens
from syncapi.extensions import mongo_client
from syncapi.repositories import index_builds, summaries

SECRET = "bench-only-secret-of-at-least-32-bytes"
ORIGIN = "https://console.example"
ORG = "acme"
APP = "monitoreo-cnc"  # 100 devices
SMALL_APP = "sensores"  # 10 devices: the list's operation count must not depend on the size
DEVICES = 100
SHARED = "syncapi"  # the embedded store's shared database (Config's default)
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

    def send(method, path, body):
        response = client.open(path, method=method, json=body, headers=admin)
        if response.status_code >= 300:
            raise RuntimeError(f"seeding {method} {path}: {response.status_code} {response.json}")

    send("PUT", f"/api/organizations/{ORG}", {"name": "Acme"})
    for application_id, count in ((APP, DEVICES), (SMALL_APP, 10)):
        body = {"applicationId": application_id, "name": application_id}
        send("POST", f"/api/organizations/{ORG}/applications", body)
        for number in range(count):
            device = {"machineId": machine_id(number), "name": f"Machine {number}"}
            device["properties"] = {"line": "A", "cell": number % 7}
            path = f"/api/organizations/{ORG}/applications/{application_id}/devices"
            send("POST", path, device)
    send("POST", "/device/new", {"machineId": LEGACY_ID, "name": "Tank", "organizationId": ORG})
    add_organizations(mongo_client(app), 1, 50)


def add_organizations(mongo, first, last):
    """Organizations `org0001`… as the API leaves them (metadata and summaries, ten
    applications each), written in bulk; the same documents as tests/test_round_trips.py."""
    organizations, applications = [], []
    for number in range(first, last):
        organization_id = f"org{number:04d}"
        mongo[organization_id].config.insert_one(
            {"key": "organization", "value": {"name": organization_id}}
        )
        organizations.append(
            {"_id": organization_id, "applicationCount": 10, "userCount": 2}
            | {"sizeOnDisk": 0, "empty": False}
        )
        applications += [
            {"_id": f"{organization_id}/app{index}", "organizationId": organization_id}
            | {"applicationId": f"app{index}", "name": f"App {index}", "description": None}
            | {"status": "active", "deviceCount": 0, "order": index}
            for index in range(10)
        ]
    mongo[SHARED][summaries.ORGANIZATIONS].insert_many(organizations)
    mongo[SHARED][summaries.APPLICATIONS].insert_many(applications)


def add_devices(db, application_id, count):
    """`count` devices written as an ingestion would, the indexes built after the data
    (mongomock checks a unique index by scanning the collection on every insert)."""
    from syncapi.repositories import indexes

    collection = db[f"{application_id}_devices"]
    collection.drop_indexes()
    collection.insert_many(
        {"machineId": f"F{number:05d}", "name": f"press {number % 997:03d}", "tags": ["line-1"]}
        for number in range(count)
    )
    index_builds.create_all(db, indexes.application_specs(application_id))
