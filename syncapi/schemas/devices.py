"""Devices: the tenant devices of both tenant mounts and the legacy `/device` ones.

Both share the declared fields; they differ in what happens to other keys (tenant devices
store them as sent, legacy devices drop them) and in who sets `organizationId`.
"""

from marshmallow import EXCLUDE, INCLUDE, fields

from syncapi.schemas.base import BaseSchema, identifier, record_id, text, wire
from syncapi.schemas.limits import ID_LENGTH, NAME_LENGTH

DeviceEventSchema = BaseSchema.from_dict(
    {
        "id": text(required=True, limit=ID_LENGTH),
        "label": text(limit=NAME_LENGTH),
        "class": text(required=True, limit=NAME_LENGTH),
    },
    name="DeviceEventSchema",
)


class DeviceFieldsSchema(BaseSchema):
    machine_id = text(record_id, required=True, limit=ID_LENGTH, **wire("machineId"))
    name = text(limit=NAME_LENGTH)
    connectors = fields.List(text(limit=NAME_LENGTH), load_default=list)
    events = fields.List(fields.Nested(DeviceEventSchema), load_default=list)
    properties = fields.Dict(load_default=dict)


class DeviceSchema(DeviceFieldsSchema):
    """Tenant devices: POST as is, PUT through `load_changes`; `machine_id` means `machineId`."""

    server_set = ("_id", "organizationId", "applicationId", "createdAt", "updatedAt")

    class Meta:
        unknown = INCLUDE

    # The LoRa eui names the machine in InfluxDB like `machineId` (README §7), so it is
    # claimed and sent to InfluxDB as one: the same rule.
    eui = fields.String(validate=record_id, allow_none=True)

    def adjust(self, data):
        if "machine_id" in data:
            snake = data.pop("machine_id")
            data.setdefault("machineId", snake)
        self.check_extra_keys(data)
        return data


class LegacyDeviceSchema(DeviceFieldsSchema):
    """Devices of the shared database: keys outside the schema are dropped (the original's)."""

    class Meta:
        unknown = EXCLUDE

    application_id = text(limit=ID_LENGTH, **wire("applicationId"))
    organization_id = text(identifier, **wire("organizationId"))  # a tenant (the view checks it)
