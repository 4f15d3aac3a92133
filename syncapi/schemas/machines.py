"""A platform admin's assignment of a machine id to an organization (spec §13.1)."""

from datetime import UTC, datetime

from marshmallow import ValidationError, fields, post_load

from syncapi.core.list_query import MAX_BATCH
from syncapi.schemas.base import BaseSchema, OutputSchema, computed, identifier, text, wire
from syncapi.schemas.devices import machine_ids

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)  # the epoch: the machine's whole history
LATEST = datetime(2262, 4, 11, tzinfo=UTC)  # InfluxDB's timestamps are int64 nanoseconds


def in_utc(moment):
    """`moment` in UTC (naive: taken as UTC), refused outside what InfluxDB can compare."""
    try:
        moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        moment = None
    if moment is None or not EARLIEST <= moment <= LATEST:
        raise ValidationError("must be a date from 1970-01-01 to 2262-04-11")
    return moment


class MachineClaimSchema(BaseSchema):
    """`since` (ISO 8601) dates the claim back or forward; omitted, a claim that stays in
    its organization keeps its date and a moved one starts now."""

    organization_id = text(identifier, required=True, **wire("organizationId"))
    since = fields.DateTime()

    @post_load
    def dated_in_utc(self, data, **kwargs):
        if "since" in data:
            try:
                data["since"] = in_utc(data["since"])
            except ValidationError as error:
                raise ValidationError(error.messages, "since") from None
        return data


class MachineClaimOutSchema(OutputSchema, MachineClaimSchema):
    """A claim as stored (`repositories.machine_claims`), its id answered as `machineId`."""

    hidden = ("_id",)
    machine_id = computed(lambda claim: claim["_id"], "string", data_key="machineId")

    def stored(self, obj):
        return obj


class MachineStatusQuerySchema(BaseSchema):
    """POST /device/status: the console's device table asks for up to 500 machines at once."""

    machine_ids = machine_ids(MAX_BATCH, required=True, **wire("machineIds"))
