"""What an uploaded icon really is, judged by its bytes, and whether an SVG is safe to serve.

The declared content type is only a claim: a PNG must start with the PNG signature, a JPEG
with the JPEG one. An SVG is checked against an allowlist, because a denylist of SVG's
many ways to run or fetch something is never complete: it must parse with defusedxml (no
DTD, no entities), carry no processing instruction, have an SVG-namespace `<svg>` root, and
hold only SVG elements (or editor metadata) that neither script, animate, embed nor fetch:
no `on…` handler, no reference but `#fragment`, no `xml:base`, and only plain CSS (no
escapes, `@import`, `image-set` or `url()` other than `url(#…)`).

Every SVG check runs on text, never on raw bytes (a pattern over bytes misses `<?` written
in UTF-16). The bytes are decoded as XML says: a byte order mark decides, else the encoding
declared at an ASCII-compatible start, else UTF-8; only UTF-8 and UTF-16 (with its mark, as
XML requires) are accepted, the encodings every browser reads. What is stored and served is
the checked text itself, in UTF-8 without a byte order mark or XML declaration: XML's
default, so no reader can decode the file differently from how it was checked.
"""

import codecs
import re

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

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
MARKUP_DECLARATION = re.compile(r"<\?|<!DOCTYPE|<!ENTITY", re.IGNORECASE)  # even in comments
XML_DECLARATION = re.compile(  # XML 1.0's production, allowed only at the very start
    r"<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?P<v>['\"])1\.0(?P=v)"
    r"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?P<e>['\"])(?P<encoding>[A-Za-z][\w.-]*)(?P=e))?"
    r"(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?P<s>['\"])(?:yes|no)(?P=s))?[ \t\r\n]*\?>",
    re.ASCII,
)
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
DECLARED_CODECS = {
    "utf-8": "utf-8-sig",
    "utf-16": "utf-16",
    "utf-16le": "utf-16",
    "utf-16be": "utf-16",
}
CODEC_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}  # utf-8-sig: UTF-8, a leading BOM dropped
UNSUPPORTED_ENCODING = "SVG must be encoded in UTF-8 or UTF-16"
UNSAFE_CSS = re.compile(r"\\|@import|image-set|url\(\s*['\"]?\s*(?!#)|javascript:", re.IGNORECASE)


class IconError(Exception):
    """Why an upload is refused, in words for the console."""


def checked_icon(content_type, data):
    """(file extension, bytes to store) for an upload whose bytes match its declared type."""
    extension = EXTENSIONS.get((content_type or "").split(";")[0].strip().lower())
    if extension is None:
        raise IconError("Invalid file type. Only PNG, JPG, and SVG are allowed.")
    if extension == "svg":
        return extension, checked_svg(data)
    if not data.startswith(SIGNATURES[extension]):
        raise IconError(f"File content is not a valid {extension.upper()} image")
    return extension, data


def checked_svg(data):
    """The SVG to store: its checked text in UTF-8, without byte order mark or declaration."""
    text = _decoded(data)
    declaration = XML_DECLARATION.match(text)
    text = text[declaration.end() :] if declaration else text
    if MARKUP_DECLARATION.search(text):
        raise IconError(
            "SVG may not contain a DOCTYPE or processing instructions "
            "(only an XML declaration, at the very start)"
        )
    stored = text.encode("utf-8")
    try:
        root = ElementTree.fromstring(stored)  # exactly what will be served
    except (ElementTree.ParseError, DefusedXmlException, ValueError):
        raise IconError("File content is not a valid SVG document") from None
    if root.tag != f"{{{SVG_NAMESPACE}}}svg":
        raise IconError("File content is not a valid SVG document")
    for element in root.iter():
        _check_element(element)
    return stored


def _decoded(data):
    """The SVG's text; refuses other encodings, undecodable bytes and characters XML forbids."""
    codec = _codec(data)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise IconError(f"SVG is not valid {CODEC_NAMES[codec]} text") from None
    if _declared_codec(text) not in (None, codec):
        raise IconError("SVG's declared encoding does not match its byte order mark")
    if forbidden := NOT_XML.search(text):
        raise IconError(f"SVG may not contain the character U+{ord(forbidden[0]):04X}")
    return text


def _codec(data):
    """Python's codec for the bytes: a byte order mark decides, else the declaration, else UTF-8.

    UTF-32's little-endian mark starts like UTF-16's, so it is tested first.
    """
    if data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise IconError(UNSUPPORTED_ENCODING)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # reads the byte order from the mark, and drops it
    start = data.removeprefix(codecs.BOM_UTF8)[:1024].decode("latin-1")  # one byte, one char
    if _declared_codec(start) == "utf-16" or data[:2] in (b"<\x00", b"\x00<"):  # XML 1.0 F.1
        raise IconError("A UTF-16 SVG must start with a byte order mark")
    return "utf-8-sig"


def _declared_codec(text):
    """The codec an XML declaration at the start of `text` names, or None when it names none."""
    declaration = XML_DECLARATION.match(text)
    if declaration is None or declaration["encoding"] is None:
        return None
    codec = DECLARED_CODECS.get(declaration["encoding"].lower())
    if codec is None:
        raise IconError(UNSUPPORTED_ENCODING)
    return codec


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
