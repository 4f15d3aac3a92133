"""The rows measured against gunicorn workers: memory of one worker, and the HTTP pairs.

syncapi's workers run as in production: their JSON request lines go to stderr (the
server's log file here) and their metrics to a multiprocess directory of their own.
"""

import os
import tempfile

from bench import served_http, world
from bench.served_http import PRODUCTION, SAME_FLAGS, Server

SYNCAPI, BASELINE = "bench.served:syncapi()", "bench.served:baseline()"
SILENT_BASELINE = "bench.served:silent_baseline()"
DEVICE = f"{world.DEVICE_PATH}/{world.machine_id(7)}"
# (key, syncapi server, baseline server, path, with a bearer token)
PAIRS = (
    ("by_id_off", "off", "bare", DEVICE, False),
    ("list_off", "off", "bare", world.DEVICE_PATH, False),
    ("by_id_bearer", "on", "bare", DEVICE, True),
    ("list_bearer", "on", "bare", world.DEVICE_PATH, True),
    ("by_id_silent", "off", "bare_silent", DEVICE, False),
    ("by_id_production", "production", "bare_production", DEVICE, True),
)


def environment(settings):
    """A clean environment: only what a process needs to run, and the row's settings (the
    caller's own MONGODB_URI or AUTH_MODE must not leak into a measurement)."""
    kept = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return kept | settings


def observed(settings, metrics_dir):
    """A syncapi process's settings with its request lines and metrics on."""
    return settings | {"REQUEST_LOG": "1", "PROMETHEUS_MULTIPROC_DIR": metrics_dir}


def servers(with_http, scratch):
    """The gunicorn processes, started together (each seeds its own store at start);
    `scratch` holds the syncapi workers' metrics directories."""
    on, off = world.environment(True), world.environment(False)
    metrics_dir = {name: tempfile.mkdtemp(dir=scratch) for name in ("on", "off", "production")}
    wanted = {
        "on": (SYNCAPI, SAME_FLAGS, observed(on, metrics_dir["on"])),
        "off": (SYNCAPI, SAME_FLAGS, observed(off, metrics_dir["off"])),
        "bare": (BASELINE, SAME_FLAGS, off),
        "bare_silent": (SILENT_BASELINE, SAME_FLAGS, off),
        "production": (SYNCAPI, PRODUCTION, observed(on, metrics_dir["production"])),
        "bare_production": (BASELINE, PRODUCTION, off),
    }
    if not with_http:
        wanted = {"on": wanted["on"]}
    return {
        name: Server(target, conf, environment(env)) for name, (target, conf, env) in wanted.items()
    }


def run(progress):
    """`{"memory": …, "http": {key: pair} | {"skipped": reason}}`."""
    skipped = served_http.wrk_missing()
    with tempfile.TemporaryDirectory(prefix="bench-metrics-") as scratch:
        return _measure(progress, skipped, servers(skipped is None, scratch))


def _measure(progress, skipped, started):
    bearer = world.bearer(True)
    try:
        for name, server in started.items():
            server.wait_ready(DEVICE, bearer if name in ("on", "production") else None)
        progress(f"memory: {served_http.READS} reads from one worker")
        found = {"memory": served_http.memory(started["on"], bearer)}
        if skipped:
            return found | {"http": {"skipped": skipped}}
        rows = {}
        for key, mine, theirs, path, with_token in PAIRS:
            progress(f"over HTTP: {key}")
            headers = bearer if with_token else {}
            rows[key] = served_http.pair(started[mine], started[theirs], path, headers)
        return found | {"http": rows}
    finally:
        for server in started.values():
            server.stop()
