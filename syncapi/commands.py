"""Operator commands: `flask --app wsgi db ensure-indexes`."""

import click
from flask import current_app
from flask.cli import AppGroup

from syncapi import tenancy
from syncapi.extensions import mongo_client
from syncapi.repositories import applications, indexes
from syncapi.repositories.databases import list_databases

db_group = AppGroup("db", help="Maintain the tenant databases.")


@db_group.command("ensure-indexes")
def ensure_indexes():
    """Create every unique index in every tenant; report (never fix) duplicates that block one."""
    client = mongo_client(current_app)
    blocked_total = 0
    for database in sorted(item["name"] for item in list_databases(client)):
        if not tenancy.is_tenant_name(database):
            continue
        db = client[database]
        blocked = indexes.ensure_all(db, list(applications.settings_by_id(db)))
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


def _describe(key):
    return ", ".join(f"{field}={value!r}" for field, value in key.items())


def init_app(app):
    app.cli.add_command(db_group)
