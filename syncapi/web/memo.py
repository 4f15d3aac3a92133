"""The app's one memo and its background tasks (`core.memo`), kept in the app, never in a
module: what a request computes at most once a period (dashboard KPIs, revocation lists,
column lists, readiness) and what it starts but does not wait for. Periods default to
`ANALYTICS_CACHE_SECONDS`.
"""

import math

from flask import current_app

from syncapi.core.memo import Background, TimedMemo

EXTENSION_KEY = "syncapi.web.memo"
ONCE_KEY = "syncapi.once"
BACKGROUND_KEY = "syncapi.background"


def init_app(app):
    app.extensions[EXTENSION_KEY] = TimedMemo(app.config["ANALYTICS_CACHE_SECONDS"])
    # What a process reads once (the content ETags' key): kept for good, never evicted.
    app.extensions[ONCE_KEY] = TimedMemo(math.inf, max_keys=math.inf)
    app.extensions[BACKGROUND_KEY] = Background()


def once(key, compute, app=None):
    """`compute()` once per process: its value is kept for good and never evicted (unlike
    `remember`'s, bounded by `MAX_KEYS`); a failure is kept `FAILURE_SECONDS`, then the next
    call tries again."""
    return (app or current_app).extensions[ONCE_KEY].get(key, compute)


def in_background(key, seconds, task):
    """`task()` in its own thread, unless it ran less than `seconds` ago or runs now."""
    current_app.extensions[BACKGROUND_KEY].every(key, seconds, task)


def remember(key, compute, **options):
    """`compute()`, or its value from less than `ANALYTICS_CACHE_SECONDS` ago (see
    `TimedMemo.get` for the options)."""
    return current_app.extensions[EXTENSION_KEY].get(key, compute, **options)


def forget(key):
    current_app.extensions[EXTENSION_KEY].forget(key)
