from syncapi.schemas.base import BaseSchema, record_id, text, wire
from syncapi.schemas.limits import ID_LENGTH, NAME_LENGTH


class GatewaySchema(BaseSchema):
    """POST as is; PUT loads it with `partial=True`. `gatewayId` addresses the gateway in a
    path: the record-id rule (`identifiers.is_record_id`)."""

    gateway_id = text(record_id, required=True, limit=ID_LENGTH, **wire("gatewayId"))
    name = text(required=True, limit=NAME_LENGTH)
    location = text()
    status = text(limit=NAME_LENGTH)
