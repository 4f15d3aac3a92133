"""What the lower layers report when they cannot do what was asked, in the domain's words:
a repository or a client knows that a device is missing or that InfluxDB is not configured,
not which HTTP status says so. `errors.py` maps each kind to its status in one table.
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
    """The result would be larger than the store keeps."""


class Unavailable(Failure):
    """A backend cannot serve anyone: down, too slow, not configured, or refusing us."""
