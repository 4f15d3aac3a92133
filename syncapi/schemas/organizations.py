from urllib.parse import urlsplit

from marshmallow import EXCLUDE, ValidationError, fields, post_load

from syncapi.schemas.applications import display_name
from syncapi.schemas.base import BaseSchema, OutputSchema, as_stored, computed, contains_at, text
from syncapi.schemas.limits import DESCRIPTION_LENGTH, EMAIL_LENGTH, NAME_LENGTH


def web_address(value):
    """An `http`/`https` URL with a host, or `""`: the console renders it as a link, so any
    other scheme (`javascript:`), spaces or control characters are refused."""
    if value and not _is_web_address(value):
        raise ValidationError("must be an http or https URL")


def _is_web_address(value):
    if not value.isprintable() or any(character.isspace() for character in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


class OrganizationUpdateSchema(BaseSchema):
    """PUT /api/organizations/{org}: every key optional, unknown keys ignored (the contract).

    `website` is cleared by `null` or `""`: both are stored as null, so GET answers
    `"website": null`, as for a website never set.
    """

    class Meta:
        unknown = EXCLUDE

    name = text(limit=NAME_LENGTH)
    description = text(limit=DESCRIPTION_LENGTH)
    email = text(contains_at, limit=EMAIL_LENGTH)
    website = text(web_address, allow_none=True)

    @post_load
    def clear_website(self, data, **kwargs):
        if data.get("website") == "":
            data["website"] = None
        return data


def _detail(key, openapi_type="string"):
    """A stored detail of the organization, null when never set."""
    return computed(lambda org: org["details"].get(key), [openapi_type, "null"])


class OrganizationOutSchema(OutputSchema):
    """GET and PUT /api/organizations/{org} (organizations.md §2), dumped from
    `{"id": <path id>, "details": <stored metadata>}`: the name falls back to the id."""

    id = fields.String()
    name = computed(lambda org: org["details"].get("name") or org["id"], "string")
    description = _detail("description")
    email = _detail("email")
    website = _detail("website")
    revision = _detail("revision", "integer")


class OrganizationListItemSchema(OutputSchema):
    """An item of GET /api/organizations, dumped from the summary kept on write
    (`repositories.summaries`): zeros until the first count is kept."""

    id = computed(lambda summary: summary["_id"], "string")
    name = computed(lambda summary: summary["_id"], "string")
    size_on_disk = as_stored(
        "number", data_key="sizeOnDisk", attribute="sizeOnDisk", dump_default=0
    )
    empty = as_stored("boolean", dump_default=False)
    application_count = as_stored(
        "integer", data_key="applicationCount", attribute="applicationCount", dump_default=0
    )
    user_count = as_stored("integer", data_key="userCount", attribute="userCount", dump_default=0)


class StatsOrganizationSchema(OutputSchema):
    id = computed(lambda org: org["details"].get("organizationId") or org["id"], "string")
    name = computed(
        lambda org: (
            org["details"].get("organizationName") or org["details"].get("name") or org["id"]
        ),
        "string",
    )
    status = _detail("status")


class StatsApplicationSchema(OutputSchema):
    application_id = computed(lambda entry: entry["id"], "string", data_key="applicationId")
    application_name = computed(
        lambda entry: display_name(entry["settings"]),
        ["string", "null"],
        data_key="applicationName",
    )
    device_count = computed(lambda entry: entry["device_count"], "integer", data_key="deviceCount")
    status = computed(lambda entry: entry["settings"].get("status"), ["string", "null"])


class OrganizationStatsSchema(OutputSchema):
    """GET /api/organizations/{org}/stats, dumped from `{"organization": {"id", "details"},
    "applications": [{"id", "settings", "device_count"}]}`."""

    organization = fields.Nested(StatsOrganizationSchema)
    applications = computed(lambda org: len(org["applications"]), "integer")
    total_devices = computed(
        lambda org: sum(entry["device_count"] for entry in org["applications"]),
        "integer",
        data_key="totalDevices",
    )
    applications_list = fields.Nested(
        StatsApplicationSchema, many=True, attribute="applications", data_key="applicationsList"
    )
