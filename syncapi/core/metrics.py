"""Prometheus metrics of the process, served by `GET /metrics` (blueprints/metrics.py).

Under gunicorn every worker is a process of its own: prometheus_client's multiprocess mode
keeps each worker's values in files of `PROMETHEUS_MULTIPROC_DIR` (which gunicorn.conf.py
makes fresh at start, before anything imports prometheus_client), and a scrape adds them
up, whichever worker answers it. Without that variable (tests, `flask run`) the values live
in this process.

Label values are bounded: a route is its template (`/api/organizations/<organization_id>`,
never the path asked), a method one of a fixed set, a MongoDB command one pymongo sends.
"""

import os
import time
from contextlib import contextmanager

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as multiprocess_mode
from pymongo import monitoring

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR" in os.environ  # as prometheus_client decided at import
CONTENT_TYPE = CONTENT_TYPE_LATEST
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"  # the route of a path no rule serves (404, 405)
# What a failed login answered, by status.
LOGIN_FAILURES = {
    400: "invalid body",
    401: "wrong credentials",
    413: "invalid body",
    429: "rate limited",
}

# Seconds: most answers take a few milliseconds; a backend timeout takes seconds.
REQUEST_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
BACKEND_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)

# Its `_count` series is the number of requests answered (a counter of their own would be a
# second write on every request for the same number).
REQUEST_SECONDS = Histogram(
    "syncapi_request_duration_seconds",
    "Time from the request's arrival to its answer; _count: requests answered",
    ["method", "route", "status"],
    buckets=REQUEST_BUCKETS,
)
MONGODB_SECONDS = Histogram(
    "syncapi_mongodb_command_duration_seconds",
    "MongoDB commands, as the driver timed them (a real server only, not the embedded store)",
    ["command", "outcome"],
    buckets=BACKEND_BUCKETS,
)
INFLUXDB_SECONDS = Histogram(
    "syncapi_influxdb_query_duration_seconds",
    "InfluxDB 3 queries",
    ["outcome"],
    buckets=BACKEND_BUCKETS,
)
LOGIN_FAILED = Counter("syncapi_login_failures", "Refused logins", ["reason"])
ERRORS = Counter("syncapi_errors", "Error answers, by what caused them", ["type", "status"])
# "Possibly": a write that failed by timing out may have been applied all the same (the
# server went on after the client gave up), so a count here is an entry to look for.
CHANGE_LOG_LOST = Counter(
    "syncapi_change_log_possibly_lost_entries",
    "Change log entries whose write failed after their change was made (a timed-out one"
    " may have been written all the same)",
)
REPAIRS = Counter(
    "syncapi_reconciler_repairs",
    "What the reconciler repaired, by kind (organization_deletes, claims, summaries)",
    ["kind"],
)
WORKERS = Gauge("syncapi_workers", "Worker processes serving", multiprocess_mode="livesum")


# (method, route template, status) → its histogram: `labels()` takes a lock and checks its
# arguments on every call, which costs more than the observation. Bounded like the labels.
REQUEST_SERIES = {}


def observe_request(method, route, status, seconds, endpoint):
    """One answered request (called once per request, so kept to one dict lookup)."""
    method = method if method in METHODS else "OTHER"
    series = REQUEST_SERIES.get((method, route, status))
    if series is None:
        series = REQUEST_SECONDS.labels(method, route, str(status))
        REQUEST_SERIES[method, route, status] = series
    series.observe(seconds)
    if endpoint == "auth.login" and not 200 <= status < 300:
        LOGIN_FAILED.labels(LOGIN_FAILURES.get(status, "unavailable")).inc()


def count_lost_change():
    CHANGE_LOG_LOST.inc()


def count_repairs(repaired):
    for kind, count in repaired.items():
        REPAIRS.labels(kind).inc(count)


def count_error(kind, status):
    ERRORS.labels(kind, str(status)).inc()


@contextmanager
def influxdb_query():
    """Times the block as one InfluxDB query; `outcome` is `error` when it raised."""
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        INFLUXDB_SECONDS.labels(outcome).observe(time.perf_counter() - started)


class MongoCommandTimer(monitoring.CommandListener):
    """Given to each MongoClient (`event_listeners`): the driver reports every command's
    duration here."""

    def started(self, event):
        pass

    def succeeded(self, event):
        MONGODB_SECONDS.labels(event.command_name, "ok").observe(event.duration_micros / 1e6)

    def failed(self, event):
        MONGODB_SECONDS.labels(event.command_name, "error").observe(event.duration_micros / 1e6)


def worker_started():
    """A gunicorn worker counts itself; `child_exit` (gunicorn.conf.py) uncounts it."""
    WORKERS.set(1)


def exposition():
    """The text a scrape gets: every worker's values added up in multiprocess mode."""
    if not MULTIPROCESS:
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    multiprocess_mode.MultiProcessCollector(registry)
    return generate_latest(registry)
