"""Every index syncapi relies on, declared once in one table.

The unique ones are behind every "409 on duplicate"; the others serve a frequent query. The
unique ones of an organization or application are created with it; every other, and those
of the shared database and of databases that predate syncapi, by the refresh and by `flask
db ensure-indexes` (`index_builds` says which where, and makes them). Never per request: a
duplicate is detected by the insert itself failing on the index.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Index:
    """One index: `collection` is a name, or a suffix of `{applicationId}_…` collections."""

    collection: str
    keys: tuple
    name: str
    unique: bool = True
    # Documents lacking the key (the original stored some devices under `machine_id` only,
    # some users without email) must not collide with each other as "null" duplicates.
    partial: dict = field(default=None, hash=False)
    # A TTL index: MongoDB deletes a document this many seconds after the date in its key.
    expire_after: int = None

    def on(self, collection):
        """The same index on another collection (an application's own)."""
        return Index(collection, self.keys, self.name, self.unique, self.partial)


def _string(key):
    return {key: {"$type": "string"}}


STRING_KEYS = ("machineId", "email", "gatewayId", "eui", "id")


def by_key(field, value):
    """`{field: value}` written so that a real server's planner serves it with the field's
    partial index: MongoDB uses a partial index only when the query implies its filter, and
    it does not derive `$type: "string"` from an equality, so the filter is stated with it.
    (The index definitions below are what `tests/test_indexes.py` checks every query
    against.)"""
    if field in STRING_KEYS:
        return {field: {"$eq": value, "$type": "string"}}
    return {field: value}


# The change log of an organization and the shared one's (`changes.py`); the counter of
# its seqs (`change_counters`) is one document found by `_id`. `seq_unique` serves every
# query the horizon makes: its settled top (`seq` above `since`, `at` before the grace,
# walked down from the top) and the entries after it (walked up).
CHANGE_INDEXES = (
    # One entry per seq (two writers never share one); serves a feed page without filters
    # (`seq` in `(since, horizon]`, sorted by seq), a restore's entry (`{seq}`), the
    # horizon's highest settled seq (walked down from the top, hinted) and its recent
    # entries after it (`seq` above it, sorted by seq, `at` checked on each).
    Index("changes", ("seq",), "seq_unique"),
    # A page of `?type=`: the type's entries in seq order, the range and sort on the index.
    Index("changes", ("resource.type", "seq"), "resource_type_seq", unique=False),
    # A page of `?id=` (with or without `type`): one resource's history in seq order.
    Index("changes", ("resource.id", "seq"), "resource_id_seq", unique=False),
    # The TTL monitor removes each entry at its `expiresAt` (CHANGELOG_RETENTION_DAYS on).
    Index("changes", ("expiresAt",), "expiresAt_ttl", unique=False, expire_after=0),
)

# The `Idempotency-Key`s of the creates (`idempotency_keys.py`), in the organization's
# database or the shared one: found by `_id` (caller and key), removed at `expiresAt`.
IDEMPOTENCY_INDEXES = (
    Index("idempotency_keys", ("expiresAt",), "expiresAt_ttl", unique=False, expire_after=0),
)

TENANT_INDEXES = (
    Index("config", ("key",), "key_unique"),
    Index("users", ("email",), "email_unique", partial=_string("email")),
    # the `id` older writers stored, by which such users are still addressed
    Index("users", ("id",), "id", unique=False, partial=_string("id")),
    Index("gateways", ("gatewayId",), "gatewayId_unique", partial=_string("gatewayId")),
    Index("connectors", ("name", "applicationId"), "name_applicationId_unique"),
    Index("monitoreo-cnc_events", ("applicationId", "id"), "applicationId_id_unique"),
    Index("functions", ("applicationId", "id"), "applicationId_id_unique"),
    *IDEMPOTENCY_INDEXES,
    *CHANGE_INDEXES,
)
# Collections `{applicationId}_{suffix}`, by suffix.
APPLICATION_INDEXES = (
    Index("devices", ("machineId",), "machineId_unique", partial=_string("machineId")),
    # the LoRa eui, by which a platform admin's claim finds the devices holding an id
    Index("devices", ("eui",), "eui", unique=False, partial=_string("eui")),
    # Pages of devices (spec §13.3): one index per sort field, `_id` breaking ties (either
    # direction is the same index walked backwards), and the multikey index of `?tag=`
    # (`tags: {$all: [...]}`). `machineId_unique` is partial, which a sort with no filter
    # cannot use: hence a plain one for that order.
    Index("devices", ("machineId", "_id"), "machineId_id", unique=False),
    Index("devices", ("name", "_id"), "name_id", unique=False),
    Index("devices", ("createdAt", "_id"), "createdAt_id", unique=False),
    Index("devices", ("updatedAt", "_id"), "updatedAt_id", unique=False),
    Index("devices", ("tags",), "tags", unique=False),
    Index("connectors", ("name",), "name_unique"),
)
# The shared default database (spec README §3).
SHARED_INDEXES = (
    Index("devices", ("machineId",), "machineId_unique", partial=_string("machineId")),
    Index("services", ("name",), "name_unique"),
    # Machine claims are keyed by `_id` (the machine id); this one serves "the claims of
    # these organizations" (visibility) and the releases of an application or organization.
    Index("machine_claims", ("organizationId",), "organizationId", unique=False),
    # The counts kept on write (summaries.py): organizations by `_id`; applications by
    # organization, in the order the dashboard lists them.
    Index(
        "application_summaries",
        ("organizationId", "order", "applicationId"),
        "organizationId_order",
        unique=False,
    ),
    # Session records go when the tokens they name expire (revocations.py).
    Index("revoked_tokens", ("jti",), "jti_unique"),
    Index("revoked_tokens", ("expiresAt",), "expiresAt_ttl", unique=False, expire_after=0),
    Index("ended_sessions", ("expiresAt",), "expiresAt_ttl", unique=False, expire_after=0),
    Index("issued_tokens", ("orgs", "sub"), "orgs_sub", unique=False),
    Index("issued_tokens", ("jti",), "jti", unique=False),
    Index("issued_tokens", ("expiresAt",), "expiresAt_ttl", unique=False, expire_after=0),
    *IDEMPOTENCY_INDEXES,
    *CHANGE_INDEXES,
)


def application_specs(application_id):
    """The indexes of one application's own collections."""
    return [index.on(f"{application_id}_{index.collection}") for index in APPLICATION_INDEXES]


def tenant_specs(application_ids=()):
    """Every index a tenant with these applications needs."""
    specs = list(TENANT_INDEXES)
    for application_id in application_ids:
        specs += application_specs(application_id)
    return specs
