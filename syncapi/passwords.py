"""Password hashing: argon2id (argon2-cffi), salted and deliberately slow.

A login for an unknown email still verifies against a dummy hash, so both failures cost the
same time and an attacker cannot tell which emails exist.
"""

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password):
    return _hasher.hash(password)


def verify(stored_hash, password):
    """True when `password` matches; an unknown user (`stored_hash` None) costs the same."""
    usable = isinstance(stored_hash, str) and stored_hash != ""  # odd legacy values: no password
    try:
        return _hasher.verify(stored_hash if usable else _dummy_hash(), password) and usable
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash():
    return _hasher.hash("not a password anyone has")
