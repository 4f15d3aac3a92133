"""What every operator command shares: they act on the configured server's store."""

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
