"""How stored values look on the wire (spec README §10).

ObjectId → 24-hex string; BSON dates → ISO-8601 UTC with milliseconds; NaN/Infinity → null.
Keys keep their stored order: the console and humans read documents as written.
"""

import base64
import json
import math
from datetime import datetime

from bson import Decimal128
from flask.json.provider import DefaultJSONProvider

from syncapi.clock import isoformat
from syncapi.schemas.limits import LONE_SURROGATE


def to_jsonable(value):
    """Replace what JSON cannot carry; walks documents, which nest dicts and lists.

    Raw documents may hold any BSON type older writers used: each becomes the nearest JSON
    value (Decimal128 a number, binary base64 text, anything else its text), never an error.
    Keys become text as `json` writes them (`true`, `null`, `1`), MongoDB's always are.
    """
    if isinstance(value, dict):
        return {_key(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, str | int):
        return value
    return _leaf(value)


def _leaf(value):
    """What JSON cannot carry as it is (also `json`'s `default` hook below)."""
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, Decimal128):
        return to_jsonable(float(value.to_decimal()))
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return str(value)  # ObjectId as its hex, UUID, Timestamp, Regex, DBRef…


def _key(key):
    if isinstance(key, str):
        return key
    return json.dumps(key) if key is None or isinstance(key, bool) else str(key)


class SyncJSONProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        """JSON text that UTF-8 can carry: a lone UTF-16 surrogate (in an error naming what
        a client sent, or in a stored string) is written as a `\\udXXX` escape, where
        `ensure_ascii=False` would leave it raw and encoding the answer would fail.

        `json` writes the value itself, calling `_leaf` for what it cannot carry; only a
        value holding a non-finite float (or a key of a type `json` refuses) is first
        rebuilt by `to_jsonable`, the same text a few times slower (every answer is
        serialized here: a list of devices is mostly this)."""
        try:
            text = super().dumps(obj, **{"default": _leaf, "allow_nan": False, **kwargs})
        except (TypeError, ValueError):
            obj = to_jsonable(obj)
            text = super().dumps(obj, **kwargs)
        if not text.isascii() and LONE_SURROGATE.search(text):
            return super().dumps(obj, **{"default": _leaf, **kwargs, "ensure_ascii": True})
        return text

    def loads(self, s, **kwargs):
        """Standard JSON only: `NaN` and `Infinity` are not JSON, so a body carrying them is
        invalid rather than stored."""
        return super().loads(s, parse_constant=_refuse_constant, **kwargs)


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")
