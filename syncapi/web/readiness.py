"""Whether this process should be sent requests (`GET /ready`), as a load balancer asks it.

Ready means MongoDB answers a ping: every route but `/status` needs it. InfluxDB is probed
and reported too, but never makes the process unready: only the time-series routes need it,
and they answer 503 by themselves while it is down (spec §11), so taking every replica out
of the balancer for it would also take down the MongoDB routes. Each probe is bounded by
`PROBE_SECONDS`, and the outcome is kept `MEMO_SECONDS`, so that probes arriving together
(a balancer, a healthcheck, an orchestrator) cost one ping per second per process.
"""

import logging

import pymongo
from flask import current_app
from pymongo.errors import PyMongoError

from syncapi.extensions import INFLUX_REQUIRED, influx_client, mongo_client, uses_embedded_influx
from syncapi.web import memo

log = logging.getLogger(__name__)

READY_KEY = "syncapi.ready"
MEMO_SECONDS = 1
PROBE_SECONDS = 1.0  # or MONGODB_TIMEOUT_MS when shorter


def backends():
    """`{"mongodb": "ok" | "unavailable", "influxdb": "ok" | "degraded" | "not configured" |
    "embedded"}`, at most `MEMO_SECONDS` old."""
    return memo.remember(READY_KEY, _probe, seconds=MEMO_SECONDS)


def _probe():
    seconds = min(PROBE_SECONDS, current_app.config["MONGODB_TIMEOUT_MS"] / 1000)
    return {"mongodb": _mongodb(seconds), "influxdb": _influxdb(seconds)}


def _mongodb(seconds):
    try:
        with pymongo.timeout(seconds):
            mongo_client().admin.command("ping")
    except PyMongoError as error:
        log.warning("not ready: MongoDB did not answer a ping (%s)", error.__class__.__name__)
        return "unavailable"
    return "ok"


def _influxdb(seconds):
    config = current_app.config
    if uses_embedded_influx():  # the engine inside this process (spec §13.6): no probe
        return "embedded"
    if not all(config[name] for name in INFLUX_REQUIRED):
        return "not configured"
    try:
        influx_client().query("SELECT 1", database=config["INFLUXDB_DATABASE"], timeout=seconds)
    except Exception as error:  # unreachable, token refused, database missing: all degraded
        log.warning("InfluxDB degraded: a probe query failed (%s)", error.__class__.__name__)
        return "degraded"
    return "ok"
