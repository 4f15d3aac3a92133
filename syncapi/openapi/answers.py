"""Schemas of the answers that views build themselves (counts, messages, time-series rows),
for the API description only: their views return these shapes directly, so these
declarations are checked against real answers by the fuzzing test (`tests/test_fuzz.py`),
which fails on any answer that does not conform.
"""

from marshmallow import INCLUDE, Schema, fields

from syncapi.core.tokens import ROLES


class ClosedSchema(Schema):
    """An answer with exactly these keys (no stored document passes through)."""


class ErrorSchema(Schema):
    """Every error body (spec README §10): `error` always, `field` naming the input at fault,
    `details` the setting or backend of a 503, `requestId` the answer's `X-Request-ID` (spec
    §13.5); open, as a route may add keys (`/ready`'s backends). Never a `message` key: the
    console would show it instead of `error`."""

    class Meta:
        unknown = INCLUDE

    error = fields.String(required=True)
    field = fields.String()
    details = fields.String()
    requestId = fields.String(required=True)  # noqa: N815 (the JSON key)


class ReadySchema(ClosedSchema):
    """`/ready` while MongoDB answers: InfluxDB's state is reported, never decisive."""

    status = fields.String(required=True, metadata={"description": "`ready`"})
    mongodb = fields.String(required=True, metadata={"description": "`ok`"})
    influxdb = fields.String(
        required=True,
        metadata={"description": "`ok`, `degraded`, `not configured` or `embedded`"},
    )


class MessageSchema(ClosedSchema):
    message = fields.String(required=True)


class CountSchema(ClosedSchema):
    count = fields.Integer(required=True)


class PropertyKeySchema(ClosedSchema):
    """A property key and the devices carrying it (by `machineId`, else `name`)."""

    key = fields.String(required=True)
    machines = fields.List(fields.String(), required=True)


class TagCountSchema(ClosedSchema):
    """A tag the application's devices carry, and how many do."""

    tag = fields.String(required=True)
    count = fields.Integer(required=True)


class TagsChangedSchema(ClosedSchema):
    matched = fields.Integer(required=True)


class ApplicationStatsSchema(ClosedSchema):
    application_id = fields.String(required=True, data_key="applicationId")
    device_count = fields.Integer(required=True, data_key="deviceCount")
    last_activity = fields.String(required=True, data_key="lastActivity")


class FleetApplicationSchema(ClosedSchema):
    """An application of `/api/query/applications`, with its organization."""

    application_id = fields.String(required=True, data_key="applicationId")
    name = fields.String(required=True)
    description = fields.String(required=True)
    status = fields.String(required=True)
    device_count = fields.Integer(required=True, data_key="deviceCount")
    organization_id = fields.String(required=True, data_key="organizationId")


class EventRowSchema(ClosedSchema):
    """A row of the event union (spec README §7); `time` in epoch milliseconds."""

    time = fields.Integer(required=True)
    machine_id = fields.String(required=True)
    event_id = fields.String(required=True)
    event_value = fields.String(required=True, allow_none=True)
    event_class = fields.String(required=True)


class CpuSampleSchema(ClosedSchema):
    time = fields.Integer(required=True)
    cpu_usage = fields.Float(required=True, allow_none=True)  # NaN is answered as null


class RamSampleSchema(ClosedSchema):
    time = fields.Integer(required=True)
    ram_usage = fields.Float(required=True, allow_none=True)


class StorageSchema(ClosedSchema):
    storage = fields.Float(required=True)


class PowerSchema(ClosedSchema):
    """null without a sample in the widest window (spec §13.7)."""

    power = fields.Boolean(required=True, allow_none=True)


class EvaluationResultSchema(ClosedSchema):
    result = fields.Float(required=True)


class IconUploadedSchema(ClosedSchema):
    message = fields.String(required=True)
    path = fields.String(required=True)
    filename = fields.String(required=True)
    category = fields.String(required=True)
    name = fields.String(required=True)


class LoginAnswerSchema(ClosedSchema):
    access_token = fields.String(required=True, data_key="accessToken")
    expires_in = fields.Integer(required=True, data_key="expiresIn")
    role = fields.String(required=True, metadata={"enum": list(ROLES)})


class IconFileSchema(Schema):
    """`multipart/form-data` of an icon upload: the file, in the field `icon` (other fields
    are ignored)."""

    class Meta:
        unknown = INCLUDE

    icon = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class IconUploadFormSchema(IconFileSchema):
    """`/api/library/upload` is also told where to store it."""

    category = fields.String(metadata={"description": "default `misc`"})
    name = fields.String(metadata={"description": "default: the file's own name"})
