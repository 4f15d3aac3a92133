"""Every error becomes a JSON body here, in the shape of spec README §10.

Each error is built one way. What is wrong with the request's data or the domain (a
malformed id, a missing device, a duplicate, a stale ETag, a backend down) is a
`core.failures.Failure`, whichever layer finds it; `STATUSES` maps each kind to its status.
`ApiError` is only for what HTTP alone says: a caller refused (401 with its challenge, 403),
a failed time-series query answered with its route's message (500), an answer with keys of
its route's own (`/ready`). Nothing else builds an error response. Bodies carry `error`
(never `message`: the console shows `message` first), for validation the `field`, and the
request's id as `requestId` (spec §13.5, the `X-Request-ID` of the answer and of its log
lines). Each error is counted by the type of what caused it (`syncapi_errors_total`).
"""

import logging
from contextlib import contextmanager

from flask import current_app, request
from marshmallow import ValidationError
from pymongo.errors import (
    ConfigurationError,
    ConnectionFailure,
    DocumentTooLarge,
    DuplicateKeyError,
    OperationFailure,
    PyMongoError,
)
from werkzeug.exceptions import ClientDisconnected, HTTPException

from syncapi.core import failures, metrics
from syncapi.core.failures import QueryError
from syncapi.schemas.messages import validation_error
from syncapi.web import write_budget
from syncapi.web.request_log import HEADER

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "Invalid JSON body",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
    429: "Too many requests, try again later",
    500: "Internal server error",  # an error while finishing an error answer (Flask's own)
}

# MongoDB stores a document of at most 16 MiB (the server's maxBsonObjectSize, 16777216
# bytes). pymongo refuses an oversized insert before sending it (DocumentTooLarge); the
# server fails a write whose result would be larger: code 17419 "Resulting document after
# update is larger than 16777216", 17420 for an upsert's new document, 10334
# BSONObjectTooLarge elsewhere (WriteError and OperationFailure carry the code).
# A request cannot send that much (MAX_JSON_BYTES), but repeated `$set`s of new keys can
# grow a stored document past it. The embedded store raises the same errors at the same
# size (`embedded.document_size`).
DOCUMENT_TOO_LARGE_CODES = frozenset({10334, 17419, 17420})
DOCUMENT_TOO_LARGE = "Document too large: MongoDB stores at most 16 MB per document"
# Server answers that are not about the request: the settings are wrong (503 naming the
# setting, as when the server is down), the data is (409), or the moment is (503 to retry).
MONGODB_FAILURES = {
    18: (503, {"error": "MongoDB unavailable", "details": "MONGODB_URI was refused"}),
    13: (503, {"error": "MongoDB unavailable", "details": "MONGODB_URI's user may not do this"}),
    # a database whose name differs only in case (spec README §2 ids are lower case)
    13297: (409, {"error": "A database differing only in case exists", "field": "organizationId"}),
    # DatabaseDropPending: an organization deleted a moment ago, its database still being
    # dropped (a replica set refuses writes there until the drop is majority committed): its
    # re-creation, or a write that came late, succeeds once the drop is done.
    215: (
        503,
        {
            "error": "The organization is being deleted; retry",
            "details": "MongoDB is still dropping its database",
        },
    ),
}
# Seconds to wait before retrying, by code: a drop waits for the secondaries to apply it.
MONGODB_RETRY_AFTER = {215: 5}


class ApiError(Exception):
    """An answer only HTTP can say, e.g. `ApiError(403, "A viewer may only read")`."""

    def __init__(self, status, message, field=None, details=None, headers=None, extra=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers or {}
        self.extra = extra or {}  # keys of a route's own, such as `/ready`'s backends

    def to_dict(self):
        body = {"error": self.message, **self.extra}
        if self.field is not None:
            body["field"] = self.field
        if self.details is not None:
            body["details"] = self.details
        return body


# What each domain failure of the lower layers (`failures`) answers.
STATUSES = {
    failures.Invalid: 400,
    failures.NotFound: 404,
    failures.Conflict: 409,
    failures.Stale: 412,
    failures.TooLarge: 413,
    failures.Unavailable: 503,
}


def from_failure(failure):
    """The `ApiError` a domain failure answers with."""
    status = next(code for kind, code in STATUSES.items() if isinstance(failure, kind))
    return ApiError(status, failure.message, field=failure.field, details=failure.details)


@contextmanager
def reported_as(message):
    """A failed InfluxDB query becomes a 500 with the route's message; the cause is logged by
    the repository and never sent."""
    try:
        yield
    except QueryError:
        raise ApiError(500, message) from None


def answer(cause, status, body, headers=None):
    """Every error answer: its body and header with the request's id (the header also when
    `request_log.finish` never runs: an `after_request` hook failing on every try); counted
    by the cause's type."""
    metrics.count_error(type(cause).__name__, status)
    request_id = request.request_id
    return {**body, "requestId": request_id}, status, {**(headers or {}), HEADER: request_id}


def register_error_handlers(app):
    @app.errorhandler(ApiError)
    def handle_api_error(error, cause=None):
        return answer(cause or error, error.status, error.to_dict(), error.headers)

    @app.errorhandler(failures.Failure)
    def handle_failure(failure, cause=None):
        return handle_api_error(from_failure(failure), cause or failure)

    @app.errorhandler(ValidationError)
    def handle_validation_error(error):
        return handle_failure(validation_error(error), error)

    @app.errorhandler(DuplicateKeyError)
    def handle_duplicate(error):
        # Repositories name the duplicate; this catches a unique index they did not expect.
        return answer(error, 409, {"error": "Duplicate value"})

    @app.errorhandler(DocumentTooLarge)
    def handle_document_too_large(error):
        return answer(error, 413, {"error": DOCUMENT_TOO_LARGE})

    @app.errorhandler(OperationFailure)
    @app.errorhandler(PyMongoError)
    def handle_mongodb_failure(error):
        if error.timeout:  # pymongo's client-side timeout, or the server's maxTimeMS
            log.warning("MongoDB timed out: %s", error.__class__.__name__)
            details = f"no answer within {write_budget.setting_of(request.method)}"
            return answer(error, 503, {"error": "MongoDB unavailable", "details": details})
        code = getattr(error, "code", None)
        if code in DOCUMENT_TOO_LARGE_CODES:
            return handle_document_too_large(error)
        if code in MONGODB_FAILURES:
            log.warning("MongoDB refused an operation: code %s", code)
            status, body = MONGODB_FAILURES[code]
            retry = MONGODB_RETRY_AFTER.get(code)
            return answer(error, status, body, retry and {"Retry-After": str(retry)})
        return handle_unexpected(error)

    @app.errorhandler(ConnectionFailure)
    @app.errorhandler(ConfigurationError)  # e.g. a mongodb+srv:// name that does not resolve
    def handle_mongodb_down(error):
        log.warning("MongoDB unavailable: %s", error.__class__.__name__)
        return answer(error, 503, {"error": "MongoDB unavailable"})

    @app.errorhandler(ClientDisconnected)
    def handle_body_cut_short(error):
        """The body ended before its length: its deadline passed (`web.gunicorn_worker` shuts
        the connection's reading side then), or the client left. The connection closes."""
        seconds = current_app.config["REQUEST_BODY_TIMEOUT"]
        body = {"error": f"Request body not received in time: it must arrive within {seconds} s"}
        return answer(error, 408, body)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error):
        """No route, another method, a body over the cap, a rate limit: the same JSON text
        as every other answer (`app.json.response`), with the exception's own headers
        (`Allow` on a 405)."""
        response = error.get_response()
        message = HTTP_MESSAGES.get(error.code, error.name)
        body, _, headers = answer(error, error.code, {"error": message})
        response.headers.update(headers)
        response.set_data(app.json.response(body).get_data())
        response.content_type = "application/json"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error):
        log.exception("Unhandled error")  # the traceback, once, with the request id
        return answer(error, 500, {"error": "Internal server error"})
