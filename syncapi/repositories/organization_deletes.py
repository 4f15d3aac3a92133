"""An organization's delete, which no transaction can hold whole: dropping a database is not
allowed in one (MongoDB manual, "Transactions: Operations").

So it goes in two steps. First, in the request's transaction, everything that makes the
delete take effect: a record of it in the shared database's `organization_deletes` (the
work still to do, `{_id: organizationId, since}`), the end of every token naming the
organization, its claims released, its summary forgotten, and the change-log entry. Then,
outside any transaction, the drop of its database and the record's removal. A delete cut
short between the two is finished by whoever next meets the record: the delete's retry
(200, not 404), the organization's re-creation, or the reconciler (`reconcile`), which reads
this small collection (index: its `_id`), never the tenants.
"""

from syncapi.core import clock
from syncapi.repositories import machine_claims, revocations, summaries

COLLECTION = "organization_deletes"


def begin(shared, organization_id):
    """The delete's first step (see above); True when it was not begun before, so that a
    retry does not record the change twice."""
    result = shared[COLLECTION].update_one(
        {"_id": organization_id},
        {"$setOnInsert": {"since": clock.utcnow()}},
        upsert=True,
    )
    moment = clock.now().timestamp()
    revocations.end_sessions(shared, organization_id, revocations.EVERYONE, moment)
    machine_claims.release_organization(shared, organization_id)
    summaries.forget(shared, [organization_id])
    return result.upserted_id is not None


def pending(shared, organization_id):
    return shared[COLLECTION].find_one({"_id": organization_id}) is not None


def finish(shared, organization_id):
    """The drop, then the record's removal: idempotent, outside any transaction (`shared`
    unbound from one). Only while the record is there: a list of them read earlier (the
    reconciler's) must not drop an organization made again since."""
    if shared[COLLECTION].find_one({"_id": organization_id}, {"_id": 1}) is None:
        return
    shared.client.drop_database(organization_id)
    shared[COLLECTION].delete_one({"_id": organization_id})


def unfinished(shared):
    """The organizations whose delete was begun and not finished."""
    return [document["_id"] for document in shared[COLLECTION].find({}, {"_id": 1})]
