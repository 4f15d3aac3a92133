"""The icon library on disk: `ICONS_DIR/{category}/{name}.{ext}` (spec README §8).

Callers pass names that passed `schemas.icons.library_name`; paths are still built with
`safe_join` so that no value can leave the library's root.
"""

import os
import tempfile
from pathlib import Path

from flask import current_app, send_from_directory
from werkzeug.security import safe_join

from syncapi.schemas.icons import FORMATS

MIME_TYPES = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
CACHE_SECONDS = 300  # short: an upload replaces an icon under the same URL


def root():
    """`ICONS_DIR`, relative paths taken from the project root (not the working directory)."""
    configured = Path(current_app.config["ICONS_DIR"])
    return (
        configured if configured.is_absolute() else Path(current_app.root_path).parent / configured
    )


def find(category, name, formats=FORMATS):
    """The first existing `{name}.{format}` in that order, as (relative path, format)."""
    for extension in formats:
        relative = f"{category}/{name}.{extension}"
        path = safe_join(str(root()), relative)
        if path is not None and os.path.isfile(path):
            return relative, extension
    return None


def send(relative, extension):
    """The file with ETag/Last-Modified (conditional requests answer 304)."""
    response = send_from_directory(
        root(), relative, mimetype=MIME_TYPES[extension], max_age=CACHE_SECONDS
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if extension == "svg":
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


def save(category, name, extension, data):
    """Write atomically, then remove the name's other formats so the new file is served."""
    folder = Path(safe_join(str(root()), category))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.{extension}"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".upload-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, target)
    for other in FORMATS:
        if other != extension:
            (folder / f"{name}.{other}").unlink(missing_ok=True)
    return target.name
