from marshmallow import ValidationError

from syncapi.core.clock import iso_now
from syncapi.core.identifiers import APPLICATION_SUFFIXES, is_application_id
from syncapi.schemas.base import (
    BaseSchema,
    OutputSchema,
    as_stored,
    computed,
    identifier,
    one_of,
    text,
    wire,
)
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


def _last_modified(entry):
    settings = entry["settings"]
    return settings.get("updatedAt") or settings.get("createdAt") or iso_now()


def display_name(settings):
    """Older registries name an application `applicationName`."""
    return settings.get("name") or settings.get("applicationName")


class ApplicationOutSchema(OutputSchema, ApplicationSchema):
    """An application (organizations.md §7): its id and its registry settings as stored,
    dumped from `{"id", "settings"}`; a stored key never overrides a computed one."""

    hidden = ("applicationId", "deviceCount", "lastModified")
    application_id = computed(lambda entry: entry["id"], "string", data_key="applicationId")
    revision = as_stored("integer")  # stored, as every key of its settings

    def stored(self, obj):
        return obj["settings"]


class ApplicationListItemSchema(ApplicationOutSchema):
    """With the device count kept on write (`device_count`) and when it last changed,
    after the stored settings (the contract's order)."""

    appended = ("deviceCount", "lastModified")

    device_count = computed(lambda entry: entry["device_count"], "integer", data_key="deviceCount")
    last_modified = computed(_last_modified, "string", data_key="lastModified")
