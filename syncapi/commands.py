"""Operator commands: `flask --app wsgi db ensure-indexes`."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from syncapi import tenancy
from syncapi.extensions import mongo_client
from syncapi.repositories import applications, demo, indexes
from syncapi.repositories.databases import list_databases

db_group = AppGroup("db", help="Maintain the tenant databases.")


@db_group.command("ensure-indexes")
def ensure_indexes():
    """Create every unique index in every tenant; report (never fix) duplicates that block one."""
    client = mongo_client(current_app)
    shared_name = current_app.config["MONGODB_DEFAULT_DB"]
    blocked_total = 0
    for database in sorted(item["name"] for item in list_databases(client)):
        db = client[database]
        if database == shared_name:
            specs = indexes.SHARED_INDEXES
        elif tenancy.is_tenant_name(database):
            specs = indexes.tenant_specs(list(applications.settings_by_id(db)))
        else:
            continue
        blocked = indexes.ensure_all(db, specs)
        blocked_total += len(blocked)
        for collection, name, groups in blocked:
            values = "; ".join(f"{_describe(key)} ({count} documents)" for key, count in groups)
            values = values or "the server refused it as duplicate, see its log"
            click.echo(f"{database}.{collection}: index {name} blocked by duplicates: {values}")
        if not blocked:
            click.echo(f"{database}: all indexes in place")
    if blocked_total:
        raise click.ClickException(
            f"{blocked_total} index(es) blocked by duplicates; no data was changed"
        )


@click.command("seed-demo")
@with_appcontext
def seed_demo():
    """Create the demo organization `autentiodev` and shared service configs (idempotent)."""
    added = seed_demo_into(current_app)
    click.echo(f"demo tenant ready: {added} document(s) added")


def seed_demo_into(app):
    client = mongo_client(app)
    return demo.seed(client, app.config["MONGODB_DEFAULT_DB"], demo.load())


def _describe(key):
    return ", ".join(f"{field}={value!r}" for field, value in key.items())


def init_app(app):
    app.cli.add_command(db_group)
    app.cli.add_command(seed_demo)
