"""What an uploaded icon really is, judged by its bytes, and whether an SVG is safe to serve.

The declared content type is only a claim: a PNG must start with the PNG signature, a JPEG
with the JPEG one, and an SVG must parse (with defusedxml: no entities, no DTD tricks) to an
`<svg>` root carrying nothing that runs or fetches: no `<script>`, no `<foreignObject>`, no
`on…` handler, no reference outside the document.
"""

import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from syncapi.errors import ApiError

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/svg+xml": "svg"}
SIGNATURES = {"png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",)}
FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object"}
REFERENCE_ATTRIBUTES = {"href", "src"}
EXTERNAL_URL = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)


NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
FORMATS = ("svg", "png", "jpg", "jpeg")


class IconError(Exception):
    """Why an upload is refused, in words for the console."""


def library_name(value, field):
    """A category or icon name as stored on disk (lower-cased); refuses anything path-like."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise ApiError(400, f"{field} must match {NAME.pattern}", field=field)
    return value.lower()


def extension_for(content_type, data):
    """The file extension for an upload whose bytes match its declared type."""
    extension = EXTENSIONS.get((content_type or "").split(";")[0].strip().lower())
    if extension is None:
        raise IconError("Invalid file type. Only PNG, JPG, and SVG are allowed.")
    if extension == "svg":
        check_svg(data)
    elif not data.startswith(SIGNATURES[extension]):
        raise IconError(f"File content is not a valid {extension.upper()} image")
    return extension


def check_svg(data):
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise IconError("File content is not a valid SVG document") from None
    if _local(root.tag) != "svg":
        raise IconError("File content is not a valid SVG document")
    for element in root.iter():
        name = _local(element.tag)
        if name in FORBIDDEN_ELEMENTS:
            raise IconError(f"SVG may not contain <{name}>")
        css = (element.text or "") if name == "style" else ""
        if EXTERNAL_URL.search(css) or "@import" in css.lower():
            raise IconError("SVG styles may not load external resources")
        for attribute, value in element.attrib.items():
            _check_attribute(_local(attribute), value)


def _check_attribute(name, value):
    if name.startswith("on"):
        raise IconError(f"SVG may not carry event handlers ({name})")
    if name in REFERENCE_ATTRIBUTES and not value.strip().startswith("#"):
        raise IconError("SVG may not reference external resources")
    if EXTERNAL_URL.search(value):
        raise IconError("SVG may not reference external resources")


def _local(tag):
    """`{http://www.w3.org/2000/svg}script` → `script` (lower-cased)."""
    return str(tag).rsplit("}", 1)[-1].lower()
