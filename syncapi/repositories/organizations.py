"""Organizations: tenant databases and their metadata (`config` key `organization`, §6)."""

import logging

import pymongo
from pymongo.errors import DuplicateKeyError, OperationFailure

from syncapi.core import clock
from syncapi.core.clock import iso_now
from syncapi.core.failures import Stale
from syncapi.core.identifiers import is_identifier, is_tenant_name
from syncapi.core.list_query import WHOLE_LIST
from syncapi.repositories import (
    applications,
    devices,
    index_builds,
    machine_claims,
    revocations,
    summaries,
)
from syncapi.repositories.databases import database_names, list_databases

log = logging.getLogger(__name__)

METADATA = {"key": "organization"}
STALE = "The organization has changed since the ETag you sent; read it again"
SIZES_TIMEOUT_SECONDS = 120  # listDatabases with sizes, at 1 000 databases
_skipped_names = set()


def tenant_databases(client, shared_name, sizes=True, pattern=""):
    """`[{name, sizeOnDisk?, empty?}]` of the tenant databases (`pattern`:
    ORGANIZATION_DATABASES), sorted by name; one `listDatabases` (with sizes, which the
    server computes for every database: keep it off request paths)."""
    listed = list_databases(client) if sizes else [{"name": n} for n in database_names(client)]
    names = tenant_names([database["name"] for database in listed], shared_name, pattern)
    return sorted((d for d in listed if d["name"] in names), key=lambda item: item["name"])


def tenant_names(names, shared_name, pattern=""):
    """Those of these database names that are organizations'."""
    tenants = set()
    for name in names:
        if is_tenant_name(name, shared_name, pattern):
            tenants.add(name)
        else:
            _log_skipped_once(name)
    return tenants


def list_organizations(shared, organization_ids=None, list_query=WHOLE_LIST):
    """The summaries kept on write of every organization (or these), sorted by id: one
    query whatever their number (a page: one count and one read)."""
    return summaries.organizations(shared, organization_ids, list_query)


def refresh_summaries(shared, pattern=""):
    """Off the request path, every few minutes: summaries for the databases other programs
    created or dropped, found by name only (a cheap listing). Databases outside `pattern`
    (ORGANIZATION_DATABASES: other programs') are never read. Returns the organizations'
    ids."""
    client, known = shared.client, summaries.summarized_ids(shared)
    existing = database_names(client)
    names = tenant_names(existing, shared.name, pattern)
    for organization_id in sorted(names - known):
        reconcile_summaries(client, shared, organization_id)
    forget_dropped(shared, known, names, existing)
    return names


def refresh_sizes(shared, organization_ids):
    """Each organization's size, which the server measures database by database (locking
    each in turn): under a deadline of its own, longer than a request's."""
    with pymongo.timeout(SIZES_TIMEOUT_SECONDS):
        databases = list_databases(shared.client, sorted(organization_ids))
    summaries.refresh_sizes(
        shared, [database for database in databases if database["name"] in organization_ids]
    )


def forget_dropped(shared, known, names, existing):
    """Organizations summarized before the database list was read (`known`) whose database
    is not in it: read in that order, one created meanwhile is never forgotten. One whose
    database is still there (`existing`) but is no organization's any more (a new
    ORGANIZATION_DATABASES) leaves the list only: its claims and sessions stay, so that a
    pattern set wrong and put right again loses nothing."""
    gone = known - set(names)
    left_out = gone & set(existing)
    summaries.forget(shared, sorted(left_out))
    forget(shared, sorted(gone - left_out))


def reconcile_summaries(client, shared, organization_id):
    """Make an organization's counts exact from its data; a database that cannot be read
    (permissions, odd legacy data) is logged and left as it is."""
    db = client[organization_id]
    try:
        settings = applications.settings_by_id(db)
        counts = devices.count_by_application(db, settings)
        user_count = db.users.count_documents({})
    except OperationFailure:
        log.warning("could not count the applications and users of %s", organization_id)
        return
    summaries.reconcile(shared, organization_id, user_count, settings, counts)


def _log_skipped_once(name):
    """System and shared databases are skipped silently; a legacy tenant name is worth a line."""
    if not is_identifier(name) and name not in _skipped_names:
        _skipped_names.add(name)
        log.warning("database %r is not listed: its name breaks the organization id rule", name)


def metadata(db):
    document = db.config.find_one(METADATA, {"_id": 0, "value": 1}) or {}
    return _as_read(document.get("value"))


def _as_read(value):
    """The metadata as readers see it: a stored value that is not an object is none."""
    return value if isinstance(value, dict) else {}


def save_metadata(db, shared, changes, exists, expected=None):
    """Merge `changes` into the metadata; returns `(before, after)`, the stored value either
    side (before None when there was none). Every write moves its `revision` on.

    This is the only way an organization comes to exist. Its indexes come first and its
    metadata last, so a database that exists has its indexes; its summary is made in
    between. A stored value that is not an object (readers treat it as empty) is replaced
    by one. With `expected` (an `If-Match` on the metadata's content ETag), the update is
    made only if the value is still the one compared: the value read is the update's filter.
    """
    organization_id = db.name
    if not exists:
        if expected is not None:  # nothing to match yet
            raise Stale(STALE)
        # What an earlier organization of that id left, if its delete was cut short; its
        # tokens ended before the drop, and tokens issued since are for this one.
        forget(shared, [organization_id], sessions=False)
        index_builds.create_tenant_indexes(db)
        summaries.organization_created(shared, organization_id)
    now = iso_now()
    document = db.config.find_one(METADATA, {"_id": 0, "value": 1})
    if document is None or isinstance(document.get("value"), dict):
        updates = {f"value.{field}": value for field, value in changes.items()}
        updates["value.updatedAt"] = now
        insert_only = {"value.organizationId": organization_id, "value.createdAt": now}
        update = {"$set": updates, "$setOnInsert": insert_only, "$inc": {"value.revision": 1}}
    else:
        value = {**changes, "organizationId": organization_id, "updatedAt": now, "revision": 1}
        update = {"$set": {"value": value}}
    _write_metadata(db, document, update, expected)
    before = document.get("value") if document is not None else None
    return before, metadata(db)


def _write_metadata(db, document, update, expected):
    if expected is None:
        db.config.update_one(METADATA, update, upsert=True)
        return
    current = document.get("value") if document is not None else None
    if not (expected.any or (expected.matches and expected.matches(_as_read(current)))):
        raise Stale(STALE)
    if document is None:
        query = {**METADATA, "value": {"$exists": False}}
    else:
        query = {**METADATA, "value": current}
    try:
        written = db.config.update_one(query, update, upsert=document is None)
    except DuplicateKeyError:  # another request wrote the first metadata meanwhile
        raise Stale(STALE) from None
    if written.matched_count == 0 and written.upserted_id is None:
        raise Stale(STALE)


def delete_organization(db, shared):
    """Drop the tenant database, then forget it in the shared one. A drop cut short (a
    timeout while the server still drops) leaves the rest to whoever next meets the id: its
    re-creation, the background refresh, `db ensure-indexes` (`forget`)."""
    db.client.drop_database(db.name)
    forget(shared, [db.name])


def forget(shared, organization_ids, sessions=True):
    """What the shared database holds for these organizations, gone with them: summaries,
    machine claims and (unless told otherwise) every token naming them. Idempotent."""
    summaries.forget(shared, organization_ids)
    moment = clock.now().timestamp()
    for organization_id in organization_ids:
        machine_claims.release_organization(shared, organization_id)
        if sessions:
            revocations.end_sessions(shared, organization_id, revocations.EVERYONE, moment)


def stats(db, shared, organization_id):
    """The metadata, and each application's settings with its device count kept on write."""
    counts = summaries.device_counts(shared, organization_id)
    return {
        "organization": {"id": organization_id, "details": metadata(db)},
        "applications": applications.with_device_counts(applications.settings_by_id(db), counts),
    }
