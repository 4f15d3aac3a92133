"""The rules for ids that become database or collection names (spec README §2, §4, §10)."""

import re

IDENTIFIER_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
IDENTIFIER = re.compile(IDENTIFIER_PATTERN)

# An application owns `{applicationId}_{suffix}` for each of these.
APPLICATION_SUFFIXES = ("devices", "config", "connectors")
# What else a tenant database holds (spec README §4); `oilmonitor_devices` is the oil-monitor
# product's own, read-only collection.
TENANT_COLLECTIONS = frozenset(
    {
        "config",
        "users",
        "gateways",
        "connectors",
        "functions",
        "monitoreo-cnc_events",
        "oilmonitor_devices",
    }
)


# Category and name of an icon of the library (spec/icons.md); lower-cased before the disk.
ICON_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
ICON_NAME = re.compile(ICON_NAME_PATTERN)

RESERVED_DATABASES = frozenset({"admin", "local", "config"})


def is_tenant_name(name, shared_name):
    """True for a database that may be an organization: never a system database nor the
    shared one (`shared_name`, MONGODB_DEFAULT_DB)."""
    return is_identifier(name) and name not in RESERVED_DATABASES and name != shared_name


RECORD_ID_LENGTH = 128
RECORD_ID_RULE = f"1 to {RECORD_ID_LENGTH} characters without /, not blank"


def is_record_id(value):
    """An id a client gives a record and the API addresses it by in a path (a `machineId`,
    an `eui`, an event-class or function id; spec README §10): a `/` would make it
    unreachable, a blank one unreadable."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= RECORD_ID_LENGTH
        and "/" not in value
        and bool(value.strip())
    )


def is_identifier(value):
    return isinstance(value, str) and IDENTIFIER.fullmatch(value) is not None


def is_application_id(value):
    """An id whose `{applicationId}_*` collections are the application's alone: it follows
    the identifier rule and none of them is a collection used for something else."""
    return is_identifier(value) and not any(
        f"{value}_{suffix}" in TENANT_COLLECTIONS for suffix in APPLICATION_SUFFIXES
    )


def is_icon_name(value):
    return isinstance(value, str) and ICON_NAME.fullmatch(value) is not None


# Device tags (spec §13.3): lower-cased before they are checked; never a `$`, so a tag is
# never read as a field path where updates name them.
TAG_PATTERN = r"^[a-z0-9_.:-]{1,64}$"
TAG = re.compile(TAG_PATTERN)
TAG_RULE = "1 to 64 characters of a-z, 0-9, _ . : -"
MAX_TAGS = 32


def is_tag(value):
    return isinstance(value, str) and TAG.fullmatch(value) is not None
