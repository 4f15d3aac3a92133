"""ETags and conditional requests (RFC 9110 §8.8.3, §13.1): lost-update protection.

A document's strong ETag is `"<_id>-<revision>"`: the revision every write moves on
(`repositories.documents`), and the `_id`, so a document deleted and created again under the
same key never matches an older ETag. What has no `_id` and revision, and a document older
code wrote until its next write, has a content ETag (`"c<hmac>"`): an HMAC-SHA256 of its
stored content under the deployment's key (`handles.content_etag_key`, the same in every
process and replica). Keyed, because the content includes what the answer masks: a plain
hash would let anyone who reads the answer check a guessed secret against its ETag. It still
changes with every change of the content, secrets included, so `If-Match` sees them all.

`If-None-Match` on a read answers 304 when the ETag still matches. `If-Match` on a write
becomes `expected()` (any of up to 16 ETags; a weak one names its strong form's version, as
nginx weakens what it compresses), which the repository puts in the write's own filter: the
check and the write are one operation, so of two writes sending the same ETag only one
succeeds; the other is a 412. Without the headers, nothing changes.
"""

import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from flask import jsonify, make_response, request

from syncapi.core.failures import Invalid
from syncapi.core.serialization import to_jsonable
from syncapi.web import handles

REVISION = "revision"
MAX_IF_MATCH_TAGS = 16
# What `If-Match` may be: `*`, or a list of at most 16 ETags, strong or weak, with optional
# blanks around them (RFC 9110 §8.8.3, §13.1.1); also the pattern the API description gives.
_TAG = r'(?:W/)?"[^"]*"'
IF_MATCH_PATTERN = rf"^[ \t]*(\*|{_TAG}(?:[ \t]*,[ \t]*{_TAG}){{0,{MAX_IF_MATCH_TAGS - 1}}})[ \t]*$"
IF_MATCH = re.compile(IF_MATCH_PATTERN)
_LISTED = re.compile(r'(?:W/)?"([^"]*)"')
_CONTENT = re.compile(r"c[0-9a-f]{32}")
_REVISION = re.compile(r"[0-9]{1,18}")  # a 64-bit integer, as stored


@dataclass(frozen=True)
class Expected:
    """The versions a write accepts: `any` (`*`), or any of `versions` (`(_id text,
    revision)` pairs of revision ETags) and of `contents` (content ETags, compared by
    `matches(document)` under `key`, the deployment's)."""

    any: bool = False
    versions: tuple = ()
    contents: frozenset = frozenset()
    key: bytes = b""

    def matches(self, document):
        return bool(self.contents) and content_tag(document, self.key) in self.contents


def content_tag(value, key=None):
    """A strong ETag of any JSON answer, from its canonical JSON (its values as the answer
    writes them: a date read back from MongoDB tags as the one written), keyed by `key`
    (None: the deployment's)."""
    text = json.dumps(to_jsonable(value), sort_keys=True, separators=(",", ":"))
    key = handles.content_etag_key() if key is None else key
    return '"c' + hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32] + '"'


def etag(document):
    revision = document.get(REVISION)
    if isinstance(revision, int) and "_id" in document:
        return f'"{document["_id"]}-{revision}"'
    return content_tag(document)


def _tags(header):
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def expected():
    """The request's `If-Match` as an `Expected`, None without one; anything but `*` or a
    list of at most 16 ETags is a 400.

    A weak ETag (`W/"…"`) counts as the same version as its strong form: a deliberate
    difference from RFC 9110's strong comparison. nginx, as shipped here (`deploy/nginx`),
    weakens the ETag of every answer it compresses, so a browser only ever sees the weak form;
    the tags are the server's own (`_id` and revision), so the weak one names exactly the
    version the strong one does. An ETag this API never gave matches nothing (a 412)."""
    header = request.headers.get("If-Match")
    if header is None:
        return None
    matched = IF_MATCH.fullmatch(header)
    if matched is None:
        message = f"If-Match must be * or a list of at most {MAX_IF_MATCH_TAGS} ETags"
        raise Invalid(message, field="If-Match")
    if matched.group(1) == "*":
        return Expected(any=True)
    versions, contents = [], set()
    for opaque in _LISTED.findall(matched.group(1)):
        if _CONTENT.fullmatch(opaque):
            contents.add(f'"{opaque}"')
            continue
        document_id, _, revision = opaque.rpartition("-")
        if document_id and _REVISION.fullmatch(revision):
            versions.append((document_id, int(revision)))
    key = handles.content_etag_key() if contents else b""
    return Expected(versions=tuple(versions), contents=frozenset(contents), key=key)


def not_supported():
    """A write that cannot check `If-Match` inside its own write refuses one (a 400) rather
    than ignore it: a client sending it would believe its write was conditional."""
    if "If-Match" in request.headers:
        raise Invalid("If-Match is not supported on this route", field="If-Match")


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
