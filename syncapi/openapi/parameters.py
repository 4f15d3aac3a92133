"""Path and query parameters of the API description, by the rules of `identifiers`.

A path argument of the URL map (`<organization_id>`) becomes the parameter its errors name
(`organizationId`), with the pattern the view or `tenancy` checks it against.
"""

import re

from syncapi.core.identifiers import (
    ICON_NAME_PATTERN,
    IDENTIFIER_PATTERN,
    INVISIBLE_CLASS,
    RECORD_ID_LENGTH,
    RECORD_ID_RULE,
    TAG_PATTERN,
)
from syncapi.core.list_query import DEFAULT_LIMIT, MAX_SEARCH
from syncapi.openapi import examples
from syncapi.schemas.changes import DEFAULT_LIMIT as CHANGES_LIMIT
from syncapi.schemas.changes import MAX_SEQ, RESOURCE_TYPES
from syncapi.schemas.limits import ID_LENGTH

# Tags are lower-cased before they are checked (`Line-1` is `line-1`).
TAG_QUERY_PATTERN = TAG_PATTERN.replace("a-z", "A-Za-z")

# `identifiers.is_record_id`: 1 to 128 characters, no `/`, not only whitespace, not `.` or
# `..`, no control or format character (those of the BMP: the rest the server refuses beyond
# the pattern).
RECORD_ID_PATTERN = (
    f"^(?!\\.\\.?$)[^/{INVISIBLE_CLASS}]*[^/\\s{INVISIBLE_CLASS}][^/{INVISIBLE_CLASS}]*$"
)
RECORD_ID = {
    "type": "string",
    "minLength": 1,
    "maxLength": RECORD_ID_LENGTH,
    "pattern": RECORD_ID_PATTERN,
}
OBJECT_ID = {"type": "string", "pattern": "^[0-9a-fA-F]{24}$"}  # bson.ObjectId.is_valid
IDENTIFIER = {"type": "string", "pattern": IDENTIFIER_PATTERN}
ICON_NAME = {"type": "string", "pattern": ICON_NAME_PATTERN}
ICON_FORMAT = {"type": "string", "pattern": "^([pP][nN][gG]|[sS][vV][gG]|[jJ][pP][eE]?[gG])$"}

# URL-map argument → (parameter name, schema, description).
PATH = {
    "organization_id": (
        "organizationId",
        IDENTIFIER,
        "The organization (its database); `admin`, `local`, `config` and the shared "
        "database are refused.",
    ),
    "application_id": ("applicationId", IDENTIFIER, "A registered application of it."),
    "machine_id": ("machineId", RECORD_ID, f"A machine id: {RECORD_ID_RULE}."),
    "function_id": ("functionId", RECORD_ID, f"A function id: {RECORD_ID_RULE}."),
    "connector_id_text": ("connectorId", OBJECT_ID, "The connector's `_id`, 24 hex digits."),
    "service_id_text": ("id", OBJECT_ID, "The service's `_id`, 24 hex digits."),
    "user_id": (
        "userId",
        {"type": "string", "minLength": 1},
        "The user's `id` as listed: its `_id` in hex, or the `id` an older writer stored.",
    ),
    "gateway_id": ("gatewayId", RECORD_ID, f"The gateway's `gatewayId`: {RECORD_ID_RULE}."),
    "seq": (
        "seq",
        {"type": "integer", "minimum": 1, "maximum": MAX_SEQ},
        "An entry of the organization's change log, by its seq.",
    ),
    "category": ("category", ICON_NAME, "Icon category (lower-cased on disk)."),
    "name": ("name", ICON_NAME, "Icon name (lower-cased on disk)."),
    "icon_format": ("format", ICON_FORMAT, "png, svg, jpg or jpeg, in any case."),
    "asset": (
        "asset",
        {"type": "string", "pattern": r"^[a-z0-9][a-z0-9.-]*$"},
        "A file of the docs page (Swagger UI's own).",
    ),
}

# URL-map argument → the value the examples name (the docs page fills it in to try a call).
PATH_EXAMPLES = {
    "organization_id": examples.ORGANIZATION,
    "application_id": examples.APPLICATION,
    "machine_id": examples.MACHINE,
    "function_id": "oee",
    "connector_id_text": examples.CONNECTOR_ID,
    "service_id_text": examples.SERVICE_ID,
    "user_id": examples.USER_ID,
    "gateway_id": "GW-01",
    "seq": 43,
    "category": "drivers",
    "name": "fanuc",
    "icon_format": "svg",
    "asset": "swagger-ui.css",
}

ARGUMENT = re.compile(r"<(?:[a-z_]+:)?([a-z_]+)>")


def openapi_path(rule):
    """`/api/organizations/<organization_id>` → `/api/organizations/{organizationId}`."""
    return ARGUMENT.sub(lambda match: "{" + PATH[match.group(1)][0] + "}", rule.rule)


def path_parameters(rule):
    """The parameters of a URL-map rule's arguments, in path order."""
    parameters = []
    for argument in ARGUMENT.findall(rule.rule):
        name, schema, description = PATH[argument]
        parameters.append(
            {
                "in": "path",
                "name": name,
                "required": True,
                "schema": schema,
                "description": description,
                "example": PATH_EXAMPLES[argument],
            }
        )
    return parameters


def list_parameters(schema):
    """The query parameters of a list (spec §13.3), read from the `ListQuerySchema` its view
    loads them with: any of them asks for a page instead of the whole array."""
    fields = schema.fields
    parameters = [
        query(
            "limit",
            _integer(fields["limit"]),
            f"Items per page (default {DEFAULT_LIMIT} when paging).",
        ),
        query("offset", _integer(fields["offset"]), "Items skipped."),
        query(
            "sort",
            {"type": "string", "enum": list(schema.sort_choices)},
            "A field to sort by, `-` first for descending; ties by `_id`.",
        ),
        query(
            "q",
            {"type": "string", "maxLength": MAX_SEARCH},
            "Literal, case-insensitive search of the resource's human fields.",
        ),
    ]
    if "tag" in fields:
        tag = {"type": "string", "pattern": TAG_QUERY_PATTERN}
        parameters.append(
            {
                **query("tag", {"type": "array", "items": tag}, "Items carrying every tag."),
                "style": "form",
                "explode": True,
            }
        )
    return tuple(parameters)


def _integer(field):
    return {"type": "integer", "minimum": field.minimum, "maximum": field.maximum}


def query(name, schema, description, required=False, example=None):
    """A query parameter; a required one has an `example` (the docs page fills it in)."""
    parameter = {
        "in": "query",
        "name": name,
        "required": required,
        "schema": schema,
        "description": description,
    }
    if example is not None:
        parameter["example"] = example
    return parameter


def change_parameters(schema):
    """The query parameters of a change log read (`ChangeQuerySchema`), each at most once."""
    fields = schema.fields
    return (
        query("since", _integer(fields["since"]), "Entries after this seq, oldest first."),
        query(
            "type",
            {"type": "string", "enum": list(RESOURCE_TYPES)},
            "Entries of this resource type.",
        ),
        query(
            "id",
            {"type": "string", "minLength": 1, "maxLength": ID_LENGTH},
            "Entries of the resource the API addresses by this key (`resource.id`).",
        ),
        query("limit", _integer(fields["limit"]), f"Entries at most (default {CHANGES_LIMIT})."),
    )


ORGANIZATION_IN_QUERY = query(
    "organizationId", IDENTIFIER, "The organization; default the server's `ORGANIZATION_ID`."
)
