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


def is_tenant_name(name, shared_name, pattern=""):
    """True for a database that may be an organization: never a system database nor the
    shared one (`shared_name`, MONGODB_DEFAULT_DB), and on a cluster shared with other
    programs only one whose whole name matches `pattern` (ORGANIZATION_DATABASES, a regular
    expression: their databases may be named as organizations are, and hold anything)."""
    if not is_identifier(name) or name in RESERVED_DATABASES or name == shared_name:
        return False
    return not pattern or re.fullmatch(pattern, name) is not None


RECORD_ID_LENGTH = 128
RECORD_ID_RULE = (
    f"1 to {RECORD_ID_LENGTH} characters without /, control or format characters, "
    "not blank, . or .."
)
# Path segments a browser or an HTTP client collapses (RFC 3986 §5.2.4): `/gateways/..`
# reaches `/`, never the record.
DOT_SEGMENTS = frozenset({".", ".."})
# Unicode's control (Cc) and format (Cf) characters, as Python 3.11's `unicodedata` (Unicode
# 14.0) has them (tests/test_input_limits.py compares): NUL and the C0 and C1 controls, the
# soft hyphen, bidi marks, embeddings, overrides and isolates, zero-width spaces and joiners,
# the byte order mark, Arabic, Syriac and other number signs, interlinear annotation,
# shorthand and musical format controls, tag characters. An id holding one looks like
# another, or hides what it says.
INVISIBLE_RANGES = (
    (0x0000, 0x001F),
    (0x007F, 0x009F),
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
INVISIBLE = re.compile(
    "[" + "".join(f"\\U{first:08x}-\\U{last:08x}" for first, last in INVISIBLE_RANGES) + "]"
)
# The same, in a regular expression's character class both Python and ECMAScript read (the
# API description's): the ranges of the Basic Multilingual Plane, as `\uXXXX` escapes (a
# pattern of ECMAScript without its `u` flag cannot name the others).
INVISIBLE_CLASS = "".join(
    f"\\u{first:04x}-\\u{last:04x}" for first, last in INVISIBLE_RANGES if last <= 0xFFFF
)


def is_record_id(value):
    """An id a client gives a record and the API addresses it by in a path (a `machineId`,
    an `eui`, a `gatewayId`, an event-class or function id; spec README §10): a `/`, or being
    `.` or `..` (which clients collapse), would make it unreachable, a blank one unreadable,
    a control or format character (NUL, a bidi override, a zero-width space) would make it
    look like another."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= RECORD_ID_LENGTH
        and "/" not in value
        and value not in DOT_SEGMENTS
        and bool(value.strip())
        and INVISIBLE.search(value) is None
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
