"""What every schema shares: unknown keys refused, blank strings refused, no operator keys,
every string bounded.

A key starting with `$` is refused at any depth of what a schema loads (free objects such as
`properties` included), so a request value never reaches MongoDB as an operator; so is any
other value BSON cannot store (NUL in keys, integers beyond 64 bits, broken text, depth).
Every string is bounded: declared fields by `text(limit=...)`, free ones by `unstorable`
(the caps and the walks are in `limits`).
"""

import math

from marshmallow import (
    RAISE,
    Schema,
    ValidationError,
    fields,
    missing,
    post_dump,
    post_load,
    pre_load,
    validate,
)

from syncapi.core.identifiers import IDENTIFIER_PATTERN, RECORD_ID_RULE, is_identifier, is_record_id
from syncapi.schemas.limits import INT64, TEXT_LENGTH, unstorable


def not_blank(value):
    if not value.strip():
        raise ValidationError("must not be empty")


def identifier(value):
    if not is_identifier(value):
        raise ValidationError(f"must match {IDENTIFIER_PATTERN}")


def record_id(value):
    """`machineId`, `eui`, `gatewayId`, event-class and function ids
    (`identifiers.is_record_id`)."""
    if not is_record_id(value):
        raise ValidationError(f"must be {RECORD_ID_RULE}")


def contains_at(value):
    if value and "@" not in value:
        raise ValidationError("must contain @")


def at_most(limit):
    def check(value):
        if len(value) > limit:
            raise ValidationError(f"must be at most {limit} characters")

    check.limit = limit  # the API description's maxLength
    return check


def text(*validators, limit=TEXT_LENGTH, **options):
    """A string of at most `limit` characters; `required=True` also refuses empty or blank
    strings. The limit is kept in the field's metadata for `db audit`."""
    validators = (at_most(limit), *validators)
    if options.get("required"):
        validators = (not_blank, *validators)
    return fields.String(validate=list(validators), metadata={"limit": limit}, **options)


def is_number(value):
    """A JSON number MongoDB can store: no numeric string, boolean, NaN, or int beyond 64 bits."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in INT64
    return isinstance(value, float) and math.isfinite(value)


class Number(fields.Field):
    """A number kept as sent (`360` stays an integer), refusing what `is_number` refuses."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not is_number(value):
            raise ValidationError("must be a number")
        return value


class StrictBoolean(fields.Field):
    """Only JSON `true`/`false`: `"true"`, `1` or `null` are refused, not guessed."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("must be a boolean")
        return value


class UniqueList(fields.List):
    """A list of `minimum` to `limit` items, counted as sent (before any work on its items),
    kept once each in the order first given."""

    def __init__(self, inner, limit, minimum=0, noun="items", **options):
        super().__init__(inner, **options)
        self.limit, self.minimum = limit, minimum
        self.bounds = f"must list {minimum} to {limit} {noun}"

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, list) and not self.minimum <= len(value) <= self.limit:
            raise ValidationError(self.bounds)
        return list(dict.fromkeys(super()._deserialize(value, attr, data, **kwargs)))


def wire(name):
    """Field options for a camelCase key, stored under the same name as on the wire."""
    return {"data_key": name, "attribute": name}


def one_of(choices, **options):
    message = "must be one of " + ", ".join(choices)
    return fields.String(validate=validate.OneOf(choices, error=message), **options)


class BaseSchema(Schema):
    """Bodies are objects of declared fields unless a schema or route says otherwise."""

    # Keys the server sets itself: a body that sends them is not refused, they are dropped.
    server_set = ()

    class Meta:
        unknown = RAISE

    @pre_load
    def prepare(self, data, **kwargs):
        if not isinstance(data, dict):
            return data  # marshmallow answers "must be an object"
        return self.adjust(
            {key: value for key, value in data.items() if key not in self.server_set}
        )

    @post_load
    def refuse_unstorable(self, data, **kwargs):
        """After typing, so `{"name": {"$gt": ""}}` is reported as "name must be a string"."""
        found = unstorable(data)
        if found:
            path, reason = found
            raise ValidationError(reason, path or "body")
        return data

    def load_changes(self, data, **options):
        """Load an update: top-level keys may be missing, but a sent nested item is whole."""
        return self.load(data, partial=tuple(self.fields), **options)

    def adjust(self, data):
        """A schema's own reshaping of the raw body, once server-set keys are dropped."""
        return data

    def check_extra_keys(self, data):
        """Undeclared keys are `$set` one by one: a dot in one would write inside another field."""
        declared = {field.data_key or name for name, field in self.fields.items()}
        for key in data:
            if key not in declared and ("." in key or not key):
                raise ValidationError(
                    {key: ["is not an allowed key (keys may not be empty or contain .)"]}
                )


def as_stored(openapi_type, **options):
    """A field of an answer that is sent as stored: described by its type (for the API
    description), never converted (a stored `3.0` stays `3.0`)."""
    return fields.Raw(metadata={"type": openapi_type}, **options)


def computed(function, openapi_type, **options):
    """A field an answer computes from what a repository returns, described by its type (a
    list such as `["string", "null"]` when it may be null)."""
    return fields.Function(function, metadata={"type": openapi_type}, **options)


class OutputSchema(Schema):
    """What a view answers, dumped from what a repository returns: the same declarations
    describe a body and an answer.

    A schema whose `stored` returns a document answers that document's keys as stored,
    in their stored order, older writers' keys included, except the `hidden` ones: its
    declared fields then describe those keys without converting them, and only its
    computed fields (`fields.Function`) are dumped, first (the `appended` ones last), never
    overridden by a stored key.
    """

    hidden = ()
    appended = ()

    def stored(self, obj):
        """The stored document whose keys pass through; None: every field is dumped."""
        return None

    def get_attribute(self, obj, attr, default):
        if self.stored(obj) is not None:
            return missing  # answered as stored, in `answer_stored_keys`
        return super().get_attribute(obj, attr, default)

    @post_dump(pass_original=True)
    def answer_stored_keys(self, data, original, **kwargs):
        document = self.stored(original)
        if document is None:
            return data
        kept = {key: value for key, value in document.items() if key not in self.hidden}
        first = {key: value for key, value in data.items() if key not in self.appended}
        last = {key: value for key, value in data.items() if key in self.appended}
        return {**first, **{k: v for k, v in kept.items() if k not in data}, **last}
