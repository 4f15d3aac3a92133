"""Settings, read once from the environment (spec README §1).

Every default runs with no external server: the embedded mongomock store, and on it the
embedded time-series engine instead of an InfluxDB.
Values are parsed by environs (marshmallow's environment reader); a value the process cannot
run with raises `ConfigError`, which the entry points turn into one clear line on stderr
instead of a traceback: `<VARIABLE> must be <expected form>, got '<value>'`.
"""

import os
from urllib.parse import urlsplit

from environs import Env, EnvValidationError, ValidationError, validate
from pymongo.errors import ConfigurationError, InvalidURI
from pymongo.uri_parser import parse_uri

EMBEDDED_MONGODB_URI = "mongomock://localhost"
EMBEDDED_INFLUXDB_DATABASE = "sync"  # the main database of the embedded time-series engine
MONGODB_SCHEMES = ("mongodb", "mongodb+srv", "mongomock")
DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TOKEN_LIFETIME = 366 * 86400
SECONDS = {"invalid": "a number of seconds", "special": "a number of seconds"}
QUERY_TIMEOUT = validate.Range(
    0, 3600, min_inclusive=False, error="more than 0 and at most 3600 seconds"
)
# An InfluxDB tag name syncapi pastes into SQL as a quoted column name: letters, digits and
# underscores only, so that no value of the setting can end the quoting.
ORGANIZATION_TAG = [
    validate.Regexp(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z", error="a tag name of letters, digits and _"),
    validate.NoneOf(("time", "machine_id"), error="a tag other than time and machine_id"),
]


class ConfigError(Exception):
    """A setting the process cannot start with."""


def _message(name, expected, raw):
    return f"{name} must be {expected}, got {raw!r}"


def duration_seconds(raw):
    """`3600`, `90s`, `15m`, `1h`, `30d` → seconds: positive, and at most a year (tokens)."""
    text = str(raw).strip().lower()
    number, unit = (text[:-1], text[-1]) if text[-1:] in DURATION_UNITS else (text, "s")
    if not number.isascii() or not number.isdigit() or int(number) == 0:
        raise ValidationError("a duration such as 3600, 15m, 1h or 30d")
    seconds = int(number) * DURATION_UNITS[unit]
    if seconds > MAX_TOKEN_LIFETIME:
        raise ValidationError("at most 366d")
    return seconds


def duration(raw, name="duration"):
    """The same for a command-line option (`tokens create --ttl`), refused as a ConfigError."""
    try:
        return duration_seconds(raw)
    except ValidationError as error:
        raise ConfigError(_message(name, error.messages[0], raw)) from None


class Environment(Env):
    """environs reading the mapping it is given (tests pass dicts) instead of `os.environ`.
    A blank value counts as unset; the values are checked together by `check`."""

    def __init__(self, environ):
        super().__init__(eager=False)
        self._source = environ
        self.add_parser("duration", duration_seconds)

    def _get_value(self, env_key, default):
        return self._source.get(env_key, "").strip() or default

    def integer(self, name, default, minimum, maximum=None):
        form = "at least {min}" if maximum is None else "from {min} to {max}"
        rule = validate.Range(minimum, maximum, error=form)
        return self.int(name, default, validate=rule, error_messages={"invalid": "an integer"})

    def flag(self, name, default=False):
        return self.bool(name, default, error_messages={"invalid": "1 or 0"})

    def check(self):
        """The first bad value read, as syncapi's one line naming the variable and the form."""
        try:
            self.seal()
        except EnvValidationError as error:
            name, messages = next(iter(error.error_messages.items()))
            raise ConfigError(_message(name, messages[0], self._get_value(name, ""))) from None


def _mongodb_uri(uri):
    """Its syntax checked now (a `mongodb+srv://` name is resolved only when used)."""
    scheme = urlsplit(uri).scheme
    if scheme not in MONGODB_SCHEMES:
        raise ValidationError("a mongodb://, mongodb+srv:// or mongomock:// URI")
    if scheme == "mongodb":
        try:
            parse_uri(uri)
        except (InvalidURI, ConfigurationError, ValueError) as error:
            raise ValidationError(f"a valid MongoDB URI ({error})") from None


def _influxdb_host(host):
    """`http(s)://host:port`: the client would silently pick port 443 for a host without one."""
    try:
        parts = urlsplit(host)
        usable = parts.scheme in ("http", "https") and parts.hostname and parts.port
    except ValueError:  # a port that is not a number
        usable = False
    if not usable:
        raise ValidationError("a URL naming its port, like http://host:8181")


def _origins(origins):
    """`*`, or origins as browsers send them: `scheme://host[:port]`, never `null`."""
    shapes = [urlsplit(origin) for origin in origins if origin]
    wrong = [p for p in shapes if p.scheme not in ("http", "https") or not p.netloc or p.path]
    if "*" not in origins and (wrong or not shapes):
        raise ValidationError("a list of origins like https://host")


def _auth_mode(mode):
    if mode.lower() not in ("required", "off"):
        raise ValidationError("required or off")


def _rate_limit_storage(uri):
    """Where login attempts are counted: this process, or a MongoDB shared by the workers."""
    if urlsplit(uri).scheme not in ("memory", "mongodb", "mongodb+srv"):
        raise ValidationError("memory:// or mongodb://…")


def _auth(mode, secret, origins):
    """AUTH_MODE=required needs a secret and an explicit CORS allowlist."""
    if secret and len(secret.encode()) < 32:
        raise ConfigError("JWT_SECRET must be at least 32 bytes long")
    if mode == "required" and not secret:
        raise ConfigError("JWT_SECRET is not set: set it, or set AUTH_MODE=off explicitly")
    if mode == "required" and origins == "*":
        raise ConfigError("AUTH_MODE=required needs CORS_ALLOWED_ORIGIN to list the origins")
    if mode == "required" and not secret.strip():
        raise ConfigError("JWT_SECRET must not be blank")


def _rate_limit_options(uri, shared_name, timeout_ms):
    """A MongoDB rate-limit storage keeps its counters in the shared database (never a
    database of its own, which would be listed as an organization), with the same short
    timeouts as every other MongoDB call, its client built on first use (after the fork)."""
    if urlsplit(uri).scheme == "memory":
        return {}
    return {
        "database_name": shared_name,
        "counter_collection_name": "rate_limit_counters",
        "window_collection_name": "rate_limit_windows",
        "timeoutMS": timeout_ms,
        "serverSelectionTimeoutMS": timeout_ms,
        "connectTimeoutMS": timeout_ms,
        "connect": False,
        "appname": "syncapi-ratelimit",
    }


def is_embedded(uri):
    """The mongomock store keeps its data inside one process."""
    return urlsplit(uri).scheme == "mongomock"


def embedded_timeseries(mongodb_uri, influxdb_host):
    """On the embedded store and without an InfluxDB, the time series are read from the
    embedded engine of the same process (`syncapi.embedded.influx`); with a real MongoDB,
    a missing InfluxDB stays an error the operator sees (spec §13.6)."""
    return is_embedded(mongodb_uri) and not influxdb_host


class Config:
    """Production settings; the instance's upper-case attributes become `app.config`."""

    TESTING = False

    def __init__(self, environ=None):
        environ = os.environ if environ is None else environ
        env = Environment(environ)
        self.MONGODB_URI = env.str("MONGODB_URI", EMBEDDED_MONGODB_URI, validate=_mongodb_uri)
        default_db = env.str("MONGODB_DEFAULT_DB", "")
        self.MONGODB_TIMEOUT_MS = env.integer("MONGODB_TIMEOUT_MS", 2000, minimum=1)
        self.PORT = env.integer("PORT", 3000, minimum=1, maximum=65535)
        # gunicorn (gunicorn.conf.py): processes, threads in each, seconds to finish on stop.
        self.WEB_CONCURRENCY = env.integer("WEB_CONCURRENCY", 2, minimum=1)
        self.GUNICORN_THREADS = env.integer("GUNICORN_THREADS", 4, minimum=1, maximum=64)
        self.GUNICORN_GRACEFUL_TIMEOUT = env.integer("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
        origins = env.list("CORS_ALLOWED_ORIGIN", ["*"], subcast=str.strip, validate=_origins)
        # Covers a 5 MB icon upload with its multipart framing.
        self.MAX_CONTENT_LENGTH = env.integer("MAX_CONTENT_LENGTH", 6 * 1024 * 1024, 1024)
        self.ORGANIZATION_ID = env.str("ORGANIZATION_ID", "autentiodev")
        self.INFLUXDB_HOST = env.str("INFLUXDB_HOST", "", validate=_influxdb_host)
        self.INFLUXDB_TOKEN = env.str("INFLUXDB_TOKEN", "")
        self.INFLUXDB_DATABASE = env.str("INFLUXDB_DATABASE", "")
        self.INFLUXDB_STATS_DATABASE = env.str("INFLUXDB_STATS_DATABASE", "server__stats")
        # The client's own default is 300 s: far too long for a dashboard request to hang.
        self.INFLUXDB_QUERY_TIMEOUT = env.float(
            "INFLUXDB_QUERY_TIMEOUT", 5.0, validate=QUERY_TIMEOUT, error_messages=SECONDS
        )
        # The tag the ingestion writes each row's organization to, or "".
        self.INFLUXDB_ORG_TAG = env.str("INFLUXDB_ORG_TAG", "", validate=ORGANIZATION_TAG)
        self.ANALYTICS_CACHE_SECONDS = env.integer("ANALYTICS_CACHE_SECONDS", 15, minimum=0)
        # Organization sizes, and databases made by other programs, are refreshed this often.
        self.ORGANIZATION_REFRESH_SECONDS = env.integer("ORGANIZATION_REFRESH_SECONDS", 300, 1)
        self.ICONS_DIR = env.str("ICONS_DIR", "static/icons")
        self.SEED_DEMO = env.flag("SEED_DEMO")
        mode = env.str("AUTH_MODE", "", validate=_auth_mode)
        self.JWT_TTL = env.duration("JWT_TTL", "1h")
        self.RATELIMIT_STORAGE_URI = env.str(
            "RATELIMIT_STORAGE_URI", "memory://", validate=_rate_limit_storage
        )
        # A revoked token is refused at most this long after `tokens revoke`.
        self.REVOCATION_REFRESH_SECONDS = env.integer("REVOCATION_REFRESH_SECONDS", 5, 1)
        self.SESSION_COOKIE_SECURE = env.flag("SESSION_COOKIE_SECURE")
        self.PROXY_COUNT = env.integer("PROXY_COUNT", 0, minimum=0)
        # Change log entries are removed (TTL index) this many days after they are written.
        self.CHANGELOG_RETENTION_DAYS = env.integer("CHANGELOG_RETENTION_DAYS", 90, 1, 36500)
        # The bearer token of `GET /metrics`, and nothing else (unset: /metrics answers 503).
        self.METRICS_TOKEN = env.str("METRICS_TOKEN", "")
        # One JSON line per request on stderr (request_log.py); 0 leaves them out.
        self.REQUEST_LOG = env.flag("REQUEST_LOG", default=True)
        env.check()
        # What follows depends on more than one setting.
        # The shared database: explicit, else the one named in the URI, else `syncapi`.
        uri_db = urlsplit(self.MONGODB_URI).path.strip("/")
        self.MONGODB_DEFAULT_DB = default_db or uri_db or "syncapi"
        self.CORS_ALLOWED_ORIGIN = "*" if "*" in origins else list(filter(None, origins))
        # Required by default on a real server; off by default only on the embedded store.
        self.AUTH_MODE = mode.lower() or ("off" if is_embedded(self.MONGODB_URI) else "required")
        self.JWT_SECRET = environ.get("JWT_SECRET", "")  # taken byte for byte
        _auth(self.AUTH_MODE, self.JWT_SECRET, self.CORS_ALLOWED_ORIGIN)
        if self.METRICS_TOKEN and len(self.METRICS_TOKEN.encode()) < 32:
            raise ConfigError("METRICS_TOKEN must be at least 32 bytes long")  # never echoed
        self.RATELIMIT_STORAGE_OPTIONS = _rate_limit_options(
            self.RATELIMIT_STORAGE_URI, self.MONGODB_DEFAULT_DB, self.MONGODB_TIMEOUT_MS
        )
