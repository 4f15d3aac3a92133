from marshmallow import ValidationError

from syncapi.identifiers import APPLICATION_SUFFIXES, is_application_id
from syncapi.schemas.base import BaseSchema, identifier, one_of, text, wire
from syncapi.schemas.limits import DESCRIPTION_LENGTH, NAME_LENGTH

STATUSES = ("active", "inactive")


def owns_its_collections(value):
    """`oilmonitor` would make `oilmonitor_devices` (the oil-monitor product's read-only
    collection) its device collection: refused, like any id naming a collection in use."""
    if not is_application_id(value):
        names = ", ".join(f"{value}_{suffix}" for suffix in APPLICATION_SUFFIXES)
        raise ValidationError(f"would name collections used for something else ({names})")


class ApplicationSchema(BaseSchema):
    application_id = text(identifier, owns_its_collections, required=True, **wire("applicationId"))
    name = text(required=True, limit=NAME_LENGTH)
    description = text(load_default="", limit=DESCRIPTION_LENGTH)
    status = one_of(STATUSES, load_default="active")


class ApplicationUpdateSchema(ApplicationSchema):
    """Loaded with `partial=True`; the id is the path's, so it is not accepted here."""

    class Meta:
        exclude = ("application_id",)
