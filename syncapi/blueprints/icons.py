"""`/api/library/...`: the icon library (spec/icons.md). No database.

Names are checked against the library's pattern and lower-cased before they touch the disk;
uploads are judged by their bytes, not their declared type.
"""

from pathlib import PurePath

from flask import Blueprint, request
from werkzeug.exceptions import RequestEntityTooLarge

from syncapi import auth
from syncapi.errors import ApiError
from syncapi.repositories import icon_library
from syncapi.schemas.icons import FORMATS, NAME, IconError, checked_icon, library_name

bp = Blueprint("icons", __name__)

MAX_ICON_BYTES = 5 * 1024 * 1024
ICON = "/library/<category>/<name>/icon"


@bp.get(ICON)
@auth.public
def get_icon(category, name):
    """The first of svg, png, jpg, jpeg found under that name."""
    return _send(category, name, FORMATS)


@bp.get(f"{ICON}/<icon_format>")
@auth.public
def get_icon_in_format(category, name, icon_format):
    """Exactly `{name}.{format}`."""
    if icon_format.lower() not in FORMATS:
        raise ApiError(400, "Invalid format. Supported: png, svg, jpg, jpeg", field="format")
    return _send(category, name, (icon_format.lower(),))


@bp.post(ICON)
def upload_icon(category, name):
    """Store the multipart field `icon` as `{category}/{name}.{ext}`."""
    category, name = library_name(category, "category"), library_name(name, "name")
    return _save(category, name, _uploaded_icon())


@bp.post("/library/upload")
def upload_icon_by_form():
    """Same, with `category` (default `misc`) and `name` (default: the file's own) as fields."""
    icon = _uploaded_icon()
    category = library_name(request.form.get("category") or "misc", "category")
    if request.form.get("name"):
        name = library_name(request.form["name"], "name")
    else:
        stem = PurePath(icon.filename or "").stem.lower()
        name = stem if NAME.fullmatch(stem) else "icon"
    return _save(category, name, icon)


def _send(category, name, formats):
    found = icon_library.find(
        library_name(category, "category"), library_name(name, "name"), formats
    )
    if found is None:
        raise ApiError(404, "Icon not found")
    return icon_library.send(*found)


def _uploaded_icon():
    try:
        icon = request.files.get("icon")
    except RequestEntityTooLarge:
        raise ApiError(413, "File too large (max 5 MB)") from None
    if icon is None or not icon.filename:
        raise ApiError(400, "No file uploaded", field="icon")
    return icon


def _save(category, name, icon):
    data = icon.read(MAX_ICON_BYTES + 1)
    if len(data) > MAX_ICON_BYTES:
        raise ApiError(413, "File too large (max 5 MB)")
    try:
        extension, data = checked_icon(icon.mimetype, data)
    except IconError as error:
        raise ApiError(400, str(error), field="icon") from None
    filename = icon_library.save(category, name, extension, data)
    return {
        "message": "Icon uploaded successfully",
        "path": f"/api/library/{category}/{name}/icon",
        "filename": filename,
        "category": category,
        "name": name,
    }, 201
