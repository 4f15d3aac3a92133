"""Secrets inside strings: the password of a URI's user information
(`mqtt://user:pw@broker`), the value of a secret-named `name=value` pair, as connection
strings and query strings carry them (`Password=pw;`, `?sig=…&se=…`, `SharedAccessKey=…`,
`host=h password=pw dbname=d`), and the value of a secret-named `name: value` header or
field (`Authorization: Bearer t`, `X-API-Key: k`, `"password": "pw"`). `masking` masks them
in place and, when a string comes back with its masks, puts the stored values back.

A pair's name is the run of letters, digits, `_`, `.` and `-` before its `=` (spaces around
the `=` allowed), judged by `secret_names.is_secret`; its value is what a quote (`"`, `'`)
or an ODBC brace (`{…}`) encloses, else it runs, by the kind of string it is in:

- in a query string (the pair follows `?` or `&`), to the next `&`, the fragment's `#`, a
  blank, a quote, `<` or `>` (none of which a URL holds raw);
- in a `;`-separated connection string (the text holds a `;`), to the next `;` or line
  break: `Password=P@ss#word1;` is one value, whatever it holds;
- else (`host=h password=pw dbname=d`, a form's `a=1&password=pw`), to a blank or an `&`
  that another `name=` follows, a quote, `<`, `>` or a line break.

A header's (or field's) name may be quoted; its value is what quotes enclose, else it runs
to a quote or the end of the line; an `Authorization`'s scheme (`Bearer`, `Basic`, …) stays
shown, the credential after it is masked. A `name:` right after `//` is a URI's user.

A secret sent back masked gets the stored one back with its own quotes or braces, wherever
the mask was sent: `Password={a;b}` stays whole when `Password=********` comes back. Every
scan is linear in the text.
"""

import re

from syncapi.core.secret_names import MASK, is_secret, normalized

# `://` after a scheme character; the lookahead reads the authority (up to the first `/`, `?`
# or `#`) without consuming it, so a `://` ending that authority still starts the next match.
URI_AUTHORITY = re.compile(r"(?<=[A-Za-z0-9+.\-])://(?=(?P<authority>[^/?#]*))")
PAIR = re.compile(r"(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z0-9_.\-]+)[ \t]*=[ \t]*")
QUERY_VALUE_END = re.compile(r"[&#\s\"'<>]")
LISTED_VALUE_END = re.compile(r"[;\r\n]")
VALUE_END = re.compile(r"[\"'<>\r\n]|(?:\s+|&)(?=[A-Za-z0-9_.\-]+[ \t]*=)")
HEADER = re.compile(
    r"""(?<![A-Za-z0-9_.\-])(?<!//)(?P<quote>["']?)(?P<name>[A-Za-z0-9_.\-]+)(?P=quote)"""
    r"[ \t]*:[ \t]*"
)
HEADER_VALUE_END = re.compile(r"[\"'\r\n]")
SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9\-]*[ \t]+(?=\S)")  # Bearer, Basic, AWS4-HMAC-SHA256
CLOSING = {'"': '"', "'": "'", "{": "}"}
URI = "uri"


def uri_password_spans(text):
    """The (start, end) of each non-empty URI password in `text`, in order.

    RFC 3986 read leniently: the authority runs from `//` to the first `/`, `?` or `#`, the
    user information ends at the authority's last `@` (so a raw `@` in a password stays in
    it), and the password follows its first `:`. Linear in the text: an authority ends at
    the next `//` at the latest, and the scheme is judged by one character only.
    """
    if "://" not in text:
        return []
    spans = []
    for match in URI_AUTHORITY.finditer(text):
        start, end = match.span("authority")
        at = text.rfind("@", start, end)
        colon = text.find(":", start, at) if at != -1 else -1
        if colon != -1 and colon + 1 < at:
            spans.append((colon + 1, at))
    return spans


def pair_spans(text):
    """`(start, end, name, enclosed)` of each non-empty value of a secret-named pair, in
    order (`enclosed`: the quote or brace around it, else ""); a pair inside a secret value
    is part of it."""
    if "=" not in text:
        return []
    spans, position, absent = [], 0, set()
    listed = ";" in text
    for match in PAIR.finditer(text):
        if match.start() < position or not is_secret(match["name"]):
            continue
        if text[match.start() - 1 : match.start()] in ("?", "&"):
            ends = QUERY_VALUE_END
        else:
            ends = LISTED_VALUE_END if listed else VALUE_END
        start, end, position, enclosed = _value(text, match.end(), absent, ends)
        if end > start:
            spans.append((start, end, normalized(match["name"]), enclosed))
    return spans


def header_spans(text):
    """`(start, end, name, enclosed)` of each non-empty value of a secret-named header or
    field, in order; an `Authorization`'s scheme is left out of it."""
    if ":" not in text:
        return []
    spans, position, absent = [], 0, set()
    for match in HEADER.finditer(text):
        if match.start() < position or not is_secret(match["name"]):
            continue
        name = normalized(match["name"])
        start, end, position, enclosed = _value(text, match.end(), absent, HEADER_VALUE_END)
        scheme = SCHEME.match(text, start, end) if name.endswith("authorization") else None
        if scheme is not None:
            start, enclosed = scheme.end(), ""  # the credential alone is no longer enclosed
        if end > start:
            spans.append((start, end, name, enclosed))
    return spans


def _value(text, start, absent, ends):
    """`(start, end, where the scan goes on, enclosed)` of the value beginning at `start`,
    ending at the first match of `ends` unless enclosed. `absent`: the closing characters no
    longer found ahead (never searched for again: the text ahead only shrinks), so many
    unclosed quotes cost one scan."""
    opening = text[start : start + 1]
    closing = CLOSING.get(opening)
    if closing is not None:
        if closing not in absent:
            close = text.find(closing, start + 1)
            if close != -1:
                return start + 1, close, close + 1, opening
            absent.add(closing)
        start += 1  # an unclosed quote: the value after it, as an unquoted one
    found = ends.search(text, start)
    end = found.start() if found else len(text)
    return start, end, end, ""


def secret_spans(text):
    """`(start, end, label, enclosed)` of each secret in `text`, in order and apart (of two
    that overlap, the first). The label names it wherever the string is edited around it: a
    URI password by its rank among them (`("uri", 0)`), a pair by its name and the rank among
    pairs of that name (`("password", 0)`); `enclosed`, the quote or brace around it."""
    if "=" not in text and ":" not in text:  # no pair, URI or header: most values
        return []
    found = [(start, end, URI, "") for start, end in uri_password_spans(text)]
    spans, ranks, reached = [], {}, 0
    for start, end, kind, enclosed in sorted(found + pair_spans(text) + header_spans(text)):
        if start < reached:
            continue
        rank = ranks[kind] = ranks.get(kind, -1) + 1
        spans.append((start, end, (kind, rank), enclosed))
        reached = end
    return spans


def mask_text(text):
    """`text` with each secret replaced by the mask."""
    pieces, position = [], 0
    for start, end, _, _ in secret_spans(text):
        pieces += [text[position:start], MASK]
        position = end
    return "".join(pieces) + text[position:]


def restore_text(sent, stored):
    """`sent` with each masked secret replaced by the stored string's secret of the same
    label, so a host, a user or another pair edited around the mask keeps the secret. With
    nothing stored behind a mask, it is never saved: a URI loses its password with its `:`
    (`mqtt://user@broker`), a pair keeps an empty value (`Password=;`)."""
    spans = secret_spans(sent)
    if all(sent[start:end] != MASK for start, end, _, _ in spans):
        return sent
    behind = {}
    if isinstance(stored, str):
        behind = {
            label: (start, end, enclosed) for start, end, label, enclosed in secret_spans(stored)
        }
    pieces, position = [], 0
    for start, end, label, enclosed in spans:
        if sent[start:end] != MASK:
            continue
        if label in behind:
            stored_start, stored_end, stored_enclosed = behind[label]
            value = stored[stored_start:stored_end]
            if stored_enclosed != enclosed and (stored_enclosed or CLOSING[enclosed] in value):
                # the stored value as it was written, quotes or braces included, in place of
                # the sent one's: `{a;b}` sent back bare, or `a"b` sent back in quotes,
                # would otherwise end early and show the rest
                start, end = start - len(enclosed), end + len(enclosed)
                value = stored[
                    stored_start - len(stored_enclosed) : stored_end + len(stored_enclosed)
                ]
            pieces += [sent[position:start], value]
        else:
            pieces.append(sent[position : start - 1 if label[0] == URI else start])
        position = end
    return "".join(pieces) + sent[position:]
