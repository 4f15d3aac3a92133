"""Operator commands: `flask --app wsgi db ensure-indexes`."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from pymongo.errors import ConnectionFailure

from syncapi import tenancy
from syncapi.extensions import mongo_client
from syncapi.repositories import applications, demo, indexes
from syncapi.repositories.databases import list_databases

db_group = AppGroup("db", help="Maintain the tenant databases.")


@db_group.command("ensure-indexes")
def ensure_indexes():
    """Create every unique index in every tenant; report (never fix) what blocks one."""
    try:
        problems = _ensure_every_index(mongo_client(current_app))
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    if problems:
        raise click.ClickException(f"{problems} index(es) not created; no data was changed")


def _ensure_every_index(client):
    shared_name = current_app.config["MONGODB_DEFAULT_DB"]
    total = 0
    for database in sorted(item["name"] for item in list_databases(client)):
        db = client[database]
        if database == shared_name:
            specs = indexes.SHARED_INDEXES
        elif tenancy.is_tenant_name(database):
            specs = indexes.tenant_specs(list(applications.settings_by_id(db)))
        else:
            continue
        problems = indexes.ensure_all(db, specs)
        total += len(problems)
        for collection, name, problem in problems:
            click.echo(f"{database}.{collection}: index {name} {problem}")
        if not problems:
            click.echo(f"{database}: all indexes in place")
    return total


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo organization `autentiodev` and shared service configs (idempotent)."""
    added = seed_demo_into(current_app)
    click.echo(f"demo tenant ready: {added} document(s) added")


def seed_demo_into(app):
    client = mongo_client(app)
    return demo.seed(client, app.config["MONGODB_DEFAULT_DB"], demo.load())


def init_app(app):
    from syncapi.token_commands import tokens_group

    app.cli.add_command(db_group)
    app.cli.add_command(seed_demo)
    app.cli.add_command(tokens_group)
