"""MongoDB: where the tenants' databases and the shared one live, and how long a call may take
(a read's, and a write request's).

The default, `mongomock://localhost`, is the embedded store: it needs no server and keeps its
data inside one process.
"""

import re
from urllib.parse import urlsplit

from environs import ValidationError
from pymongo.errors import ConfigurationError, InvalidURI
from pymongo.uri_parser import parse_uri

EMBEDDED_MONGODB_URI = "mongomock://localhost"
MONGODB_SCHEMES = ("mongodb", "mongodb+srv", "mongomock")


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


def _name_pattern(pattern):
    """A regular expression Python compiles (matched whole against a database's name)."""
    try:
        re.compile(pattern)
    except re.error as error:
        raise ValidationError(f"a regular expression ({error})") from None


def is_embedded(uri):
    """The mongomock store keeps its data inside one process."""
    return urlsplit(uri).scheme == "mongomock"


def read(settings, env):
    settings.MONGODB_URI = env.str("MONGODB_URI", EMBEDDED_MONGODB_URI, validate=_mongodb_uri)
    settings.MONGODB_DEFAULT_DB = env.str("MONGODB_DEFAULT_DB", "")  # completed by `settle`
    # On a cluster shared with other programs, the names of the organizations' databases
    # (matched whole); unset, every database the organization id rule admits is one.
    settings.ORGANIZATION_DATABASES = env.str("ORGANIZATION_DATABASES", "", validate=_name_pattern)
    settings.MONGODB_TIMEOUT_MS = env.integer("MONGODB_TIMEOUT_MS", 2000, minimum=1)
    # A request that writes waits out a replica set's election instead (`web.write_budget`):
    # MongoDB's median failover is up to 12 s with the default settings (10 s of
    # electionTimeoutMillis to call one), "Replica Set Elections" in its manual.
    settings.MONGODB_WRITE_TIMEOUT_MS = env.integer("MONGODB_WRITE_TIMEOUT_MS", 15000, minimum=1)
    # Seconds one index build may take off the requests (a worker's start, the refresh,
    # `db ensure-indexes`): a large collection's takes minutes; one cut short is retried.
    settings.INDEX_BUILD_SECONDS = env.integer("INDEX_BUILD_SECONDS", 600, minimum=1)


def settle(settings):
    """The shared database: explicit, else the one named in the URI, else `syncapi`."""
    uri_db = urlsplit(settings.MONGODB_URI).path.strip("/")
    settings.MONGODB_DEFAULT_DB = settings.MONGODB_DEFAULT_DB or uri_db or "syncapi"
