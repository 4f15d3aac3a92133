"""One connector schema for the org templates and the application connectors.

The contract's policies for undeclared keys differ per route (org create stores them,
application create ignores them); each route chooses with `schema.load(body, unknown=...)`.
"""

from marshmallow import INCLUDE, fields

from syncapi.schemas.base import BaseSchema, StrictBoolean, text
from syncapi.schemas.limits import DESCRIPTION_LENGTH, NAME_LENGTH


class CollectionSchema(BaseSchema):
    """One `collections` entry, `NAME → {used, variables: {var → {label}}}`; extras kept."""

    class Meta:
        unknown = INCLUDE

    used = StrictBoolean()
    variables = fields.Dict(keys=fields.String(), values=fields.Dict())


class ConnectorSchema(BaseSchema):
    server_set = ("_id", "organizationId", "createdAt", "updatedAt")

    name = text(required=True, limit=NAME_LENGTH)
    driver = text(required=True, limit=NAME_LENGTH)
    description = text(limit=DESCRIPTION_LENGTH)
    properties = fields.Dict()
    collections = fields.Dict(keys=fields.String(), values=fields.Nested(CollectionSchema))

    def adjust(self, data):
        self.check_extra_keys(data)
        return data
