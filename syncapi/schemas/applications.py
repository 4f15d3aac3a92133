from syncapi.schemas.base import BaseSchema, identifier, one_of, text, wire

STATUSES = ("active", "inactive")


class ApplicationSchema(BaseSchema):
    application_id = text(identifier, required=True, **wire("applicationId"))
    name = text(required=True)
    description = text(load_default="")
    status = one_of(STATUSES, load_default="active")


class ApplicationUpdateSchema(ApplicationSchema):
    """Loaded with `partial=True`; the id is the path's, so it is not accepted here."""

    class Meta:
        exclude = ("application_id",)
