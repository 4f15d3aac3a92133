"""The handles a request works with, made from the process's clients (`extensions`): the
shared database, a change log, the time-series source, the revocation lists and the icon
library's root. Views pass them to the repositories, which never reach for a client, a
setting, the memo or the request themselves.
"""

import logging
from datetime import timedelta
from pathlib import Path

from flask import current_app
from pymongo.errors import PyMongoError

from syncapi.core import in_session
from syncapi.extensions import default_db, influx_client, influx_databases
from syncapi.repositories import changes, index_builds, revocations, timeseries
from syncapi.web import memo, transactions

log = logging.getLogger(__name__)

REVOKED_KEY = "syncapi.revoked"
SHARED_INDEXES_KEY = "syncapi.shared_indexes_ready"


def shared_db():
    """The shared database (spec README §3), its indexes made (`make_shared_indexes`)."""
    _shared_indexes(current_app)
    return transactions.bound(default_db())


def make_shared_indexes(app):
    """The shared database's indexes, made when a worker starts (gunicorn's
    `post_worker_init`), before it serves: no route creates that database, so there is no
    creation to hang them on, and a request should not pay a dozen `createIndexes`. A process
    that did not (MongoDB down at its start, a test's app) makes them on its first use of
    the shared database (`shared_db`), once. Nothing here stops a worker from starting."""
    if memo.ONCE_KEY not in app.extensions:  # not an app of create_app (bench's bare one)
        return
    try:
        _shared_indexes(app)
    except Exception as error:  # MongoDB down, or refusing: the first use tries again
        log.warning("shared indexes not made at start (%s)", error.__class__.__name__)


def _shared_indexes(app):
    """Once per process: the shared indexes, its change log's among them."""
    db = default_db(app)

    def make():
        index_builds.ensure_shared_indexes(db)
        memo.once(_log_indexes_key(db), lambda: None, app)

    memo.once(SHARED_INDEXES_KEY, make, app)


def change_log(db):
    """The change log of `db` (a tenant's or the shared database), its indexes made by this
    process's first use of it (an organization older than the change log gets them with
    its first entry), each entry kept `CHANGELOG_RETENTION_DAYS`. A fault while making them
    stops nothing: the entry's own write meets it too, and the change log then says the
    entry is lost (`change_log.write_entry`), while the change stands."""
    unbound = in_session.unbound(db)  # index builds are never part of a transaction
    try:
        memo.once(_log_indexes_key(db), lambda: index_builds.ensure_change_indexes(unbound))
    except PyMongoError as error:
        log.warning("change log indexes of %s not made (%s)", db.name, type(error).__name__)
    days = current_app.config["CHANGELOG_RETENTION_DAYS"]
    return changes.Log(db, timedelta(days=days), in_transaction=transactions.in_progress())


def change_log_indexed(db):
    """`db`'s change log has its indexes: they were just made with others (a new
    organization's), so its first entry makes none."""
    memo.once(_log_indexes_key(db), lambda: None)


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


def timeseries_client():
    """The client the time series are read with: InfluxDB 3's, or the embedded engine's;
    503 naming what is missing when neither is there. Asks nothing yet."""
    return influx_client()


def timeseries_source(client=None, machines=None):
    """Where the machines' series are read (the main database): `_source`. A caller who
    sees no machine at all (`machines == {}`) has nothing to ask: no column list is read."""
    database = influx_databases(current_app.config)[0]
    return _source(client or influx_client(), database, read=machines != {})


def host_metrics_source():
    """The host's cpu and mem (the stats database): `_source`."""
    return _source(influx_client(), influx_databases(current_app.config)[1])


def _source(client, database, read=True):
    """Where a route reads: the client, the database, the organization tag, and its tables'
    columns, read at most once per `ANALYTICS_CACHE_SECONDS` (InfluxDB creates a table and
    a column on their first write: a query names only those that exist)."""
    columns = {}
    if read:
        key = ("influx.columns", database)
        columns = memo.remember(key, lambda: timeseries.table_columns(client, database))
    return timeseries.Source(client, database, current_app.config["INFLUXDB_ORG_TAG"], columns)


def icons_root():
    """`ICONS_DIR`, relative paths taken from the project root (not the working directory)."""
    configured = Path(current_app.config["ICONS_DIR"])
    if configured.is_absolute():
        return configured
    return Path(current_app.root_path).parent / configured
