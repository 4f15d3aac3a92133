"""`flask --app wsgi seed-demo`: the demo organization, on a MongoDB server (the embedded
store is seeded inside the server by `SEED_DEMO=1`, through `seed_demo_into`)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from syncapi.cli import server_client
from syncapi.extensions import mongo_client
from syncapi.repositories import demo


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
