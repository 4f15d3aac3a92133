"""The time syncapi stamps and compares with, and its one written form.

`now` is the one seam tests move: every other function here calls it, and modules ask
`clock.now()` (never a copy of it imported by name), so moving it moves them all.
"""

from datetime import UTC, datetime


def now():
    """The current time, to the microsecond (token issue times and ended sessions compare
    at that precision)."""
    return datetime.now(UTC)


def utcnow():
    """Now, at the millisecond precision BSON stores, so a write reads back unchanged."""
    moment = now()
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def epoch_ms():
    return int(utcnow().timestamp() * 1000)


def isoformat(moment):
    """`2025-02-08T12:00:00.000Z`; pymongo hands back naive datetimes that are UTC. Every
    date of every answer is written here (`datetime.isoformat` is three times quicker than
    `strftime`, and writes a year before 1000 with four digits, as ISO 8601 wants)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds") + "Z"


def iso_now():
    return isoformat(utcnow())
