"""Secrets inside service configurations (spec README §11.19).

At any depth of `configuration`, a key named like a credential is answered as the mask; a
PUT that sends the mask back for such a key keeps the stored value, so a client can edit a
configuration it was shown without erasing or learning its secrets.
"""

MASK = "********"
SECRET_NAMES = frozenset(
    {
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "access_key",
        "secret_key",
        "private_key",
        "credentials",
    }
)
SECRET_SUFFIXES = ("_password", "_secret", "_token")


def is_secret(key):
    name = str(key).lower()
    return name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES)


def mask(value):
    """A copy of `value` with every secret-named key's value replaced by the mask."""
    if isinstance(value, dict):
        return {key: MASK if is_secret(key) else mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


def keep_masked(sent, stored):
    """`sent` with each masked secret replaced by the value stored at the same place.

    A mask with nothing stored behind it is dropped rather than saved as a password.
    """
    if isinstance(sent, dict):
        stored = stored if isinstance(stored, dict) else {}
        by_name = {str(key).lower(): value for key, value in stored.items()}
        kept = {}
        for key, item in sent.items():
            if is_secret(key) and item == MASK:
                if str(key).lower() in by_name:  # `PASSWORD` sent back for a stored `password`
                    kept[key] = by_name[str(key).lower()]
                continue
            kept[key] = keep_masked(item, stored.get(key))
        return kept
    if isinstance(sent, list):
        stored = stored if isinstance(stored, list) else []
        return [
            keep_masked(item, stored[index] if index < len(stored) else None)
            for index, item in enumerate(sent)
        ]
    return sent
