"""The shared default database (spec README §3): service configs and legacy devices.

Its unique indexes are ensured by the first request of each process that touches it, and
never again by that process: the database is not created by any route, so there is no
"creation" to hang them on.
"""

from flask import current_app

from syncapi.extensions import default_db
from syncapi.repositories.indexes import ensure_shared_indexes

READY_KEY = "syncapi.shared_indexes_ready"


def database():
    db = default_db()
    if not current_app.extensions.get(READY_KEY):
        ensure_shared_indexes(db)
        current_app.extensions[READY_KEY] = True
    return db
