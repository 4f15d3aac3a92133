"""Fixtures: a fresh app with its own empty embedded store per test, and the console's tenant.
Every app of the suite comes from `make_app` (or `make_module_app`, for one a module shares).
Constants and helpers are in helpers.py, the organizations and devices fixtures make in
builders.py (test modules import those, never this file)."""

import contextlib
import copy
import time

import pytest
from flask import Flask

from syncapi import create_app
from syncapi.core import passwords
from syncapi.extensions import close_clients, mongo_client
from syncapi.web import refresh
from tests import builders
from tests.helpers import (
    EVENTS,
    INFLUX_TOKEN,
    JWT_SECRET,
    MAIN_DB,
    PRODUCTION,
    SECURED,
    STATE,
    UNREACHABLE_MONGODB,
    CheckedClient,
    refreshed,
)
from tests.settings import CHEAP_HASHING, TestingConfig


@pytest.fixture(scope="session", autouse=True)
def checked_error_bodies():
    """Every app's test client checks each error body's `requestId` against the answer's
    `X-Request-ID`, then leaves it out of `.json` (tests.helpers.CheckedResponse)."""
    Flask.test_client_class = CheckedClient
    yield
    Flask.test_client_class = None


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    passwords.use_parameters(CHEAP_HASHING)
    yield
    passwords.use_parameters(passwords.PRODUCTION)


@pytest.fixture
def production_hashing():
    """Passwords hashed as in production, for the test that checks that strength."""
    passwords.use_parameters(passwords.PRODUCTION)
    yield
    passwords.use_parameters(CHEAP_HASHING)


@contextlib.contextmanager
def _building_apps():
    """`make(**settings)` builds `create_app(TestingConfig(**settings))`: an app no worker
    started, so no refresh made its indexes (`helpers.refreshed` runs one); the clients of
    every app it built (MongoDB, InfluxDB, the embedded engine) are closed when the block
    ends, after the refresh a test started has stopped."""
    built = []

    def make(**settings):
        app = create_app(TestingConfig(**copy.deepcopy(settings)))  # no list shared by two apps
        built.append(app)
        return app

    try:
        yield make
    finally:
        for app in built:
            refresh.stop(app)
            app.extensions["syncapi.background"].wait()
            close_clients(app)


@pytest.fixture
def make_app():
    """The factory of the suite's apps: `make_app(**settings)` is an app of `TestingConfig`
    with these settings changed (`make_app(**SECURED, REQUEST_LOG=True)`), closed at the end
    of the test. Only the tests about `create_app` itself call that directly."""
    with _building_apps() as make:
        yield make


@pytest.fixture(scope="module")
def make_module_app():
    """`make_app` for an app a whole module shares, closed after the module's last test: the
    demo's seeded series, the fuzzer's apps. Its data is the module's to keep consistent."""
    with _building_apps() as make:
        yield make


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def started(app):
    """The app as its worker's start leaves it: the refresh's first pass made the indexes of
    the shared database (`helpers.refreshed`), those behind its 409s among them."""
    return refreshed(app)


@pytest.fixture
def secured(make_app):
    """An app with authentication required and the console's origin allowed (`SECURED`); a
    module needing one more setting builds it with `make_app(**SECURED, ...)`."""
    return make_app(**SECURED)


@pytest.fixture
def offline_app(make_app):
    """The app with MongoDB unreachable. Its client has no time to wait, in a read or a
    write request (MONGODB_TIMEOUT_MS=MONGODB_WRITE_TIMEOUT_MS=0: pymongo fails at the first
    server selection), so a 503 costs microseconds, not pymongo's half-second minimum;
    test_app keeps a test of each on the real timeout path."""
    return make_app(
        MONGODB_URI=UNREACHABLE_MONGODB,
        MONGODB_TIMEOUT_MS=0,
        MONGODB_WRITE_TIMEOUT_MS=0,
        JWT_SECRET=JWT_SECRET,
    )


@pytest.fixture
def offline_client(offline_app):
    return offline_app.test_client()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mongo(app):
    """The app's own client, to arrange and inspect stored state."""
    return mongo_client(app)


@pytest.fixture
def shared(mongo):
    """The shared database: organization summaries, machine claims, services, legacy devices,
    the shared change log."""
    return mongo["syncapi"]


@pytest.fixture
def acme(client, mongo):
    """The organization `acme`, created the way the API creates one."""
    builders.organization(client, "acme", "Acme")
    return mongo["acme"]


@pytest.fixture
def cnc(client, acme):
    """`acme` with the application `monitoreo-cnc` registered."""
    builders.application(client, "acme", "monitoreo-cnc", "CNC")
    return acme


@pytest.fixture(scope="session")
def influx_server():
    """One InfluxDB 3 stand-in for the whole run; each test brings its own rows."""
    from tests.influx_standin import InfluxStandIn

    server = InfluxStandIn(token=INFLUX_TOKEN)
    yield server
    server.released.set()
    server.shutdown()


@pytest.fixture
def influx(app, influx_server):
    """The app pointed at the stand-in, which starts empty (no database at all)."""
    influx_server.reset()
    app.config.update(
        INFLUXDB_HOST=influx_server.host,
        INFLUXDB_TOKEN=INFLUX_TOKEN,
        INFLUXDB_DATABASE=MAIN_DB,
        INFLUXDB_QUERY_TIMEOUT=2.0,
    )
    yield influx_server
    influx_server.released.set()


@pytest.fixture
def later(monkeypatch):
    """Moves the clock a minute on, for what the test does after calling it: an update
    that does not bump a timestamp then shows."""

    def move():
        from datetime import timedelta

        from syncapi.core import clock

        real = clock.utcnow
        moment = real() + timedelta(minutes=1)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move


@pytest.fixture
def now_ns():
    return time.time_ns()


@pytest.fixture
def machines(influx, now_ns):
    """The stand-in's main database holding STATE, PRODUCTION and EVENTS."""
    from tests.influx_standin import table

    influx.databases[MAIN_DB] = {
        "state": table(STATE, now_ns),
        "production": table(PRODUCTION, now_ns),
        "events": table(EVENTS, now_ns),
    }
    return influx


def pytest_terminal_summary(terminalreporter):
    """`N cases`: the fault cases run (operation × call × mode × duration, test_faults.py)."""
    reports = terminalreporter.stats.get("passed", []) + terminalreporter.stats.get("failed", [])
    counts = [dict(report.user_properties).get("fault_cases") for report in reports]
    counted = [count for count in counts if count is not None]
    if counted:
        terminalreporter.write_line(f"{sum(counted)} cases")
