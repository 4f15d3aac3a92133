"""Which organizations, applications and machines a caller may see: the whole policy.

The caller is the one `auth` authenticated (`g.caller`), or none when `AUTH_MODE=off`.

- **Organizations.** No caller (authentication off) and a platform-wide token (`orgs: ["*"]`)
  see every organization; any other token sees the organizations it names and nothing else,
  an unknown organization answering like another tenant's (403, checked before existence, so
  ids cannot be probed). Only a platform admin (`*` and the `admin` role) creates one.
- **Within an organization.** A `viewer` reads, a `user` also writes, an `admin` also
  manages users and sets any of their passwords (`auth` applies the roles per route).
- **Applications** across tenants (the dashboard) are those of the organizations seen.
- **Machines.** Time series are stored by machine id alone, so a caller limited to some
  organizations reads only the machines they have claimed (`machine_claims`), each from
  its claim's `since`; any other machine is a 404, as if it did not exist. Everyone else
  reads every machine, all of its history.
- **Legacy devices** of the shared database belong to the organization they name
  (`organizationId`): a limited caller sees only those of its organizations.
- Server metrics (cpu, ram) are for anyone signed in.

Views ask these functions; none of them decides by itself.
"""

from flask import g

from syncapi.access import tenancy
from syncapi.core import tokens
from syncapi.core.failures import NotFound
from syncapi.repositories import machine_claims
from syncapi.web import memo


def _caller():
    return g.get("caller")


def sees_every_organization():
    caller = _caller()
    return caller is None or tokens.EVERY_ORGANIZATION in caller.orgs


def organizations():
    """None when the caller sees every organization, else the ids it names, sorted (also the
    key under which what it sees is memoised: callers of the same ones share it)."""
    if sees_every_organization():
        return None
    return tuple(sorted({org for org in _caller().orgs if tenancy.is_tenant_name(org)}))


def may_see(organization_id):
    return sees_every_organization() or organization_id in _caller().orgs


def is_platform_admin():
    caller = _caller()
    return caller is None or (sees_every_organization() and caller.role == "admin")


def may_create_organization():
    """Only a platform admin brings a new organization into being (spec §13.1)."""
    return is_platform_admin()


def is_admin_of(organization_id):
    """An org admin of `organization_id`, a platform admin, or anyone when auth is off."""
    caller = _caller()
    return caller is None or (may_see(organization_id) and caller.role == "admin")


def visible_applications(applications):
    """The dashboard's applications (`organizationId` each) of the organizations seen."""
    return [item for item in applications if may_see(item["organizationId"])]


def visible_legacy_device(device):
    """A legacy device, or a 404 for a limited caller when it names another organization."""
    if not may_see(device.get("organizationId")):
        raise NotFound("Device not found")
    return device


def machines(shared):
    """None when every machine is visible; else `{machine id: since}` of the claims of the
    caller's organizations (one query, memoised `ANALYTICS_CACHE_SECONDS` per set of
    organizations: a moved or released claim stops showing within that time)."""
    seen = organizations()
    if seen is None:
        return None
    return memo.remember(("machines", seen), lambda: machine_claims.since_by_machine(shared, seen))


def machines_among(shared, machine_ids):
    """`{machine id: since}` of those of `machine_ids` the caller may read (one query for
    a limited caller), in the order asked; the others are left out."""
    if sees_every_organization():
        return dict.fromkeys(machine_ids)
    claims = {claim["_id"]: claim for claim in machine_claims.find_many(shared, machine_ids)}
    return {
        machine_id: claims[machine_id]["since"]
        for machine_id in machine_ids
        if machine_id in claims and may_see(claims[machine_id]["organizationId"])
    }


def machine(shared, machine_id):
    """`{machine id: since}` of one machine the caller may read (the claim read on each
    request); a 404 for one of another organization's, or claimed by none."""
    if sees_every_organization():
        return {machine_id: None}
    claim = machine_claims.find(shared, machine_id)
    if claim is None or not may_see(claim["organizationId"]):
        raise NotFound("Device not found")
    return {machine_id: claim["since"]}
