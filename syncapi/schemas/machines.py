"""A platform admin's assignment of a machine id to an organization (spec §13.1)."""

from datetime import UTC

from marshmallow import fields, post_load

from syncapi.schemas.base import BaseSchema, identifier, text, wire


class MachineClaimSchema(BaseSchema):
    """`since` (ISO 8601) dates the claim back or forward; omitted, a claim that stays in
    its organization keeps its date and a moved one starts now."""

    organization_id = text(identifier, required=True, **wire("organizationId"))
    since = fields.DateTime()

    @post_load
    def in_utc(self, data, **kwargs):
        since = data.get("since")
        if since is not None:
            data["since"] = since.replace(tzinfo=UTC) if since.tzinfo is None else since
        return data
