"""The query of a change log read: `since`, `type`, `id`, `limit` (README "Change log")."""

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from syncapi.schemas.lists import QueryInteger

RESOURCE_TYPES = (
    "organization",
    "application",
    "user",
    "gateway",
    "device",
    "device-tags",
    "connector",
    "event-class",
    "event-classes",
    "function",
    "machine-claim",
    "service",
    "legacy-device",
)
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_SEQ = 2**53  # beyond any log's length, within a JSON number


class ChangeQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    since = QueryInteger(0, MAX_SEQ, load_default=0)
    type = fields.String(
        validate=validate.OneOf(RESOURCE_TYPES, error="must be one of " + ", ".join(RESOURCE_TYPES))
    )
    id = fields.String(validate=validate.Length(1, 128, error="must be 1 to 128 characters"))
    limit = QueryInteger(1, MAX_LIMIT, load_default=DEFAULT_LIMIT)

    @pre_load
    def single_values(self, args, **kwargs):
        """Each parameter at most once (the request's MultiDict)."""
        loaded = {}
        for name in args:
            values = args.getlist(name)
            if len(values) > 1:
                raise ValidationError("must be given once", name)
            loaded[name] = values[0]
        return loaded


class ChangeOutSchema(Schema):
    """An entry as answered; `before`/`after` are the documents as the log keeps them."""

    seq = fields.Integer()
    at = fields.Raw()  # a date: the JSON provider writes it as every date (spec §10)
    actor = fields.Dict()
    requestId = fields.String()
    action = fields.String()
    resource = fields.Dict()
    before = fields.Raw(allow_none=True)
    after = fields.Raw(allow_none=True)
    counts = fields.Dict()
