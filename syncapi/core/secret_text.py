"""Secrets inside strings: the password of a URI's user information
(`mqtt://user:pw@broker`) and the value of a secret-named `name=value` pair, as connection
strings and query strings carry them (`Password=pw;`, `?sig=…&se=…`, `SharedAccessKey=…`,
`host=h password=pw dbname=d`). `masking` masks them in place and, when a string comes back
with its masks, puts the stored values back.

A pair's name is the run of letters, digits, `_`, `.` and `-` before its `=` (spaces around
the `=` allowed), judged by `secret_names.is_secret`; its value is what a quote (`"`, `'`)
or an ODBC brace (`{…}`) encloses, else it runs to the first `;`, `&`, `#`, quote, `<`,
`>` or line break, or to a blank that another `name=` follows. Every scan is linear in the
text.
"""

import re

from syncapi.core.secret_names import MASK, is_secret, normalized

# `://` after a scheme character; the lookahead reads the authority (up to the first `/`, `?`
# or `#`) without consuming it, so a `://` ending that authority still starts the next match.
URI_AUTHORITY = re.compile(r"(?<=[A-Za-z0-9+.\-])://(?=(?P<authority>[^/?#]*))")
PAIR = re.compile(r"(?<![A-Za-z0-9_.\-])(?P<name>[A-Za-z0-9_.\-]+)[ \t]*=[ \t]*")
VALUE_END = re.compile(r"[;&#\"'<>\r\n]|\s+(?=[A-Za-z0-9_.\-]+[ \t]*=)")
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
    """`(start, end, name)` of each non-empty value of a secret-named pair, in order; a pair
    inside a secret value is part of it."""
    if "=" not in text:
        return []
    spans, position, absent = [], 0, set()
    for match in PAIR.finditer(text):
        if match.start() < position or not is_secret(match["name"]):
            continue
        start, end, position = _value(text, match.end(), absent)
        if end > start:
            spans.append((start, end, normalized(match["name"])))
    return spans


def _value(text, start, absent):
    """`(start, end, where the scan goes on)` of the value beginning at `start`. `absent`:
    the closing characters no longer found ahead (never searched for again: the text ahead
    only shrinks), so many unclosed quotes cost one scan."""
    closing = CLOSING.get(text[start : start + 1])
    if closing is not None:
        if closing not in absent:
            close = text.find(closing, start + 1)
            if close != -1:
                return start + 1, close, close + 1
            absent.add(closing)
        start += 1  # an unclosed quote: the value after it, as an unquoted one
    found = VALUE_END.search(text, start)
    end = found.start() if found else len(text)
    return start, end, end


def secret_spans(text):
    """`(start, end, label)` of each secret in `text`, in order and apart (of two that
    overlap, the first). The label names it wherever the string is edited around it: a URI
    password by its rank among them (`("uri", 0)`), a pair by its name and the rank among
    pairs of that name (`("password", 0)`)."""
    found = [(start, end, URI) for start, end in uri_password_spans(text)] + pair_spans(text)
    spans, ranks, reached = [], {}, 0
    for start, end, kind in sorted(found):
        if start < reached:
            continue
        rank = ranks[kind] = ranks.get(kind, -1) + 1
        spans.append((start, end, (kind, rank)))
        reached = end
    return spans


def mask_text(text):
    """`text` with each secret replaced by the mask."""
    pieces, position = [], 0
    for start, end, _ in secret_spans(text):
        pieces += [text[position:start], MASK]
        position = end
    return "".join(pieces) + text[position:]


def restore_text(sent, stored):
    """`sent` with each masked secret replaced by the stored string's secret of the same
    label, so a host, a user or another pair edited around the mask keeps the secret. With
    nothing stored behind a mask, it is never saved: a URI loses its password with its `:`
    (`mqtt://user@broker`), a pair keeps an empty value (`Password=;`)."""
    spans = secret_spans(sent)
    if all(sent[start:end] != MASK for start, end, _ in spans):
        return sent
    behind = {}
    if isinstance(stored, str):
        behind = {label: (start, end) for start, end, label in secret_spans(stored)}
    pieces, position = [], 0
    for start, end, label in spans:
        if sent[start:end] != MASK:
            continue
        if label in behind:
            stored_start, stored_end = behind[label]
            pieces += [sent[position:start], stored[stored_start:stored_end]]
        else:
            pieces.append(sent[position : start - 1 if label[0] == URI else start])
        position = end
    return "".join(pieces) + sent[position:]
