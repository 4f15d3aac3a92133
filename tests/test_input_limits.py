"""Hostile keys and values, empty bodies, bounded strings, oversized documents (spec README
§10): refused with a 4xx naming what is wrong, on every write route, changing nothing."""

import mongomock
import pytest
from pymongo.errors import DocumentTooLarge, OperationFailure, WriteError

from config import TestingConfig
from syncapi import create_app
from syncapi.errors import ApiError
from syncapi.extensions import close_clients
from tests.conftest import APP, snapshot


def test_an_error_text_holding_a_lone_surrogate_still_encodes():
    """Whatever a message echoes, the answer is JSON that UTF-8 carries, never a 500."""
    app = create_app(TestingConfig())

    @app.get("/echo")
    def echo():
        raise ApiError(400, "bad \ud800 value", field="k\udc00")

    response = app.test_client().get("/echo")
    close_clients(app)

    assert response.status_code == 400
    assert response.data.decode("utf-8").isascii()
    assert response.json == {"error": "bad \ud800 value", "field": "k\udc00"}


# Documents MongoDB would refuse as larger than 16 MiB


TOO_LARGE = "Document too large: MongoDB stores at most 16 MB per document"


def raise_as_a_server_would(error):
    def refuse(*args, **kwargs):
        raise error

    return refuse


@pytest.mark.parametrize(
    "error",
    [
        WriteError("Resulting document after update is larger than 16777216", code=17419),
        WriteError("Document to upsert is larger than 16777216", code=17420),
        OperationFailure("BSONObj size: 16793600 (0x1004000) is invalid", code=10334),
    ],
)
def test_an_update_growing_a_document_past_16_mb_is_413(client, cnc, monkeypatch, error):
    """Repeated PUTs of new top-level keys grow a device; the server refuses the update."""
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    before = snapshot(cnc)
    collection = mongomock.collection.Collection
    monkeypatch.setattr(collection, "find_one_and_update", raise_as_a_server_would(error))

    response = client.put(f"{APP}/devices/CN1", json={"extra": "x" * 10_000})

    assert response.status_code == 413
    assert response.json == {
        "error": "Document too large: MongoDB stores at most 16 MB per document"
    }
    assert snapshot(cnc) == before


def test_an_insert_pymongo_finds_too_large_is_413(client, cnc, monkeypatch):
    error = DocumentTooLarge("BSON document too large (16777300 bytes)")
    monkeypatch.setattr(
        mongomock.collection.Collection, "insert_one", raise_as_a_server_would(error)
    )
    before = snapshot(cnc)

    response = client.post(f"{APP}/devices", json={"machineId": "CN1"})

    assert response.status_code == 413
    assert response.json == {
        "error": "Document too large: MongoDB stores at most 16 MB per document"
    }
    assert snapshot(cnc) == before


def test_another_server_failure_is_still_a_generic_500(client, cnc, monkeypatch):
    error = OperationFailure("Executor error during find command", code=96)
    monkeypatch.setattr(
        mongomock.collection.Collection, "insert_one", raise_as_a_server_would(error)
    )

    response = client.post(f"{APP}/devices", json={"machineId": "CN1"})

    assert (response.status_code, response.json) == (500, {"error": "Internal server error"})
