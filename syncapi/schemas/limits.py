"""How long, how deep and what kind of keys and values a request may send or store.

The caps are declared here once (spec README §10): `text(limit=...)` applies them to declared
fields, `unstorable` applies TEXT_LENGTH to every other string and KEY_LENGTH to every key at
any depth of free objects (`properties`, `configuration`, a device's extra keys...), and
`db audit` finds stored values they would refuse. `hostile` is what every request body
obeys before any schema sees it (`json_body`), so it holds where a schema drops unknown keys;
`over_budget`, checked before it, bounds how many values a body holds, and so the time every
walk over it takes.
"""

import math
import re

LONE_SURROGATE = re.compile("[\\ud800-\\udfff]")  # left unpaired by a JSON parser


def printable(text):
    """`text` with each lone UTF-16 surrogate written as `\\udXXX`: a name that UTF-8 can
    carry (JSON parsers turn `"\\ud800"` in a key into such a surrogate)."""
    return LONE_SURROGATE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


MAX_DEPTH = 32
# Array items and object keys in one request body, in all: far beyond any console document
# (a device-tags change of 1 000 devices holds about 1 100), and a walk of a few milliseconds.
MAX_NODES = 50_000
INT64 = range(-(2**63), 2**63)
CONTAINERS = (dict, list)

# Longest strings, in characters. KEY_LENGTH (keys of free objects) is syncapi's choice: a
# key is a name. Passwords have their own rule (schemas/users.py).
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 2_000
ID_LENGTH = 128
EMAIL_LENGTH = 254
TEXT_LENGTH = 10_000
KEY_LENGTH = 200


def _bad_text(value):
    """A lone UTF-16 surrogate (`"\\ud800"` in JSON) is not text: BSON, UTF-8 and most
    clients refuse it."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid text (it holds a lone UTF-16 surrogate)"
    return None


def _hostile_key(key):
    if key == "__proto__":  # rewrites an object's prototype in JavaScript clients
        return "is not an allowed key"
    return _bad_text(key)


def _hostile_value(value):
    if isinstance(value, float) and not math.isfinite(value):  # 1e999 parses as infinity
        return "must be a finite number"
    return _bad_text(value) if isinstance(value, str) else None


def _operator_key(key):
    if key.startswith("$"):
        return "is not an allowed key (keys may not start with $)"
    return None


def _unstorable_key(key):
    operator = _operator_key(key)  # above all: a value never reaches a query as an operator
    if operator:
        return operator
    if "\x00" in key:
        return "is not an allowed key (keys may not contain NUL)"
    if len(key) > KEY_LENGTH:
        return f"is too long a key (at most {KEY_LENGTH} characters)"
    return _hostile_key(key)


def _unstorable_value(value):
    if isinstance(value, str):
        if len(value) > TEXT_LENGTH:
            return f"must be at most {TEXT_LENGTH} characters"
    elif isinstance(value, int) and value not in INT64:  # True and False are in range
        return "is too large a number (64-bit integers at most)"
    return _hostile_value(value)


def problems(data, key_problem, value_problem, path=(), depth=0):
    """Yield (path, reason) for each key and scalar of `data` the two checks refuse.

    `key_problem(key, depth)` sees string keys (depth 0: the document's own); nothing deeper
    than MAX_DEPTH is walked. A path is spelled only for a problem (bodies may hold millions
    of values), with lone surrogates escaped so that it encodes.
    """
    if depth > MAX_DEPTH:
        yield _spelled(path), "is nested too deeply"
        return
    if not isinstance(data, CONTAINERS):
        reason = value_problem(data)
        if reason:
            yield _spelled(path), reason
        return
    for key, value in data.items() if isinstance(data, dict) else enumerate(data):
        reason = key_problem(key, depth) if isinstance(key, str) else None
        if reason is None and isinstance(value, CONTAINERS):
            yield from problems(value, key_problem, value_problem, (*path, key), depth + 1)
            continue
        reason = reason or value_problem(value)
        if reason:
            yield _spelled((*path, key)), reason


def _spelled(path):
    """`("a", 1, "b")` → `a[1].b`."""
    text = ""
    for key in path:
        text += f"[{key}]" if isinstance(key, int) else (f".{key}" if text else key)
    return printable(text)


def over_budget(body, budget=MAX_NODES):
    """True when `body` holds more than `budget` array items and object keys in all. Counted
    without recursion (any depth) and stopped at the budget, so a body of millions of tiny
    values costs what the budget does, before the slower walks of `hostile` and the schema."""
    pending = [body]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            value = value.values()
        elif not isinstance(value, list):
            continue
        budget -= len(value)
        if budget < 0:
            return True
        pending.extend(value)
    return False


def hostile(body):
    """(path, reason) of the first key or value refused in any request body, whatever its
    schema keeps or drops (spec README §10), or None: a `$` key of the document sent (each
    item of an array body is one), `__proto__` at any depth, lone surrogates, non-finite
    numbers, nesting deeper than a stored document may be."""

    def key_problem(key, depth):
        return (depth == 0 and _operator_key(key)) or _hostile_key(key)

    documents = enumerate(body) if isinstance(body, list) else [(None, body)]
    for index, document in documents:
        path = () if index is None else (index,)
        found = next(problems(document, key_problem, _hostile_value, path), None)
        if found:
            return found
    return None


def unstorable(data):
    """(path, reason) of the first value MongoDB cannot take as sent, or None: `$` keys
    (`$gt`), NUL in keys, integers beyond 64 bits, what `hostile` refuses, and strings over
    TEXT_LENGTH characters or keys over KEY_LENGTH, at any depth."""
    return next(refused(data), None)


def refused(data):
    """Every (path, reason) `unstorable` would refuse in `data`: what `db audit` reports."""
    return problems(data, lambda key, depth: _unstorable_key(key), _unstorable_value)
