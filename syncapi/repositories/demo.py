"""The demo tenant (`data/demo.json`): what a fresh install shows the console.

Idempotent: each document is inserted only when no document with its natural key exists
(`$setOnInsert` upserts), so a second run, or an edit made in between, is left alone. Each is
stored as the API would have written it (timestamps, a first `revision`), and the demo's
admin gets a password of its own when it has none, shown once by whoever seeded.
"""

import json
import logging
import secrets
from pathlib import Path

from pymongo.errors import DuplicateKeyError

from syncapi.core import passwords
from syncapi.core.failures import Conflict
from syncapi.repositories import (
    documents,
    index_builds,
    machine_claims,
    organizations,
    registrations,
)
from syncapi.repositories.indexes import application_specs

log = logging.getLogger(__name__)

DATA = Path(__file__).resolve().parent.parent / "data" / "demo.json"

# Natural key of each collection; `{app}_…` collections by their suffix.
KEYS = {
    "config": ("key",),
    "users": ("email",),
    "gateways": ("gatewayId",),
    "connectors": ("name", "applicationId"),
    "services": ("name",),
    "monitoreo-cnc_events": ("applicationId", "id"),
    "functions": ("applicationId", "id"),
    "oilmonitor_devices": ("eui",),
}
SUFFIX_KEYS = {"_devices": ("machineId",), "_connectors": ("name",), "_config": ("key",)}


def load():
    return json.loads(DATA.read_text(encoding="utf-8"))


def key_of(collection):
    if collection in KEYS:
        return KEYS[collection]
    return next(keys for suffix, keys in SUFFIX_KEYS.items() if collection.endswith(suffix))


def seed(client, shared_name, data, since):
    """Create the demo tenant and shared configs, its machines claimed from `since` (the
    start of the demo's time series); returns how many documents were added."""
    shared = client[shared_name]
    tenant = client[data["organizationId"]]
    index_builds.ensure_shared_indexes(shared)
    index_builds.ensure_tenant_indexes(tenant)
    registry = next(doc for doc in data["tenant"]["config"] if doc["key"] == "applications")
    for application_id in registry["value"]["applicationSettings"]:
        index_builds.ensure_logged(tenant, application_specs(application_id))
    added = sum(_upsert_all(shared[name], docs) for name, docs in data["shared"].items())
    added += sum(_upsert_all(tenant[name], docs) for name, docs in data["tenant"].items())
    _claim_machines(shared, tenant.name, registry["value"]["applicationSettings"], data, since)
    organizations.reconcile_summaries(client, shared, tenant.name)  # its counts, as kept on write
    return added


def give_admin_a_password(client, data):
    """The demo admin's password, made now when the admin has none (a fresh store, a demo
    seeded before), so that a login can be tried: `(organization id, email, password)` to
    show once, or None when it has one (an operator's stays)."""
    admin = next(user for user in data["tenant"]["users"] if user["role"] == "admin")
    password = secrets.token_urlsafe(12)
    query = {"email": {"$eq": admin["email"], "$type": "string"}, "passwordHash": None}
    changes = {"passwordHash": passwords.hash_password(password)}
    written = client[data["organizationId"]].users.update_one(query, {"$set": changes})
    return (data["organizationId"], admin["email"], password) if written.modified_count else None


def _claim_machines(shared, organization_id, application_ids, data, since):
    """The demo devices claim their ids as a demo, dated to the start of the demo's series
    (an organization-limited user of the demo tenant reads all of it): any real
    organization's registration of the same id takes the claim over."""
    for application_id in application_ids:
        for document in data["tenant"].get(f"{application_id}_devices", ()):
            holder = registrations.holder(application_id, document["machineId"])
            ids = registrations.machine_ids(document)
            try:
                machine_claims.claim(shared, organization_id, holder, ids, demo=True, since=since)
            except Conflict:
                log.info("demo machine %s is held by a real organization", document["machineId"])


def _upsert_all(collection, seeded):
    keys = key_of(collection.name)
    return sum(_upsert(collection, document, keys) for document in seeded)


def _upsert(collection, document, keys):
    """Insert unless the key exists; a key field the document lacks must be absent there too."""
    query = {key: document[key] if key in document else {"$exists": False} for key in keys}
    stamped = _stamp(document, collection.name)
    try:
        result = collection.update_one(query, {"$setOnInsert": stamped}, upsert=True)
    except DuplicateKeyError:  # another worker seeding at the same moment won
        return 0
    return 1 if result.upserted_id is not None else 0


def _stamp(document, collection_name):
    """The document as the API writes it: users with ISO text, other documents with BSON
    dates; in `config`, the organization's metadata stamped inside its `value` (as
    `PUT /api/organizations/{org}` does) and each registry entry (spec README §5)."""
    if collection_name != "config":
        return documents.stamped(document, iso=collection_name == "users")
    value = document["value"]
    if document["key"] == "organization":
        return {**document, "value": documents.stamped(value, iso=True)}
    if document["key"] == "applications":
        settings = value["applicationSettings"]
        stamped = {app: documents.stamped(entry, iso=True) for app, entry in settings.items()}
        return {**document, "value": {**value, "applicationSettings": stamped}}
    return document
