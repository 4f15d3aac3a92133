"""Serving HTTP: the address and port, gunicorn's processes and threads (gunicorn.conf.py),
the browsers allowed to call (CORS), the largest bodies and how long one may take to arrive,
the proxies in front, and the request log."""

import ipaddress
import re
from urllib.parse import urlsplit

from environs import ValidationError

# Where gunicorn listens unless `BIND` says: this machine only while nobody is authenticated
# (anyone who reached the API could read and change every organization), every interface
# once a token is required (a deployment, which its firewall or nginx fronts).
LOOPBACK, EVERY_INTERFACE = "127.0.0.1", "0.0.0.0"
HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})\Z")


def _origins(origins):
    """`*`, or origins as browsers send them: `scheme://host[:port]`, never `null`."""
    shapes = [urlsplit(origin) for origin in origins if origin]
    wrong = [p for p in shapes if p.scheme not in ("http", "https") or not p.netloc or p.path]
    if "*" not in origins and (wrong or not shapes):
        raise ValidationError("a list of origins like https://host")


def _bind(host):
    """An interface's address (`0.0.0.0`, `127.0.0.1`, `::`, `192.168.1.20`) or a host name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        if not HOST_NAME.match(host):
            raise ValidationError("an address such as 127.0.0.1 or 0.0.0.0") from None


def read(settings, env):
    settings.BIND = env.str("BIND", "", validate=_bind)  # completed by `settle`
    settings.PORT = env.integer("PORT", 3000, minimum=1, maximum=65535)
    # gunicorn (gunicorn.conf.py): processes, threads in each, seconds to finish on stop.
    settings.WEB_CONCURRENCY = env.integer("WEB_CONCURRENCY", 2, minimum=1)
    settings.GUNICORN_THREADS = env.integer("GUNICORN_THREADS", 4, minimum=1, maximum=64)
    settings.GUNICORN_GRACEFUL_TIMEOUT = env.integer("GUNICORN_GRACEFUL_TIMEOUT", 30, minimum=1)
    settings.CORS_ALLOWED_ORIGIN = env.list(  # completed by `settle`
        "CORS_ALLOWED_ORIGIN", ["*"], subcast=str.strip, validate=_origins
    )
    # Covers a 5 MB icon upload with its multipart framing: the cap of uploads, of the routes
    # that state it (`operations.body`), and of every body whatever a route states.
    settings.MAX_CONTENT_LENGTH = env.integer("MAX_CONTENT_LENGTH", 6 * 1024 * 1024, 1024)
    # The console's JSON documents are a few kB: the cap of every other route's body.
    settings.MAX_JSON_BYTES = env.integer("MAX_JSON_BYTES", 1024 * 1024, 1024)
    # Seconds a request has to arrive whole, from its connection's opening or, kept alive, its
    # first byte (syncapi/web/gunicorn_worker.py).
    settings.REQUEST_BODY_TIMEOUT = env.integer("REQUEST_BODY_TIMEOUT", 5, minimum=1, maximum=300)
    settings.PROXY_COUNT = env.integer("PROXY_COUNT", 0, minimum=0)
    # One JSON line per request on stderr (request_log.py); 0 leaves them out.
    settings.REQUEST_LOG = env.flag("REQUEST_LOG", default=True)


def settle(settings):
    """`*` wherever it is listed, else the origins without the blanks of stray commas; the
    address to listen on, by default the loopback while `AUTH_MODE` (settled before) is off."""
    origins = settings.CORS_ALLOWED_ORIGIN
    settings.CORS_ALLOWED_ORIGIN = "*" if "*" in origins else list(filter(None, origins))
    default = LOOPBACK if settings.AUTH_MODE == "off" else EVERY_INTERFACE
    settings.BIND = settings.BIND or default


def listening_address(settings):
    """`host:port` as gunicorn binds it (an IPv6 address in brackets)."""
    host = settings.BIND
    return f"[{host}]:{settings.PORT}" if ":" in host else f"{host}:{settings.PORT}"
