"""Settings, read once from the environment (spec README §1).

Every default runs with no external server: the embedded mongomock store, no InfluxDB.
A value the process cannot run with raises `ConfigError`, which the entry points turn into
one clear line on stderr instead of a traceback.
"""

import os
import re
from urllib.parse import urlsplit

from pymongo.errors import ConfigurationError, InvalidURI
from pymongo.uri_parser import parse_uri

EMBEDDED_MONGODB_URI = "mongomock://localhost"
MONGODB_SCHEMES = ("mongodb", "mongodb+srv", "mongomock")


class ConfigError(Exception):
    """A setting the process cannot start with."""


def _integer(environ, name, default, minimum):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _seconds(environ, name, default):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 3600:
        raise ConfigError(f"{name} must be more than 0 and at most 3600 seconds, got {raw}")
    return value


def _boolean(environ, name):
    raw = environ.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"{name} must be 1 or 0, got {raw!r}")


def _mongodb_uri(environ):
    """The URI, its syntax checked now (a `mongodb+srv://` name is resolved only when used)."""
    uri = environ.get("MONGODB_URI", "").strip() or EMBEDDED_MONGODB_URI
    scheme = urlsplit(uri).scheme
    if scheme not in MONGODB_SCHEMES:
        raise ConfigError(
            f"MONGODB_URI must start with mongodb://, mongodb+srv:// or mongomock://, got {uri!r}"
        )
    if scheme == "mongodb":
        try:
            parse_uri(uri)
        except (InvalidURI, ConfigurationError, ValueError) as error:
            raise ConfigError(f"MONGODB_URI is not a valid MongoDB URI: {error}") from None
    return uri


def _default_database(environ, uri):
    """The shared database: explicit, else the one named in the URI, else `syncapi`."""
    name = environ.get("MONGODB_DEFAULT_DB", "").strip() or urlsplit(uri).path.strip("/")
    return name or "syncapi"


def _influxdb_host(environ):
    """`http(s)://host:port`: the client would silently pick port 443 for a host without one."""
    host = environ.get("INFLUXDB_HOST", "").strip()
    if not host:
        return ""
    try:
        parts = urlsplit(host)
        port = parts.port
    except ValueError:
        port = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"INFLUXDB_HOST must look like http://host:8181, got {host!r}")
    if port is None:
        raise ConfigError(f"INFLUXDB_HOST must name its port, e.g. http://host:8181, got {host!r}")
    return host


# An InfluxDB tag name syncapi pastes into SQL as a quoted column name: letters, digits and
# underscores only, so that no value of the setting can end the quoting.
TAG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
COLUMNS_READ = ("time", "machine_id")


def _organization_tag(environ):
    """`INFLUXDB_ORG_TAG`: the tag the ingestion writes each row's organization to, or ""."""
    name = environ.get("INFLUXDB_ORG_TAG", "").strip()
    if name and not TAG_NAME.fullmatch(name):
        raise ConfigError(
            f"INFLUXDB_ORG_TAG must be a tag name of letters, digits and _, got {name!r}"
        )
    if name in COLUMNS_READ:
        raise ConfigError(f"INFLUXDB_ORG_TAG must name the organization tag, not {name!r}")
    return name


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TOKEN_LIFETIME = 366 * 86400


def duration(raw, name="duration"):
    """`3600`, `90s`, `15m`, `1h`, `30d` → seconds: positive, and at most a year (tokens)."""
    text = str(raw).strip().lower()
    number, unit = (text[:-1], text[-1]) if text[-1:] in DURATION_UNITS else (text, "s")
    if not number.isascii() or not number.isdigit() or int(number) == 0:
        raise ConfigError(f"{name} must be a duration such as 3600, 15m, 1h or 30d, got {raw!r}")
    seconds = int(number) * DURATION_UNITS[unit]
    if seconds > MAX_TOKEN_LIFETIME:
        raise ConfigError(f"{name} must be at most 366d, got {raw!r}")
    return seconds


def _auth(environ, uri, origins):
    """`(AUTH_MODE, JWT_SECRET)`: required by default on a real server, where it needs a
    secret and an explicit CORS allowlist; off by default only on the embedded store."""
    mode = environ.get("AUTH_MODE", "").strip().lower() or (
        "off" if is_embedded(uri) else "required"
    )
    if mode not in ("required", "off"):
        raise ConfigError(f"AUTH_MODE must be required or off, got {mode!r}")
    secret = environ.get("JWT_SECRET", "")
    if secret and len(secret.encode()) < 32:
        raise ConfigError("JWT_SECRET must be at least 32 bytes long")
    if mode == "required" and not secret:
        raise ConfigError("JWT_SECRET is not set: set it, or set AUTH_MODE=off explicitly")
    if mode == "required" and origins == "*":
        raise ConfigError("AUTH_MODE=required needs CORS_ALLOWED_ORIGIN to list the origins")
    if mode == "required" and not secret.strip():
        raise ConfigError("JWT_SECRET must not be blank")
    return mode, secret


def _origins(environ):
    """`*`, or origins as browsers send them: `scheme://host[:port]`, never `null`."""
    raw = environ.get("CORS_ALLOWED_ORIGIN", "").strip() or "*"
    origins = [origin.strip() for origin in raw.split(",") if origin.strip()]
    if "*" in origins:
        return "*"
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path:
            raise ConfigError(
                f"CORS_ALLOWED_ORIGIN must list origins like https://host, got {origin!r}"
            )
    if not origins:
        raise ConfigError("CORS_ALLOWED_ORIGIN lists no origin")
    return origins


def _rate_limit_storage(environ):
    """Where login attempts are counted: this process, or a MongoDB shared by the workers."""
    uri = environ.get("RATELIMIT_STORAGE_URI", "").strip() or "memory://"
    if urlsplit(uri).scheme not in ("memory", "mongodb", "mongodb+srv"):
        raise ConfigError(f"RATELIMIT_STORAGE_URI must be memory:// or mongodb://…, got {uri!r}")
    return uri


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


class Config:
    """Production settings; the instance's upper-case attributes become `app.config`."""

    TESTING = False
    JSON_SORT_KEYS = False

    def __init__(self, environ=None):
        env = os.environ if environ is None else environ
        self.MONGODB_URI = _mongodb_uri(env)
        self.MONGODB_DEFAULT_DB = _default_database(env, self.MONGODB_URI)
        self.MONGODB_TIMEOUT_MS = _integer(env, "MONGODB_TIMEOUT_MS", 2000, minimum=1)
        self.PORT = _integer(env, "PORT", 3000, minimum=1)
        self.WEB_CONCURRENCY = _integer(env, "WEB_CONCURRENCY", 2, minimum=1)
        self.CORS_ALLOWED_ORIGIN = _origins(env)
        # Covers a 5 MB icon upload with its multipart framing.
        self.MAX_CONTENT_LENGTH = _integer(env, "MAX_CONTENT_LENGTH", 6 * 1024 * 1024, minimum=1024)
        self.ORGANIZATION_ID = env.get("ORGANIZATION_ID", "").strip() or "autentiodev"
        self.INFLUXDB_HOST = _influxdb_host(env)
        self.INFLUXDB_TOKEN = env.get("INFLUXDB_TOKEN", "").strip()
        self.INFLUXDB_DATABASE = env.get("INFLUXDB_DATABASE", "").strip()
        self.INFLUXDB_STATS_DATABASE = (
            env.get("INFLUXDB_STATS_DATABASE", "").strip() or "server__stats"
        )
        # The client's own default is 300 s: far too long for a dashboard request to hang.
        self.INFLUXDB_QUERY_TIMEOUT = _seconds(env, "INFLUXDB_QUERY_TIMEOUT", 5.0)
        self.INFLUXDB_ORG_TAG = _organization_tag(env)
        self.ANALYTICS_CACHE_SECONDS = _integer(env, "ANALYTICS_CACHE_SECONDS", 15, minimum=0)
        # Organization sizes, and databases made by other programs, are refreshed this often.
        self.ORGANIZATION_REFRESH_SECONDS = _integer(
            env, "ORGANIZATION_REFRESH_SECONDS", 300, minimum=1
        )
        self.ICONS_DIR = env.get("ICONS_DIR", "").strip() or "static/icons"
        self.SEED_DEMO = _boolean(env, "SEED_DEMO")
        self.AUTH_MODE, self.JWT_SECRET = _auth(env, self.MONGODB_URI, self.CORS_ALLOWED_ORIGIN)
        self.JWT_TTL = duration(env.get("JWT_TTL", "").strip() or "1h", "JWT_TTL")
        self.RATELIMIT_STORAGE_URI = _rate_limit_storage(env)
        self.RATELIMIT_STORAGE_OPTIONS = _rate_limit_options(
            self.RATELIMIT_STORAGE_URI, self.MONGODB_DEFAULT_DB, self.MONGODB_TIMEOUT_MS
        )
        # A revoked token is refused at most this long after `tokens revoke`.
        self.REVOCATION_REFRESH_SECONDS = _integer(env, "REVOCATION_REFRESH_SECONDS", 5, 1)
        self.SESSION_COOKIE_SECURE = _boolean(env, "SESSION_COOKIE_SECURE")
        self.PROXY_COUNT = _integer(env, "PROXY_COUNT", 0, minimum=0)
        if self.PORT > 65535:
            raise ConfigError(f"PORT must be at most 65535, got {self.PORT}")


class TestingConfig(Config):
    """Embedded store, no environment, no cache: each test app gets its own empty mongomock
    client and sees every write at once."""

    TESTING = True
    __test__ = False  # not a pytest test class despite its name

    def __init__(self, **overrides):
        super().__init__(environ={})
        self.ANALYTICS_CACHE_SECONDS = 0
        self.REVOCATION_REFRESH_SECONDS = 0
        self.RATELIMIT_ENABLED = True
        for name, value in overrides.items():
            setattr(self, name, value)
