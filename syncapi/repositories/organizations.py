"""Organizations: tenant databases and their metadata (`config` key `organization`, §6)."""

import logging

from pymongo.errors import OperationFailure

from syncapi.identifiers import is_identifier
from syncapi.repositories import applications, indexes, machine_claims
from syncapi.repositories.databases import list_databases
from syncapi.serialization import iso_now

log = logging.getLogger(__name__)

METADATA = {"key": "organization"}
EDITABLE_FIELDS = ("name", "description", "email", "website")
_skipped_names = set()


def tenant_databases(client, is_tenant_name):
    """`[{name, sizeOnDisk, empty}]` of the tenant databases, sorted by name; one call."""
    tenants = []
    for database in sorted(list_databases(client), key=lambda item: item["name"]):
        if is_tenant_name(database["name"]):
            tenants.append(database)
        else:
            _log_skipped_once(database["name"])
    return tenants


def list_organizations(client, is_tenant_name):
    """Tenant databases sorted by id; two queries per organization, whatever it holds."""
    organizations = []
    for database in tenant_databases(client, is_tenant_name):
        name = database["name"]
        application_count, user_count = _counts(client[name])
        organizations.append(
            {
                "id": name,
                "name": name,
                "sizeOnDisk": database.get("sizeOnDisk", 0),
                "empty": database.get("empty", False),
                "applicationCount": application_count,
                "userCount": user_count,
            }
        )
    return organizations


def _counts(db):
    """A database that cannot be counted (permissions, odd legacy data) shows 0s, not an error."""
    try:
        return len(applications.settings_by_id(db)), db.users.count_documents({})
    except OperationFailure:
        log.warning("could not count applications and users of %s", db.name)
        return 0, 0


def _log_skipped_once(name):
    """System and shared databases are skipped silently; a legacy tenant name is worth a line."""
    if not is_identifier(name) and name not in _skipped_names:
        _skipped_names.add(name)
        log.warning("database %r is not listed: its name breaks the organization id rule", name)


def metadata(db):
    document = db.config.find_one(METADATA, {"_id": 0, "value": 1}) or {}
    value = document.get("value")
    return value if isinstance(value, dict) else {}


def summary(organization_id, stored):
    """The shape of GET /api/organizations/{org}."""
    return {
        "id": organization_id,
        "name": stored.get("name") or organization_id,
        **{field: stored.get(field) for field in EDITABLE_FIELDS[1:]},
    }


def save_metadata(client, organization_id, changes, exists):
    """Merge `changes` into the metadata; returns the stored value.

    This is the only way an organization comes to exist: its first write creates the
    database, so its unique indexes are created right then. A stored value that is not an
    object (readers treat it as empty) is replaced by one.
    """
    db = client[organization_id]
    created = not exists
    now = iso_now()
    document = db.config.find_one(METADATA, {"_id": 0, "value": 1})
    if document is None or isinstance(document.get("value"), dict):
        updates = {f"value.{field}": value for field, value in changes.items()}
        updates["value.updatedAt"] = now
        insert_only = {"value.organizationId": organization_id, "value.createdAt": now}
        update = {"$set": updates, "$setOnInsert": insert_only}
    else:
        update = {
            "$set": {"value": {**changes, "organizationId": organization_id, "updatedAt": now}}
        }
    db.config.update_one(METADATA, update, upsert=True)
    if created:
        indexes.ensure_tenant_indexes(db)
    return metadata(db)


def delete_organization(client, shared_db, organization_id):
    """Drop the tenant database, then release its machine ids."""
    client.drop_database(organization_id)
    machine_claims.release_organization(shared_db, organization_id)


def stats(db, organization_id):
    stored = metadata(db)
    entries = applications.settings_by_id(db)
    counts = applications.device_counts(db, entries)
    applications_list = [
        {
            "applicationId": application_id,
            "applicationName": applications.display_name(settings),
            "deviceCount": counts[application_id],
            "status": settings.get("status"),
        }
        for application_id, settings in entries.items()
    ]
    return {
        "organization": {
            "id": stored.get("organizationId") or organization_id,
            "name": stored.get("organizationName") or stored.get("name") or organization_id,
            "status": stored.get("status"),
        },
        "applications": len(applications_list),
        "totalDevices": sum(item["deviceCount"] for item in applications_list),
        "applicationsList": applications_list,
    }
