"""One JSON line per request, and the request id that ties it to the answer and to nginx.

The id is the server's own, never one the client chose: a fresh one (32 hex digits, the form
of nginx's `$request_id`), or, behind a trusted proxy (`PROXY_COUNT` > 0), the
`X-Request-ID` the proxy set (nginx: its `$request_id`) when it is a plain token
(`^[A-Za-z0-9._-]{1,64}$`: safe in a header and a log line). Every answer carries it back
in `X-Request-ID`, every error body as `requestId` (errors.py), every log line written while
the request is served as `request_id`, every change-log entry as `requestId`: a complaint
quoting it leads to its lines and its changes. The client's own `X-Request-ID` (behind the
proxy, the `X-Client-Request-ID` it passes on), when a plain token, is kept beside it as
`client_request_id` in those lines and `clientRequestId` in those entries: a client can
find its requests, and cannot make its request look like another's.

The request line names the route by its template, the organization of the path and the
caller's `sub`, never a token, a password, a query string or a body; it is written on
stderr by `LineWriter` (`REQUEST_LOG=0` leaves it out). gunicorn's access log is off
(gunicorn.conf.py): this line replaces it. gunicorn installs `LOGGING`, which writes every
other record, gunicorn's own included, as JSON lines of the same shape on stderr.
"""

import json
import logging
import os
import re
import time

from flask import Request as FlaskRequest
from flask import current_app, g, has_request_context, request

from syncapi.core import metrics

HEADER = "X-Request-ID"
ENVIRON_KEY = "HTTP_X_REQUEST_ID"  # the header as WSGI servers hand it over
CLIENT_ENVIRON_KEY = "HTTP_X_CLIENT_REQUEST_ID"  # the client's, as the proxy passes it on
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # matched whole (fullmatch)


def plain(value):
    """`value` when it is a plain token (bounded, safe to log), else None."""
    return value if value is not None and REQUEST_ID.fullmatch(value) else None


class Request(FlaskRequest):
    """Flask's request, with the moment it arrived, its id and the client's (needed by every
    answer, so set at once rather than through a property). Served directly: every id is
    made here, and the client's `X-Request-ID` is only the client's."""

    PROXY_ID, CLIENT_ID = None, ENVIRON_KEY  # the environ keys each id is read from

    def __init__(self, environ, *args, **kwargs):
        super().__init__(environ, *args, **kwargs)
        self.arrived = time.perf_counter()
        made = plain(environ.get(self.PROXY_ID)) if self.PROXY_ID else None
        self.request_id = made or os.urandom(16).hex()  # 32 hex digits, as nginx's $request_id
        self.client_request_id = plain(environ.get(self.CLIENT_ID))


class ProxiedRequest(Request):
    """Behind a trusted proxy (`PROXY_COUNT`), which sets `X-Request-ID` itself and passes
    the client's own on as `X-Client-Request-ID` (deploy/nginx)."""

    PROXY_ID, CLIENT_ID = ENVIRON_KEY, CLIENT_ENVIRON_KEY


EXTENSION = "syncapi.request_lines"
STDERR = 2


class LineWriter:
    """Writes each request line with one `write(2)` on a file descriptor (stderr).

    Not through `logging`: its record, handler lock and formatter cost about 60 µs a request
    inside a full request, four times this writer (`make bench`, issue 17), for a line whose
    shape never changes. One `write` of a line shorter than PIPE_BUF (4 096 bytes) on a pipe
    is atomic (POSIX `write(2)`), so the lines of the threads and of the workers sharing
    stderr never interleave; a line is a few hundred bytes (ids and routes are bounded).
    """

    def __init__(self, fd):
        self.fd = fd

    def write(self, line):
        try:
            os.write(self.fd, line.encode() + b"\n")
        except OSError:  # stderr closed or full: the answer goes out all the same
            pass


def init_app(app):
    """Called before any other `after_request` is registered, so `finish` runs last (Flask
    runs them in reverse) and times the whole answer."""
    app.request_class = ProxiedRequest if app.config["PROXY_COUNT"] else Request
    write_lines_to(app, STDERR if app.config["REQUEST_LOG"] else None)
    app.after_request(finish)


def write_lines_to(app, fd):
    """Where the app writes its request lines: a file descriptor, or None for nowhere."""
    app.extensions[EXTENSION] = LineWriter(fd) if fd is not None else None


def finish(response):
    """The id on the answer; the request counted, timed and logged."""
    request_id = request.request_id
    response.headers[HEADER] = request_id
    seconds = time.perf_counter() - request.arrived
    rule = request.url_rule
    route = rule.rule if rule is not None else metrics.UNMATCHED
    status = response.status_code
    method = request.method
    metrics.observe_request(method, route, status, seconds, request.endpoint)
    lines = current_app.extensions[EXTENSION]
    if lines is not None:
        lines.write(request_line(request_id, method, route, status, seconds))
    return response


def request_line(request_id, method, route, status, seconds):
    """The request's JSON line, in the shape of every other line (`JsonFormatter`)."""
    entry = {
        "time": timestamp(time.time()),
        "level": "INFO",
        "logger": "syncapi.requests",
        "message": f"{method} {route} {status}",
        "request_id": request_id,
        **_client_id(),
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }
    organization_id = g.get("organization_id")
    if organization_id is not None:
        entry["org"] = organization_id
    caller = g.get("caller")
    if caller is not None:
        entry["sub"] = caller.subject
    return ENCODER.encode(entry)


def _client_id():
    """`{"client_request_id": …}` when the client sent one, else nothing."""
    sent = getattr(request, "client_request_id", None)
    return {"client_request_id": sent} if sent is not None else {}


_second = (None, "")  # (a whole second, its text): strftime runs once a second, not per line


def timestamp(seconds):
    """UTC to the millisecond, `2026-11-26T04:23:28.088Z`."""
    global _second
    whole = int(seconds)
    cached = _second  # read once: another thread may replace it meanwhile
    if cached[0] != whole:
        cached = _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)))
    return f"{cached[1]}.{int((seconds - whole) * 1000):03d}Z"


ENCODER = json.JSONEncoder(default=str)  # one encoder: json.dumps(default=…) makes one a call


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object on one line (a traceback included, as a string)."""

    def format(self, record):
        entry = {
            "time": timestamp(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and getattr(request, "request_id", None) is not None:
            entry["request_id"] = request.request_id
            entry.update(_client_id())
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
