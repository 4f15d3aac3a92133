"""What the API description says of `Idempotency-Key` (`syncapi.web.idempotency`, docs/api.md
"Retrying a create"): the header on every create stated `idempotent`, the
`Idempotent-Replayed` header of its answer, its 409 and 422."""

from syncapi.web.idempotency import HEADER, KEPT, KEY_PATTERN, MAX_KEY, REPLAYED

HOURS = int(KEPT.total_seconds() // 3600)
IDEMPOTENCY_KEY = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "pattern": KEY_PATTERN},
    "description": f"Your own key for this create, 1 to {MAX_KEY} printable ASCII characters, "
    'quoted as a structured-field string (`"…"`, as the IETF draft has it) or bare. Sent again '
    "with the same body, the same route and by the same caller (within the organization) "
    f"for {HOURS} hours, it answers the first create's status, body and `ETag` with "
    f"`{REPLAYED}: true` instead of creating again; with another body or route, 422; while "
    "the first request is still under way, 409. Only a 2xx is kept: after any other answer "
    "the key runs the request again.",
}
REPLAYED_HEADER = {
    REPLAYED: {
        "description": "`true` on the stored answer of an earlier create with the same "
        f"`{HEADER}` (absent on a first answer).",
        "schema": {"type": "string", "enum": ["true"]},
    }
}


def request_headers(facts):
    return (IDEMPOTENCY_KEY,) if facts.idempotent else ()


def answer_headers(facts):
    return REPLAYED_HEADER if facts.idempotent else {}


def errors(facts):
    """409 while the key's first request is under way, 422 for a key given to another."""
    return {409, 422} if facts.idempotent else set()
