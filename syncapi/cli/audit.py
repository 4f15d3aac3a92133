"""`flask --app wsgi db audit`: stored values that the input rules (spec README §10) refuse.

Those rules bind what requests send. Documents written before them, or by other tools, may
break them: a 300-character name, a `$` key, a non-finite number, a website that is no
URL, a record id (`machineId`, `eui`, `gatewayId`, event-class and function ids) with a `/`
or a control or format character, or that is `.` or `..`. A client that sends such a
document back unchanged would get a 400, and a record whose id breaks the rule may be
unreachable, so this lists each one by database, collection, document `_id` and field, and
changes nothing.
"""

import click
from flask import current_app
from flask.cli import with_appcontext
from marshmallow import ValidationError, fields
from pymongo.errors import ConnectionFailure

from syncapi.cli import server_client
from syncapi.core.identifiers import RECORD_ID_RULE, is_record_id
from syncapi.repositories import application_collections, applications
from syncapi.repositories.organizations import tenant_databases
from syncapi.schemas.applications import ApplicationSchema
from syncapi.schemas.base import record_id
from syncapi.schemas.connectors import ConnectorSchema
from syncapi.schemas.devices import DeviceSchema, LegacyDeviceSchema
from syncapi.schemas.event_classes import EventClassSchema
from syncapi.schemas.functions import FunctionSchema
from syncapi.schemas.gateways import GatewaySchema
from syncapi.schemas.limits import printable, refused
from syncapi.schemas.organizations import OrganizationUpdateSchema, web_address
from syncapi.schemas.services import ServiceSchema
from syncapi.schemas.users import UserSchema

# The collections the API writes, with the schema their documents are written through.
TENANT_COLLECTIONS = {
    "users": UserSchema(),
    "gateways": GatewaySchema(),
    "connectors": ConnectorSchema(),
    "monitoreo-cnc_events": EventClassSchema(),
    "functions": FunctionSchema(),
}
APPLICATION_COLLECTIONS = {"devices": DeviceSchema(), "connectors": ConnectorSchema()}
SHARED_COLLECTIONS = {"devices": LegacyDeviceSchema(), "services": ServiceSchema()}


@click.command("audit")
@with_appcontext
def audit_command():
    """List stored values the API would now refuse (exit status 1 if any); changes nothing."""
    try:
        lines = 0
        client = server_client("it starts empty: there is nothing older to audit")
        config = current_app.config
        shared_name, pattern = config["MONGODB_DEFAULT_DB"], config["ORGANIZATION_DATABASES"]
        for line in findings(client, shared_name, pattern):
            click.echo(line)
            lines += 1
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    if lines:
        raise click.ClickException(
            f"{lines} stored value(s) break the input rules; nothing changed"
        )
    click.echo("every stored value follows the input rules")


def findings(client, shared_name, pattern=""):
    """`database.collection _id: field reason` for every refused value, tenants first (other
    programs' databases, outside `pattern`, are not syncapi's to judge)."""
    for database in tenant_databases(client, shared_name, sizes=False, pattern=pattern):
        yield from _tenant_findings(client[database["name"]])
    if shared_name in client.list_database_names():
        db = client[shared_name]
        for collection, schema in SHARED_COLLECTIONS.items():
            yield from _collection_findings(db, collection, schema)


def _tenant_findings(db):
    for document in db.config.find():
        yield from _report(db.name, "config", document, _config_problems(document))
    for collection, schema in TENANT_COLLECTIONS.items():
        yield from _collection_findings(db, collection, schema)
    for application_id in applications.settings_by_id(db):
        for suffix, schema in APPLICATION_COLLECTIONS.items():
            name = application_collections.app_collection(db, application_id, suffix).name
            yield from _collection_findings(db, name, schema)


def _collection_findings(db, collection, schema):
    for document in db[collection].find():
        yield from _report(db.name, collection, document, over_cap(schema, document))


def _report(database, collection, document, declared):
    """One line per refused value: a declared field's own cap first, then the rules every
    stored value obeys (a path is named once)."""
    found = dict(declared)
    for path, reason in refused(document):
        found.setdefault(path, reason)
    for path, reason in found.items():
        where = f"{database}.{collection} {printable(str(document.get('_id')))}"
        yield f"{where}: {path or 'document'} {reason}"


def _config_problems(document):
    """The organization metadata and each application's settings (spec README §5, §6)."""
    value = document.get("value")
    if not isinstance(value, dict):
        return []
    if document.get("key") == "organization":
        return [*over_cap(OrganizationUpdateSchema(), value, "value"), *_website(value)]
    if document.get("key") == "applications":
        settings = value.get("applicationSettings")
        return [
            problem
            for key, entry in (settings.items() if isinstance(settings, dict) else ())
            if isinstance(entry, dict)
            for problem in over_cap(ApplicationSchema(), entry, f"value.applicationSettings.{key}")
        ]
    return []


def _website(value):
    """A stored website the organization PUT would refuse (null and "" are fine)."""
    website = value.get("website")
    if website is None:
        return []
    if isinstance(website, str):
        try:
            web_address(website)
            return []
        except ValidationError:
            pass
    return [("value.website", "must be an http or https URL")]


def over_cap(schema, document, path=""):
    """(path, reason) of each declared string longer than its field's `limit`, or breaking
    the record-id rule its field follows."""
    for name, field in schema.fields.items():
        key = field.data_key or name
        if isinstance(document, dict) and key in document:
            yield from _field_over_cap(field, document[key], f"{path}.{key}" if path else key)


def _field_over_cap(field, value, path):
    if isinstance(field, fields.List) and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _field_over_cap(field.inner, item, f"{path}[{index}]")
    elif isinstance(field, fields.Nested) and isinstance(value, dict):
        yield from over_cap(field.schema, value, path)
    elif isinstance(value, str) and len(value) > field.metadata.get("limit", len(value)):
        yield path, f"must be at most {field.metadata['limit']} characters"
    elif isinstance(value, str) and record_id in field.validators and not is_record_id(value):
        yield path, f"must be {RECORD_ID_RULE}"
