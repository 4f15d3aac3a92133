"""Counts kept on write in the shared database, so that a listing across tenants costs one
query whatever their number (spec §13.7): the organization list and the dashboard's fleet
counts are called on every console page.

- `organization_summaries`: `{_id: org, applicationCount, userCount, sizeOnDisk, empty}`;
- `application_summaries`: `{_id: "org/app", organizationId, applicationId, name,
  description, status, deviceCount, order}` (`order` keeps the registry's order).

Every API write that changes a count changes its summary in the same request (`$inc`, so
concurrent writers never lose one), just after its own write: a failure in between (the
server lost at that moment) leaves a count off by one. Such drift, and data written by other
programs, are brought back in line by `reconcile` (`flask db ensure-indexes`; counts read
while requests write may be off by what was written meanwhile, so run it when quiet); sizes,
which only the server knows, by `refresh_sizes`, off the request path every few minutes.
"""

from pymongo import ASCENDING, UpdateOne

from syncapi.core.clock import epoch_ms
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import paging

ORGANIZATIONS = "organization_summaries"
APPLICATIONS = "application_summaries"


def _described(settings):
    """What the dashboard shows of an application; older registries name it
    `applicationName`."""
    return {
        "name": settings.get("name") or settings.get("applicationName"),
        "description": settings.get("description"),
        "status": settings.get("status"),
    }


def _key(organization_id, application_id):
    return f"{organization_id}/{application_id}"


def organization_created(shared, organization_id):
    shared[ORGANIZATIONS].update_one(
        {"_id": organization_id},
        {
            "$setOnInsert": {
                "applicationCount": 0,
                "userCount": 0,
                "sizeOnDisk": 0,
                "empty": False,  # its metadata is in it; the size is measured later
            }
        },
        upsert=True,
    )


def users_added(shared, organization_id, count):
    """`count` more (or fewer) users; a summary that is missing (written before summaries
    existed) is made again, its other counts left to the next reconcile."""
    shared[ORGANIZATIONS].update_one(
        {"_id": organization_id}, {"$inc": {"userCount": count}}, upsert=True
    )


def application_created(shared, organization_id, application_id, settings):
    """The order is the creation time: later than every application created before it, as
    its key is in the registry."""
    shared[APPLICATIONS].update_one(
        {"_id": _key(organization_id, application_id)},
        {
            "$set": _described(settings),
            "$setOnInsert": {
                "organizationId": organization_id,
                "applicationId": application_id,
                "deviceCount": 0,
                "order": epoch_ms(),
            },
        },
        upsert=True,
    )
    shared[ORGANIZATIONS].update_one({"_id": organization_id}, {"$inc": {"applicationCount": 1}})


def application_updated(shared, organization_id, application_id, settings):
    identity = {"organizationId": organization_id, "applicationId": application_id}
    shared[APPLICATIONS].update_one(
        {"_id": _key(organization_id, application_id)},
        {"$set": _described(settings), "$setOnInsert": {**identity, "deviceCount": 0}},
        upsert=True,
    )


def application_deleted(shared, organization_id, application_id):
    deleted = shared[APPLICATIONS].delete_one({"_id": _key(organization_id, application_id)})
    if deleted.deleted_count:
        shared[ORGANIZATIONS].update_one(
            {"_id": organization_id}, {"$inc": {"applicationCount": -1}}
        )


def devices_added(shared, organization_id, application_id, count):
    """`count` more (or fewer) devices; a missing summary is made again (see `users_added`)."""
    identity = {"organizationId": organization_id, "applicationId": application_id}
    shared[APPLICATIONS].update_one(
        {"_id": _key(organization_id, application_id)},
        {"$inc": {"deviceCount": count}, "$setOnInsert": {**identity, "order": epoch_ms()}},
        upsert=True,
    )


# The organization list: `id` and `name` are both the organization id (the `_id` index).
ORGANIZATION_LISTING = Listing({"id": "_id", "name": "_id"}, ("_id",))


def organizations(shared, organization_ids=None, list_query=WHOLE_LIST):
    """Summaries sorted by id, of these organizations only when given (served by `_id`); a
    page costs one count and one read of the page, whatever the number of organizations."""
    query = {} if organization_ids is None else {"_id": {"$in": list(organization_ids)}}
    by_id = [("_id", ASCENDING)]
    return paging.find_page(shared[ORGANIZATIONS], query, ORGANIZATION_LISTING, list_query, by_id)


def applications(shared, organization_ids=None):
    """Application summaries in database order, then registry order (query.md §5)."""
    query = {} if organization_ids is None else {"organizationId": {"$in": list(organization_ids)}}
    order = [("organizationId", ASCENDING), ("order", ASCENDING), ("applicationId", ASCENDING)]
    return list(shared[APPLICATIONS].find(query).sort(order))


def device_counts(shared, organization_id):
    """`{applicationId: deviceCount}` of one organization, one query."""
    return {
        summary["applicationId"]: summary.get("deviceCount", 0)
        for summary in applications(shared, [organization_id])
    }


def device_count(shared, organization_id, application_id):
    summary = shared[APPLICATIONS].find_one(
        {"_id": _key(organization_id, application_id)}, {"deviceCount": 1}
    )
    return summary.get("deviceCount", 0) if summary else 0


def reconcile(shared, organization_id, user_count, application_settings, device_counts):
    """Make one organization's summaries exact (counts read from its data by the caller)."""
    shared[ORGANIZATIONS].update_one(
        {"_id": organization_id},
        {
            "$set": {"applicationCount": len(application_settings), "userCount": user_count},
            "$setOnInsert": {"sizeOnDisk": 0, "empty": False},
        },
        upsert=True,
    )
    shared[APPLICATIONS].delete_many(
        {"organizationId": organization_id, "applicationId": {"$nin": list(application_settings)}}
    )
    for order, (application_id, settings) in enumerate(application_settings.items()):
        shared[APPLICATIONS].update_one(
            {"_id": _key(organization_id, application_id)},
            {
                "$set": {
                    "organizationId": organization_id,
                    "applicationId": application_id,
                    "deviceCount": device_counts.get(application_id, 0),
                    "order": order,
                    **_described(settings),
                }
            },
            upsert=True,
        )


def forget(shared, organization_ids):
    """Drop the summaries of these organizations (their databases are gone)."""
    gone = {"$in": list(organization_ids)}
    shared[ORGANIZATIONS].delete_many({"_id": gone})
    shared[APPLICATIONS].delete_many({"organizationId": gone})


def summarized_ids(shared):
    return {summary["_id"] for summary in shared[ORGANIZATIONS].find({}, {"_id": 1})}


def refresh_sizes(shared, databases):
    """`sizeOnDisk`/`empty` of each listed tenant database (`listDatabases` entries), in one
    bulk write; a double from the server is stored as whole bytes."""
    updates = [
        UpdateOne(
            {"_id": database["name"]},
            {"$set": {"sizeOnDisk": int(database["sizeOnDisk"]), "empty": bool(database["empty"])}},
        )
        for database in databases
    ]
    if updates:
        shared[ORGANIZATIONS].bulk_write(updates, ordered=False)
