"""The indexes a process keeps up off every request's path (`index_builds` says which are made
where): those of the shared database, then every organization's and application's, made by
the refresh at a worker's start and then every few minutes (`web.refresh`).

Each build gets `seconds` (INDEX_BUILD_SECONDS) of its own: a build on a large collection
(an older database, a new index of an upgrade) takes long, and no request waits for it. A
build that times out, on the server's side (ExecutionTimeout, maxTimeMS) or the client's
(NetworkTimeout, the client-side timeout), is logged and left to the next refresh, and the
pass goes on with the others. A server lost (none selectable, a connection refused) ends the
pass: the next resumes. `settled` is what the process need not build again: the indexes it
made, and those the server refused for good (logged once; `flask db ensure-indexes`
reports them). Each process keeps its own, so a worker's first pass sends a `createIndexes`
per index of every organization (answered at once by a server for one that exists), the
later ones only for organizations and applications new since.
"""

import logging
import threading

from pymongo.errors import ConnectionFailure, PyMongoError, ServerSelectionTimeoutError

from syncapi.core.identifiers import is_application_id
from syncapi.repositories import index_builds, summaries
from syncapi.repositories.databases import database_exists
from syncapi.repositories.indexes import SHARED_INDEXES, tenant_specs

log = logging.getLogger(__name__)


class ServerLost(Exception):
    """MongoDB could not be reached: the pass stops, the next one resumes."""


class Settled:
    """The `(database, collection, index)` a process need not build again; requests forget
    a database's (its organization or an application deleted) while a pass adds."""

    def __init__(self):
        self._keys = set()
        self._guard = threading.Lock()

    def __contains__(self, key):
        return key in self._keys

    def add(self, key):
        with self._guard:
            self._keys.add(key)

    def forget(self, keep):
        """Every key whose database `keep(name)` refuses."""
        with self._guard:
            self._keys = {key for key in self._keys if keep(key[0])}


def ensure_shared(shared, seconds, settled):
    """The shared database's indexes (its change log's among them)."""
    shared.command("ping")  # within the client's timeout: a server down costs no build's wait
    _ensure_pending(shared, SHARED_INDEXES, seconds, settled)


def ensure_tenants(shared, organization_ids, seconds, settled):
    """Every index of these organizations and of their applications (read from their
    summaries: one query whatever their number)."""
    applications = {organization_id: [] for organization_id in organization_ids}
    for summary in summaries.applications(shared, sorted(organization_ids)):
        application_id = summary.get("applicationId")
        if summary.get("organizationId") in applications and is_application_id(application_id):
            applications[summary["organizationId"]].append(application_id)
    for organization_id, application_ids in sorted(applications.items()):
        db = shared.client[organization_id]
        pending = [
            index for index in tenant_specs(application_ids) if _key(db, index) not in settled
        ]
        # A build would make the database again if its organization was deleted since the
        # listing: looked up first, the moment left for that is one round trip's.
        if pending and database_exists(shared.client, organization_id):
            _ensure_pending(db, pending, seconds, settled)


def forget_gone(settled, names):
    """What was settled in databases other than `names` (organizations gone, the shared
    one's kept): one made again later starts with no index."""
    settled.forget(lambda name: name in names)


def _key(db, index):
    return (db.name, index.collection, index.name)


def _ensure_pending(db, specs, seconds, settled):
    for index in specs:
        key = _key(db, index)
        if key in settled:
            continue
        try:
            problem = index_builds.attempt(db, index, seconds)
        except PyMongoError as error:
            _raise_unless_slow(db, index, error)
            continue
        if problem is not None:
            log.warning(
                "%s.%s: index %s %s (run flask db ensure-indexes)",
                db.name,
                index.collection,
                index.name,
                problem.problem,
            )
        settled.add(key)


def _raise_unless_slow(db, index, error):
    """A build that took longer than its time is logged (the next refresh tries again);
    anything else is raised, a server lost as `ServerLost`."""
    if isinstance(error, ServerSelectionTimeoutError) or (
        isinstance(error, ConnectionFailure) and not error.timeout
    ):
        raise ServerLost(type(error).__name__) from error
    if not error.timeout:
        raise error
    log.warning(
        "%s.%s: index %s not made within INDEX_BUILD_SECONDS (%s); the next refresh tries again",
        db.name,
        index.collection,
        index.name,
        type(error).__name__,
    )
