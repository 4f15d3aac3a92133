"""What views read from a request: its JSON body, loaded through the schema the view states
(`operations.body`), and the ids of its path."""

from bson import ObjectId
from flask import request

from syncapi.core.failures import Invalid
from syncapi.core.identifiers import RECORD_ID_RULE, is_record_id
from syncapi.schemas.limits import hostile
from syncapi.web.operations import declared

SHOWN_MEDIA_TYPE = 100  # characters of a refused Content-Type the answer repeats


def json_body(expected=dict, message="Invalid JSON body"):
    """The parsed body, or a 400: one naming `Content-Type` when the body is not sent as
    JSON (a client that forgot the header learns which, spec §13.13), the route's own message
    when it is not `expected`, else naming the first hostile key or value (spec README §10),
    checked here so it holds whatever the route's schema drops. Zero bytes are no JSON (`{}`
    is the empty body)."""
    if not request.get_data():
        raise Invalid("Invalid JSON body")
    if not request.is_json:  # application/json, or any application/*+json
        sent = repr(request.mimetype[:SHOWN_MEDIA_TYPE]) if request.mimetype else "none"
        raise Invalid(f"Content-Type must be application/json, got {sent}", field="Content-Type")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nesting deeper than any document MongoDB stores
        body = None
    if not isinstance(body, expected):
        raise Invalid(message)
    found = hostile(body)
    if found:
        path, reason = found
        raise Invalid(f"{path} {reason}", field=path)
    return body


def load_body(partial=False, expected=dict, message="Invalid JSON body", **options):
    """The body loaded through the schema the view states (`operations.body`); `partial`,
    an update: top-level keys may be missing, but a nested item that is sent is whole.
    `expected` and `message` as `json_body`'s."""
    schema = declared().body
    body = json_body(expected, message)
    return schema.load_changes(body, **options) if partial else schema.load(body, **options)


def object_id(value, field, message):
    if not ObjectId.is_valid(value):
        raise Invalid(message, field=field)
    return ObjectId(value)


def machine_id_from_path(value):
    """A `machineId` from the path, by the rule of every record id (spec README §10)."""
    if not is_record_id(value):
        raise Invalid(f"machineId must be {RECORD_ID_RULE}", field="machineId")
    return value
