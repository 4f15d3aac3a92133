"""The handles a request works with, made from the process's clients (`extensions`): the
shared database, a change log, the time-series source, the revocation lists, the key of
content ETags and the icon library's root. Views pass them to the repositories, which never
reach for a client, a setting, the memo or the request themselves.
"""

from datetime import timedelta
from pathlib import Path

from flask import current_app

from syncapi.extensions import default_db, influx_client, influx_databases
from syncapi.repositories import changes, keys, revocations, timeseries
from syncapi.web import memo, transactions

REVOKED_KEY = "syncapi.revoked"
CONTENT_ETAG_KEY = "syncapi.content_etag_key"


def shared_db():
    """The shared database (spec README §3). Its indexes, and a change log's, are made by the
    refresh (`web.refresh`: at a worker's start, then every few minutes), never by a
    request: no route creates the shared database, and an older organization's log works
    (slower) before its indexes exist."""
    return transactions.bound(default_db())


def change_log(db):
    """The change log of `db` (a tenant's or the shared database), each entry kept
    `CHANGELOG_RETENTION_DAYS`."""
    days = current_app.config["CHANGELOG_RETENTION_DAYS"]
    return changes.Log(db, timedelta(days=days), in_transaction=transactions.in_progress())


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
    processes within `REVOCATION_REFRESH_SECONDS`). Once the transaction that wrote it has
    committed: a request of this process re-reading them before would keep the old lists
    for that long."""
    if transactions.in_progress():
        transactions.after_commit(lambda: memo.forget(REVOKED_KEY))
    else:
        memo.forget(REVOKED_KEY)


def content_etag_key():
    """The deployment's key of content ETags (`repositories.keys`), read once per process
    (made by the first process of the deployment that asks)."""
    # Outside any transaction: a key made in one that then aborts would stay this process's
    # alone, and its ETags would match no other process's.
    return memo.once(CONTENT_ETAG_KEY, lambda: keys.key(default_db(), keys.CONTENT_ETAG))


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
