"""What the API description says of conditional requests (docs/api.md "Conditional requests",
`syncapi.web.conditional`): the `ETag` of an answer with one document, `If-None-Match` and its
304 on a read, `If-Match` and its 412 on a write.

An operation marked `conditional` in the table (`operations`) gets them by its method; a
write marked `if_match` alone (a password change, which answers no document) takes
`If-Match` without answering an ETag. Writes no single write could check refuse it (400,
`conditional.not_supported`).
"""

from syncapi.web.conditional import IF_MATCH_PATTERN

READS, WRITES = {"GET"}, {"PUT", "PATCH", "DELETE"}
ETAG = {
    "ETag": {
        "description": 'The document\'s strong ETag: `"<_id>-<revision>"`, or `"c<hash>"` of '
        "its content where there is no `_id` and revision to name it by (organization metadata, "
        "applications, their config, machine claims, a new event class, a document written "
        "before syncapi kept revisions).",
        "required": True,
        "schema": {"type": "string"},
    }
}
NOT_MODIFIED = {
    "description": "Not modified: `If-None-Match` names the current ETag (no body).",
    "headers": ETAG,
}
STALE = "The document changed since the ETag `If-Match` names (or is another one): read it again."
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "ETags (or `*`) already held: 304 without a body while one still matches.",
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string", "pattern": IF_MATCH_PATTERN},
    "description": "Change only one of these versions (at most 16 ETags; `*`: any): 412 "
    'otherwise. A weak ETag (`W/"…"`, as nginx makes of a compressed answer\'s) names the '
    "same version as its strong form. The check is part of the write itself. Deleting an "
    "organization or an application and replacing the event classes refuse it (400).",
}


def request_headers(facts, method):
    """The conditional header a conditional operation takes by its method."""
    if method in READS:
        return (IF_NONE_MATCH,) if facts.conditional else ()
    return (IF_MATCH,) if _checks_if_match(facts, method) else ()


def answer_headers(facts, method):
    """The `ETag` of a conditional operation's answer (a DELETE answers no document)."""
    return ETAG if facts.conditional and method != "DELETE" else {}


def statuses(facts, method):
    """`{"304": …}` for a conditional read; its 412 is among the errors (`errors`)."""
    return {"304": NOT_MODIFIED} if facts.conditional and method in READS else {}


def errors(facts, method):
    return {412} if _checks_if_match(facts, method) else set()


def _checks_if_match(facts, method):
    """`if_match` True or False says; None (unset): as `conditional`."""
    checks = facts.conditional if facts.if_match is None else facts.if_match
    return checks and method in WRITES
