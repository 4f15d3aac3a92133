"""Constants and helpers the test modules share. Fixtures live in conftest.py, which no test
module imports; no test module imports another."""

import contextlib
import functools
import json
import time

import mongomock
from flask.testing import FlaskClient
from flask.wrappers import Response
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from syncapi import create_app
from syncapi.core import tokens
from syncapi.extensions import mongo_client
from tests.settings import TestingConfig

ORG = "/api/organizations/acme"
APP = f"{ORG}/applications/monitoreo-cnc"
JWT_SECRET = "test-secret-of-at-least-32-bytes!!"
CONSOLE = "https://console.example"  # the console's origin, the one a secured app allows
# The settings of an app as deployed behind the console: tokens required, CORS limited to the
# console (conftest's `secured`; `make_app(**SECURED, METRICS_TOKEN=...)` for a variant).
SECURED = {"AUTH_MODE": "required", "JWT_SECRET": JWT_SECRET, "CORS_ALLOWED_ORIGIN": [CONSOLE]}
UNREACHABLE_MONGODB = "mongodb://127.0.0.1:1/"  # nothing listens on port 1
OPERATOR = {"$gt": ""}  # a MongoDB operator sent where a value belongs: always refused

# A value for each URL variable, to build every route of the URL map.
SAMPLE_VALUES = {
    "organization_id": "acme",
    "application_id": "monitoreo-cnc",
    "machine_id": "CN1",
    "user_id": "6650a1b2c3d4e5f601234567",
    "gateway_id": "GW-01",
    "connector_id_text": "6650a1b2c3d4e5f601234567",
    "service_id_text": "6650a1b2c3d4e5f601234567",
    "function_id": "fn_1",
    "seq": "1",
}
INFLUX_ONLY = {  # test_query.py checks these answer 503 when InfluxDB is down or unset
    "query.connected_machines",
    "query.events_processed_last_day",
    "query.events_processed",
    "query.latest_events",
    "query.cpu_usage",
    "query.ram_usage",
    "query.storage",
    "device.machine_events",
    "device.machine_status",
}


@functools.cache
def unserved_app():
    """An app of the default settings that serves no request, for what a module reads when it
    is collected, before any fixture: the URL map of every route, the API description. Built
    once per process; it opens no client, so there is none to close."""
    return create_app(TestingConfig())


INFLUX_TOKEN = "apiv3_test-token"
MAIN_DB = "sync"
STATS_DB = "server__stats"

# The time series every analytics test reads: `ago` is seconds before NOW_NS.
STATE = [
    {"ago": 60, "machine_id": "CN1", "power": True, "execution": "ACTIVE", "mode": "AUTOMATIC"},
    {"ago": 120, "machine_id": "CN1", "power": False, "execution": "STOPPED"},
    {"ago": 300, "machine_id": "CN1", "power": True},  # a second sample: machines are distinct
    {"ago": 30, "machine_id": "CN2", "power": False},
    {"ago": 3600, "machine_id": "CN2", "power": True, "mode": "MANUAL"},
    {"ago": 2 * 86400, "machine_id": "CN3", "power": True, "execution": "ACTIVE"},
    {"ago": 600, "machine_id": "CN3", "mode": "MANUAL"},
    {"ago": 10, "machine_id": "CN4", "power": False},
]
PRODUCTION = [
    {"ago": 90, "machine_id": "CN1", "op_code": "OP10", "piece_id": "P-1", "pieces_produced": 128},
    {"ago": 3 * 86400, "machine_id": "CN1", "pieces_produced": 100},
]
EVENTS = [
    {"ago": 45, "machine_id": "OIL-07", "event_value": 42.5},
    {"ago": 30 * 3600, "machine_id": "OIL-07", "event_value": 40.0},
]
EVENTS_LAST_DAY, EVENTS_ALL_TIME = 9, 12  # one per non-null value of the union's columns


def snapshot(store, documents_only=False):
    """Every document of a database, or of every database of a client; with
    `documents_only`, collections that hold none are left out."""
    if isinstance(store, mongomock.MongoClient):
        names = sorted(store.list_database_names())
        return {name: snapshot(store[name], documents_only) for name in names}
    collections = {name: list(store[name].find()) for name in store.list_collection_names()}
    return {name: docs for name, docs in sorted(collections.items()) if docs or not documents_only}


@contextlib.contextmanager
def unchanged(*stores, documents_only=False):
    """Asserts that the block (a refused request) changed nothing in these databases or
    clients: no document, collection or database added, altered or removed. An index build
    creates empty collections: `documents_only` then compares the documents alone."""
    before = [snapshot(store, documents_only) for store in stores]
    yield
    after = [snapshot(store, documents_only) for store in stores]
    assert after == before, "the data changed"


def as_server(app):
    """Operator commands refuse the embedded store, whose data lives in the server's process;
    a test runs them in the app's own process, so the app passes for a real server (its
    client, built first, stays the embedded one)."""
    mongo_client(app)
    app.config["MONGODB_URI"] = "mongodb://db:27017"
    return app


def tenant_names(mongo, shared="syncapi"):
    """The databases that are organizations: every one but the shared database, where an
    organization's summary and claims live."""
    return sorted(name for name in mongo.list_database_names() if name != shared)


def drop_then_time_out(monkeypatch, what):
    """The server goes on dropping after the client gave up: a real server's dropDatabase
    waits for a majority of the replica set, which can outlast MONGODB_TIMEOUT_MS. `what`
    is "database" (an organization's delete) or "collection" (an application's)."""
    from pymongo.errors import NetworkTimeout

    from syncapi.embedded.store import EmbeddedClient, EmbeddedCollection

    owner, method = (
        (EmbeddedClient, "drop_database")
        if what == "database"
        else (
            EmbeddedCollection,
            "drop",
        )
    )
    original = getattr(owner, method)

    def drop(self, *args, **kwargs):
        original(self, *args, **kwargs)
        monkeypatch.setattr(owner, method, original)  # once
        raise NetworkTimeout("timed out")

    monkeypatch.setattr(owner, method, drop)


def refreshed(app):
    """The app after a pass of its refresh (`web.refresh`), run in the test's thread: what a
    worker's start runs (the indexes of the shared database and of every organization), or
    the next pass after a change. A pass a listing started is let finish first."""
    from syncapi.web import refresh

    app.extensions["syncapi.background"].wait()
    refresh.run(app)
    return app


def reconcile(app):
    """What an operator runs after writing data by other means than the API (the counts kept
    on write, the machine registry): `flask db ensure-indexes`."""
    from syncapi.cli.database import db_group

    return as_server(app).test_cli_runner().invoke(db_group, ["ensure-indexes"])


def anyone_may_call(operation):
    """An operation of the API description with no security requirement, or one that may be
    left out (`{}`)."""
    security = operation.get("security")
    return security is not None and (security == [] or {} in security)


def slowed_reads(monkeypatch):
    """Every read yields the interpreter to other threads before and after it, as a busy
    process would: mongomock's find-and-modify reads, writes, then reads again."""
    read = mongomock.Collection.find_one

    def find_one(self, *args, **kwargs):
        time.sleep(0.001)
        found = read(self, *args, **kwargs)
        time.sleep(0.001)
        return found

    monkeypatch.setattr(mongomock.Collection, "find_one", find_one)


class CheckedResponse(TestResponse, Response):
    """A test client's answer. Every error answer's body carries the request's id
    (`requestId`, spec §13.5), the one its `X-Request-ID` header gives: `get_json` (and so
    `.json`) checks that on every error answer of the suite, then leaves it out, so that a
    test states an error body as the contract writes it. `json.loads(response.data)` reads
    the body as sent."""

    def get_json(self, *args, **kwargs):
        body = super().get_json(*args, **kwargs)
        if self.status_code >= 400 and isinstance(body, dict):
            body = dict(body)
            request_id = body.pop("requestId", None)
            assert request_id == self.headers["X-Request-ID"], "requestId is not X-Request-ID"
        return body


class CheckedClient(FlaskClient):
    """The test client of every app of the suite (conftest installs it): its answers are
    `CheckedResponse`s, and each status a route answers is one its description states
    (`undescribed`): what `tests/test_operations.py` cannot see in a view's code, errors
    raised below it included."""

    def __init__(self, app, response_wrapper=None, *args, **kwargs):
        super().__init__(app, CheckedResponse, *args, **kwargs)

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        found = undescribed(response)
        if found is not None:
            response.close()
            raise AssertionError(f"{found} is not in the API description")
        return response


UNHANDLED = "Internal server error"  # errors.handle_unexpected's answer


@functools.cache
def _responses():
    """`{(endpoint, METHOD): {status, …}}` of the API description (the same for every app),
    the docs page's routes included: the page's answers are checked like any other's."""
    from syncapi.openapi import describe  # noqa: PLC0415
    from syncapi.openapi.parameters import openapi_path  # noqa: PLC0415

    app = unserved_app()
    document = describe(app, with_docs=True)
    return {
        (rule.endpoint, method): {int(status) for status in operation["responses"]}
        for rule in app.url_map.iter_rules()
        for method, operation in document["paths"][openapi_path(rule)].items()
        if method.upper() in rule.methods
    }


def _unhandled(response):
    return response.is_json and json.loads(response.data).get("error") == UNHANDLED


def undescribed(response):
    """`METHOD endpoint status` of an answer its route's description does not state, else
    None (no route: Flask's own 404 and 405; HEAD and OPTIONS are not described; an
    unhandled error, a bug, is no status of a route). Every app of the suite has the same
    routes: a path's endpoint is found once."""
    environ = response.request.environ
    method = environ["REQUEST_METHOD"]
    if method in ("HEAD", "OPTIONS") or response.status_code == 500 and _unhandled(response):
        return None
    endpoint = _endpoint(method, environ["PATH_INFO"])
    statuses = _responses().get((endpoint, method.lower()))
    if statuses is None or response.status_code in statuses:
        return None
    return f"{method} {endpoint} {response.status_code}"


@functools.lru_cache(maxsize=16384)
def _endpoint(method, path):
    try:
        return unserved_app().url_map.bind("").match(path, method)[0]
    except HTTPException:
        return None


def bearer(orgs=("acme",), role="user", subject="tester", lifetime=3600, secret=JWT_SECRET):
    """The Authorization header of a token `flask tokens create` would make."""
    token, _ = tokens.issue(secret, subject, list(orgs), role, lifetime)
    return {"Authorization": f"Bearer {token}"}
