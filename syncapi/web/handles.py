"""The handles a request works with, made from the process's clients (`extensions`): the
shared database, the time-series source and the icon library's root. Views pass them to the
repositories, which never reach for a client, a setting or the request themselves.
"""

import math
from pathlib import Path

from flask import current_app

from syncapi.extensions import default_db, influx_client, influx_databases
from syncapi.repositories import indexes
from syncapi.repositories.timeseries import Source
from syncapi.web import memo

SHARED_READY_KEY = "syncapi.shared_indexes_ready"


def shared_db():
    """The shared database (spec README §3). Its indexes are made by the process's first
    use of it, and never again by that process: no route creates that database, so there is
    no creation to hang them on."""
    db = default_db()
    memo.remember(SHARED_READY_KEY, lambda: indexes.ensure_shared_indexes(db), seconds=math.inf)
    return db


def timeseries():
    """Where the time series are read: InfluxDB 3 or the embedded engine (503 naming what is
    missing when neither is there), its databases, the organization tag, and the process's
    memo."""
    config = current_app.config
    client = influx_client()
    main, stats = influx_databases(config)
    return Source(
        client=client,
        main=main,
        stats=stats,
        org_tag=config["INFLUXDB_ORG_TAG"],
        remember=memo.remember,
    )


def icons_root():
    """`ICONS_DIR`, relative paths taken from the project root (not the working directory)."""
    configured = Path(current_app.config["ICONS_DIR"])
    if configured.is_absolute():
        return configured
    return Path(current_app.root_path).parent / configured
