"""What syncapi reports when it cannot do what was asked, in the domain's words: a repository
knows that a device is missing, a rule that an id is malformed, a client that InfluxDB is not
configured, not which HTTP status says so. Every layer raises these, views included, for
anything about the request's data; `errors.py` maps each kind to its status in one table.
"""


class Failure(Exception):
    """`message` for the caller; `field` names the input at fault, `details` the setting or
    backend (spec README §10)."""

    def __init__(self, message, field=None, details=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details


class Invalid(Failure):
    """The input breaks a rule."""


class NotFound(Failure):
    """What the input names does not exist."""


class Conflict(Failure):
    """The change collides with what exists (a unique key, a concurrent change)."""


class Stale(Failure):
    """A conditional write (`If-Match`) found another version than the one it names."""


class TooLarge(Failure):
    """Larger than syncapi takes (a body's bytes or values) or the store keeps."""


class Unavailable(Failure):
    """A backend cannot serve anyone: down, too slow, not configured, or refusing us."""


class QueryError(Exception):
    """InfluxDB answered, but with an error (bad table, bad SQL, unknown database). Not a
    `Failure`: each route answers it as its contract says (`errors.reported_as`, or an
    empty value)."""
