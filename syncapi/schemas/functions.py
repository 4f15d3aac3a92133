"""Functions computed from a machine's events: counters and algebraic formulas."""

from marshmallow import ValidationError, fields, post_load, validates_schema

from syncapi.core import expressions
from syncapi.schemas.base import (
    BaseSchema,
    OutputSchema,
    as_stored,
    is_number,
    not_blank,
    one_of,
    record_id,
    text,
    wire,
)
from syncapi.schemas.limits import DESCRIPTION_LENGTH, ID_LENGTH, NAME_LENGTH

ALGEBRAIC_TYPES = ("Algebraic Function", "Algebraic")  # the console's, the seed data's


class CounterSchema(BaseSchema):
    name = text(limit=NAME_LENGTH)
    event_class = text(limit=NAME_LENGTH, **wire("eventClass"))


class FunctionEventSchema(BaseSchema):
    """What feeds a variable: an event of a class, or a device property."""

    type = one_of(("event", "property"))
    event_class = text(limit=NAME_LENGTH, **wire("eventClass"))
    property = text(limit=NAME_LENGTH)
    event = text(limit=NAME_LENGTH)
    name = text(limit=NAME_LENGTH)


class FunctionSchema(BaseSchema):
    id = text(record_id, limit=ID_LENGTH)
    name = text(required=True, limit=NAME_LENGTH)
    type = text(not_blank, limit=NAME_LENGTH, load_default="Algebraic Function")
    counter = fields.Nested(CounterSchema, allow_none=True, load_default=None)
    expression = text()
    variables = fields.List(text(limit=NAME_LENGTH), required=True)
    events = fields.List(fields.Nested(FunctionEventSchema), load_default=list)
    description = text(limit=DESCRIPTION_LENGTH, load_default="")

    @validates_schema
    def counter_or_expression(self, data, **kwargs):
        if data["type"] == "Counter":
            if not (data.get("counter") or {}).get("name", "").strip():
                raise ValidationError("is required for a Counter", "counter.name")
        elif "expression" not in data:
            raise ValidationError("is required", "expression")

    @post_load
    def check_expression(self, data, **kwargs):
        if data["type"] == "Counter":
            if not (data.get("expression") or "").strip():  # the console sends ""
                data["expression"] = data["counter"]["name"]
        elif data["type"] in ALGEBRAIC_TYPES:
            try:
                expressions.check(data["expression"], declared_names(data))
            except expressions.ExpressionError as error:
                raise ValidationError(str(error), "expression") from None
        return data


INTERNAL_FIELDS = ("_id", "applicationId", "createdAt", "updatedAt")


class FunctionOutSchema(OutputSchema, FunctionSchema):
    """A function as stored, without the fields only the server reads (functions.md)."""

    hidden = INTERNAL_FIELDS
    revision = as_stored("integer")  # stored, as every key of it

    def stored(self, obj):
        return obj


def declared_names(function):
    """The names a formula may use: its variables and the name of each of its events.

    Tolerates documents the original stored unchecked (non-list fields, non-text names).
    """
    variables = function.get("variables")
    events = function.get("events")
    names = (
        {name for name in variables if isinstance(name, str)}
        if isinstance(variables, list)
        else set()
    )
    if isinstance(events, list):
        names |= {
            event["name"]
            for event in events
            if isinstance(event, dict) and isinstance(event.get("name"), str)
        }
    return names


class EvaluationSchema(BaseSchema):
    """`{"values": {name: number}}`; numbers only (no strings, booleans, NaN)."""

    values = fields.Dict(keys=fields.String(), required=True)

    @validates_schema
    def numbers_only(self, data, **kwargs):
        for name, value in data["values"].items():
            if not is_number(value):
                raise ValidationError("must be a number", f"values.{name}")
