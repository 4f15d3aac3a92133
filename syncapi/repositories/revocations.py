"""Ended sessions (spec §13.2), in the shared database.

- `issued_tokens`: every token login (or `tokens create`) handed out, so an operator can list
  the live ones;
- `revoked_tokens`: single tokens ended (logout, `tokens revoke <jti>`);
- `ended_sessions`: per organization and user, the moment before which every token issued to
  that user is dead (a password change, deletion, deactivation, role change); user `*`
  stands for every token naming the organization (it was deleted).

Each record carries `expiresAt`, behind a TTL index (`indexes.SHARED_INDEXES`): it goes when
the tokens it names could no longer be used anyway, so the lists every process re-reads stay
as small as the number of live tokens.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from syncapi.core.clock import utcnow

# No token outlives this (config.environment.MAX_TOKEN_LIFETIME).
LONGEST_LIFETIME = timedelta(days=366)
EVERYONE = "*"


@dataclass(frozen=True)
class Revoked:
    """What every process checks a token against, re-read every few seconds."""

    ids: frozenset
    ended: dict  # (organization id, user id) → epoch seconds

    def refuses(self, claims):
        if claims["jti"] in self.ids:
            return True
        return any(
            claims["iat"] <= self.ended.get((organization_id, user), -1.0)
            for organization_id in claims["orgs"]
            for user in (claims["sub"], EVERYONE)
        )


def moment(seconds):
    return datetime.fromtimestamp(seconds, UTC)


def record_issued(db, claims):
    db.issued_tokens.insert_one(
        {
            "jti": claims["jti"],
            "sub": claims["sub"],
            "orgs": claims["orgs"],
            "role": claims["role"],
            "iat": claims["iat"],  # to the microsecond, as the cut-offs it is compared with
            "issuedAt": moment(claims["iat"]),
            "expiresAt": moment(claims["exp"]),
        }
    )


def revoke(db, jti, expires_at=None):
    """End one token; kept until it would have expired (when unknown: its recorded expiry,
    else the longest lifetime a token can have). Idempotent."""
    if expires_at is None:
        issued = db.issued_tokens.find_one({"jti": jti}, {"expiresAt": 1})
        expires_at = issued["expiresAt"] if issued else utcnow() + LONGEST_LIFETIME
    db.revoked_tokens.update_one(
        {"jti": jti},
        {"$setOnInsert": {"revokedAt": utcnow()}, "$max": {"expiresAt": expires_at}},
        upsert=True,
    )


def end_sessions(db, organization_id, user_id, at_seconds):
    """Every token issued to the user before `at_seconds` (epoch, to the microsecond) dies."""
    db.ended_sessions.update_one(
        {"_id": f"{organization_id}/{user_id}"},
        {
            "$set": {"organizationId": organization_id, "userId": user_id},
            "$max": {"endedAt": at_seconds, "expiresAt": moment(at_seconds) + LONGEST_LIFETIME},
        },
        upsert=True,
    )


def revoked(db):
    """Both lists, two small queries."""
    ids = frozenset(doc["jti"] for doc in db.revoked_tokens.find({}, {"_id": 0, "jti": 1}))
    ended = {
        (doc["organizationId"], doc["userId"]): doc["endedAt"]
        for doc in db.ended_sessions.find({}, {"_id": 0, "expiresAt": 0})
    }
    return Revoked(ids, ended)


def live_tokens(db, organization_id, user_id=None):
    """Tokens issued for the organization (to that user), not expired nor ended, oldest
    first."""
    query = {"orgs": organization_id, "expiresAt": {"$gt": utcnow()}}
    if user_id is not None:
        query["sub"] = user_id
    documents = list(db.issued_tokens.find(query, {"_id": 0}).sort("issuedAt", 1))
    refused = revoked(db)
    return [document for document in documents if not refused.refuses(document)]
