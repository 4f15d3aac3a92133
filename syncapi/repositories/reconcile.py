"""The reconciler's pass: what a fault can leave that no request will come back to finish.

With every write request in one transaction, a change is whole or absent; what remains is
what no transaction holds, and what older code or other programs left:

- `organization_deletes`: a delete begun and not finished (its database still there, or
  its record) is finished (`organization_deletes.finish`);
- `claims`: claims held for an organization that no longer exists are released;
- `summaries`: summaries of organizations that no longer exist are dropped.

It reads the shared database and one name-only database listing, never each tenant: its
cost follows what it repairs, not how many organizations there are. Idempotent: a second
pass repairs nothing. One process at a time runs it (`leases`, `{_id: "reconcile"}`).
"""

import uuid

from syncapi.core import metrics
from syncapi.repositories import leases, machine_claims, organization_deletes, summaries
from syncapi.repositories.databases import database_names

KINDS = ("organization_deletes", "claims", "summaries")
LEASE = "reconcile"
LEASE_SECONDS = 300  # longer than any pass; a process that dies frees it after that


def under_lease(client, shared):
    """One pass, if no other process runs one: `{kind: repairs}` (counted at `/metrics`),
    or None when another holds the lease."""
    holder = uuid.uuid4().hex
    if not leases.take(shared, LEASE, holder, LEASE_SECONDS):
        return None
    try:
        repaired = run(client, shared)
    finally:
        leases.release(shared, LEASE, holder)
    metrics.count_repairs(repaired)
    return repaired


def run(client, shared):
    """One pass: `{kind: repairs}`."""
    repaired = dict.fromkeys(KINDS, 0)
    for organization_id in organization_deletes.unfinished(shared):
        organization_deletes.finish(shared, organization_id)
        repaired["organization_deletes"] += 1
    # What refers to organizations first, the databases after: one made in between is
    # then listed, never taken for gone.
    claimed = machine_claims.claiming_organizations(shared)
    summarized = summaries.summarized_ids(shared)
    existing = set(database_names(client))
    for organization_id in sorted(set(claimed) - existing):
        machine_claims.release_organization(shared, organization_id)
        repaired["claims"] += 1
    gone = sorted(set(summarized) - existing)
    if gone:
        summaries.forget(shared, gone)
        repaired["summaries"] += len(gone)
    return repaired
