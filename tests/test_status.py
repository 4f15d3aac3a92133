"""`/status` (spec/status.md)."""


def test_status_answers_without_any_backend(offline_app):
    client = offline_app.test_client()
    response = client.get("/status")
    assert response.status_code == 200
    assert response.json == {"message": "Sync API is running"}
    assert client.head("/status").status_code == 200
    assert offline_app.extensions["syncapi.mongo"]._client is None


def test_status_serves_get_only(client):
    assert client.post("/status").status_code == 405
    assert client.get("/status/deep").status_code == 404
