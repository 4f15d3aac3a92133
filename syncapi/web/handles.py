"""The handles a request works with, made from the process's clients (`extensions`): the
shared database, a change log, the time-series source, the revocation lists and the icon
library's root. Views pass them to the repositories, which never reach for a client, a
setting, the memo or the request themselves.
"""

import logging
import math
from datetime import timedelta
from pathlib import Path

from flask import current_app

from syncapi.extensions import default_db, influx_client, influx_databases
from syncapi.repositories import changes, index_builds, revocations, timeseries
from syncapi.web import memo

log = logging.getLogger(__name__)

REVOKED_KEY = "syncapi.revoked"
SHARED_INDEXES_KEY = "syncapi.shared_indexes_ready"


def shared_db():
    """The shared database (spec README §3), its indexes made (`make_shared_indexes`)."""
    _shared_indexes(current_app)
    return default_db()


def make_shared_indexes(app):
    """The shared database's indexes, made when a worker starts (gunicorn's
    `post_worker_init`), before it serves: no route creates that database, so there is no
    creation to hang them on, and a request should not pay a dozen `createIndexes`. A process
    that did not (MongoDB down at its start, a test's app) makes them on its first use of
    the shared database (`shared_db`), once. Nothing here stops a worker from starting."""
    if memo.EXTENSION_KEY not in app.extensions:  # not an app of create_app (bench's bare one)
        return
    try:
        _shared_indexes(app)
    except Exception as error:  # MongoDB down, or refusing: the first use tries again
        log.warning("shared indexes not made at start (%s)", error.__class__.__name__)


def _shared_indexes(app):
    """Once per process (the app's memo): the shared indexes, its change log's among them."""
    memory, db = memo.of(app), default_db(app)

    def make():
        index_builds.ensure_shared_indexes(db)
        memory.get(_log_indexes_key(db), lambda: None, math.inf)  # among them

    memory.get(SHARED_INDEXES_KEY, make, math.inf)


def change_log(db):
    """The change log of `db` (a tenant's or the shared database), its indexes made by this
    process's first use of it (an organization older than the change log gets them with
    its first entry), each entry kept `CHANGELOG_RETENTION_DAYS`."""
    key = _log_indexes_key(db)
    memo.remember(key, lambda: index_builds.ensure_change_indexes(db), seconds=math.inf)
    days = current_app.config["CHANGELOG_RETENTION_DAYS"]
    return changes.Log(db, timedelta(days=days))


def change_log_indexed(db):
    """`db`'s change log has its indexes: they were just made with others (a new
    organization's), so its first entry makes none."""
    memo.remember(_log_indexes_key(db), lambda: None, seconds=math.inf)


def _log_indexes_key(db):
    return ("change-log-indexes", db.name)


def revoked():
    """The revocation lists (`revocations.Revoked`), re-read at most every
    `REVOCATION_REFRESH_SECONDS` per process; while MongoDB is down, the last lists read stay
    in force."""
    return memo.remember(
        REVOKED_KEY,
        lambda: revocations.revoked(shared_db()),
        seconds=current_app.config["REVOCATION_REFRESH_SECONDS"],
        stale_on_error=True,
    )


def revocations_changed():
    """This process wrote a revocation: its next request re-reads the lists (other
    processes within `REVOCATION_REFRESH_SECONDS`)."""
    memo.forget(REVOKED_KEY)


def timeseries_source():
    """The machines' series (the main database): `_source`."""
    return _source(influx_databases(current_app.config)[0])


def host_metrics_source():
    """The host's cpu and mem (the stats database): `_source`."""
    return _source(influx_databases(current_app.config)[1])


def _source(database):
    """Where a route reads: InfluxDB 3 or the embedded engine (503 naming what is missing
    when neither is there), the database, the organization tag, and its tables' columns,
    read at most once per `ANALYTICS_CACHE_SECONDS` (InfluxDB creates a table and a column
    on their first write: a query names only those that exist)."""
    client = influx_client()
    columns = memo.remember(
        ("influx.columns", database), lambda: timeseries.table_columns(client, database)
    )
    return timeseries.Source(client, database, current_app.config["INFLUXDB_ORG_TAG"], columns)


def icons_root():
    """`ICONS_DIR`, relative paths taken from the project root (not the working directory)."""
    configured = Path(current_app.config["ICONS_DIR"])
    if configured.is_absolute():
        return configured
    return Path(current_app.root_path).parent / configured
