"""syncapi: the multi-tenant backend of the Sync Admin Console."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import Config


def create_app(config=None):
    """Build the app; no client is created here (see `extensions`)."""
    from syncapi import cli, errors, extensions
    from syncapi.access import auth
    from syncapi.blueprints import (
        applications,
        change_routes,
        device,
        docs,
        icons,
        login,
        machines,
        metrics,
        organizations,
        query,
        services,
        status,
    )
    from syncapi.web import (
        headers,
        hooks,
        idempotency,
        inputs,
        memo,
        refresh,
        request_log,
        transactions,
        write_budget,
    )
    from syncapi.web.json_provider import SyncJSONProvider

    app = Flask(__name__, static_folder=None)  # the only files served are icons, by their route
    app.config.from_object(config if config is not None else Config())
    app.json = SyncJSONProvider(app)
    request_log.init_app(app)  # first: its `after_request` then runs last, timing the rest
    app.url_map.strict_slashes = False
    app.url_map.merge_slashes = False  # "a//b" is not "a/b": no redirect to a path it did not ask
    if app.config["PROXY_COUNT"]:  # behind nginx: the client address is in X-Forwarded-For
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)

    hooks.init_cors(app)
    extensions.init_app(app)
    write_budget.init_app(app)  # a write request outlasts an election
    memo.init_app(app)
    refresh.init_app(app)
    errors.register_error_handlers(app)
    cli.init_app(app)
    auth.init_app(app)
    app.after_request(headers.apply)
    inputs.init_app(app)  # before the limiter: its key of a login reads the body
    login.apply_limits(hooks.init_limiter(app, login.LIMITED_ENDPOINTS))

    app.register_blueprint(organizations.bp, url_prefix="/api/organizations")
    app.register_blueprint(applications.bp, url_prefix="/api/applications")
    app.register_blueprint(device.bp, url_prefix="/device")
    app.register_blueprint(services.bp, url_prefix="/api/services")
    app.register_blueprint(icons.bp, url_prefix="/api")
    app.register_blueprint(query.bp, url_prefix="/api/query")
    app.register_blueprint(login.bp, url_prefix="/api/auth")
    app.register_blueprint(machines.bp, url_prefix="/api/machines")
    app.register_blueprint(change_routes.bp, url_prefix="/api/changes")
    app.register_blueprint(status.bp)  # /status, /ready
    app.register_blueprint(metrics.bp, url_prefix="/metrics")
    app.register_blueprint(docs.bp, url_prefix="/api")
    idempotency.init_app(app)  # the creates: their key, around their transaction
    transactions.init_app(app)  # last: it wraps every write view the blueprints registered
    return app
