"""The query parameters of a list (spec §13.3): `limit`, `offset`, `sort`, `q`, and `tag`
for devices. Loaded from the query string, every value arrives as text: integers are parsed
here, strictly (no sign, no spaces), and each parameter may be given once (`tag` repeats)."""

import re

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates,
)

from syncapi.core.identifiers import MAX_TAGS, TAG_RULE, is_tag
from syncapi.core.list_query import MAX_LIMIT, MAX_OFFSET, MAX_SEARCH, ListQuery
from syncapi.schemas.base import UniqueList

DIGITS = re.compile(r"[0-9]{1,10}")


class QueryInteger(fields.Field):
    """A non-negative integer written in plain digits, within `[minimum, maximum]`."""

    def __init__(self, minimum, maximum, **options):
        super().__init__(**options)
        self.minimum, self.maximum = minimum, maximum

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str) or not DIGITS.fullmatch(value):
            raise ValidationError(f"must be an integer from {self.minimum} to {self.maximum}")
        number = int(value)
        if not self.minimum <= number <= self.maximum:
            raise ValidationError(f"must be an integer from {self.minimum} to {self.maximum}")
        return number


def tag_rule(value):
    if not is_tag(value):
        raise ValidationError(f"must be {TAG_RULE}")


def normalized_tag(value):
    """Tags compare lower-cased (`Line-1` and `line-1` are one tag)."""
    return value.lower()


TOO_LONG = f"must be at most {MAX_SEARCH} characters"


def printable(value):
    """A search is typed text: a control character (NUL, which a real MongoDB refuses in a
    `$regex`) is refused before it reaches the server."""
    if any(ord(character) < 32 or ord(character) == 127 for character in value):
        raise ValidationError("must not contain control characters")


class ListQuerySchema(Schema):
    """Built per resource with the wire names it sorts by."""

    limit = QueryInteger(1, MAX_LIMIT)
    offset = QueryInteger(0, MAX_OFFSET)
    sort = fields.String()
    q = fields.String(
        validate=(
            validate.Length(max=MAX_SEARCH, error=f"must be at most {MAX_SEARCH} characters"),
            printable,
        )
    )

    def __init__(self, sort_fields, **options):
        super().__init__(**options)
        self.sort_choices = [*sort_fields, *(f"-{name}" for name in sort_fields)]

    @validates("sort")
    def known_sort(self, value, **kwargs):
        if value not in self.sort_choices:
            raise ValidationError("must be one of " + ", ".join(self.sort_choices))

    @pre_load
    def single_values(self, args, **kwargs):
        """`args` is the request's MultiDict; only `tag` may be repeated. Other parameters of
        the route (e.g. `organizationId`) are not this schema's business."""
        loaded = {}
        for name in args:
            if name not in self.load_fields:
                continue
            values = args.getlist(name)
            if name == "tag":
                loaded[name] = values
            elif len(values) > 1:
                raise ValidationError("must be given once", name)
            else:
                loaded[name] = values[0]
        return loaded

    @post_load
    def as_list_query(self, data, **kwargs):
        tags = tuple(dict.fromkeys(data.pop("tag", ())))  # once each, in the order given
        return ListQuery(tags=tags, **data)


class Tag(fields.String):
    """A device tag, lower-cased before it is checked (`Line-1` is `line-1`)."""

    def _deserialize(self, value, attr, data, **kwargs):
        return normalized_tag(super()._deserialize(value, attr, data, **kwargs))


def tag_list(**options):
    """At most 32 tags of 1–64 characters from `[a-z0-9_.:-]`, lower-cased (spec §13.3)."""
    return UniqueList(Tag(validate=tag_rule), MAX_TAGS, noun="tags", **options)


class DeviceListQuerySchema(ListQuerySchema):
    """Devices also filter by tags: `?tag=a&tag=b`, devices carrying all of them."""

    tag = tag_list()
