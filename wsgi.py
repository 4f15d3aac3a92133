"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:app`, `flask --app wsgi ...`."""

from config import ConfigError
from syncapi import create_app

try:
    app = create_app()
except ConfigError as error:
    raise SystemExit(f"syncapi: configuration error: {error}") from None
