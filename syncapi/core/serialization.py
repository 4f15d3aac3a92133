"""How stored values look on the wire (spec README §10).

ObjectId → 24-hex string; BSON dates → ISO-8601 UTC with milliseconds; NaN/Infinity → null.
Keys keep their stored order: the console and humans read documents as written.
"""

import base64
import json
import math
from datetime import datetime

from bson import Decimal128

from syncapi.core.clock import isoformat


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
    return leaf(value)


def leaf(value):
    """What JSON cannot carry as it is (also `json`'s `default` hook, `web.json_provider`)."""
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
