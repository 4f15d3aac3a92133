"""Operator commands (`flask --app wsgi …`): `db` (database.py, audit.py), `seed-demo`
(demo.py), `tokens` (sessions.py), `machines` (machines.py).

Every command acts on the server's store. The embedded one lives inside the server's process,
which a command's own process cannot reach: there they say so instead of reporting on an
empty store of their own.
"""

import click
import pymongo
from flask import current_app
from pymongo.errors import ConnectionFailure

from config import is_embedded
from syncapi.extensions import mongo_client


def server_client(hint):
    """The MongoDB client of the configured server. Refused on the embedded store, which
    lives inside the server's process: a command's own process would only see an empty
    store of its own and report on that."""
    if is_embedded(current_app.config["MONGODB_URI"]):
        raise click.ClickException(
            "MONGODB_URI is the embedded store, which lives inside the server process: this"
            f" command cannot reach it ({hint})"
        )
    client = mongo_client(current_app)
    # A command then runs under a long deadline of its own; one that cannot reach the server
    # says so after the requests' short wait instead.
    try:
        with pymongo.timeout(current_app.config["MONGODB_TIMEOUT_MS"] / 1000):
            client.admin.command("ping")
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    return client


def server_shared_db(hint):
    """The shared database on the configured server (see `server_client`)."""
    return server_client(hint)[current_app.config["MONGODB_DEFAULT_DB"]]


def init_app(app):
    from syncapi.cli.database import db_group
    from syncapi.cli.demo import seed_demo
    from syncapi.cli.machines import machines_group
    from syncapi.cli.sessions import tokens_group

    app.cli.add_command(db_group)
    app.cli.add_command(machines_group)
    app.cli.add_command(seed_demo)
    app.cli.add_command(tokens_group)
