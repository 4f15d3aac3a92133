"""gunicorn settings, from the same environment the app reads (config.py).

The embedded store (mongomock) keeps its data inside one process, so it gets exactly one
worker whatever WEB_CONCURRENCY says. The app is not preloaded: each worker builds its own
clients after the fork.
"""

import sys

from config import Config, ConfigError, is_embedded

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


def post_worker_init(worker):
    """SEED_DEMO=1: seed in the worker, where the embedded store's data lives.

    With a real server only the first worker seeds (the others would race it); a seed that
    fails (MongoDB down) is logged and the worker serves anyway, answering 503 until the
    database is back.
    """
    if not settings.SEED_DEMO or (worker.age > 1 and not is_embedded(settings.MONGODB_URI)):
        return
    from syncapi.cli.demo import seed_demo_into

    try:
        added = seed_demo_into(worker.wsgi)
    except Exception:
        worker.log.exception("syncapi: the demo tenant could not be seeded")
        return
    worker.log.info("syncapi: demo tenant autentiodev ready (%d document(s) added)", added)
