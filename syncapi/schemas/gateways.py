from syncapi.schemas.base import BaseSchema, text, wire
from syncapi.schemas.limits import ID_LENGTH, NAME_LENGTH


class GatewaySchema(BaseSchema):
    """POST as is; PUT loads it with `partial=True`."""

    gateway_id = text(required=True, limit=ID_LENGTH, **wire("gatewayId"))
    name = text(required=True, limit=NAME_LENGTH)
    location = text()
    status = text(limit=NAME_LENGTH)
