"""Fixtures: a fresh app with its own empty embedded store per test, and the console's tenant."""

import time

import pytest

from syncapi import create_app, passwords
from syncapi.extensions import close_clients, mongo_client
from tests.settings import CHEAP_HASHING, TestingConfig

ORG = "/api/organizations/acme"
JWT_SECRET = "test-secret-of-at-least-32-bytes!!"
APP = f"{ORG}/applications/monitoreo-cnc"


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


def snapshot(db):
    """Every document of every collection, to assert that a refused request changed nothing."""
    return {name: list(db[name].find()) for name in sorted(db.list_collection_names())}


INFLUX_TOKEN = "apiv3_test-token"
MAIN_DB = "sync"
STATS_DB = "server__stats"


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
