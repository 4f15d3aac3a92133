"""`/api/library/...`: the icon library (spec/icons.md). No database.

Names are checked against the library's pattern and lower-cased before they touch the disk;
uploads are judged by their bytes, not their declared type.
"""

from pathlib import PurePath

from flask import Blueprint, request, send_from_directory
from werkzeug.exceptions import RequestEntityTooLarge

from syncapi.access import auth
from syncapi.core.failures import Invalid, NotFound, TooLarge
from syncapi.core.identifiers import ICON_NAME, ICON_NAME_PATTERN, is_icon_name
from syncapi.core.uploads import IconError, checked_icon
from syncapi.openapi.answers import IconFileSchema, IconUploadedSchema, IconUploadFormSchema
from syncapi.openapi.examples import platform as examples
from syncapi.repositories import icon_library
from syncapi.repositories.icon_library import FORMATS
from syncapi.web import handles
from syncapi.web.operations import body, errors, no_backend, response

bp = Blueprint("icons", __name__)

MAX_ICON_BYTES = 5 * 1024 * 1024
MIME_TYPES = {"svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg"}
CACHE_SECONDS = 300  # short: an upload replaces an icon under the same URL
ICON = "/library/<category>/<name>/icon"
BINARY = {"type": "string", "format": "binary"}
IMAGES = ("image/svg+xml", "image/png", "image/jpeg")
MULTIPART = "multipart/form-data"
FILE_ETAG = {  # werkzeug's, of the file: If-None-Match (or If-Modified-Since) answers 304
    "ETag": {
        "description": "The icon file's ETag (its time, size and a hash of its path).",
        "required": True,
        "schema": {"type": "string"},
    }
}


@bp.get(ICON)
@auth.public
@response(BINARY, media=IMAGES, conditional=True, headers=FILE_ETAG)
@errors(404)
@no_backend
def get_icon(category, name):
    """Download an icon

    The first of `{name}.svg`, `.png`, `.jpg` and `.jpeg` found in the category; names are
    read in lower case. Anyone may download icons: the console shows them in `<img>`."""
    return _send(category, name, FORMATS)


@bp.get(f"{ICON}/<icon_format>")
@auth.public
@response(BINARY, media=IMAGES, conditional=True, headers=FILE_ETAG)
@errors(404)
@no_backend
def get_icon_in_format(category, name, icon_format):
    """Download an icon in one format

    Exactly `{name}.{format}` of the category."""
    if icon_format.lower() not in FORMATS:
        raise Invalid("Invalid format. Supported: png, svg, jpg, jpeg", field="format")
    return _send(category, name, (icon_format.lower(),))


@bp.post(ICON)
@body(IconFileSchema(), media=MULTIPART)
@response(IconUploadedSchema, status=201, example=examples.ICON_UPLOADED)
@no_backend
def upload_icon(category, name):
    """Upload an icon

    The file of the multipart field `icon` (SVG, PNG or JPEG, judged by its bytes; 5 MB at
    most) becomes `{name}.{ext}` of the category, replacing an icon of that name."""
    category, name = library_name(category, "category"), library_name(name, "name")
    return _save(category, name, _uploaded_icon())


@bp.post("/library/upload")
@body(IconUploadFormSchema(), media=MULTIPART)
@response(IconUploadedSchema, status=201, example=examples.ICON_UPLOADED)
@no_backend
def upload_icon_by_form():
    """Upload an icon, naming it in the form

    As `POST /api/library/{category}/{name}/icon`, with `category` (default `misc`) and
    `name` (default: the file's own) as fields of the form."""
    icon = _uploaded_icon()
    category = library_name(request.form.get("category") or "misc", "category")
    if request.form.get("name"):
        name = library_name(request.form["name"], "name")
    else:
        stem = PurePath(icon.filename or "").stem.lower()
        name = stem if ICON_NAME.fullmatch(stem) else "icon"
    return _save(category, name, icon)


def library_name(value, field):
    """A category or icon name as stored on disk (lower-cased); refuses anything path-like."""
    if not is_icon_name(value):
        raise Invalid(f"{field} must match {ICON_NAME_PATTERN}", field=field)
    return value.lower()


def _send(category, name, formats):
    """The file with ETag/Last-Modified (conditional requests answer 304)."""
    root = handles.icons_root()
    category, name = library_name(category, "category"), library_name(name, "name")
    found = icon_library.find(root, category, name, formats)
    if found is None:
        raise NotFound("Icon not found")
    relative, extension = found
    response = send_from_directory(
        root, relative, mimetype=MIME_TYPES[extension], max_age=CACHE_SECONDS
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    if extension == "svg":
        response.headers["Content-Security-Policy"] = "sandbox"
    return response


def _uploaded_icon():
    try:
        icon = request.files.get("icon")
    except RequestEntityTooLarge:
        raise TooLarge("File too large (max 5 MB)") from None
    if icon is None or not icon.filename:
        raise Invalid("No file uploaded", field="icon")
    return icon


def _save(category, name, icon):
    data = icon.read(MAX_ICON_BYTES + 1)
    if len(data) > MAX_ICON_BYTES:
        raise TooLarge("File too large (max 5 MB)")
    try:
        extension, data = checked_icon(icon.mimetype, data)
    except IconError as error:
        raise Invalid(str(error), field="icon") from None
    filename = icon_library.save(handles.icons_root(), category, name, extension, data)
    return {
        "message": "Icon uploaded successfully",
        "path": f"/api/library/{category}/{name}/icon",
        "filename": filename,
        "category": category,
        "name": name,
    }, 201
