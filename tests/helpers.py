"""Helpers the test modules share (fixtures live in conftest.py)."""

from syncapi.extensions import mongo_client


def as_server(app):
    """Operator commands refuse the embedded store, whose data lives in the server's process;
    a test runs them in the app's own process, so the app passes for a real server (its
    client, built first, stays the embedded one)."""
    mongo_client(app)
    app.config["MONGODB_URI"] = "mongodb://db:27017"
    return app


def tenant_names(mongo, shared="syncapi"):
    """The databases that are organizations: every one but the shared database, where an
    organization's summary and claims live."""
    return sorted(name for name in mongo.list_database_names() if name != shared)


def reconcile(app):
    """What an operator runs after writing data by other means than the API (the counts kept
    on write, the machine registry): `flask db ensure-indexes`."""
    from syncapi.cli.database import db_group

    return as_server(app).test_cli_runner().invoke(db_group, ["ensure-indexes"])
