"""A list's answer (spec §13.3): the contract's whole array, or a page with `X-Total-Count`
and an RFC 8288 `Link` to the first, previous and next pages, keeping the other parameters.
The links are relative references (resolved against the request's own URL), so they hold
behind a proxy whatever host the client used."""

from urllib.parse import urlencode

from flask import jsonify, request
from marshmallow import ValidationError

from syncapi.schemas.messages import validation_error
from syncapi.web.operations import declared


def list_query():
    """The list parameters of the request, loaded through the schema the view states
    (`operations.listing`; a 400 naming one)."""
    return _loaded(declared().listing)


def query_arguments():
    """The query parameters, loaded through the schema the view states
    (`operations.arguments(schema=…)`; a 400 naming one)."""
    return _loaded(declared().query_schema)


def _loaded(schema):
    try:
        return schema.load(request.args)
    except ValidationError as error:
        raise validation_error(error) from None


def answered(items, page, query):
    """`items` (the page's, dumped) as the view's answer."""
    if page.total is None:
        return items
    response = jsonify(items)
    response.headers["X-Total-Count"] = str(page.total)
    response.headers["Link"] = _links(query, page.total)
    return response


def _links(query, total):
    size, start = query.size, query.start
    targets = [("first", 0)]
    if start > 0:  # past the end: the page before the end
        targets.append(("prev", max(min(start, total) - size, 0)))
    if start + size < total:
        targets.append(("next", start + size))
    return ", ".join(f'<{_url(offset, size)}>; rel="{rel}"' for rel, offset in targets)


def _url(offset, size):
    args = [(k, v) for k, v in request.args.items(multi=True) if k not in ("offset", "limit")]
    args += [("limit", size), ("offset", offset)]
    return f"{request.script_root}{request.path}?{urlencode(args)}"
