"""Secrets inside service configurations (spec README §11.19).

At any depth of `configuration`, a key named like a credential is answered as the mask, and
so is the password of a URI's user information in any other string; a PUT that sends the mask
back keeps the stored value, so a client can edit a configuration it was shown without
erasing or learning its secrets.
"""

import json
import re
from collections import deque

MASK = "********"
SECRET_NAMES = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "token",
        "apikey",
        "accesskey",
        "secretkey",
        "privatekey",
        "credentials",
        "passphrase",
    }
)
SECRET_SUFFIXES = ("password", "passwd", "secret", "token", "apikey", "privatekey", "jaasconfig")
SEPARATORS = re.compile(r"[_.\-]")
# `://` after a scheme character; the lookahead reads the authority (up to the first `/`, `?`
# or `#`) without consuming it, so a `://` ending that authority still starts the next match.
URI_AUTHORITY = re.compile(r"(?<=[A-Za-z0-9+.\-])://(?=(?P<authority>[^/?#]*))")


def normalized(key):
    """`saslPassword`, `sasl.password`, `SASL_PASSWORD` and `sasl-password` are one name."""
    return SEPARATORS.sub("", str(key).lower())


def is_secret(key):
    name = normalized(key)
    return name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES)


def password_spans(text):
    """The (start, end) of each non-empty URI password in `text`, in order.

    RFC 3986 read leniently: the authority runs from `//` to the first `/`, `?` or `#`, the
    user information ends at the authority's last `@` (so a raw `@` in a password stays in
    it), and the password follows its first `:`. Linear in the text: an authority ends at
    the next `//` at the latest, and the scheme is judged by one character only.
    """
    spans = []
    for match in URI_AUTHORITY.finditer(text):
        start, end = match.span("authority")
        at = text.rfind("@", start, end)
        colon = text.find(":", start, at) if at != -1 else -1
        if colon != -1 and colon + 1 < at:
            spans.append((colon + 1, at))
    return spans


def mask_uri_passwords(text):
    pieces, position = [], 0
    for start, end in password_spans(text):
        pieces += [text[position:start], MASK]
        position = end
    return "".join(pieces) + text[position:]


def mask(value):
    """A copy of `value`: secret-named keys' values, whatever their type, and URI passwords
    in other strings replaced by the mask."""
    if isinstance(value, dict):
        return {key: MASK if is_secret(key) else mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    if isinstance(value, str):
        return mask_uri_passwords(value)
    return value


def stored_keys(stored):
    """Each normalized name of `stored` → the one stored key bearing it (None when several do).

    A sent key stands for the same stored key, else for the stored key of its normalized name:
    `PASSWORD` or `saslPassword` sent back finds a stored `password` or `sasl.password`, since a
    client may respell a key it was shown. A name several stored keys share is ambiguous: a
    mask sent under it has nothing stored behind it.
    """
    names = {}
    for key in stored:
        name = normalized(key)
        names[name] = None if name in names else key
    return names


def restore_uri_passwords(sent, stored):
    """`sent` with each masked URI password replaced by the stored string's password of the
    same rank (the n-th password of the sent string takes the n-th of the stored one, so a
    host or user edited around the mask keeps the password). With no password of that rank
    stored, the mask is dropped with its `:` (`mqtt://user@broker`): never saved as the
    password, and the rest of the edit is kept, as for a secret key sent as the mask."""
    spans = password_spans(sent)
    if all(sent[start:end] != MASK for start, end in spans):
        return sent
    stored_spans = password_spans(stored) if isinstance(stored, str) else []
    pieces, position = [], 0
    for rank, (start, end) in enumerate(spans):
        if sent[start:end] != MASK:
            continue
        if rank < len(stored_spans):
            stored_start, stored_end = stored_spans[rank]
            pieces += [sent[position:start], stored[stored_start:stored_end]]
        else:
            pieces.append(sent[position : start - 1])
        position = end
    return "".join(pieces) + sent[position:]


def keep_masked(sent, stored):
    """`sent` with each mask replaced by the value stored at the same place.

    A secret key sent as the mask keeps the stored value (found through `stored_keys`) or, with
    nothing stored behind it, is dropped rather than saved as a password; a masked URI
    password is handled by `restore_uri_passwords`.
    """
    if isinstance(sent, dict):
        stored = stored if isinstance(stored, dict) else {}
        names = stored_keys(stored)
        kept = {}
        for key, item in sent.items():
            behind = key if key in stored else names.get(normalized(key))
            if is_secret(key) and item == MASK:
                if behind is not None:
                    kept[key] = stored[behind]
                continue
            kept[key] = keep_masked(item, stored[behind] if behind is not None else None)
        return kept
    if isinstance(sent, list):
        stored = stored if isinstance(stored, list) else []
        behind = counterparts(sent, stored)
        return [
            keep_masked(item, stored_item) for item, stored_item in zip(sent, behind, strict=True)
        ]
    if isinstance(sent, str):
        return restore_uri_passwords(sent, stored)
    return sent


def counterparts(sent, stored):
    """For each sent list item, the stored item it stands for: first the one it shows
    unchanged (its masked form), wherever it moved, so reordering or removing items never
    hands a secret to another entry; then, for an edited item, the one at its place.
    Linear in the list's size (items are matched through a key of their masked form)."""
    places = {}
    for place, item in enumerate(stored):
        places.setdefault(_key(mask(item)), deque()).append(place)
    chosen = [None] * len(sent)
    taken = set()
    for index, item in enumerate(sent):
        candidates = places.get(_key(item))
        if candidates:
            chosen[index] = candidates.popleft()
            taken.add(chosen[index])
    for index in range(min(len(sent), len(stored))):
        if chosen[index] is None and index not in taken:
            chosen[index] = index
            taken.add(index)
    return [stored[place] if place is not None else None for place in chosen]


def _key(value):
    return json.dumps(value, sort_keys=True, default=str)
