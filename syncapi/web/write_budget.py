"""How long a request's MongoDB work may take: a request that writes outlasts an election.

A replica set without a primary takes no write until it elects another: MongoDB's manual
puts the median failover at up to 12 s with the default settings ("Replica Set Elections":
10 s of `electionTimeoutMillis` before a secondary calls an election, then the vote). The
client's `timeoutMS` (`MONGODB_TIMEOUT_MS`, 2 s) would answer every write of those seconds
with a 503; the driver, given longer, waits for the new primary and sends the write there (a
retryable write is retried once on it).

So a request whose method writes (POST, PUT, PATCH, DELETE) runs under
`MONGODB_WRITE_TIMEOUT_MS` (15 s), pymongo's client-side timeout (`pymongo.timeout`, which
takes the place of `timeoutMS` inside it): all of its operations, its reads too, because on a
replica set they go to the primary as well, before its writes (does the organization exist,
which version is stored), and a read given up after 2 s would fail the request before its
first write. The budget is the request's in all (a deadline set when it starts), so a write
request answers within it whatever its number of round trips. A request that reads (GET,
HEAD, OPTIONS) keeps `MONGODB_TIMEOUT_MS` per operation: a dashboard is not held for an
election, it polls again. Work off the requests has budgets of its own (operator commands:
an hour; index builds: `INDEX_BUILD_SECONDS`).
"""

import pymongo

READING = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app):
    """Wraps the app's WSGI callable, so that the hooks before the view (the organization's
    existence, the caller's token) run under the budget too."""
    served = app.wsgi_app
    seconds = app.config["MONGODB_WRITE_TIMEOUT_MS"] / 1000

    def budgeted(environ, start_response):
        if environ.get("REQUEST_METHOD", "").upper() in READING:  # as Flask reads it
            return served(environ, start_response)
        with pymongo.timeout(seconds):
            return served(environ, start_response)

    app.wsgi_app = budgeted


def setting_of(method):
    """The setting that bounded a request of this method (named by its timeout's 503)."""
    return "MONGODB_TIMEOUT_MS" if method in READING else "MONGODB_WRITE_TIMEOUT_MS"
