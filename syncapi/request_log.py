"""One JSON line per request, and the request id that ties it to the answer and to nginx.

The id is the caller's `X-Request-ID` when it is a plain token (`^[A-Za-z0-9._-]{1,64}$`:
safe in a header and a log line), else a fresh one. Every answer carries it back in
`X-Request-ID`, every error body as `requestId` (errors.py), every log line written while
the request is served as `request_id`: a complaint quoting it leads to its lines.

The request line names the route by its template, the organization of the path and the
caller's `sub`, never a token, a password, a query string or a body. gunicorn's access log
is off (gunicorn.conf.py): this line replaces it. gunicorn installs `LOGGING`, which writes
every logger's records, gunicorn's own included, as JSON lines on stderr.
"""

import json
import logging
import os
import re
import time

from flask import Request as FlaskRequest
from flask import g, has_request_context, request
from werkzeug.utils import cached_property

from syncapi import metrics

log = logging.getLogger("syncapi.requests")

HEADER = "X-Request-ID"
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # matched whole (fullmatch)


class Request(FlaskRequest):
    """Flask's request, with the moment it arrived and its id."""

    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        self.arrived = time.perf_counter()

    @cached_property
    def request_id(self):
        sent = self.headers.get(HEADER)
        if sent is not None and REQUEST_ID.fullmatch(sent):
            return sent
        return os.urandom(16).hex()  # 32 hex digits, the form of nginx's $request_id


def init_app(app):
    """Called before any other `after_request` is registered, so `finish` runs last (Flask
    runs them in reverse) and times the whole answer."""
    app.request_class = Request
    app.after_request(finish)


def finish(response):
    """The id on the answer; the request counted, timed and logged."""
    request_id = request.request_id
    response.headers[HEADER] = request_id
    seconds = time.perf_counter() - request.arrived
    rule = request.url_rule
    route = rule.rule if rule is not None else metrics.UNMATCHED
    status = response.status_code
    metrics.observe_request(request.method, route, status, seconds, request.endpoint)
    if log.isEnabledFor(logging.INFO):
        fields = {
            "request_id": request_id,
            "method": request.method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        }
        organization_id = g.get("organization_id")
        if organization_id is not None:
            fields["org"] = organization_id
        caller = g.get("caller")
        if caller is not None:
            fields["sub"] = caller.subject
        # The record made and handled directly: `log.info` would also look up the calling
        # line, which this line does not need, on every request.
        record = log.makeRecord(
            log.name, logging.INFO, __file__, 0, "%s %s %s", (request.method, route, status), None
        )
        record.fields = fields
        log.handle(record)
    return response


ENCODER = json.JSONEncoder(default=str)  # one encoder: json.dumps(default=…) makes one a call


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object on one line (a traceback included, as a string)."""

    def format(self, record):
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if fields is not None:  # a request's line: its id is among its fields
            entry.update(fields)
        elif has_request_context() and getattr(request, "request_id", None) is not None:
            entry["request_id"] = request.request_id
        if record.exc_info:
            entry["traceback"] = self.formatException(record.exc_info)
        return ENCODER.encode(entry)


# gunicorn's `logconfig_dict`: every record, gunicorn's included, as JSON on stderr; its
# access log has no handler (it is off, and the request line above replaces it).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}
