from urllib.parse import urlsplit

from marshmallow import EXCLUDE, ValidationError, post_load

from syncapi.schemas.base import BaseSchema, contains_at, text
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
