"""The icon library under `/api/library` (spec/icons.md)."""

import codecs
import io
import os
import shutil
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from syncapi.core.uploads import checked_svg

SHIPPED = Path(__file__).resolve().parent.parent / "static" / "icons"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8"><rect width="8" height="8"/></svg>'
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def library(make_app, tmp_path):
    """An app whose library is a scratch copy of the shipped one."""
    root = tmp_path / "icons"
    shutil.copytree(SHIPPED, root)
    return make_app(ICONS_DIR=str(root)).test_client(), root


def fetch(client, url, **kwargs):
    response = client.get(url, **kwargs)
    response.get_data()  # buffer the body, then release the file send_from_directory opened
    response.close()
    return response


def upload(client, url, data, filename, content_type, **fields):
    form = {"icon": (io.BytesIO(data), filename, content_type), **fields}
    return client.post(url, data=form, content_type="multipart/form-data")


def files_under(root):
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    "path",
    [
        "connectors/mqtt",
        "connectors/opcua",
        "connectors/influxdb",
        "connectors/kafka",
        "drivers/fanuc",
    ],
)
def test_a_fresh_install_serves_the_shipped_library(client, path):
    response = fetch(client, f"/api/library/{path}/icon")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"


def test_every_shipped_icon_passes_the_upload_check_unchanged():
    shipped = list(SHIPPED.rglob("*.svg"))
    assert len(shipped) >= 10
    for path in shipped:
        assert checked_svg(path.read_bytes()) == path.read_bytes()


def test_svg_is_served_sandboxed_with_caching_headers(client):
    response = fetch(client, "/api/library/connectors/mqtt/icon")
    assert response.headers["Content-Security-Policy"] == "sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = fetch(
        client,
        "/api/library/connectors/mqtt/icon",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_names_are_lowercased(client):
    response = fetch(client, "/api/library/Connectors/MQTT/icon")
    assert response.status_code == 200
    assert response.data == fetch(client, "/api/library/connectors/mqtt/icon").data


def test_format_order_and_explicit_format(library):
    client, root = library
    (root / "drivers" / "fanuc.png").write_bytes(PNG)
    assert fetch(client, "/api/library/drivers/fanuc/icon").mimetype == "image/svg+xml"
    explicit = fetch(client, "/api/library/drivers/fanuc/icon/PNG")
    assert (explicit.mimetype, explicit.data) == ("image/png", PNG)
    (root / "drivers" / "fanuc.svg").unlink()
    assert fetch(client, "/api/library/drivers/fanuc/icon").mimetype == "image/png"


def test_unknown_icon_and_format(client):
    missing = fetch(client, "/api/library/connectors/nothing/icon")
    wrong = fetch(client, "/api/library/connectors/mqtt/icon/gif")
    no_jpeg = fetch(client, "/api/library/connectors/mqtt/icon/jpeg")
    assert (missing.status_code, missing.json) == (404, {"error": "Icon not found"})
    assert wrong.json == {
        "error": "Invalid format. Supported: png, svg, jpg, jpeg",
        "field": "format",
    }
    assert no_jpeg.status_code == 404


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/api/library/../connectors/icon", 400, "category"),
        ("/api/library/%2e%2e/mqtt/icon", 400, "category"),
        ("/api/library/%2e%2e%2f%2e%2e/passwd/icon", 404, None),
        ("/api/library/connectors/%2e%2e%2f%2e%2e%2fconfig/icon", 404, None),
        ("/api/library/connectors/..%5c..%5cconfig/icon", 400, "name"),
        ("/api/library/connectors/mqtt%00/icon", 400, "name"),
        ("/api/library//etc/passwd/icon", 404, None),
        ("/api/library/connectors/.hidden/icon", 400, "name"),
        ("/api/library/-x/mqtt/icon", 400, "category"),
        ("/api/library/connectors/mqtt.svg/icon", 400, "name"),
    ],
)
def test_traversal_attempts_never_leave_the_library(client, url, status, field):
    response = fetch(client, url)
    assert response.status_code == status
    if field is None:  # no route has a path of that shape
        assert response.json == {"error": "Not found"}
    else:
        assert response.json["field"] == field
        assert response.json["error"].startswith(f"{field} must match")


# console-calls.md row 46: the icons the console derives from a connector's driver
PROTOCOLS = ["mqtt", "postgresql", "influxdb", "modbus", "opcua", "redis", "s3", "sqlserver"]
MACHINES = ["fanuc", "haas", "siemens", "abb", "kuka", "mazak", "okuma", "dmgmori", "yaskawa"]
MACHINES += ["rockwell", "universal_robots", "hanwha", "mtconnect", "focas"]


@pytest.mark.parametrize(
    "path",
    [f"connectors/{name}" for name in PROTOCOLS] + [f"drivers/{name}" for name in MACHINES],
)
def test_every_icon_the_console_asks_for_is_shipped(client, path):
    response = fetch(client, f"/api/library/{path}/icon")
    assert response.status_code == 200
    assert response.content_type == "image/svg+xml; charset=utf-8"
    assert response.data == (SHIPPED / f"{path}.svg").read_bytes()


@pytest.mark.parametrize(
    ("data", "content_type", "extension"),
    [
        (SVG, "image/svg+xml", "svg"),
        (PNG, "image/png", "png"),
        (JPEG, "image/jpeg", "jpg"),
        (JPEG, "image/jpg", "jpg"),
    ],
)
def test_upload_stores_by_content_type_and_replaces_other_formats(
    library, data, content_type, extension
):
    client, root = library
    (root / "connectors" / "mqtt.png").write_bytes(PNG)

    response = upload(
        client, "/api/library/Connectors/MQTT/icon", data, "whatever.bin", content_type
    )

    assert response.status_code == 201
    assert response.json == {
        "message": "Icon uploaded successfully",
        "path": "/api/library/connectors/mqtt/icon",
        "filename": f"mqtt.{extension}",
        "category": "connectors",
        "name": "mqtt",
    }
    stored = [path.name for path in (root / "connectors").glob("mqtt.*")]
    assert stored == [f"mqtt.{extension}"]
    assert (root / "connectors" / f"mqtt.{extension}").read_bytes() == data
    assert fetch(client, "/api/library/connectors/mqtt/icon").data == data


def test_upload_creates_the_category(library):
    client, root = library
    assert (
        upload(client, "/api/library/robots/arm/icon", PNG, "a.png", "image/png").status_code == 201
    )
    assert (root / "robots" / "arm.png").read_bytes() == PNG


def test_upload_form_honours_category_and_name(library):
    client, root = library
    response = upload(
        client, "/api/library/upload", PNG, "x.png", "image/png", category="drivers", name="Haas"
    )
    assert (response.status_code, response.json["path"]) == (201, "/api/library/drivers/haas/icon")
    assert (root / "drivers" / "haas.png").read_bytes() == PNG


@pytest.mark.parametrize(
    ("filename", "expected"), [("Logo.PNG", "logo"), ("my logo.png", "icon"), (".png", "icon")]
)
def test_upload_form_defaults(library, filename, expected):
    client, root = library
    response = upload(client, "/api/library/upload", PNG, filename, "image/png")
    assert response.status_code == 201
    assert response.json["category"] == "misc"
    assert response.json["name"] == expected
    assert (root / "misc" / f"{expected}.png").exists()


SCRIPTED = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize(
    ("data", "content_type", "message"),
    [
        (b"<html><body>hi</body></html>", "image/png", "not a valid PNG"),
        (PNG, "image/jpeg", "not a valid JPG"),
        (b"GIF89a....", "image/gif", "Invalid file type"),
        (SVG, "text/html", "Invalid file type"),
        (b"<html/>", "image/svg+xml", "not a valid SVG"),
        (b"not xml at all", "image/svg+xml", "not a valid SVG"),
        (SCRIPTED, "image/svg+xml", "<script>"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><SCRIPT>x</SCRIPT></svg>',
            "image/svg+xml",
            "<script>",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "image/svg+xml",
            "event handlers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect onClick="x"/></svg>',
            "image/svg+xml",
            "event handlers",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
            "image/svg+xml",
            "foreignobject",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            b'<image xlink:href="https://evil.test/x.png"/></svg>',
            "image/svg+xml",
            "external",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg">'
            b'<use href="data:image/svg+xml;base64,PHN2Zz4="/></svg>',
            "image/svg+xml",
            "external",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.test/a)"/></svg>',
            "image/svg+xml",
            "external",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://x.test/a.css";</style></svg>',
            "image/svg+xml",
            "external",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "xx">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
            "image/svg+xml",
            "DOCTYPE",
        ),
    ],
)
def test_upload_refuses_content_that_is_not_what_it_claims_or_unsafe(
    library, data, content_type, message
):
    client, root = library
    before = files_under(root)
    response = upload(client, "/api/library/connectors/evil/icon", data, "evil.png", content_type)
    assert response.status_code == 400
    assert response.json["field"] == "icon"
    assert message.lower() in response.json["error"].lower()
    assert files_under(root) == before


SVG_NS = b'<svg xmlns="http://www.w3.org/2000/svg"'
XHTML = b' xmlns:h="http://www.w3.org/1999/xhtml"'


@pytest.mark.parametrize(
    "svg",
    [
        SVG_NS + b'><a><animate attributeName="href" values="javascript:alert(1)"/></a></svg>',
        SVG_NS + b' xmlns:x="http://www.w3.org/1999/xlink"><a><set attributeName="x:href" '
        b'to="javascript:alert(1)"/></a></svg>',
        b'<?xml-stylesheet type="text/xsl" href="https://evil.test/x.xsl"?>' + SVG_NS + b"/>",
        SVG_NS + b"><?foo bar?></svg>",
        b'<!DOCTYPE svg SYSTEM "https://evil.test/svg.dtd">' + SVG_NS + b"/>",
        b'<svg xmlns="http://www.w3.org/1999/xhtml"><form action="javascript:alert(1)"/></svg>',
        SVG_NS + XHTML + b'><h:img src="#x"/></svg>',
        SVG_NS + b'><style>@\\69mport "https://evil.test";</style></svg>',
        SVG_NS + b'><rect style="fill:u\\72l(https://evil.test/a)"/></svg>',
        SVG_NS + b'><style>a{background:image-set("https://evil.test" 1x)}</style></svg>',
        SVG_NS + XHTML + b"><style><h:b/>@import url(x);</style></svg>",
        SVG_NS + b' xml:base="https://evil.test/"><use href="#a"/></svg>',
        SVG_NS + b"><handler>alert(1)</handler></svg>",
        SVG_NS + b'><a href="javascript:alert(1)"><text>x</text></a></svg>',
    ],
)
def test_upload_refuses_every_svg_that_could_script_or_fetch(library, svg):
    client, root = library
    before = files_under(root)
    response = upload(client, "/api/library/misc/evil/icon", svg, "e.svg", "image/svg+xml")
    assert response.status_code == 400
    assert response.json["field"] == "icon"
    assert files_under(root) == before


def test_a_svg_with_internal_references_is_accepted(library):
    client, root = library
    svg = (
        b'<svg xmlns="http://www.w3.org/2000/svg"><defs><linearGradient id="g"/></defs>'
        b'<rect fill="url(#g)" width="4" height="4"/><use href="#g"/></svg>'
    )
    response = upload(client, "/api/library/misc/grad/icon", svg, "g.svg", "image/svg+xml")
    assert response.status_code == 201
    assert response.json == {
        "message": "Icon uploaded successfully",
        "path": "/api/library/misc/grad/icon",
        "filename": "grad.svg",
        "category": "misc",
        "name": "grad",
    }
    assert (root / "misc" / "grad.svg").read_bytes() == svg


# An SVG is judged on its text, decoded as XML says (a byte order mark, else the encoding
# declared at the start, else UTF-8), and stored as that text in UTF-8, without a byte order
# mark or XML declaration, so that no reader can decode the served file differently.
DRAWING = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 8">'
    '<title>Grüße ✓</title><rect width="8" height="8" fill="#0a0"/></svg>'
)
DECLARED = '<?xml version="1.0" encoding="{}"?>'
ACCEPTED_ENCODINGS = [
    pytest.param(b"", "", "utf-8", id="utf-8"),
    pytest.param(
        b"", '<?xml version="1.0" encoding="utf-8" standalone="no"?>', "utf-8", id="utf-8 declared"
    ),
    pytest.param(b"", '<?xml version="1.0"?>', "utf-8", id="utf-8 undeclared"),
    pytest.param(codecs.BOM_UTF8, "", "utf-8", id="utf-8 BOM"),
    pytest.param(codecs.BOM_UTF8, DECLARED.format("UTF-8"), "utf-8", id="utf-8 BOM declared"),
    pytest.param(codecs.BOM_UTF16_LE, "", "utf-16-le", id="utf-16-le BOM"),
    pytest.param(codecs.BOM_UTF16_BE, "", "utf-16-be", id="utf-16-be BOM"),
    pytest.param(
        codecs.BOM_UTF16_LE, DECLARED.format("UTF-16"), "utf-16-le", id="utf-16-le BOM declared"
    ),
    pytest.param(
        codecs.BOM_UTF16_BE, DECLARED.format("utf-16"), "utf-16-be", id="utf-16-be BOM declared"
    ),
]


def encoded(text, bom, declaration, encoding):
    return bom + (declaration + text).encode(encoding)


@pytest.mark.parametrize(("bom", "declaration", "encoding"), ACCEPTED_ENCODINGS)
def test_a_utf8_or_utf16_svg_is_stored_as_the_utf8_text_it_was_checked_as(
    library, bom, declaration, encoding
):
    client, root = library
    data = encoded(DRAWING, bom, declaration, encoding)
    response = upload(client, "/api/library/misc/drawing/icon", data, "d.svg", "image/svg+xml")
    assert response.status_code == 201
    stored = (root / "misc" / "drawing.svg").read_bytes()
    assert stored == DRAWING.encode("utf-8")
    assert fetch(client, "/api/library/misc/drawing/icon").data == stored


STYLESHEET = '<?xml-stylesheet type="text/css" href="http://evil.test/x.css"?>'
HOSTILE = [
    pytest.param(STYLESHEET + DRAWING, "processing instruction", id="xml-stylesheet"),
    pytest.param(STYLESHEET.upper() + DRAWING, "processing instruction", id="XML-STYLESHEET"),
    pytest.param(
        DRAWING.replace("<title>", STYLESHEET + "<title>"), "processing instruction", id="PI inside"
    ),
    pytest.param(
        DRAWING.replace("<title>", '<?xml version="1.0"?><title>'),
        "processing instruction",
        id="declaration inside",
    ),
    pytest.param(
        "\n" + DECLARED.format("UTF-8") + DRAWING,
        "processing instruction",
        id="declaration after a newline",
    ),
    pytest.param(
        DRAWING.replace("<title>", "<script>alert(1)</script><title>"), "<script>", id="script"
    ),
    pytest.param(
        DRAWING.replace("viewBox", 'onload="alert(1)" viewBox'), "event handler", id="onload"
    ),
    pytest.param(
        DRAWING.replace("<title>", '<image href="https://evil.test/x.png"/><title>'),
        "external",
        id="external href",
    ),
]


@pytest.mark.slow  # a big walk: every hostile SVG × every encoding
@pytest.mark.parametrize(("bom", "declaration", "encoding"), ACCEPTED_ENCODINGS)
@pytest.mark.parametrize(("svg", "message"), HOSTILE)
def test_a_hostile_svg_is_refused_in_every_encoding(
    library, bom, declaration, encoding, svg, message
):
    client, root = library
    before = files_under(root)
    data = encoded(svg, bom, declaration, encoding)
    response = upload(client, "/api/library/misc/evil/icon", data, "e.svg", "image/svg+xml")
    assert response.status_code == 400
    assert response.json["field"] == "icon"
    assert message in response.json["error"]
    assert files_under(root) == before


def declared_as(name, codec):
    return (DECLARED.format(name) + DRAWING).encode(codec, "xmlcharrefreplace")


UNSUPPORTED = "SVG must be encoded in UTF-8 or UTF-16"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            codecs.BOM_UTF32_LE + DRAWING.encode("utf-32-le"), UNSUPPORTED, id="utf-32-le"
        ),
        pytest.param(
            codecs.BOM_UTF32_BE + DRAWING.encode("utf-32-be"), UNSUPPORTED, id="utf-32-be"
        ),
        pytest.param(declared_as("ISO-2022-JP", "iso-2022-jp"), UNSUPPORTED, id="iso-2022-jp"),
        pytest.param(declared_as("UTF-7", "utf-7"), UNSUPPORTED, id="utf-7"),
        pytest.param(declared_as("ISO-8859-1", "latin-1"), UNSUPPORTED, id="iso-8859-1"),
        pytest.param(declared_as("EBCDIC-CP-US", "ascii"), UNSUPPORTED, id="ebcdic declared"),
        pytest.param(declared_as("cp037", "cp037"), "not valid UTF-8", id="ebcdic bytes"),
        pytest.param(
            codecs.BOM_UTF16_LE + (DECLARED.format("ISO-8859-1") + DRAWING).encode("utf-16-le"),
            UNSUPPORTED,
            id="utf-16 BOM declared iso-8859-1",
        ),
        pytest.param(
            codecs.BOM_UTF16_LE + (DECLARED.format("UTF-8") + DRAWING).encode("utf-16-le"),
            "does not match",
            id="utf-16 BOM declared utf-8",
        ),
        pytest.param(
            codecs.BOM_UTF8 + declared_as("UTF-16", "utf-8"),
            "must start with a byte order mark",
            id="utf-8 BOM declared utf-16",
        ),
        pytest.param(
            declared_as("UTF-16", "utf-8"),
            "must start with a byte order mark",
            id="utf-16 declared, ascii",
        ),
        pytest.param(
            declared_as("UTF-16", "utf-16-le"),
            "must start with a byte order mark",
            id="utf-16-le without BOM",
        ),
        pytest.param(
            declared_as("UTF-16", "utf-16-be"),
            "must start with a byte order mark",
            id="utf-16-be without BOM",
        ),
        pytest.param(
            DRAWING.encode("utf-16-le"),
            "must start with a byte order mark",
            id="utf-16-le undeclared without BOM",
        ),
        pytest.param(
            DRAWING.encode("utf-8").replace("ü".encode(), b"\xfc"),
            "not valid UTF-8",
            id="invalid utf-8",
        ),
        pytest.param(
            codecs.BOM_UTF16_LE
            + DRAWING.replace("✓", "\ud800").encode("utf-16-le", "surrogatepass"),
            "not valid UTF-16",
            id="lone surrogate",
        ),
        pytest.param(DRAWING.replace("✓", "\x00").encode(), "U+0000", id="NUL"),
        pytest.param(
            (" " + SVG.decode()).encode("utf-16-le"), "U+0000", id="utf-16-le after a space"
        ),
    ],
)
def test_an_svg_in_another_encoding_or_not_decodable_is_refused(library, data, message):
    client, root = library
    before = files_under(root)
    response = upload(client, "/api/library/misc/odd/icon", data, "o.svg", "image/svg+xml")
    assert response.status_code == 400
    assert response.json["field"] == "icon"
    assert message in response.json["error"]
    assert files_under(root) == before


@pytest.mark.parametrize(
    ("url", "fields", "field"),
    [
        ("/api/library/bad.name/x/icon", {}, "category"),
        ("/api/library/misc/a%5cb/icon", {}, "name"),
        ("/api/library/misc/" + "a" * 65 + "/icon", {}, "name"),
        ("/api/library/upload", {"category": "../etc"}, "category"),
        ("/api/library/upload", {"category": "/etc"}, "category"),
        ("/api/library/upload", {"name": "a\\b"}, "name"),
        ("/api/library/upload", {"name": "x\x00y"}, "name"),
        ("/api/library/upload", {"name": "..%2fx"}, "name"),
    ],
)
def test_upload_refuses_path_like_names(library, url, fields, field):
    client, root = library
    before = files_under(root)
    response = upload(client, url, PNG, "a.png", "image/png", **fields)
    assert response.status_code == 400
    assert response.json["field"] == field
    assert files_under(root) == before


def test_upload_without_a_file_is_400(library):
    client, root = library
    before = files_under(root)
    response = client.post("/api/library/misc/x/icon", data={"other": "x"})
    assert response.json == {"error": "No file uploaded", "field": "icon"}
    assert files_under(root) == before


def test_an_upload_takes_max_content_length_not_the_json_cap(library):
    """MAX_JSON_BYTES (1 MiB) caps the console's JSON routes; an icon may be 5 MB."""
    client, root = library
    icon = PNG + b"\x00" * (2 * 1024 * 1024)
    boundary, body = encode_multipart(
        {"icon": FileStorage(io.BytesIO(icon), "big.png", content_type="image/png")}
    )
    response = client.post(
        "/api/library/misc/big/icon",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 201
    assert (root / "misc" / "big.png").read_bytes() == icon


@pytest.mark.parametrize("size", [5 * 1024 * 1024 + 1, 7 * 1024 * 1024])
def test_oversized_upload_is_json_413(library, size):
    client, root = library
    before = files_under(root)
    # Encoded in memory: the test client would spool a body this large to a file it leaves open.
    boundary, body = encode_multipart(
        {"icon": FileStorage(io.BytesIO(PNG + b"\x00" * size), "b.png", content_type="image/png")}
    )
    response = client.post(
        "/api/library/misc/big/icon",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert response.json == {"error": "File too large (max 5 MB)"}
    assert files_under(root) == before
    assert not [name for name in os.listdir(root / "misc") if name.startswith(".upload-")]
