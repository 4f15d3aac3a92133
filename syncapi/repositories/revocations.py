"""Revoked token ids (`jti`), in the shared database's `revoked_tokens`."""

from syncapi.serialization import utcnow


def revoke(db, jti):
    """Idempotent: revoking twice keeps the first date."""
    db.revoked_tokens.update_one(
        {"jti": jti}, {"$setOnInsert": {"jti": jti, "revokedAt": utcnow()}}, upsert=True
    )


def revoked_ids(db):
    """Every revoked `jti`: a small set, read in one query."""
    return {document["jti"] for document in db.revoked_tokens.find({}, {"_id": 0, "jti": 1})}
