"""What each route states about itself, on its view (APIFairy's model): the body it loads,
the list and query parameters it reads, its answer and statuses, the errors of its own.

A route is described once. The view loads only what it states (`inputs.load_body` and
`lists.list_query` take their schema from here), and the API description
(`syncapi.openapi`) is built from the same statements, with what every route of a kind
shares derived there: path parameters, 401/403 from its `auth` rule, 404 for an
organization in its path, 400 and 413 for a body, 503 for a backend.
`tests/test_operations.py` fails when a view raises, loads or reads something its
statements do not say.

    @bp.put("/<machine_id>")
    @body(DEVICE_CHANGES, example=examples.DEVICE_CHANGES)
    @response(Stored(DeviceSchema), conditional=True, example=examples.CHANGED_DEVICE)
    @errors(404, 409)
    def update_device(machine_id):
        changes = load_body(partial=True)

The decorators only record; they return the view itself, in any order.
"""

from dataclasses import dataclass, replace

from flask import current_app, request

JSON = "application/json"


@dataclass(frozen=True)
class Many:
    """An array of `item` (a schema, a `Stored` or a JSON Schema dict)."""

    item: object


@dataclass(frozen=True)
class Stored:
    """A document answered as stored: the keys its body schema declares, its `_id`, and
    whatever else it holds (timestamps, keys of older writers)."""

    schema: type


@dataclass(frozen=True)
class Operation:
    answer: object = None  # a schema, Many, Stored, or a JSON Schema dict; None: no body
    body: object = None  # the schema instance the body is loaded through
    status: tuple = (200,)
    errors: tuple = ()  # statuses beyond those derived for every route of its kind
    query: tuple = ()  # query parameters (`openapi.parameters.query`)
    query_schema: object = None  # the schema other query parameters are loaded through
    summary: str = None  # else the first paragraph of the view's docstring
    example: object = None  # a body that loads through `body`
    answer_example: object = None  # an answer `answer` describes (the docs page shows it)
    answer_media: tuple = (JSON,)
    body_media: str = JSON
    # The most bytes the body may hold: a number, or the name of the setting that says; None:
    # MAX_JSON_BYTES for JSON (and a route stating no body), MAX_CONTENT_LENGTH for uploads.
    max_bytes: object = None
    backend: bool = True  # False: touches neither MongoDB nor InfluxDB
    security: list = None  # who may call, when not what `auth.route_rule` says
    listing: object = None  # the `ListQuerySchema` of a list's parameters
    # One document with its ETag (`web.conditional`): a GET takes If-None-Match (304), a
    # PUT, PATCH or DELETE If-Match (412) unless `if_match` is False; `if_match` True alone:
    # a write that checks If-Match but answers no ETag.
    conditional: bool = False
    if_match: bool = None
    headers: dict = None  # headers of the answer beyond those derived
    # A create taking `Idempotency-Key` (`web.idempotency`): its retry never creates twice.
    idempotent: bool = False


def _stating(**facts):
    def state(view):
        view.operation = replace(getattr(view, "operation", Operation()), **facts)
        return view

    return state


def body(schema, example=None, media=JSON, max_bytes=None):
    """The body: JSON loaded through `schema` by `inputs.load_body` (a `media` other than
    JSON, a form, the view reads itself); `example` loads through it. `max_bytes`, the most
    it may hold (413 beyond, before it is read): a number, or a setting's name, such as
    "MAX_CONTENT_LENGTH" for a route taking bulk JSON; by default MAX_JSON_BYTES for JSON,
    MAX_CONTENT_LENGTH for other media (uploads). Never more than MAX_CONTENT_LENGTH."""
    return _stating(body=schema, example=example, body_media=media, max_bytes=max_bytes)


def listing(schema):
    """The list parameters (`limit`, `offset`, `sort`, `q`, `tag`), read by
    `lists.list_query` through `schema`: the answer is the whole array, or a page."""
    return _stating(listing=schema)


def arguments(*parameters, schema=None):
    """Query parameters beyond a list's: described one by one (`openapi.parameters.query`),
    which the view reads itself, or by the `schema` `lists.query_arguments` loads them
    through (the change feed's)."""
    return _stating(query=parameters, query_schema=schema)


def response(
    answer=None,
    status=200,
    media=JSON,
    headers=None,
    conditional=False,
    if_match=None,
    example=None,
):
    """The answer of success (`status`: one, or a tuple), its media types and headers, and
    an `example` of it (`syncapi.openapi.examples`)."""
    statuses = status if isinstance(status, tuple) else (status,)
    media = media if isinstance(media, tuple) else (media,)
    return _stating(
        answer=answer,
        status=statuses,
        answer_media=media,
        headers=headers,
        conditional=conditional,
        if_match=if_match,
        answer_example=example,
    )


def errors(*statuses):
    """Error statuses of this route's own (those of its kind are derived)."""
    return _stating(errors=statuses)


def summary(text):
    """The summary, when the docstring's first paragraph is not it (no description then)."""
    return _stating(summary=text)


def security(requirements):
    """Who may call, in OpenAPI's words, when it is not what `auth.route_rule` says."""
    return _stating(security=requirements)


def idempotent(view):
    """A POST that creates a document: it takes `Idempotency-Key`, and a retry sending the
    same key and body gets the first answer again instead of a second document
    (`web.idempotency`; the API description adds the header, 409 and 422)."""
    return _stating(idempotent=True)(view)


def no_backend(view):
    """The route touches neither MongoDB nor InfluxDB: no 503."""
    return _stating(backend=False)(view)


def declared():
    """The operation of the view serving this request."""
    return current_app.view_functions[request.endpoint].operation
