"""Machine claims: which organization a machine id belongs to, platform-wide (spec §13.1).

Time series are stored by machine id alone (README §7), so whoever registers an id reads its
history. One registry in the shared database says who holds each id: a document per id,
keyed by the id itself (`_id`, the unique index every collection has), with its
`organizationId`, the devices that hold it (`holders`: `{applicationId, machineId}`) and
`since`, the moment from which an organization-limited caller may read its time series.

A claim is one atomic upsert filtered on the organization: another organization's claim
makes it fail on `_id`, which is the 409. It is released when its last holder goes; a demo
claim (`demo: true`) gives way to any real registration of the same id.

Two first claims of one id at once both find no claim and both insert one; the server
refuses the second insert (E11000) and, the filter naming more than `_id`, does not retry
it (MongoDB retries only an upsert filtered on exactly the unique key). So a claim refused
on `_id` is tried once more (`_upserted`): the same organization's claim is then found and
joined, another organization's refuses it again.
"""

from datetime import UTC, datetime
from functools import partial

from pymongo.errors import DuplicateKeyError

from syncapi.core.clock import utcnow
from syncapi.core.failures import Conflict, NotFound

COLLECTION = "machine_claims"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NOT_FOUND = partial(NotFound, "Machine claim not found")


def conflict(field):
    message = (
        f"{field} is registered to another organization; a platform admin can move it"
        " (PUT /api/machines/{machineId})"
    )
    return Conflict(message, field=field)


def claim(db, organization_id, holder_, ids, demo=False, since=None):
    """Claim each `(field, id)` for the organization through `holder_`; returns what to pass
    to `undo` if the write this claim is for fails. 409 (after undoing) when another
    organization holds one of them."""
    made = []
    try:
        for field, machine_id in ids:
            outcome = _claim_one(db, organization_id, holder_, field, machine_id, demo, since)
            if outcome is not None:
                made.append((machine_id, outcome))
    except Conflict:
        undo(db, organization_id, holder_, made)
        raise
    return made


def _claim_one(db, organization_id, holder_, field, machine_id, demo, since):
    """ "new" when this call created (or took over) the claim, "held" when it only added the
    holder to the organization's claim, None when nothing changed."""
    on_insert = {"since": since or utcnow(), **({"demo": True} if demo else {})}
    update = {"$addToSet": {"holders": holder_}, "$setOnInsert": on_insert}
    if not demo:
        update["$unset"] = {"demo": ""}  # a real registration makes the claim real
    query = {"_id": machine_id, "organizationId": organization_id}
    try:
        result = _upserted(db, query, update)
    except DuplicateKeyError:  # `_id` taken: another organization holds it
        if demo or not _take_over_demo(db, organization_id, holder_, machine_id):
            raise conflict(field) from None
        return "new"
    if result.upserted_id is not None:
        return "new"
    return "held" if result.modified_count else None


def _upserted(db, query, update):
    """The claim's upsert, once more when its insert lost to another one (see the module)."""
    try:
        return db[COLLECTION].update_one(query, update, upsert=True)
    except DuplicateKeyError:
        return db[COLLECTION].update_one(query, update, upsert=True)


def _take_over_demo(db, organization_id, holder_, machine_id):
    claimed = {"organizationId": organization_id, "holders": [holder_], "since": utcnow()}
    result = db[COLLECTION].update_one(
        {"_id": machine_id, "demo": True}, {"$set": claimed, "$unset": {"demo": ""}}
    )
    return result.modified_count == 1


def undo(db, organization_id, holder_, made):
    """Take back what `claim` did: the holder it added, and the claims it created if no
    other holder joined them meanwhile."""
    if not made:
        return
    ids = [machine_id for machine_id, _ in made]
    new = [machine_id for machine_id, outcome in made if outcome == "new"]
    _pull(db, organization_id, holder_, ids)
    if new:
        db[COLLECTION].delete_many(
            {"_id": {"$in": new}, "organizationId": organization_id, "holders": {"$size": 0}}
        )


def release(db, organization_id, holder_, ids):
    """The holder lets these ids go; a claim left without holders is released."""
    ids = [machine_id for _, machine_id in ids]
    if not ids:
        return
    _pull(db, organization_id, holder_, ids)
    db[COLLECTION].delete_many(
        {"_id": {"$in": ids}, "organizationId": organization_id, "holders": {"$size": 0}}
    )


def _pull(db, organization_id, holder_, ids):
    db[COLLECTION].update_many(
        {"_id": {"$in": ids}, "organizationId": organization_id}, {"$pull": {"holders": holder_}}
    )


def release_application(db, organization_id, application_id):
    """An application is deleted: its devices let their ids go."""
    query = {"organizationId": organization_id, "holders.applicationId": application_id}
    ids = [document["_id"] for document in db[COLLECTION].find(query, {"_id": 1})]
    if not ids:
        return
    db[COLLECTION].update_many(
        {"_id": {"$in": ids}}, {"$pull": {"holders": {"applicationId": application_id}}}
    )
    db[COLLECTION].delete_many({"_id": {"$in": ids}, "holders": {"$size": 0}})


def release_organization(db, organization_id):
    db[COLLECTION].delete_many({"organizationId": organization_id})


def claiming_organizations(db):
    """The organizations whose devices hold claims (a demo claim, or one a platform admin
    gave ahead of any device, holds none; a legacy device's is its own): each has a
    database, or its claims are left over. Served by the `organizationId` index."""
    held = {"holders.0": {"$exists": True}, "demo": {"$ne": True}}
    # A legacy device (shared database, `applicationId` None) may name an organization that
    # has no database: its claim is its own, not an organization's leftover.
    held["holders.applicationId"] = {"$ne": None}
    return db[COLLECTION].distinct("organizationId", held)


def find(db, machine_id):
    return db[COLLECTION].find_one({"_id": machine_id})


def find_many(db, machine_ids):
    """The claims of these ids (those that have one), in one query on `_id`."""
    return list(db[COLLECTION].find({"_id": {"$in": list(machine_ids)}}))


def get(db, machine_id):
    document = find(db, machine_id)
    if document is None:
        raise NOT_FOUND()
    return document


def list_claims(db, organization_id=None):
    query = {} if organization_id is None else {"organizationId": organization_id}
    return list(db[COLLECTION].find(query).sort("_id", 1))


def count(db):
    return db[COLLECTION].estimated_document_count()


def since_by_machine(db, organization_ids):
    """`{machine id: since}` of the claims of these organizations, in one query."""
    query = {"organizationId": {"$in": list(organization_ids)}}
    return {doc["_id"]: doc["since"] for doc in db[COLLECTION].find(query, {"since": 1})}


def assign(db, machine_id, organization_id, since, holders):
    """A platform admin gives the id to an organization (or re-dates its claim); returns
    (the claim before, None when there was none; the claim now). The decision is recorded
    (`assignedAt`): `db ensure-indexes` then no longer reports the id as contested."""
    existing = find(db, machine_id)
    if since is None:
        same = existing is not None and existing["organizationId"] == organization_id
        since = existing["since"] if same else utcnow()
    document = {
        "organizationId": organization_id,
        "since": since,
        "holders": holders,
        "assignedAt": utcnow(),
    }
    db[COLLECTION].update_one(
        {"_id": machine_id}, {"$set": document, "$unset": {"demo": ""}}, upsert=True
    )
    return existing, {"_id": machine_id, **document}


def remove(db, machine_id):
    """The released claim, as it was."""
    removed = db[COLLECTION].find_one_and_delete({"_id": machine_id})
    if removed is None:
        raise NOT_FOUND()
    return removed


def backfill(db, organization_id, holder_, ids, since):
    """`db ensure-indexes`: claim a registration that predates the registry, dated back to
    `since` (it was visible before); returns the `(field, id)`s another organization holds.

    An existing claim keeps its date: only a claim this makes is dated back, so running the
    command again never opens history a later claim's date (or a platform admin's) hides.
    One upsert per id: a migration, where a bulk write's per-item errors would only save
    round trips.
    """
    taken = []
    for field, machine_id in ids:
        query = {"_id": machine_id, "organizationId": organization_id}
        update = {"$addToSet": {"holders": holder_}, "$setOnInsert": {"since": since}}
        try:
            _upserted(db, query, update)
        except DuplicateKeyError:
            taken.append((field, machine_id))
    return taken
