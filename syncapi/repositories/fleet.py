"""Applications across every tenant, for the dashboard (query.md §2, 4, 5).

Read from the application summaries kept on write (`summaries`): one query whatever the
number of tenants, and no device collection is scanned.
"""

from syncapi.repositories import summaries


def all_applications(shared, organization_ids=None):
    """`[{applicationId, name, description, status, deviceCount, organizationId}]`: database
    order, then registry order; of these organizations only when given."""
    return [
        {
            "applicationId": summary["applicationId"],
            "name": summary.get("name") or summary["applicationId"],
            "description": summary.get("description") or "",
            "status": summary.get("status") or "active",
            "deviceCount": summary.get("deviceCount", 0),
            "organizationId": summary["organizationId"],
        }
        for summary in summaries.applications(shared, organization_ids)
    ]


def registered_devices(shared, organization_id):
    """Devices of one organization's applications."""
    return sum(summaries.device_counts(shared, organization_id).values())
