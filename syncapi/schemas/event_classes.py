"""Event classes: what a machine's topic carries and how its values are typed."""

from marshmallow import ValidationError, fields, post_load

from syncapi.core.clock import epoch_ms
from syncapi.schemas.base import BaseSchema, Number, OutputSchema, one_of, record_id, text
from syncapi.schemas.limits import ID_LENGTH, NAME_LENGTH

TYPES = ("STR", "INT", "FLOAT", "BOOL")


def pair_in_order(value):
    if len(value) != 2:
        raise ValidationError("must be exactly two numbers [min, max]")
    if value[0] > value[1]:
        raise ValidationError("must be [min, max] with min <= max")


class EventClassSchema(BaseSchema):
    """`class` or `className` accepted, `class` stored; type-specific keys kept for their type."""

    id = text(record_id, limit=ID_LENGTH)
    event_class = text(required=True, limit=NAME_LENGTH, data_key="class", attribute="class")
    topic = text(required=True)
    type = one_of(TYPES, required=True)
    auth_values = fields.List(text())
    values_range = fields.List(Number(), validate=pair_in_order)

    def adjust(self, data):
        class_name = data.pop("className", None)
        if class_name is not None and "class" not in data:
            data["class"] = class_name
        return data

    @post_load
    def keep_type_specific(self, data, **kwargs):
        if data["type"] != "STR":
            data.pop("auth_values", None)
        if data["type"] != "FLOAT":
            data.pop("values_range", None)
        return data


class EventClassOutSchema(OutputSchema, EventClassSchema):
    """An event class as stored, without the fields only the server reads."""

    # Classes are replaced as a set, never one by one: no revision of their own to show.
    hidden = ("_id", "applicationId", "createdAt", "updatedAt", "revision")

    def stored(self, obj):
        return obj


def assign_ids(items):
    """Ids for a replacement set: missing ones `ec_<epoch ms>_<index>`, none used twice."""
    stamp, seen = epoch_ms(), set()
    items = [{"id": f"ec_{stamp}_{index}", **item} for index, item in enumerate(items)]
    for index, item in enumerate(items):
        if item["id"] in seen:
            raise ValidationError({index: {"id": ["is used twice in the array"]}})
        seen.add(item["id"])
    return items
