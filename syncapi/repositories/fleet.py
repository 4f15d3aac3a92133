"""Applications and devices across every tenant database, for the dashboard (query.md §2, 4, 5).

Starts from the same database listing as `GET /api/organizations`, then costs two queries
per tenant whatever it holds: its registry, and one aggregation over its device collections.
A tenant that cannot be read (permissions, odd legacy data) is skipped and logged, so one
database cannot blank the dashboard of all the others.
"""

import logging

from pymongo.errors import OperationFailure

from syncapi.repositories import applications, organizations

log = logging.getLogger(__name__)


def all_applications(client, is_tenant_name):
    """Every registered application: database order, then registry order."""
    items = []
    for database in organizations.tenant_databases(client, is_tenant_name):
        try:
            items.extend(tenant_applications(client[database["name"]]))
        except OperationFailure:
            log.warning("could not read the applications of %s", database["name"])
    return items


def tenant_applications(db):
    """`[{applicationId, name, description, status, deviceCount, organizationId}]` of one
    tenant, with the defaults the dashboard shows."""
    entries = applications.settings_by_id(db)
    counts = applications.device_counts(db, entries)
    return [
        {
            "applicationId": application_id,
            "name": applications.display_name(settings) or application_id,
            "description": settings.get("description") or "",
            "status": settings.get("status") or "active",
            "deviceCount": counts[application_id],
            "organizationId": db.name,
        }
        for application_id, settings in entries.items()
    ]
