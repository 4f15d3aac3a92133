"""Tags of an application's devices (spec §13.3): counted, and changed on many devices at
once. A bulk change leaves each device's tags a set: their order after it is the server's.
"""

from syncapi.core.failures import Invalid
from syncapi.core.identifiers import MAX_TAGS
from syncapi.repositories import documents
from syncapi.repositories.application_collections import app_collection


def devices_of(db, application_id):
    return app_collection(db, application_id, "devices")


def tag_counts(db, application_id):
    """`[{"tag", "count"}]` over the application's devices, by tag: one aggregation, which
    reads every device carrying tags (docs/api.md "Lists": a scan of one application's devices)."""
    pipeline = [
        {"$match": {"tags": {"$type": "string"}}},  # an array holding a string, or a string
        {"$unwind": "$tags"},
        {"$match": {"tags": {"$type": "string"}}},
        {"$group": {"_id": "$tags", "count": {"$sum": 1}}},
        {"$sort": {"_id": 1}},
    ]
    found = devices_of(db, application_id).aggregate(pipeline)
    return [{"tag": group["_id"], "count": group["count"]} for group in found]


def change_tags(db, application_id, machine_ids, add, remove):
    """Add and remove tags on these devices: the ids are read first (a 400 naming the
    unknown ones, or a device that would carry more than `MAX_TAGS`, and nothing changes),
    then every device changes in one update. Returns how many matched. The count is checked
    on what was read: a write landing in between may leave a device past it (rare, and
    harmless beyond the count)."""
    collection = devices_of(db, application_id)
    query = {"machineId": {"$in": list(machine_ids), "$type": "string"}}  # machineId_unique
    read = collection.find(query, {"_id": 0, "machineId": 1, "tags": 1})
    found = {device["machineId"]: device.get("tags") for device in read}
    unknown = [machine_id for machine_id in machine_ids if machine_id not in found]
    if unknown:
        raise Invalid(f"machineIds not found: {', '.join(unknown[:20])}", field="machineIds")
    for machine_id, tags in found.items():
        kept = [tag for tag in (tags if isinstance(tags, list) else []) if tag not in remove]
        if len(set(kept) | set(add)) > MAX_TAGS:
            message = f"{machine_id} would carry more than {MAX_TAGS} tags"
            raise Invalid(message, field="add")
    result = collection.update_many(query, [{"$set": _changed_tags(add, remove)}])
    return result.matched_count


def _changed_tags(add, remove):
    """The pipeline update of both lists at once (`$addToSet` and `$pull` on one field
    cannot share an update). Tags never start with `$` (their rule), so none is read as a
    field path. It moves each device's revision on, as every write does (an ETag read
    before the change is stale after it); a device older code wrote gets its first."""
    current = {"$cond": [{"$isArray": "$tags"}, "$tags", []]}
    tags = {"$setUnion": [current, list(add)]}
    if remove:
        kept = {"$and": [{"$ne": ["$$tag", tag]} for tag in remove]}
        tags = {"$filter": {"input": tags, "as": "tag", "cond": kept}}
    revision = {"$add": [{"$ifNull": [f"${documents.REVISION}", 0]}, 1]}
    return {**documents.touched({"tags": tags}), documents.REVISION: revision}
