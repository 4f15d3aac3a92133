"""The refresh: what a process keeps up to date off every request's path, in a thread of its
own. A pass makes the shared database's indexes this process has not made yet, runs the
reconciler's (`repositories.reconcile`, one process of the deployment at a time), brings the
summaries in line with the databases other programs made or dropped, makes every
organization's indexes not made yet (`repositories.index_upkeep`: each build within
INDEX_BUILD_SECONDS), then measures the organizations' sizes; a step that fails is logged,
the others go on, and the next pass tries it again.

A pass runs at a worker's start (`start`, from gunicorn's `post_worker_init`: the worker
serves meanwhile), then at most every ORGANIZATION_REFRESH_SECONDS: on a timer of the
worker's own, and when a listing of the organizations asks for one (`soon`). Never on a
request's path: a request that needs an index that is not there yet runs without it.
"""

import logging
import threading

from flask import current_app
from pymongo.errors import PyMongoError

from syncapi.extensions import default_db
from syncapi.repositories import index_upkeep, organizations, reconcile
from syncapi.web import memo

log = logging.getLogger(__name__)

KEY = "organizations"  # the background task's (one pass at a time, at most one a period)
SETTLED_KEY = "syncapi.indexes_settled"
TIMER_KEY = "syncapi.refresh_timer"


def init_app(app):
    app.extensions[SETTLED_KEY] = index_upkeep.Settled()


def start(app):
    """A pass now, and one every ORGANIZATION_REFRESH_SECONDS, in threads of the worker;
    nothing for an app `create_app` did not build (bench's bare one)."""
    if SETTLED_KEY not in app.extensions:
        return
    stopped = app.extensions[TIMER_KEY] = threading.Event()
    soon(app)

    def tick():
        while not stopped.wait(app.config["ORGANIZATION_REFRESH_SECONDS"]):
            soon(app)

    threading.Thread(target=tick, name="syncapi-refresh-timer", daemon=True).start()


def stop(app):
    """The timer of `start` ends (a test's app, closed)."""
    if TIMER_KEY in app.extensions:
        app.extensions[TIMER_KEY].set()


def soon(app=None):
    """A pass in its own thread, unless one ran less than a period ago or runs now."""
    app = app or current_app._get_current_object()  # the app itself: the pass has no context
    seconds = app.config["ORGANIZATION_REFRESH_SECONDS"]
    app.extensions[memo.BACKGROUND_KEY].every(KEY, seconds, lambda: run(app))


def run(app):
    """One pass, in the calling thread."""
    shared, config = default_db(app), app.config
    seconds, settled = config["INDEX_BUILD_SECONDS"], app.extensions[SETTLED_KEY]
    _step("the shared database's indexes", index_upkeep.ensure_shared, shared, seconds, settled)
    _step("the reconciler's pass", reconcile.under_lease, shared.client, shared)
    pattern = config["ORGANIZATION_DATABASES"]
    names = _step("the summaries", organizations.refresh_summaries, shared, pattern)
    if names is None:
        return
    index_upkeep.forget_gone(settled, names | {shared.name})
    tenants = index_upkeep.ensure_tenants
    _step("the organizations' indexes", tenants, shared, names, seconds, settled)
    _step("the organizations' sizes", organizations.refresh_sizes, shared, names)


def indexes_changed(db):
    """`db`'s indexes may be gone (its organization or an application deleted, or made
    again): this process's next pass makes them again where missing."""
    current_app.extensions[SETTLED_KEY].forget(lambda name: name != db.name)


def _step(what, work, *args):
    """`work(*args)`, or None when it failed: logged, and tried again by the next pass."""
    try:
        return work(*args)
    except (PyMongoError, index_upkeep.ServerLost) as error:  # MongoDB down, or slow
        log.warning("refresh: %s not brought up to date (%s)", what, type(error).__name__)
    except Exception:
        log.exception("refresh: %s not brought up to date", what)
    return None
