"""Tenant devices: declared fields validated, any other key stored as sent (the contract)."""

from marshmallow import INCLUDE, ValidationError, fields

from syncapi.schemas.base import BaseSchema, text, wire

DeviceEventSchema = BaseSchema.from_dict(
    {"id": text(required=True), "label": fields.String(), "class": text(required=True)},
    name="DeviceEventSchema",
)


def machine_id_rule(value):
    if len(value) > 128 or "/" in value:
        raise ValidationError("must be 1 to 128 characters without /")


class DeviceSchema(BaseSchema):
    """POST as is, PUT with `partial=True`; `machine_id` is accepted for `machineId`."""

    server_set = ("_id", "organizationId", "applicationId", "createdAt", "updatedAt")

    class Meta:
        unknown = INCLUDE

    machine_id = text(machine_id_rule, required=True, **wire("machineId"))
    name = fields.String()
    connectors = fields.List(fields.String(), load_default=list)
    events = fields.List(fields.Nested(DeviceEventSchema), load_default=list)
    properties = fields.Dict(load_default=dict)

    def adjust(self, data):
        if "machine_id" in data:
            snake = data.pop("machine_id")
            data.setdefault("machineId", snake)
        self.check_extra_keys(data)
        return data
