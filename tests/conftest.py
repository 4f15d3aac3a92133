"""Fixtures: a fresh app with its own empty embedded store per test, and the console's tenant.
Constants and helpers are in helpers.py (test modules import that, never this file)."""

import time

import pytest
from flask import Flask

from syncapi import create_app
from syncapi.core import passwords
from syncapi.extensions import close_clients, mongo_client
from tests.helpers import (
    EVENTS,
    INFLUX_TOKEN,
    JWT_SECRET,
    MAIN_DB,
    ORG,
    PRODUCTION,
    STATE,
    UNREACHABLE_MONGODB,
    CheckedClient,
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


@pytest.fixture
def app():
    app = create_app(TestingConfig())
    yield app
    close_clients(app)


@pytest.fixture
def secured():
    """An app with authentication required (modules needing CORS or more data define their
    own `secured`)."""
    app = create_app(TestingConfig(AUTH_MODE="required", JWT_SECRET=JWT_SECRET))
    yield app
    close_clients(app)


@pytest.fixture
def offline_app():
    """The app with MongoDB unreachable. Its client has no time to wait
    (MONGODB_TIMEOUT_MS=0: pymongo fails at the first server selection), so a 503 costs
    microseconds, not pymongo's half-second minimum; test_app keeps one test on the real
    timeout path."""
    app = create_app(
        TestingConfig(MONGODB_URI=UNREACHABLE_MONGODB, MONGODB_TIMEOUT_MS=0, JWT_SECRET=JWT_SECRET)
    )
    yield app
    close_clients(app)


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
def acme(client, mongo):
    """The organization `acme`, created the way the API creates one."""
    response = client.put(ORG, json={"name": "Acme"})
    assert response.status_code == 201
    return mongo["acme"]


@pytest.fixture
def cnc(client, acme):
    """`acme` with the application `monitoreo-cnc` registered."""
    response = client.post(
        f"{ORG}/applications", json={"applicationId": "monitoreo-cnc", "name": "CNC"}
    )
    assert response.status_code == 201
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
