"""How a setting is read: environs (marshmallow's environment reader) over a mapping, and the
forms every area shares (integers in a range, flags, durations, seconds).

A value the process cannot run with raises `ConfigError`, which the entry points turn into
one clear line on stderr instead of a traceback: `<VARIABLE> must be <expected form>, got
'<value>'`. Values are collected, not refused one by one: `Environment.check` names the
first bad value read, so the order in which `Config` reads the areas is the order in which
bad values are reported.
"""

from environs import Env, EnvValidationError, ValidationError, validate

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MAX_TOKEN_LIFETIME = 366 * 86400
SECONDS = {"invalid": "a number of seconds", "special": "a number of seconds"}


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

    def verbatim(self, name):
        """The value byte for byte, blanks included (a secret is never trimmed)."""
        return self._source.get(name, "")

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
