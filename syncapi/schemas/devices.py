"""Devices: the tenant devices of both tenant mounts and the legacy `/device` ones.

Both share the declared fields; they differ in what happens to other keys (tenant devices
store them as sent, legacy devices drop them) and in who sets `organizationId`.
"""

from marshmallow import EXCLUDE, INCLUDE, ValidationError, fields, validates_schema

from syncapi.schemas.base import BaseSchema, UniqueList, identifier, record_id, text, wire
from syncapi.schemas.limits import ID_LENGTH, NAME_LENGTH
from syncapi.schemas.lists import tag_list

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
    tags = tag_list()

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


def machine_ids(limit, **options):
    """1 to `limit` machine ids, each by the record id rule."""
    return UniqueList(
        text(record_id, limit=ID_LENGTH), limit, minimum=1, noun="machine ids", **options
    )


class TagChangeSchema(BaseSchema):
    """POST …/device-tags: tags added to and removed from up to 1 000 devices at once."""

    machine_ids = machine_ids(1000, required=True, **wire("machineIds"))
    add = tag_list(load_default=list)
    remove = tag_list(load_default=list)

    @validates_schema
    def changes_something(self, data, **kwargs):
        if not data.get("add") and not data.get("remove"):
            raise ValidationError("must list a tag when remove lists none", "add")
        both = [tag for tag in data.get("remove", ()) if tag in data.get("add", ())]
        if both:
            raise ValidationError(f"must not list a tag add lists ({both[0]})", "remove")
