"""The per-process MongoDB client.

Built on first use, never at import or in `create_app`: gunicorn forks its workers after
loading the config, and a client copied across a fork is unsafe (PyMongo FAQ). Every request
of the process then shares that one client and its pool.
"""

import threading

import mongomock
import pymongo
from flask import current_app

from config import is_embedded

EXTENSION_KEY = "syncapi.mongo"


class LazyMongoClient:
    """Holds the settings until the first request asks for the client."""

    def __init__(self, uri, timeout_ms):
        self.uri = uri
        self.timeout_ms = timeout_ms
        self._client = None
        self._lock = threading.Lock()

    def get(self):
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def _connect(self):
        if is_embedded(self.uri):
            return mongomock.MongoClient()
        return pymongo.MongoClient(
            self.uri,
            connect=False,
            serverSelectionTimeoutMS=self.timeout_ms,
            connectTimeoutMS=self.timeout_ms,
            appname="syncapi",
        )

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None


def init_app(app):
    app.extensions[EXTENSION_KEY] = LazyMongoClient(
        app.config["MONGODB_URI"], app.config["MONGODB_TIMEOUT_MS"]
    )


def mongo_client(app=None):
    """The process's one client (created here on first call)."""
    return (app or current_app).extensions[EXTENSION_KEY].get()


def default_db(app=None):
    """The shared, non-tenant database (spec README §3)."""
    app = app or current_app
    return mongo_client(app)[app.config["MONGODB_DEFAULT_DB"]]


def close_clients(app):
    app.extensions[EXTENSION_KEY].close()
