"""Password hashing: argon2id (argon2-cffi), salted and deliberately slow.

A login for an unknown email still verifies against a dummy hash, so both failures cost the
same time and an attacker cannot tell which emails exist.
"""

import functools

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's own default (RFC 9106's second recommendation): 64 MiB, 3 passes, 4 lanes.
PRODUCTION = profiles.RFC_9106_LOW_MEMORY

_hasher = PasswordHasher.from_parameters(PRODUCTION)


def use_parameters(parameters):
    """Hash new passwords with `parameters` from now on. The test suite's seam: a production
    hash costs a few hundred milliseconds of CPU, and the suite hashes thousands."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(parameters)
    _dummy_hash.cache_clear()  # an unknown user costs what a known one costs


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
