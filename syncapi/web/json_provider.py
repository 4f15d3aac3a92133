"""Flask's JSON in syncapi's dialect (spec README §10): stored values written as the wire
shows them (`core.serialization`), keys in their stored order, and only standard JSON read."""

from flask.json.provider import DefaultJSONProvider

from syncapi.core.serialization import leaf, to_jsonable
from syncapi.schemas.limits import LONE_SURROGATE


class SyncJSONProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        """JSON text that UTF-8 can carry: a lone UTF-16 surrogate (in an error naming what
        a client sent, or in a stored string) is written as a `\\udXXX` escape, where
        `ensure_ascii=False` would leave it raw and encoding the answer would fail.

        `json` writes the value itself, calling `leaf` for what it cannot carry; only a
        value holding a non-finite float (or a key of a type `json` refuses) is first
        rebuilt by `to_jsonable`, the same text a few times slower (every answer is
        serialized here: a list of devices is mostly this)."""
        try:
            text = super().dumps(obj, **{"default": leaf, "allow_nan": False, **kwargs})
        except (TypeError, ValueError):
            obj = to_jsonable(obj)
            text = super().dumps(obj, **kwargs)
        if not text.isascii() and LONE_SURROGATE.search(text):
            return super().dumps(obj, **{"default": leaf, **kwargs, "ensure_ascii": True})
        return text

    def loads(self, s, **kwargs):
        """Standard JSON only: `NaN` and `Infinity` are not JSON, so a body carrying them is
        invalid rather than stored."""
        return super().loads(s, parse_constant=_refuse_constant, **kwargs)


def _refuse_constant(name):
    raise ValueError(f"{name} is not valid JSON")
