"""Helpers the test modules share (fixtures live in conftest.py)."""

from syncapi.extensions import mongo_client


def as_server(app):
    """Operator commands refuse the embedded store, whose data lives in the server's process;
    a test runs them in the app's own process, so the app passes for a real server (its
    client, built first, stays the embedded one)."""
    mongo_client(app)
    app.config["MONGODB_URI"] = "mongodb://db:27017"
    return app
