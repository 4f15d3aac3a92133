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


# Devices per write of a bulk change: the embedded store changes one write at a time, for
# every tenant of the process (`embedded.store.WRITES`), and holds that lock for one batch at
# most (tens of milliseconds, where 1 000 devices in one write held it for seconds).
BATCH = 100


def change_tags(db, application_id, machine_ids, add, remove):
    """Add and remove tags on these devices: the ids are read first (a 400 naming the
    unknown ones, or a device that would carry more than `MAX_TAGS`, and nothing changes),
    then the devices change BATCH at a time. Returns how many matched. The count is checked
    on what was read: a write landing in between may leave a device past it (rare, and
    harmless beyond the count).

    Batches change nothing another writer or reader can tell: each device's tags are
    computed from its own as it is written (the update is a pipeline), so a write landing
    between two batches is kept, never overwritten; and one update_many on a server is no
    more isolated, it changes one document after another (a reader, or a failure midway,
    sees some devices changed and others not either way). A server gets one round trip a
    batch, 10 at most (TagChangeSchema: 1 000 devices), where it got one."""
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
    change, ids, matched = [{"$set": _changed_tags(add, remove)}], list(found), 0
    for start in range(0, len(ids), BATCH):
        batch = {"machineId": {"$in": ids[start : start + BATCH], "$type": "string"}}
        matched += collection.update_many(batch, change).matched_count
    return matched


def _changed_tags(add, remove):
    """The pipeline update of both lists at once (`$addToSet` and `$pull` on one field
    cannot share an update). Tags never start with `$` (their rule), so none is read as a
    field path. A removed tag is looked up in the list once (`$in`), not compared with
    each of them. It moves each device's revision on, as every write does (an ETag read
    before the change is stale after it); a device older code wrote gets its first."""
    current = {"$cond": [{"$isArray": "$tags"}, "$tags", []]}
    tags = {"$setUnion": [current, list(add)]}
    if remove:
        kept = {"$not": {"$in": ["$$tag", list(remove)]}}
        tags = {"$filter": {"input": tags, "as": "tag", "cond": kept}}
    revision = {"$add": [{"$ifNull": [f"${documents.REVISION}", 0]}, 1]}
    return {**documents.touched({"tags": tags}), documents.REVISION: revision}
