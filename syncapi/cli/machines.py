"""`flask --app wsgi machines list|claim|release`: the machine registry from the command line
(the same operations as the platform admins' `/api/machines` routes)."""

from datetime import datetime

import click
from flask.cli import AppGroup
from marshmallow import ValidationError
from pymongo.errors import ConnectionFailure

from syncapi.access import tenancy
from syncapi.cli import server_client, server_shared_db
from syncapi.core.clock import isoformat
from syncapi.core.failures import NotFound
from syncapi.repositories import devices, machine_claims
from syncapi.repositories.databases import database_exists
from syncapi.schemas.machines import in_utc

machines_group = AppGroup("machines", help="Which organization holds each machine id.")


HINT = "use the server's /api/machines routes"


def _registry():
    return server_shared_db(HINT)


def _describe(claim):
    demo = " (demo)" if claim.get("demo") else ""
    holders = ", ".join(f"{h['applicationId']}/{h['machineId']}" for h in claim["holders"])
    since = isoformat(claim["since"])
    return f"{claim['_id']}\t{claim['organizationId']}{demo}\tsince {since}\t{holders or '-'}"


@machines_group.command("list")
@click.option("--org", help="only this organization's claims")
def list_machines(org):
    """Every claimed machine id: organization, since, holders."""
    try:
        for claim in machine_claims.list_claims(_registry(), org):
            click.echo(_describe(claim))
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None


@machines_group.command("claim")
@click.argument("machine_id")
@click.option("--org", required=True, help="the organization that owns the machine")
@click.option("--since", help="ISO 8601 date its history is theirs from (default: kept, or now)")
def claim_machine(machine_id, org, since):
    """Give a machine id to an organization, or re-date its claim."""
    registry, client = _registry(), server_client(HINT)
    if not tenancy.is_tenant_name(org):
        raise click.BadParameter(f"{org!r} is not an organization id", param_hint="--org")
    try:
        if not database_exists(client, org):
            raise click.BadParameter(f"organization {org!r} does not exist", param_hint="--org")
        holders = devices.holders_of(client[org], machine_id)
        _, claim = machine_claims.assign(registry, machine_id, org, _date(since), holders)
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    click.echo(_describe(claim))


@machines_group.command("release")
@click.argument("machine_id")
def release_machine(machine_id):
    """Release a machine id: the next device registered with it claims it afresh."""
    try:
        machine_claims.remove(_registry(), machine_id)
    except NotFound as error:
        raise click.ClickException(error.message) from None
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    click.echo(f"machine {machine_id} released")


def _date(text):
    if text is None:
        return None
    try:
        return in_utc(datetime.fromisoformat(text))
    except ValueError:
        message = f"{text!r} is not an ISO 8601 date"
    except ValidationError as error:
        message = f"{text!r}: {error.messages[0]}"
    raise click.BadParameter(message, param_hint="--since")
