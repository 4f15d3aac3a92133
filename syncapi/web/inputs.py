"""What views read from a request: its JSON body, loaded through the schema the view states
(`operations.body`) within the size the view states, and the ids of its path."""

from bson import ObjectId
from flask import current_app, request
from werkzeug.exceptions import ClientDisconnected, RequestEntityTooLarge

from syncapi.core.failures import Invalid, TooLarge
from syncapi.core.identifiers import RECORD_ID_RULE, is_record_id
from syncapi.schemas.limits import MAX_NODES, hostile, over_budget
from syncapi.web.operations import JSON, declared


def init_app(app):
    app.before_request(cap_body)


def cap_body():
    """Caps this request's body at what its route states before anything reads it (the login
    limiter reads a login's): werkzeug answers 413 for a Content-Length beyond it without
    reading a byte, and for a chunked body once it has read that much."""
    environ = request.environ
    if not environ.get("CONTENT_LENGTH") and not environ.get("HTTP_TRANSFER_ENCODING"):
        return  # most requests carry no body
    view = current_app.view_functions.get(request.endpoint)
    if view is not None:  # else a 404 or 405, which reads nothing
        request.max_content_length = body_cap(getattr(view, "operation", None))


def body_cap(operation):
    """The most bytes a body of the route `operation` describes may hold (None: a route
    stating nothing takes the JSON cap), never more than MAX_CONTENT_LENGTH."""
    config = current_app.config
    stated = getattr(operation, "max_bytes", None)
    if stated is None:
        media = getattr(operation, "body_media", JSON)
        stated = "MAX_JSON_BYTES" if media == JSON else "MAX_CONTENT_LENGTH"
    cap = config[stated] if isinstance(stated, str) else stated
    return min(cap, config["MAX_CONTENT_LENGTH"])


SHOWN_MEDIA_TYPE = 100  # characters of a refused Content-Type the answer repeats


def json_body(expected=dict, message="Invalid JSON body"):
    """The parsed body, or a 400: one naming `Content-Type` when the body is not sent as
    JSON (a client that forgot the header learns which, spec §13.13), the route's own message
    when it is not `expected`, else naming the first hostile key or value (spec README §10),
    checked here so it holds whatever the route's schema drops; a 413 for more values than a
    body holds (`limits.MAX_NODES`). Zero bytes are no JSON (`{}` is the empty body)."""
    if not _body_bytes():
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
    if over_budget(body):
        raise TooLarge(f"Body too large: at most {MAX_NODES} array items and object keys in all")
    found = hostile(body)
    if found:
        path, reason = found
        raise Invalid(f"{path} {reason}", field=path)
    return body


def _body_bytes():
    """The body, read whole. werkzeug stops reading a body without a Content-Length
    (chunked) at the cap and says nothing: a byte past it is looked for, a 413 if there is."""
    data = request.get_data()
    if request.content_length is None and len(data) >= request.max_content_length:
        try:
            beyond = request.environ["wsgi.input"].read(1)
        except (
            OSError
        ):  # cut off at its deadline (syncapi.web.gunicorn_worker) while waiting for it
            raise ClientDisconnected() from None
        if beyond:
            raise RequestEntityTooLarge()
    return data


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
