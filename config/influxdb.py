"""InfluxDB 3: where the time series are read, and how long a query may take.

Without an InfluxDB, on the embedded MongoDB store, the time series are read from the
embedded engine of the same process instead (`syncapi.embedded.influx`).
"""

import re
from urllib.parse import urlsplit

from environs import ValidationError, validate

from config.environment import SECONDS, ConfigError
from config.mongodb import is_embedded

EMBEDDED_INFLUXDB_DATABASE = "sync"  # the main database of the embedded time-series engine
QUERY_TIMEOUT = validate.Range(
    0, 3600, min_inclusive=False, error="more than 0 and at most 3600 seconds"
)
# An InfluxDB tag name syncapi pastes into SQL as a quoted column name: letters, digits and
# underscores only, so that no value of the setting can end the quoting.
ORGANIZATION_TAG = [
    validate.Regexp(r"[A-Za-z_][A-Za-z0-9_]{0,63}\Z", error="a tag name of letters, digits and _"),
    validate.NoneOf(("time", "machine_id"), error="a tag other than time and machine_id"),
]
# A token travels in a header of every query (gRPC metadata: visible ASCII); one holding
# anything else, such as a placeholder's "…" left in, would fail every query with a 500.
TOKEN = re.compile(r"[\x21-\x7e]*\Z")


def _influxdb_host(host):
    """`http(s)://host:port`: the client would silently pick port 443 for a host without one."""
    try:
        parts = urlsplit(host)
        usable = parts.scheme in ("http", "https") and parts.hostname and parts.port
    except ValueError:  # a port that is not a number
        usable = False
    if not usable:
        raise ValidationError("a URL naming its port, like http://host:8181")


def embedded_timeseries(mongodb_uri, influxdb_host):
    """On the embedded store and without an InfluxDB, the time series are read from the
    embedded engine of the same process (`syncapi.embedded.influx`); with a real MongoDB,
    a missing InfluxDB stays an error the operator sees (spec §13.6)."""
    return is_embedded(mongodb_uri) and not influxdb_host


def read(settings, env):
    settings.INFLUXDB_HOST = env.str("INFLUXDB_HOST", "", validate=_influxdb_host)
    settings.INFLUXDB_TOKEN = env.str("INFLUXDB_TOKEN", "")  # checked by `settle`
    settings.INFLUXDB_DATABASE = env.str("INFLUXDB_DATABASE", "")
    settings.INFLUXDB_STATS_DATABASE = env.str("INFLUXDB_STATS_DATABASE", "server__stats")
    # The client's own default is 300 s: far too long for a dashboard request to hang.
    settings.INFLUXDB_QUERY_TIMEOUT = env.float(
        "INFLUXDB_QUERY_TIMEOUT", 5.0, validate=QUERY_TIMEOUT, error_messages=SECONDS
    )
    # The tag the ingestion writes each row's organization to, or "".
    settings.INFLUXDB_ORG_TAG = env.str("INFLUXDB_ORG_TAG", "", validate=ORGANIZATION_TAG)


def settle(settings):
    """The token, refused without being echoed (it is a secret) when no query could carry it."""
    if not TOKEN.match(settings.INFLUXDB_TOKEN):
        raise ConfigError("INFLUXDB_TOKEN must be visible ASCII characters, as servers make them")
