from marshmallow import EXCLUDE, fields

from syncapi.schemas.base import BaseSchema, contains_at


class OrganizationUpdateSchema(BaseSchema):
    """PUT /api/organizations/{org}: every key optional, unknown keys ignored (the contract)."""

    class Meta:
        unknown = EXCLUDE

    name = fields.String()
    description = fields.String()
    email = fields.String(validate=contains_at)
    website = fields.String()
