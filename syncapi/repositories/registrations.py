"""What a device claims in the machine registry (`machine_claims`), and the order of a
device write around its claims: claim first, write, release what is no longer held.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from syncapi.core.clock import utcnow
from syncapi.core.identifiers import is_record_id
from syncapi.repositories.machine_claims import EPOCH, claim, release, undo

ID_FIELDS = ("machineId", "eui")  # README §7: Influx's machine_id is one or the other


def machine_ids(device):
    """`[(field, id)]` a device claims: its `machineId` and its LoRa `eui`, once each; only
    record ids (`identifiers.is_record_id`, what the API accepts: older data may hold others,
    which no route addresses and no query may carry)."""
    found = {}
    for field in ID_FIELDS:
        value = device.get(field)
        if is_record_id(value) and value not in found:
            found[value] = field
    return [(field, value) for value, field in found.items()]


def holder(application_id, machine_id):
    """A device holding a claim; `applicationId` is None for a legacy device of the shared
    database (which claims for the organization its `organizationId` names)."""
    return {"applicationId": application_id, "machineId": machine_id}


@dataclass(frozen=True)
class Registration:
    """What one device claims: its organization's hold, through it, of its ids. No
    organization (a legacy device without one) claims nothing."""

    organization_id: str | None
    holder: dict
    ids: tuple

    @classmethod
    def of(cls, organization_id, application_id, device):
        ids = tuple(machine_ids(device)) if organization_id else ()
        return cls(organization_id, holder(application_id, device["machineId"]), ids)

    def keeps(self, other, pair):
        """`other` goes on holding `pair` through the same holder."""
        same = other is not None and other.organization_id == self.organization_id
        return same and other.holder == self.holder and pair[1] in {i for _, i in other.ids}


def registered(db, before, after, write, survivor):
    """Run `write()` (a device's insert, update or delete) with `after`'s ids claimed first,
    then release what `before` held and `after` does not. A failed write takes back what
    this claim made, except the ids of `survivor()` (the device a concurrent request stored
    under the same key, which holds them through the same holder)."""
    made = []
    if after is not None and after.organization_id:
        made = claim(db, after.organization_id, after.holder, after.ids)
    try:
        result = write()
    except Exception:
        if made:
            kept = {pair[1] for pair in machine_ids(survivor() or {})}
            undo(db, after.organization_id, after.holder, [m for m in made if m[0] not in kept])
        raise
    if before is not None and before.organization_id:
        gone = [pair for pair in before.ids if not before.keeps(after, pair)]
        release(db, before.organization_id, before.holder, gone)
    return result


def release_registration(db, registration):
    """A deleted device lets its ids go."""
    if registration.organization_id:
        release(db, registration.organization_id, registration.holder, registration.ids)


def created_at(value):
    """A stored `createdAt` (a BSON date, or the ISO text older writers stored) as a date,
    from the epoch (the whole history; also when there is none) to now."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return EPOCH
    if not isinstance(value, datetime):
        return EPOCH
    try:
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        return EPOCH
    return min(max(value, EPOCH), utcnow())
