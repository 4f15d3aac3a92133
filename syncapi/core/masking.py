"""Secrets inside documents (spec README §11.19, §13.13): service configurations, and the
`properties` of connectors and devices.

At any depth, a key named like a credential (`secret_names.is_secret`) is answered as the
mask, and so is each secret inside any other string (`secret_text`: a URI's password, a
`password=`, `sig=`… pair); a PUT that sends the mask back keeps the stored value, so a
client can edit a document it was shown without erasing or learning its secrets. What a
change log shows is masked the same way; a restore leaves the masked values out.
"""

import json
from collections import deque

from syncapi.core.secret_names import MASK, is_secret, normalized
from syncapi.core.secret_text import mask_text, restore_text

__all__ = [
    "MASK",
    "holds_mask",
    "is_secret",
    "keep_masked",
    "keeping_secrets",
    "mask",
    "mask_field",
    "mask_properties",
    "without_masks",
]


def mask(value, parent=""):
    """A copy of `value`: secret-named keys' values, whatever their type, and the secrets
    inside other strings replaced by the mask. `parent`: the key holding `value`."""
    if isinstance(value, dict):
        return {
            key: MASK if is_secret(key, parent) else mask(item, key) for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask(item, parent) for item in value]
    if isinstance(value, str):  # no pair, URI or header without = or : (most values)
        return mask_text(value) if "=" in value or ":" in value else value
    return value


def mask_field(document, field):
    """`document` with its `field` (`properties`, `configuration`) masked, when it has one."""
    if not isinstance(document, dict) or field not in document:
        return document
    return {**document, field: mask(document[field], field)}


def mask_properties(document):
    """A connector or device as answered: its `properties` masked."""
    return mask_field(document, "properties")


def holds_mask(value):
    """Whether the mask is somewhere in `value` (a string holding it, at any depth)."""
    if isinstance(value, dict):
        return any(holds_mask(item) for item in value.values())
    if isinstance(value, list):
        return any(holds_mask(item) for item in value)
    return isinstance(value, str) and MASK in value


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


def keep_masked(sent, stored, parent=""):
    """`sent` with each mask replaced by the value stored at the same place.

    A secret key sent as the mask keeps the stored value (found through `stored_keys`) or, with
    nothing stored behind it, is dropped rather than saved as a password; a masked secret in
    a string is put back by `secret_text.restore_text`.
    """
    if isinstance(sent, dict):
        stored = stored if isinstance(stored, dict) else {}
        names = stored_keys(stored)
        kept = {}
        for key, item in sent.items():
            behind = key if key in stored else names.get(normalized(key))
            if item == MASK and is_secret(key, parent):
                if behind is not None:
                    kept[key] = stored[behind]
                continue
            kept[key] = keep_masked(item, stored[behind] if behind is not None else None, key)
        return kept
    if isinstance(sent, list):
        stored = stored if isinstance(stored, list) else []
        behind = counterparts(sent, stored, parent)
        return [
            keep_masked(item, stored_item, parent)
            for item, stored_item in zip(sent, behind, strict=True)
        ]
    if isinstance(sent, str):
        return restore_text(sent, stored)
    return sent


def keeping_secrets(changes, field, read_stored):
    """`changes` whose `field` sent back masks keeps the stored values (`keep_masked`). The
    stored document is read (`read_stored()`, None for none) only when a mask was sent: a
    write without one costs nothing more. With nothing stored, the masks are dropped."""
    if field not in changes or not holds_mask(changes[field]):
        return changes
    stored = read_stored() or {}
    return {**changes, field: keep_masked(changes[field], stored.get(field), field)}


def counterparts(sent, stored, parent=""):
    """For each sent list item, the stored item it stands for: first the one it shows
    unchanged (its masked form), wherever it moved, so reordering or removing items never
    hands a secret to another entry; then, for an edited item, the one at its place.
    Linear in the list's size (items are matched through a key of their masked form)."""
    places = {}
    for place, item in enumerate(stored):
        places.setdefault(_key(mask(item, parent)), deque()).append(place)
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


def without_masks(document):
    """`(document, pointers)`: `document` without the values that hold the mask (a masked
    key, a string with a masked secret: never written back as a value), and where each was,
    as JSON Pointers (RFC 6901), in order. What a restore writes from a masked snapshot."""
    pointers = []
    return _unmasked(document, "", pointers), pointers


def _unmasked(value, pointer, pointers):
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            where = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if isinstance(item, str) and MASK in item:
                pointers.append(where)
            else:
                kept[key] = _unmasked(item, where, pointers)
        return kept
    if isinstance(value, list):
        kept = []
        for index, item in enumerate(value):
            if isinstance(item, str) and MASK in item:
                pointers.append(f"{pointer}/{index}")
            else:
                kept.append(_unmasked(item, f"{pointer}/{index}", pointers))
        return kept
    return value
