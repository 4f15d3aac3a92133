"""`/api/openapi.json` and `/api/docs`: the API's description and a page to read and try it.

The page is Swagger UI 5 (it renders OpenAPI 3.1), served from the files the
`flask-swagger-ui` package ships: no CDN, so it works offline. Its script is a file of its
own rather than inline, so the page's Content-Security-Policy allows scripts from this
origin only.
"""

from pathlib import Path

import flask_swagger_ui
from flask import Blueprint, current_app, send_from_directory

from syncapi.access import auth
from syncapi.core.failures import NotFound
from syncapi.openapi import describe
from syncapi.web.operations import errors, no_backend, response

bp = Blueprint("docs", __name__)
bp.auth_rule = auth.PUBLIC  # a client generator or a person reads it before signing in
bp.listed = False  # a page about the API, not part of it: the description leaves it out

SWAGGER_UI = Path(flask_swagger_ui.__file__).parent / "dist"
ASSETS = frozenset(  # the package's files the page loads
    {
        "swagger-ui.css",
        "index.css",
        "swagger-ui-bundle.js",
        "swagger-ui-standalone-preset.js",
        "favicon-32x32.png",
    }
)
DESCRIPTION_KEY = "syncapi.openapi"
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>syncapi API</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="stylesheet" href="/api/docs/index.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/swagger-ui-standalone-preset.js"></script>
  <script src="/api/docs/start.js"></script>
</body>
</html>
"""
START = """window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: "StandaloneLayout",
  deepLinking: true,
  validatorUrl: null,
  withCredentials: true
});
"""
# Swagger UI styles elements inline and draws its icons from data: URLs.
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "frame-ancestors 'none'"
)


@bp.get("/openapi.json")
@response({"type": "object"})
@no_backend
def openapi():
    """Read this description

    OpenAPI 3.1, built once per process."""
    if DESCRIPTION_KEY not in current_app.extensions:
        current_app.extensions[DESCRIPTION_KEY] = describe(current_app)
    return current_app.extensions[DESCRIPTION_KEY]


@bp.get("/docs")
@response({"type": "string"}, media="text/html")
@no_backend
def page():
    """Open the docs page

    Swagger UI on this description: read the API and try calls."""
    return PAGE, 200, {"Content-Type": "text/html; charset=utf-8", **_policy()}


@bp.get("/docs/<asset>")
@response(
    {"type": "string", "format": "binary"}, media=("text/css", "text/javascript", "image/png")
)
@errors(404)
@no_backend
def asset(asset):
    """Download a file of the docs page"""
    if asset == "start.js":
        return START, 200, {"Content-Type": "text/javascript; charset=utf-8", **_policy()}
    if asset not in ASSETS:
        raise NotFound("Not found")
    return send_from_directory(SWAGGER_UI, asset, max_age=3600)


def _policy():
    return {"Content-Security-Policy": PAGE_POLICY}
