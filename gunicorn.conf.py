"""gunicorn settings, from the same environment the app reads (config.py).

The embedded store (mongomock) keeps its data inside one process, so it gets exactly one
worker whatever WEB_CONCURRENCY says. The app is not preloaded: each worker builds its own
clients after the fork.
"""

import importlib.util
import sys

from config import Config, ConfigError, embedded_timeseries, is_embedded

try:
    settings = Config()
except ConfigError as error:
    sys.exit(f"syncapi: configuration error: {error}")

bind = f"0.0.0.0:{settings.PORT}"
workers = settings.WEB_CONCURRENCY
worker_class = "gthread"
threads = 4
preload_app = False
accesslog = "-"
forwarded_allow_ips = "127.0.0.1"

if is_embedded(settings.MONGODB_URI):
    workers = 1
    print(
        "syncapi: MONGODB_URI is the embedded mongomock store: running exactly 1 worker "
        "(its data lives in that process and is lost when it stops)",
        file=sys.stderr,
        flush=True,
    )
else:
    print(f"syncapi: {workers} worker(s) on port {settings.PORT}", file=sys.stderr, flush=True)


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


print(f"syncapi: time series: {timeseries_backend(settings)}", file=sys.stderr, flush=True)


def post_worker_init(worker):
    """SEED_DEMO=1: seed in the worker, where the embedded store's data lives, and on the
    embedded time-series engine the demo's series, which a thread of the worker extends.

    With a real server only the first worker seeds (the others would race it); a seed that
    fails (MongoDB down, datafusion missing) is logged and the worker serves anyway,
    answering 503 until the database is back.
    """
    if not settings.SEED_DEMO or (worker.age > 1 and not is_embedded(settings.MONGODB_URI)):
        return
    from syncapi.cli.demo import demo_start, feed_demo_series, seed_demo_into

    start = demo_start()
    try:
        added = seed_demo_into(worker.wsgi, start)
    except Exception:
        worker.log.exception("syncapi: the demo tenant could not be seeded")
        return
    worker.log.info("syncapi: demo tenant autentiodev ready (%d document(s) added)", added)
    if not embedded_timeseries(settings.MONGODB_URI, settings.INFLUXDB_HOST):
        return
    try:
        rows = feed_demo_series(worker.wsgi, start)
    except Exception:
        worker.log.exception("syncapi: the demo's time series could not be seeded")
        return
    worker.log.info("syncapi: demo time series: the last 24 hours (%d rows), then every 10 s", rows)
