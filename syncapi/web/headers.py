"""Headers every answer carries: the security set, a caching policy and `Vary: Origin`.

Caching (spec §13.2): an answer carrying a token, a password outcome or revealed secrets is
`no-store` (never kept by a browser or a proxy); every other API answer is
`private, no-cache` (kept only by the caller's own browser, and revalidated before reuse, so
an ETag can be checked later). Icon files set their own public caching. Views say
`no-store` with the `@no_store` marker, or with `forbid_storing()` when only some of their
answers need it.
"""

from flask import current_app, g, request

SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
)
NO_STORE, PRIVATE = "no-store", "private, no-cache"


def no_store(view):
    view.no_store = True
    return view


def forbid_storing():
    g.no_store = True


def storing_forbidden():
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "no_store", False) or g.get("no_store", False)


def apply(response):
    """Adds what the view did not set itself: one pass over the answer's headers, since each
    lookup in werkzeug's `Headers` is a scan of the list (this runs on every answer)."""
    headers = response.headers
    present = {name.lower() for name, _ in headers}
    for name, value in SECURITY_HEADERS:
        if name.lower() not in present:
            headers.add(name, value)
    if "cache-control" not in present:
        headers.add("Cache-Control", NO_STORE if storing_forbidden() else PRIVATE)
    # CORS answers depend on the Origin sent (flask-cors omits this for an allowlist), so a
    # shared cache must not serve one origin's answer to another.
    if "vary" in present:
        response.vary.add("Origin")
    else:
        headers.add("Vary", "Origin")
    return response
