"""Fixtures: a fresh app with its own empty embedded store per test, and the console's tenant."""

import pytest

from config import TestingConfig
from syncapi import create_app
from syncapi.extensions import close_clients, mongo_client

ORG = "/api/organizations/acme"
APP = f"{ORG}/applications/monitoreo-cnc"


@pytest.fixture
def app():
    app = create_app(TestingConfig())
    yield app
    close_clients(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def mongo(app):
    """The app's own client, to arrange and inspect stored state."""
    return mongo_client(app)


@pytest.fixture
def acme(client, mongo):
    """The organization `acme`, created the way the API creates one."""
    response = client.put(ORG, json={"name": "Acme"})
    assert response.status_code == 201
    return mongo["acme"]


@pytest.fixture
def cnc(client, acme):
    """`acme` with the application `monitoreo-cnc` registered."""
    response = client.post(
        f"{ORG}/applications", json={"applicationId": "monitoreo-cnc", "name": "CNC"}
    )
    assert response.status_code == 201
    return acme


def snapshot(db):
    """Every document of every collection, to assert that a refused request changed nothing."""
    return {name: list(db[name].find()) for name in sorted(db.list_collection_names())}
