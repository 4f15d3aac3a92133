"""What a device claims in the machine registry (`machine_claims`), and the order of a
device write around its claims: claim first, write, release what the write let go (known
from the documents the write itself returned, so that concurrent changes of one device
leave no claim held for an id no device has).
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


def registered(db, after, write, survivor, written=None):
    """Run `write()` (a device's insert or update) with `after`'s ids claimed first. A failed
    write takes back what this claim made, except the ids of `survivor()` (the device a
    concurrent request stored under the same key, which holds them through the same holder).

    For an update, `written(result)` is `(before, after)`, the registrations of the document
    the write replaced and of the one it left, as the write returned them: the ids released
    are those it replaced, not those of a read made before it, which another change of the
    same device between the two may have outdated."""
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
    if written is not None:
        _settled(db, after, *written(result))
    return result


def _settled(db, claimed, before, after):
    """After an update: what the device holds now (`after`) is claimed, and what it let go
    released, both from the write's own documents. Another change between the read and the
    write can make `after` differ from what was `claimed` (an `eui` it set meanwhile, which
    a rename carries on): that id is claimed for the new holder, and what was claimed in
    vain is released with what `before` held."""
    if after.organization_id:
        missing = [pair for pair in after.ids if not after.keeps(claimed, pair)]
        claim(db, after.organization_id, after.holder, missing)
    for let_go in (before, claimed):
        if let_go.organization_id:
            gone = [pair for pair in let_go.ids if not let_go.keeps(after, pair)]
            release(db, let_go.organization_id, let_go.holder, gone)


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
