"""The one place a change is recorded, in the organization's log or the shared one
(`repositories.changes`): by whom and in which request (`Author`, `auth.author()` for a
request's caller), into which log (`handles.change_log(db)`: its database, with its indexes
made, and how long it keeps an entry). Nothing here reads the request: a change made
outside one names its own author.

The entry is written in the transaction of the change it records (every change is a
request's, and every write request runs in one: `web.transactions`): a failure to write it
undoes the change, so no change is ever made without its entry. An entry written outside a
transaction (`Log.in_transaction` false: no writer does today) would be a second write
after its change; its failure would be logged with the request id and counted
(`syncapi_change_log_possibly_lost_entries_total`), the change standing.

What an entry shows of a document is what the API answers: service configurations and the
`properties` of devices and connectors masked as their routes mask them (so a rotated or
deleted credential is not readable in the log for as long as it keeps the entry), and never
a password hash. A document larger than
`MAX_SNAPSHOT_BYTES` is kept as its size and SHA-256 only (`beforeSummary`/`afterSummary`):
two snapshots of a document near MongoDB's 16 MiB limit would make an entry the server
refuses (a change any writer could keep out of the log), and a feed page of such entries
gigabytes long.
"""

import hashlib
import logging
from dataclasses import dataclass

import bson

from syncapi.core import masking, metrics
from syncapi.repositories import changes

log = logging.getLogger(__name__)

CREATE, UPDATE, DELETE, RESTORE = "create", "update", "delete", "restore"
NEVER_LOGGED = frozenset({"passwordHash"})
MASKED_FIELD = {  # the field of each resource whose secrets are masked, as the API masks them
    "service": "configuration",
    "connector": "properties",
    "device": "properties",
    "legacy-device": "properties",
}
# What a user's answers show every member as stored: kept as it is even where it looks like a
# secret (an email `password=…@…`), so that a restore, which leaves masked values out, gives
# the user back its name and email.
USER_ANSWERED = ("name", "email", "role", "status")
MAX_SNAPSHOT_BYTES = 64 * 1024


@dataclass(frozen=True)
class Author:
    """Who made a change (`actor`: `sub`, `role`, `auth`, `jti`), the id of the request that
    made it (None outside a request) and the id its client gave it, if any."""

    actor: dict
    request_id: str | None
    client_request_id: str | None = None


def shown(document, resource_type):
    """The document as an entry keeps it."""
    if not isinstance(document, dict):  # none, or metadata older writers left malformed
        return document
    kept = {key: value for key, value in document.items() if key not in NEVER_LOGGED}
    if resource_type in MASKED_FIELD:
        kept = masking.mask_field(kept, MASKED_FIELD[resource_type])
    if resource_type == "user":  # org admins read it: a secret older writers left is masked
        kept = {**masking.mask(kept), **{k: kept[k] for k in USER_ANSWERED if k in kept}}
    return kept


def snapshot(kept):
    """`(kept, None, its size)`, or `(None, {"bytes", "sha256"}, its size)` for one too large
    to keep; the size is that of its BSON, encoded once."""
    if kept is None:
        return None, None, 0
    encoded = bson.encode({"v": kept})
    if len(encoded) <= MAX_SNAPSHOT_BYTES:
        return kept, None, len(encoded)
    return (
        None,
        {"bytes": len(encoded), "sha256": hashlib.sha256(encoded).hexdigest()},
        len(encoded),
    )


def write_entry(into, author, action, resource_type, resource_id, before=None, after=None, **more):
    """Append the entry of one change to the log `into` (`changes.Log`); `more` holds the
    application (`applicationId`) and, for a bulk change, its `counts`."""
    resource = {"type": resource_type, "id": resource_id}
    if "applicationId" in more:
        resource["applicationId"] = more.pop("applicationId")
    entry = {"actor": author.actor, "action": action, "resource": resource, **more}
    size = 0
    for side, document in (("before", before), ("after", after)):
        entry[side], summary, encoded_size = snapshot(shown(document, resource_type))
        if summary is not None:
            entry[f"{side}Summary"] = summary
        size += encoded_size
    entry["bytes"] = size  # what the feed pages by (`changes.read`)
    if author.request_id is not None:
        entry["requestId"] = author.request_id
    if author.client_request_id is not None:
        entry["clientRequestId"] = author.client_request_id
    if into.in_transaction:  # a failure undoes the change with its entry
        return changes.append(into.db, entry, into.retention)
    try:
        return changes.append(into.db, entry, into.retention)
    except Exception:  # the change is made: answer it, and say that its entry may be lost
        metrics.count_lost_change()
        log.exception(
            "change log entry lost (request %s): %s %s %s in %s",
            author.request_id,
            action,
            resource_type,
            resource_id,
            into.db.name,
        )
        return None
