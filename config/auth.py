"""Who may call: the auth mode, the token secret and lifetime, the login rate limit's storage,
how soon a revocation takes effect, the session cookie, and the token of `GET /metrics`."""

from urllib.parse import urlsplit

from environs import ValidationError

from config.environment import ConfigError
from config.mongodb import is_embedded


def _auth_mode(mode):
    if mode.lower() not in ("required", "off"):
        raise ValidationError("required or off")


def _rate_limit_storage(uri):
    """Where login attempts are counted: this process, or a MongoDB shared by the workers."""
    if urlsplit(uri).scheme not in ("memory", "mongodb", "mongodb+srv"):
        raise ValidationError("memory:// or mongodb://…")


def _auth(mode, secret, origins):
    """AUTH_MODE=required needs a secret and an explicit CORS allowlist (`origins` as read:
    `*` anywhere in the list allows every origin)."""
    if secret and len(secret.encode()) < 32:
        raise ConfigError("JWT_SECRET must be at least 32 bytes long")
    if mode == "required" and not secret:
        raise ConfigError("JWT_SECRET is not set: set it, or set AUTH_MODE=off explicitly")
    if mode == "required" and "*" in origins:
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


def read(settings, env):
    settings.AUTH_MODE = env.str("AUTH_MODE", "", validate=_auth_mode)  # completed by `settle`
    settings.JWT_SECRET = env.verbatim("JWT_SECRET")  # taken byte for byte
    settings.JWT_TTL = env.duration("JWT_TTL", "1h")
    settings.RATELIMIT_STORAGE_URI = env.str(
        "RATELIMIT_STORAGE_URI", "memory://", validate=_rate_limit_storage
    )
    # A revoked token is refused at most this long after `tokens revoke`.
    settings.REVOCATION_REFRESH_SECONDS = env.integer("REVOCATION_REFRESH_SECONDS", 5, 1)
    settings.SESSION_COOKIE_SECURE = env.flag("SESSION_COOKIE_SECURE")
    # The bearer token of `GET /metrics`, and nothing else (unset: /metrics answers 503).
    settings.METRICS_TOKEN = env.str("METRICS_TOKEN", "")


def settle(settings):
    """What depends on the MongoDB settings (`mongodb.settle`) and the CORS origins."""
    # Required by default on a real server; off by default only on the embedded store.
    embedded = is_embedded(settings.MONGODB_URI)
    settings.AUTH_MODE = settings.AUTH_MODE.lower() or ("off" if embedded else "required")
    _auth(settings.AUTH_MODE, settings.JWT_SECRET, settings.CORS_ALLOWED_ORIGIN)
    if settings.METRICS_TOKEN and len(settings.METRICS_TOKEN.encode()) < 32:
        raise ConfigError("METRICS_TOKEN must be at least 32 bytes long")  # never echoed
    settings.RATELIMIT_STORAGE_OPTIONS = _rate_limit_options(
        settings.RATELIMIT_STORAGE_URI, settings.MONGODB_DEFAULT_DB, settings.MONGODB_TIMEOUT_MS
    )
