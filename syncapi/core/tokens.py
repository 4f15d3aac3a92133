"""Bearer tokens: JWTs signed with `JWT_SECRET` (HS256 only), made and read by PyJWT.

Claims: `sub` (who), `jti` (which token, for revocation), `orgs` (organization ids, or `["*"]`
for every organization), `role` (`admin` | `user` | `viewer`), `iat`, `exp`. Only HS256 is
accepted, so `alg: none` and tokens signed with another algorithm are refused.

`iat` carries microseconds (a JWT NumericDate may be fractional, RFC 7519 §2): when a user's
sessions are ended at a moment, a token issued before it dies and one issued just after it
lives, even within the same second.
"""

import threading
import uuid
from collections import OrderedDict

import jwt

from syncapi.core import clock

ALGORITHM = "HS256"
ROLES = ("admin", "user", "viewer")
EVERY_ORGANIZATION = "*"
REQUIRED_CLAIMS = ("sub", "jti", "orgs", "role", "iat", "exp")
LEEWAY_SECONDS = 10  # clocks of the machine that minted a token and of this one may differ


class TokenError(Exception):
    """The token cannot be used: the message says why, in words a client may see."""


def issue(secret, subject, orgs, role, lifetime_seconds):
    """`(token, claims)` for a new token; `iat` and `exp` are epoch seconds."""
    issued_at = round(clock.now().timestamp(), 6)
    claims = {
        "sub": str(subject),
        "jti": uuid.uuid4().hex,
        "orgs": list(orgs),
        "role": role,
        "iat": issued_at,
        "exp": int(issued_at) + lifetime_seconds,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM), claims


def read(secret, token):
    """The verified claims; `TokenError` when the token is expired, forged or malformed."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            options={"require": list(REQUIRED_CLAIMS)},
            leeway=LEEWAY_SECONDS,
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("Token expired") from None
    except jwt.InvalidTokenError:
        raise TokenError("Invalid token") from None
    orgs, role = claims["orgs"], claims["role"]
    if not isinstance(orgs, list) or not all(isinstance(org, str) for org in orgs):
        raise TokenError("Invalid token")
    if role not in ROLES or not all(isinstance(claims[key], str) for key in ("sub", "jti")):
        raise TokenError("Invalid token")
    if not all(_is_number(claims[key]) for key in ("iat", "exp")):
        raise TokenError("Invalid token")
    return claims


class Verified:
    """The claims of the tokens this process has verified, so that a caller's next requests
    skip decoding theirs (PyJWT's checks cost more than anything else syncapi does for a
    request). Keyed by the secret and the whole token, signature included: only that very
    token finds its claims, and a forged one is verified as any new token. At most `size`
    tokens, the least recently used dropped first. The expiry is checked again on every
    use; revocations are not decided here (`auth` checks each request against them)."""

    def __init__(self, size=1024):
        self.size = size
        self._claims = OrderedDict()  # (secret, token) -> claims, never changed by readers
        self._guard = threading.Lock()

    def read(self, secret, token):
        """`read(secret, token)`, from memory when this token was verified before."""
        key = (secret, token)
        with self._guard:
            claims = self._claims.get(key)
            if claims is not None:
                self._claims.move_to_end(key)
        if claims is None:
            claims = read(secret, token)
            with self._guard:
                self._claims[key] = claims
                if len(self._claims) > self.size:
                    self._claims.popitem(last=False)
        elif claims["exp"] <= clock.now().timestamp() - LEEWAY_SECONDS:
            with self._guard:
                self._claims.pop(key, None)
            raise TokenError("Token expired")
        return claims


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)
