"""The query of a change log read: `since`, `type`, `id`, `limit` (docs/api.md "Change log")."""

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from syncapi.schemas.base import OutputSchema, as_stored, computed
from syncapi.schemas.limits import ID_LENGTH
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
MAX_SEQ = 9_999_999_999  # what `QueryInteger`'s ten digits say: beyond any log's length


class ChangeQuerySchema(Schema):
    class Meta:
        unknown = RAISE

    since = QueryInteger(0, MAX_SEQ, load_default=0)
    type = fields.String(
        validate=validate.OneOf(RESOURCE_TYPES, error="must be one of " + ", ".join(RESOURCE_TYPES))
    )
    id = fields.String(
        validate=validate.Length(1, ID_LENGTH, error=f"must be 1 to {ID_LENGTH} characters")
    )
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


class ChangeOutSchema(OutputSchema):
    """An entry as the log keeps it (`change_log.write_entry`): what every entry has, and
    `requestId` (the server's), `clientRequestId` (the one its client sent) and `counts`
    where there are some. `before` and `after` are documents as
    the API shows them (any JSON: a malformed value older writers left is kept as it was)."""

    seq = computed(lambda entry: entry["seq"], "integer")
    at = computed(lambda entry: entry["at"], "string")  # a date, written as every date (§10)
    actor = computed(lambda entry: entry["actor"], "object")
    action = computed(lambda entry: entry["action"], "string")
    resource = computed(lambda entry: entry["resource"], "object")
    before = fields.Function(lambda entry: entry.get("before"))
    after = fields.Function(lambda entry: entry.get("after"))
    request_id = as_stored("string", data_key="requestId")
    client_request_id = as_stored("string", data_key="clientRequestId")
    counts = as_stored("object")
    restored_from = as_stored("integer", data_key="restoredFrom")
    before_summary = as_stored("object", data_key="beforeSummary")
    after_summary = as_stored("object", data_key="afterSummary")

    def stored(self, obj):
        return obj
