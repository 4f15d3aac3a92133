"""gunicorn settings, from the same environment the app reads (the `config` package).

It listens on `BIND`:`PORT`: by default 127.0.0.1 while `AUTH_MODE` is off (the embedded
store's default: nobody signs in, so only this machine may call), every interface once a
token is required (`config.serving`); the start-up log says the address, and warns while
authentication is off.

Workers (`WEB_CONCURRENCY`, 2: one per core of a 2-core machine, since a Python process
runs Python on one core at a time) each run `GUNICORN_THREADS` threads (4), which cover the
time a request waits on MongoDB or InfluxDB. The embedded store (mongomock) keeps its data
inside one process, so it gets exactly one worker whatever WEB_CONCURRENCY says. The worker
is gthread's with bounds on slow clients (`syncapi/web/gunicorn_worker.py`): a request's
headers and body arrive within `REQUEST_BODY_TIMEOUT` seconds of its connection's opening,
a connection holds no thread before it sends something, an answer given before the body was
read closes the connection, and closing waits neither on the main loop nor in a worker
thread (one lingering thread per worker does).

Each worker builds its own clients after the fork, also with `--preload` (create_app builds
none: extensions.py). A stop lets requests under way finish for
`GUNICORN_GRACEFUL_TIMEOUT` seconds. gunicorn's access log is off: the app writes one JSON
line per request itself, and every log line, gunicorn's own included, is JSON on stderr
(`syncapi.web.request_log.LOGGING`).

Metrics: prometheus_client's multiprocess mode keeps each worker's values in files of
`PROMETHEUS_MULTIPROC_DIR`, which must be named before anything imports prometheus_client
(the app, preloaded or not): set here, a fresh directory unless the environment names one,
emptied when the server starts; `child_exit` marks a dead worker's live values gone.
"""

import importlib.util
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from config import Config, ConfigError, embedded_timeseries, is_embedded
from config.serving import LOOPBACK, listening_address

try:
    settings = Config()
except ConfigError as error:
    sys.exit(f"syncapi: configuration error: {error}")

METRICS_DIR_MADE = "PROMETHEUS_MULTIPROC_DIR" not in os.environ  # removed again on exit
if METRICS_DIR_MADE:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="syncapi-metrics-")
METRICS_DIR = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
METRICS_DIR.mkdir(parents=True, exist_ok=True)

from syncapi.web.gunicorn_worker import with_deadline  # noqa: E402
from syncapi.web.request_log import LOGGING, timestamp  # noqa: E402 (after the metrics directory is named)

bind = listening_address(settings)
workers = settings.WEB_CONCURRENCY
worker_class = with_deadline(settings.REQUEST_BODY_TIMEOUT)  # gthread's, bounded
threads = settings.GUNICORN_THREADS
graceful_timeout = settings.GUNICORN_GRACEFUL_TIMEOUT
# Idle keep-alive connections are held longer than nginx keeps its own idle upstream
# connections (60 s, deploy/nginx): nginx, not gunicorn, closes them, so nginx never
# sends a request on a connection gunicorn is closing.
keepalive = 75
preload_app = False
accesslog = None
errorlog = "-"
logconfig_dict = LOGGING
# gunicorn trusts no proxy's X-Forwarded-* itself (its default trusts 127.0.0.1): ProxyFix,
# with PROXY_COUNT hops (syncapi/__init__.py), is the one place that does.
forwarded_allow_ips = ""
# gunicorn 27's control socket (for `gunicornc`) is not used, and its default path is shared
# by every gunicorn of the machine.
control_socket_disable = True


def announce(message, level="INFO"):
    """A line of the start, written before gunicorn sets logging up, as JSON like the rest."""
    entry = {
        "time": timestamp(time.time()),
        "level": level,
        "logger": "syncapi.gunicorn",
        "message": f"syncapi: {message}",
    }
    print(json.dumps(entry), file=sys.stderr, flush=True)


if is_embedded(settings.MONGODB_URI):
    workers = 1
    announce(
        "MONGODB_URI is the embedded mongomock store: running exactly 1 worker "
        "(its data lives in that process and is lost when it stops)"
    )
else:
    announce(f"{workers} worker(s) of {threads} thread(s) on port {settings.PORT}")
announce(f"listening on http://{bind}")
if settings.AUTH_MODE == "off":
    opened = "only this machine can call it (BIND opens it to others)"
    if settings.BIND != LOOPBACK:
        opened = f"BIND={settings.BIND} opens it beyond this machine"
    announce(
        "AUTH_MODE=off: no authentication; anyone who reaches this API can read and change"
        f" every organization: {opened}",
        level="WARNING",
    )


def on_starting(server):
    """Metrics start from zero with the server: the files of an earlier run are removed
    (only prometheus_client's `*.db` files, whatever else the directory holds)."""
    for stale in METRICS_DIR.glob("*.db"):
        stale.unlink()


def timeseries_backend(config):
    """Which time-series backend the workers read, in one line of the start-up log."""
    if config.INFLUXDB_HOST:
        return f"InfluxDB 3 at {config.INFLUXDB_HOST}"
    if not embedded_timeseries(config.MONGODB_URI, config.INFLUXDB_HOST):
        return "none: INFLUXDB_HOST is not set, the time-series routes answer 503"
    if importlib.util.find_spec("datafusion") is None:
        return (
            "none: the embedded engine needs the package datafusion (requirements-embedded.txt),"
            " the time-series routes answer 503"
        )
    series = "the demo's series (SEED_DEMO=1)" if config.SEED_DEMO else "empty"
    return f"embedded DataFusion engine in the worker, on 127.0.0.1, {series}"


announce(f"time series: {timeseries_backend(settings)}")


def post_worker_init(worker):
    """The worker counts itself in `syncapi_workers`. SEED_DEMO=1: it seeds the demo, where
    the embedded store's data lives (its admin's password, when it gets one, shown once in
    the log), and on the embedded time-series engine the demo's series, which a thread of
    the worker extends. Then it starts its refresh (`syncapi.web.refresh`): a first pass
    makes the indexes of the shared database and of every organization, in a thread of its
    own, while the worker serves, and passes follow every ORGANIZATION_REFRESH_SECONDS.
    After the seed, so that the refresh never counts a tenant the seed is still writing.

    With a real server only the first worker seeds (the others would race it); a seed that
    fails (MongoDB down, datafusion missing) is logged and the worker serves anyway,
    answering 503 until the database is back.
    """
    from syncapi.core import metrics
    from syncapi.web import refresh

    metrics.worker_started()
    try:
        seed_demo(worker)
    finally:
        refresh.start(worker.wsgi)


def seed_demo(worker):
    """SEED_DEMO=1: the demo tenant, and on the embedded engine its series (`post_worker_init`)."""
    if not settings.SEED_DEMO or (worker.age > 1 and not is_embedded(settings.MONGODB_URI)):
        return
    from syncapi.cli import demo

    start = demo.demo_start()
    try:
        added = demo.seed_demo_into(worker.wsgi, start)
        signed_in = demo.give_demo_admin_a_password(worker.wsgi)
    except Exception:
        worker.log.exception("syncapi: the demo tenant could not be seeded")
        return
    worker.log.info("syncapi: demo tenant autentiodev ready (%d document(s) added)", added)
    if signed_in:
        worker.log.info("syncapi: %s", demo.sign_in_line(signed_in))
    if not embedded_timeseries(settings.MONGODB_URI, settings.INFLUXDB_HOST):
        return
    try:
        rows = demo.feed_demo_series(worker.wsgi, start)
    except Exception:
        worker.log.exception("syncapi: the demo's time series could not be seeded")
        return
    worker.log.info("syncapi: demo time series: the last 24 hours (%d rows), then every 10 s", rows)


def child_exit(server, worker):
    """In the master, after a worker exited: its live metric values no longer count."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, str(METRICS_DIR))


def on_exit(server):
    """The metrics directory this file made goes with the server (one named by the
    environment stays: it is the operator's)."""
    if METRICS_DIR_MADE:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
