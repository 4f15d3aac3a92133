"""Operator commands: `flask --app wsgi db ensure-indexes|audit`, `flask seed-demo`.

Every command acts on the server's store. The embedded one lives inside the server's process,
which a command's own process cannot reach: there they say so instead of reporting on an
empty store of their own.
"""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from pymongo.errors import ConnectionFailure

from syncapi import tenancy
from syncapi.audit import audit_command
from syncapi.cli import server_client
from syncapi.extensions import default_db as shared_database
from syncapi.extensions import mongo_client
from syncapi.repositories import (
    applications,
    demo,
    devices,
    indexes,
    legacy_devices,
    machine_claims,
    organizations,
)
from syncapi.repositories.databases import list_databases

db_group = AppGroup("db", help="Maintain the tenant databases.")


@db_group.command("ensure-indexes")
def ensure_indexes():
    """Create every unique index in every tenant; report (never fix) what blocks one."""
    client = server_client("the embedded store makes its indexes itself")
    try:
        problems = _ensure_every_index(client)
        contested = _register_machines(client, shared_database(current_app))
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    if problems:
        raise click.ClickException(f"{problems} problem(s) found; no data was changed")
    if contested:
        raise click.ClickException(
            f"{contested} machine id(s) registered in two organizations: give each to its"
            " owner with `flask --app wsgi machines claim`"
        )


db_group.add_command(audit_command)


def _ensure_every_index(client):
    shared_name = current_app.config["MONGODB_DEFAULT_DB"]
    total = 0
    for database in sorted(item["name"] for item in list_databases(client)):
        db = client[database]
        if database == shared_name:
            specs = indexes.SHARED_INDEXES
        elif tenancy.is_tenant_name(database):
            specs = indexes.tenant_specs(list(applications.settings_by_id(db)))
            total += _report_colliding_applications(db)
        else:
            continue
        problems = indexes.ensure_all(db, specs)
        total += len(problems)
        for collection, name, problem in problems:
            click.echo(f"{database}.{collection}: index {name} {problem}")
        if not problems:
            click.echo(f"{database}: all indexes in place")
    return total


def _report_colliding_applications(db):
    """Registrations older code let in whose collections are used for something else: no
    route serves them (they would read or write that collection)."""
    colliding = applications.colliding_ids(db)
    for application_id in colliding:
        click.echo(
            f"{db.name}: application {application_id!r} is not served: its collections would"
            f" be used for something else ({application_id}_devices…); register it anew"
            " under another id"
        )
    return len(colliding)


def _register_machines(client, shared_db):
    """Record in the machine registry the devices registered before it existed (dated back:
    they were visible then), tenant and legacy; returns how many ids are contested."""
    contested = 0
    for database in organizations.tenant_databases(client, tenancy.is_tenant_name):
        db = client[database["name"]]
        for application_id in applications.settings_by_id(db):
            for holder, ids, since in devices.existing_registrations(db, application_id):
                taken = machine_claims.backfill(shared_db, db.name, holder, ids, since)
                where = f"{db.name}.{application_id}_devices"
                contested += sum(_report_contested(where, *pair) for pair in taken)
    for organization_id, holder, ids, since in legacy_devices.existing_registrations(shared_db):
        taken = machine_claims.backfill(shared_db, organization_id, holder, ids, since)
        where = f"{shared_db.name}.devices ({organization_id})"
        contested += sum(_report_contested(where, *pair) for pair in taken)
    click.echo(f"machine registry: {machine_claims.count(shared_db)} id(s) claimed")
    return contested


def _report_contested(where, field, machine_id):
    """1 when the id is contested, 0 when a platform admin already gave it to its owner."""
    claim = machine_claims.get(shared_database(current_app), machine_id)
    where = f"{where}: {field} {machine_id!r}"
    if claim.get("assignedAt"):
        click.echo(f"{where} is held by {claim['organizationId']} (a platform admin's decision)")
        return 0
    click.echo(f"{where} is also registered in {claim['organizationId']}, which holds its claim")
    return 1


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo organization `autentiodev` and shared service configs (idempotent)."""
    server_client("SEED_DEMO=1 make run seeds it inside the server")
    added = seed_demo_into(current_app)
    click.echo(f"demo tenant ready: {added} document(s) added")


def seed_demo_into(app):
    client = mongo_client(app)
    return demo.seed(client, app.config["MONGODB_DEFAULT_DB"], demo.load())


def init_app(app):
    from syncapi.machine_commands import machines_group
    from syncapi.token_commands import tokens_group

    app.cli.add_command(db_group)
    app.cli.add_command(machines_group)
    app.cli.add_command(seed_demo)
    app.cli.add_command(tokens_group)
