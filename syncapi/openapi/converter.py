"""How syncapi's marshmallow schemas become JSON Schema (apispec's marshmallow plugin, told
what it cannot read by itself).

- Field types of our own (`Number`, `StrictBoolean`) and the rules of our validator
  functions (`not_blank`, `identifier`, `record_id`, ...), which apispec cannot introspect,
  are stated in `VALIDATORS`; a validator neither there nor in `BEYOND_DESCRIPTION` fails the
  tests, so a new rule is described the day it is written.
- An answer's schema (`OutputSchema`) whose `stored()` passes a stored document through is
  open (`additionalProperties: true`) and requires only what it computes; any other answer
  is closed and has every key it declares.
"""

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_cls, resolve_schema_instance
from marshmallow import fields

from syncapi.core.identifiers import IDENTIFIER_PATTERN, RECORD_ID_LENGTH
from syncapi.openapi.parameters import RECORD_ID_PATTERN, TAG_QUERY_PATTERN
from syncapi.schemas.applications import owns_its_collections
from syncapi.schemas.base import (
    Number,
    OutputSchema,
    StrictBoolean,
    UniqueList,
    contains_at,
    identifier,
    not_blank,
    record_id,
)
from syncapi.schemas.devices import DeviceSchema
from syncapi.schemas.event_classes import EventClassSchema, pair_in_order
from syncapi.schemas.lists import printable, tag_rule
from syncapi.schemas.organizations import web_address
from syncapi.schemas.users import PASSWORD_LENGTH, password_rule

# What each validator function allows, in JSON Schema words. Patterns are searched (not
# anchored) unless they say `^…$`.
VALIDATORS = {
    not_blank: {"pattern": r"\S"},
    identifier: {"pattern": IDENTIFIER_PATTERN},
    record_id: {"minLength": 1, "maxLength": RECORD_ID_LENGTH, "pattern": RECORD_ID_PATTERN},
    contains_at: {"pattern": "^$|@"},
    password_rule: {"minLength": 8, "maxLength": PASSWORD_LENGTH},
    pair_in_order: {"minItems": 2, "maxItems": 2},
    tag_rule: {"pattern": TAG_QUERY_PATTERN},
    printable: {"pattern": r"^[^\x00-\x1f\x7f]*$"},
}
# Rules the description leaves to the server's 400: an application id that would name a
# collection in use, and a website's URL syntax beyond "a string".
BEYOND_DESCRIPTION = {owns_its_collections, web_address}
# Another name a body may send a field under, which the schema's `adjust` renames.
ALIASES = {
    EventClassSchema: {"className": "class"},
    DeviceSchema: {"machine_id": "machineId"},
}


def validator_properties(validators):
    """The JSON Schema keywords of a field's validators (several patterns become `allOf`)."""
    properties, patterns = {}, []
    for validator in validators:
        if getattr(validator, "limit", None) is not None:  # `base.at_most`
            properties["maxLength"] = validator.limit
        described = dict(VALIDATORS.get(validator, {}))
        if "pattern" in described:
            patterns.append(described.pop("pattern"))
        properties.update(described)
    if len(patterns) == 1:
        properties["pattern"] = patterns[0]
    elif patterns:
        properties["allOf"] = [{"pattern": pattern} for pattern in patterns]
    return properties


def passes_stored_keys(schema):
    """An answer schema whose `stored()` returns a document (see `OutputSchema`)."""
    return type(schema).stored is not OutputSchema.stored


class Converter(OpenAPIConverter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.map_to_openapi_type(Number, "number", None)
        self.map_to_openapi_type(StrictBoolean, "boolean", None)
        self.add_attribute_function(validators2properties)

    def schema2jsonschema(self, schema):
        jsonschema = super().schema2jsonschema(schema)
        instance = resolve_schema_instance(schema)
        if isinstance(instance, OutputSchema):
            answer_rules(instance, jsonschema)
        for alias, name in ALIASES.get(type(instance), {}).items():
            with_alias(jsonschema, alias, name)
        return jsonschema


def with_alias(jsonschema, alias, name):
    """`alias` is described like `name`, and either of them is enough where one is required."""
    jsonschema["properties"][alias] = jsonschema["properties"][name]
    required = jsonschema.get("required", [])
    if name in required:
        required.remove(name)
        jsonschema["anyOf"] = [{"required": [name]}, {"required": [alias]}]
        if not required:
            del jsonschema["required"]


# Every stored document's server-set version (`repositories.documents`); absent from
# documents older code wrote until their next write.
REVISION = {
    "type": "integer",
    "minimum": 1,
    "description": "Set by the server: 1 on create, one more on every write (its ETag).",
}


def stored_document(jsonschema):
    """A body's JSON Schema as the document it is stored as: its fields (none required, not
    their aliases), the `_id` MongoDB gives it, its `revision`, and whatever else the
    document holds."""
    aliases = {alias for names in ALIASES.values() for alias in names}
    properties = {
        key: value for key, value in jsonschema["properties"].items() if key not in aliases
    }
    return {
        "type": "object",
        "properties": {"_id": {"type": "string"}, "revision": REVISION, **properties},
        "additionalProperties": True,
    }


def validators2properties(self, field, ret, **kwargs):
    """apispec attribute function: what our validator functions and list bounds allow."""
    properties = validator_properties(field.validators)
    if isinstance(field, UniqueList):
        properties["maxItems"] = field.limit
        if field.minimum:
            properties["minItems"] = field.minimum
    return properties


def answer_rules(schema, jsonschema):
    """Which keys an answer always has, and whether others may join them."""
    dumped = {
        field.data_key or name: field
        for name, field in schema.fields.items()
        if not field.load_only
    }
    if passes_stored_keys(schema):
        computed = [key for key, field in dumped.items() if isinstance(field, fields.Function)]
        jsonschema["additionalProperties"] = True
    else:
        computed = list(dumped)
        jsonschema["additionalProperties"] = False
    jsonschema.pop("required", None)
    if computed:
        jsonschema["required"] = sorted(computed)


def schema_name(schema):
    """`DeviceSchema` → `Device`; an update's partial body → `DeviceChanges`."""
    name = resolve_schema_cls(schema).__name__.removesuffix("Schema")
    partial = getattr(schema, "partial", None)
    return f"{name}Changes" if partial and not name.endswith("Update") else name


class Plugin(MarshmallowPlugin):
    Converter = Converter

    def __init__(self):
        super().__init__(schema_name_resolver=schema_name)
