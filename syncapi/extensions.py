"""The per-process clients, one MongoClient and one InfluxDBClient3.

Each is built on first use, never at import or in `create_app`: gunicorn forks its workers
after loading the app, and a client copied across a fork is unsafe (PyMongo FAQ) or hangs
the children (an Arrow Flight channel). Every request of the process then shares that one
client and its pool. The embedded time-series engine (read on the embedded store when no
InfluxDB is configured, `config.embedded_timeseries`) is made the same way: its server
threads start in the worker, on first use.
"""

import threading

import pymongo
from flask import current_app
from influxdb_client_3 import InfluxDBClient3

from config import EMBEDDED_INFLUXDB_DATABASE, embedded_timeseries, is_embedded
from syncapi.core import metrics
from syncapi.core.failures import Unavailable
from syncapi.embedded.store import EmbeddedClient

EXTENSION_KEY = "syncapi.mongo"
INFLUX_KEY = "syncapi.influx"
EMBEDDED_INFLUX_KEY = "syncapi.embedded.influx"
INFLUX_REQUIRED = ("INFLUXDB_HOST", "INFLUXDB_TOKEN", "INFLUXDB_DATABASE")
MISSING_ENGINE = (
    "the embedded time-series engine needs the Python package {}"
    " (pip install -r requirements-embedded.txt), or set INFLUXDB_HOST"
)


class LazyClient:
    """Holds how to build a client until the first request asks for it."""

    def __init__(self, connect):
        self._connect = connect
        self._client = None
        self._lock = threading.Lock()

    @property
    def made(self):
        return self._client is not None

    def get(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None


def connect_mongodb(uri, timeout_ms):
    if is_embedded(uri):
        return EmbeddedClient()
    # `timeoutMS` bounds every operation, server selection included (the driver's client-side
    # operation timeout, "CSOT": it also sends the remaining time as maxTimeMS), so a slow
    # or hung server answers 503 after MONGODB_TIMEOUT_MS like an unreachable one.
    return pymongo.MongoClient(
        uri,
        connect=False,
        timeoutMS=timeout_ms,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        appname="syncapi",
        # Every write, a transaction's commit or not (the refresh's, a command's), waits for a
        # majority: the server's own default is w: 1 on a primary-secondary-arbiter set, where
        # a failover would roll back what was acknowledged (docs/operations.md "MongoDB").
        w="majority",
        event_listeners=[metrics.MongoCommandTimer()],  # each command's latency, for /metrics
    )


# gRPC channel arguments of the Flight client (pyarrow passes `generic_options` to gRPC).
# After a failed connection gRPC waits before the next attempt, 1.6 times longer each time,
# up to 120 s by default ("gRPC Connection Backoff Protocol"): an InfluxDB that was down for
# a few minutes would then stay unanswered for up to two minutes after its return. Here the
# wait never exceeds 1 s (plus gRPC's 20 % jitter). An attempt is given 5 s before it is
# abandoned (gRPC's MIN_CONNECT_TIMEOUT, set by `min_reconnect_backoff_ms`; 20 s by default):
# enough for a slow TLS handshake, short for a host that silently drops packets. A host name
# is resolved again at most every second (not every 30 s), for a server that returns at
# another address.
RECONNECT_OPTIONS = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.min_reconnect_backoff_ms", 5000),
    ("grpc.dns_min_time_between_resolutions_ms", 1000),
)


def connect_influxdb(host, token, database, timeout_seconds):
    return InfluxDBClient3(
        host=host,
        token=token,  # the client requires one; a server started without auth ignores it
        database=database,
        query_timeout=timeout_seconds * 1000,  # milliseconds, per query: every call has it
        # a fresh list: the client appends its user agent to the one it is given
        flight_client_options={"generic_options": list(RECONNECT_OPTIONS)},
    )


def start_embedded_influx(config):
    """The embedded engine, holding the main and stats databases (empty), and a client of
    it like the one of a real server; a 503 naming the package when it is not installed
    (the production image does not install datafusion, nor what only it needs)."""
    try:
        from syncapi.embedded.influx import EmbeddedInflux
    except ModuleNotFoundError as error:
        package = (error.name or "datafusion").partition(".")[0]
        if package == "syncapi":  # a bug, not a missing package
            raise
        raise Unavailable("InfluxDB unavailable", details=MISSING_ENGINE.format(package)) from None
    main, stats = influx_databases(config)
    timeout = config["INFLUXDB_QUERY_TIMEOUT"]
    return EmbeddedInflux(
        (main, stats), lambda host, token: connect_influxdb(host, token, main, timeout)
    )


def init_app(app):
    config = app.config
    app.extensions[EXTENSION_KEY] = LazyClient(
        lambda: connect_mongodb(config["MONGODB_URI"], config["MONGODB_TIMEOUT_MS"])
    )
    app.extensions[INFLUX_KEY] = LazyClient(
        lambda: connect_influxdb(
            config["INFLUXDB_HOST"],
            config["INFLUXDB_TOKEN"],
            config["INFLUXDB_DATABASE"],
            config["INFLUXDB_QUERY_TIMEOUT"],
        )
    )
    app.extensions[EMBEDDED_INFLUX_KEY] = LazyClient(lambda: start_embedded_influx(config))


def mongo_client(app=None):
    """The process's one MongoDB client (created here on first call)."""
    return (app or current_app).extensions[EXTENSION_KEY].get()


def default_db(app=None):
    """The shared, non-tenant database (spec README §3)."""
    app = app or current_app
    return mongo_client(app)[app.config["MONGODB_DEFAULT_DB"]]


def uses_embedded_influx(app=None):
    config = (app or current_app).config
    return embedded_timeseries(config["MONGODB_URI"], config["INFLUXDB_HOST"])


def embedded_influx(app=None):
    """The process's embedded engine and its client (`EmbeddedInflux`), started on first
    call."""
    return (app or current_app).extensions[EMBEDDED_INFLUX_KEY].get()


def influx_databases(config):
    """The main and host-metrics databases; the embedded engine's main one is named by
    default (no InfluxDB setting is needed to run on it)."""
    main = config["INFLUXDB_DATABASE"]
    if embedded_timeseries(config["MONGODB_URI"], config["INFLUXDB_HOST"]):
        main = main or EMBEDDED_INFLUXDB_DATABASE
    return main, config["INFLUXDB_STATS_DATABASE"]


def influx_client(app=None):
    """The process's one InfluxDB client, of the embedded engine when that is in use; 503
    naming the setting when one is missing."""
    app = app or current_app
    if uses_embedded_influx(app):
        return embedded_influx(app).client
    missing = [name for name in INFLUX_REQUIRED if not app.config[name]]
    if missing:
        raise Unavailable("InfluxDB unavailable", details=f"{', '.join(missing)} not set")
    return app.extensions[INFLUX_KEY].get()


def close_clients(app):
    app.extensions[EXTENSION_KEY].close()
    app.extensions[INFLUX_KEY].close()
    app.extensions[EMBEDDED_INFLUX_KEY].close()
