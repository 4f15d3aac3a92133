"""Bearer tokens: JWTs signed with `JWT_SECRET` (HS256 only), made and read by PyJWT.

Claims: `sub` (who), `jti` (which token, for revocation), `orgs` (organization ids, or `["*"]`
for every organization), `role` (`admin` | `user` | `viewer`), `iat`, `exp`. Only HS256 is
accepted, so `alg: none` and tokens signed with another algorithm are refused.

`iat` carries microseconds (a JWT NumericDate may be fractional, RFC 7519 §2): when a user's
sessions are ended at a moment, a token issued before it dies and one issued just after it
lives, even within the same second.
"""

import uuid

import jwt

from syncapi import clock

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


def _is_number(value):
    return isinstance(value, int | float) and not isinstance(value, bool)
