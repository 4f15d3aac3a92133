"""`/status` (spec/status.md)."""

from syncapi import create_app
from tests.settings import TestingConfig


def test_status_answers_without_any_backend():
    app = create_app(TestingConfig(MONGODB_URI="mongodb://127.0.0.1:1/", MONGODB_TIMEOUT_MS=50))
    client = app.test_client()
    response = client.get("/status")
    assert response.status_code == 200
    assert response.json == {"message": "Sync API is running"}
    assert client.head("/status").status_code == 200
    assert app.extensions["syncapi.mongo"]._client is None


def test_status_serves_get_only(client):
    assert client.post("/status").status_code == 405
    assert client.get("/status/deep").status_code == 404
