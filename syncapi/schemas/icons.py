"""What an uploaded icon really is, judged by its bytes, and whether an SVG is safe to serve.

The declared content type is only a claim: a PNG must start with the PNG signature, a JPEG
with the JPEG one. An SVG is checked against an allowlist, because a denylist of SVG's
many ways to run or fetch something is never complete: it must parse with defusedxml (no
DTD, no entities), carry no processing instruction, have an SVG-namespace `<svg>` root, and
hold only SVG elements (or editor metadata) that neither script, animate, embed nor fetch:
no `on…` handler, no reference but `#fragment`, no `xml:base`, and only plain CSS (no
escapes, `@import`, `image-set` or `url()` other than `url(#…)`).
"""

import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from syncapi.errors import ApiError

EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/svg+xml": "svg"}
SIGNATURES = {"png": (b"\x89PNG\r\n\x1a\n",), "jpg": (b"\xff\xd8\xff",)}

SVG_NAMESPACE = "http://www.w3.org/2000/svg"
METADATA_NAMESPACES = {  # what editors such as Inkscape leave in icons; never rendered
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://purl.org/dc/elements/1.1/",
    "http://creativecommons.org/ns#",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.inkscape.org/namespaces/inkscape",
}
FORBIDDEN_ELEMENTS = {
    "script",
    "foreignobject",
    "handler",
    "listener",
    "animate",
    "animatemotion",
    "animatetransform",
    "animatecolor",
    "set",
    "discard",
    "iframe",
    "embed",
    "object",
    "audio",
    "video",
}
REFERENCE_ATTRIBUTES = {"href", "src"}
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
PROCESSING_INSTRUCTION = re.compile(rb"<\?(?!xml[\s?])|<!DOCTYPE|<!ENTITY", re.IGNORECASE)
UNSAFE_CSS = re.compile(r"\\|@import|image-set|url\(\s*['\"]?\s*(?!#)|javascript:", re.IGNORECASE)


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
    if PROCESSING_INSTRUCTION.search(data):
        raise IconError("SVG may not contain processing instructions or a DOCTYPE")
    try:
        root = ElementTree.fromstring(data)
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise IconError("File content is not a valid SVG document") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise IconError("File content is not a valid SVG document")
    for element in root.iter():
        _check_element(element)


def _check_element(element):
    namespace, name = _split(element.tag)
    if namespace != SVG_NAMESPACE and namespace not in METADATA_NAMESPACES:
        raise IconError(f"SVG may not contain <{name}> from another namespace")
    if name in FORBIDDEN_ELEMENTS:
        raise IconError(f"SVG may not contain <{name}>")
    if name == "style" and UNSAFE_CSS.search("".join(element.itertext())):
        raise IconError("SVG styles may not load external resources or use escapes")
    for attribute, value in element.attrib.items():
        _check_attribute(attribute, value)


def _check_attribute(attribute, value):
    name = _split(attribute)[1]
    if name.startswith("on"):
        raise IconError(f"SVG may not carry event handlers ({name})")
    if attribute == XML_BASE:
        raise IconError("SVG may not set xml:base")
    if name in REFERENCE_ATTRIBUTES and not value.strip().startswith("#"):
        raise IconError("SVG may not reference external resources")
    if UNSAFE_CSS.search(value):
        raise IconError("SVG may not reference external resources or use escapes")


def _split(tag):
    """`{http://www.w3.org/2000/svg}Script` → (namespace, "script")."""
    namespace, _, local = str(tag).rpartition("}")
    return namespace.lstrip("{"), local.lower()
