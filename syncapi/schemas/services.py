"""Global service configurations (spec/services.md); undeclared keys are ignored."""

from marshmallow import EXCLUDE, fields

from syncapi.schemas.base import BaseSchema, StrictBoolean, one_of, text
from syncapi.schemas.limits import NAME_LENGTH

TYPES = ("mqtt", "kafka", "influxdb", "timescaledb_cloud", "timescaledb", "redis", "topics")


class ServiceSchema(BaseSchema):
    """POST as is (required in this order: name, type, configuration); PUT via load_changes."""

    class Meta:
        unknown = EXCLUDE

    name = text(required=True, limit=NAME_LENGTH)
    type = one_of(TYPES, required=True)
    configuration = fields.Dict(required=True)
    enabled = StrictBoolean(load_default=True)


class ToggleSchema(BaseSchema):
    class Meta:
        unknown = EXCLUDE

    enabled = StrictBoolean(required=True)
