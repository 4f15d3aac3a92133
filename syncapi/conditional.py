"""ETags and conditional requests (RFC 9110 §8.8.3, §13.1): lost-update protection.

A document's strong ETag is `"<_id>-<revision>"`: the revision every write moves on
(`repositories.documents`), and the `_id`, so a document deleted and created again under the
same key never matches an older ETag. A document older code wrote has no revision until its
next write: its ETag is a hash of its content (`"c<sha256>"`).

`If-None-Match` on a read answers 304 when the ETag still matches. `If-Match` on a write
becomes `expected()`, which the repository puts in the write's own filter: the check and the
write are one operation, so of two writes sending the same ETag only one succeeds; the other
is a 412. Without the headers, nothing changes.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from bson import ObjectId
from flask import jsonify, make_response, request

from syncapi.errors import ApiError
from syncapi.serialization import to_jsonable

REVISION = "revision"
# What `If-Match` may be: `*` or one strong ETag, with optional blanks around (RFC 9110
# §8.8.3, §13.1.1); also the pattern the API description gives the header.
IF_MATCH_PATTERN = r'^[ \t]*(\*|"[^"]*")[ \t]*$'
IF_MATCH = re.compile(IF_MATCH_PATTERN)


@dataclass(frozen=True)
class Expected:
    """The version a write requires: `any` (`*`), a `revision` of `document_id`, or a
    content ETag compared by `matches(document)`."""

    any: bool = False
    document_id: object = None
    revision: int = None
    matches: object = None


def content_tag(value):
    """A strong ETag of any JSON answer, from its canonical JSON: its values as the answer
    writes them (a date read back from MongoDB tags as the one written)."""
    text = json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))
    return '"c' + hashlib.sha256(text.encode()).hexdigest()[:32] + '"'


def etag(document):
    revision = document.get(REVISION)
    if isinstance(revision, int) and "_id" in document:
        return f'"{document["_id"]}-{revision}"'
    return content_tag(document)


def _tags(header):
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def expected():
    """The request's `If-Match` as an `Expected`, None without one; a list of several ETags
    or a weak one is a 400 (a write compares one strong version)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    matched = IF_MATCH.fullmatch(header)
    if matched is None:
        raise ApiError(400, "If-Match must be * or one strong ETag", field="If-Match")
    tag = matched.group(1)
    if tag == "*":
        return Expected(any=True)
    if tag.startswith('"c'):
        return Expected(matches=lambda document: content_tag(document) == tag)
    document_id, _, revision = tag.strip('"').rpartition("-")
    if not revision.isdigit():
        return Expected(document_id=False, revision=-1)  # an ETag this API never gave
    key = ObjectId(document_id) if ObjectId.is_valid(document_id) else document_id
    return Expected(document_id=key, revision=int(revision))


def answer(document, body=None, status=200):
    """The answer of one document (`body`, its dumped form, or the document itself) with its
    ETag; a read whose `If-None-Match` names that ETag is a 304 without a body."""
    tag = etag(document)
    none_match = request.environ.get("HTTP_IF_NONE_MATCH")  # the header, without a lookup
    if none_match is not None and request.method in ("GET", "HEAD"):
        sent = [sent.removeprefix("W/") for sent in _tags(none_match)]  # weak comparison
        if sent == ["*"] or tag in sent:
            response = make_response("", 304)
            response.headers["ETag"] = tag
            return response
    response = jsonify(document if body is None else body)
    response.status_code = status
    response.headers["ETag"] = tag
    return response
