"""Request hooks of the whole app that only some requests need: CORS (a request with an
`Origin`) and the login limiter (the routes that guess passwords). Both extensions hook
every request of the app they are given; here their hooks run only where they serve.
"""

from flask import request
from flask_cors import CORS
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

# Spec README §10.
CORS_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
CORS_HEADERS = [
    "Content-Type",
    "Authorization",
    "If-Match",
    "If-None-Match",
    "X-Request-ID",
    "Idempotency-Key",  # a create's retry (docs/api.md "Retrying a create")
]
# X-Omitted-Keys: what a restore left out (docs/api.md "Restore"); Idempotent-Replayed: the
# answer of a create sent before with the same Idempotency-Key
CORS_EXPOSED = [
    "X-Total-Count",
    "Link",
    "ETag",
    "X-Request-ID",
    "Retry-After",
    "X-Omitted-Keys",
    "Idempotent-Replayed",
]


def init_cors(app):
    """flask-cors computes (and formats for a debug log) its headers on every answer; only a
    request with an Origin is a CORS request (browsers send it on every cross-origin one)."""
    hooks_only_when(
        app,
        lambda: "Origin" in request.headers,
        lambda: CORS(
            app,
            origins=app.config["CORS_ALLOWED_ORIGIN"],
            supports_credentials=True,
            methods=CORS_METHODS,
            allow_headers=CORS_HEADERS,
            expose_headers=CORS_EXPOSED,
            always_send=False,  # the same for its error answers: no Origin, no CORS headers
        ),
    )


def init_limiter(app, endpoints):
    """One limiter per app, so every app (and every test) counts from zero; no limit of its
    own: the routes that guess passwords declare theirs (`blueprints.login`). Its counts
    live in `RATELIMIT_STORAGE_URI` (shared between workers when it names a server).

    Flask-Limiter hooks every request of the app (a `before_request` that resolves the
    limits of the route, an `after_request`, a teardown): nearly half the time of a
    `GET /status`, on routes that have no limit. Its hooks run on `endpoints` only."""
    endpoints = frozenset(endpoints)
    return hooks_only_when(
        app,
        lambda: request.endpoint in endpoints,
        lambda: Limiter(
            get_remote_address,
            app=app,
            default_limits=[],
            headers_enabled=True,
            strategy="moving-window",
        ),
    )


def hooks_only_when(app, wanted, install):
    """`install()`, an extension that registers request hooks on the whole app, with the
    hooks it added made to run only on the requests for which `wanted()` is true (elsewhere
    an `after_request` hook hands the response on unchanged). Returns what `install` did."""
    hooks = (app.before_request_funcs, app.after_request_funcs, app.teardown_request_funcs)
    existing = [list(registry.get(None, ())) for registry in hooks]
    installed = install()
    for registry, before in zip(hooks, existing, strict=True):
        added = [hook for hook in registry.get(None, ()) if hook not in before]
        if added:
            registry[None] = before + [_only_when(wanted, hook) for hook in added]
    return installed


def _only_when(wanted, hook):
    def gated(*args):
        if wanted():
            return hook(*args)
        return args[0] if args else None

    return gated
