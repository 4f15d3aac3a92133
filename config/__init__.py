"""Settings, read once from the environment (spec README §1).

Every default runs with no external server: the embedded mongomock store, and on it the
embedded time-series engine instead of an InfluxDB. A value the process cannot run with
raises `ConfigError`, which the entry points turn into one clear line on stderr instead of a
traceback: `<VARIABLE> must be <expected form>, got '<value>'` (`config.environment`).

Each area of settings has its module: `mongodb`, `serving` (address, port, gunicorn, CORS,
body size, proxies, request log), `influxdb`, `data` (default organization, caches, icons,
demo, change log retention) and `auth` (auth mode, tokens, rate limit, session cookie,
metrics token).
`Config` reads the areas in that order, each with its `read(settings, env)`, then checks
every value at once (the first bad value read is the one named), then lets the areas
`settle` what depends on more than one setting, or what is checked without being echoed:
`mongodb`, `influxdb`, `auth` (its mode follows the store), then `serving` (its default
address follows the mode).

A new setting goes in the `read` of its area's module: `settings.NAME = env.<form>("NAME",
default, ...)`, with the forms of `config.environment` (`integer`, `flag`, `duration`, …)
and, next to it, a validator only that area uses. A value computed from other settings, or
refused for a combination of them, goes in the area's `settle`, which sees checked values
only. A new area (ingest, alarms, webhooks, a worker) is a new module with its own `read`
(and `settle` if it needs one), called from `Config.__init__` after the existing areas, so
that the order in which bad values are reported stays as it is.
"""

import os

from config import auth, data, influxdb, mongodb, serving
from config.environment import ConfigError, Environment, duration
from config.influxdb import EMBEDDED_INFLUXDB_DATABASE, embedded_timeseries
from config.mongodb import is_embedded

__all__ = [
    "EMBEDDED_INFLUXDB_DATABASE",
    "Config",
    "ConfigError",
    "duration",
    "embedded_timeseries",
    "is_embedded",
]


class Config:
    """Production settings; the instance's upper-case attributes become `app.config`.
    `environ` is `os.environ` unless a mapping is given (tests pass dicts)."""

    TESTING = False

    def __init__(self, environ=None):
        env = Environment(os.environ if environ is None else environ)
        mongodb.read(self, env)
        serving.read(self, env)
        influxdb.read(self, env)
        data.read(self, env)
        auth.read(self, env)
        env.check()
        # What follows depends on more than one setting.
        mongodb.settle(self)
        influxdb.settle(self)
        auth.settle(self)
        serving.settle(self)
