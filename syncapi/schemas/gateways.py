from marshmallow import fields

from syncapi.schemas.base import BaseSchema, text, wire


class GatewaySchema(BaseSchema):
    """POST as is; PUT loads it with `partial=True`."""

    gateway_id = text(required=True, **wire("gatewayId"))
    name = text(required=True)
    location = fields.String()
    status = text(required=False)
