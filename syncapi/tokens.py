"""Bearer tokens: JWTs signed with `JWT_SECRET` (HS256 only), made and read by PyJWT.

Claims: `sub` (who), `jti` (which token, for revocation), `orgs` (organization ids, or `["*"]`
for every organization), `role` (`admin` | `user` | `viewer`), `iat`, `exp`. Only HS256 is
accepted, so `alg: none` and tokens signed with another algorithm are refused.
"""

import uuid
from datetime import timedelta

import jwt

from syncapi.serialization import utcnow

ALGORITHM = "HS256"
ROLES = ("admin", "user", "viewer")
EVERY_ORGANIZATION = "*"
REQUIRED_CLAIMS = ("sub", "jti", "orgs", "role", "iat", "exp")
LEEWAY_SECONDS = 10  # clocks of the machine that minted a token and of this one may differ


class TokenError(Exception):
    """The token cannot be used: the message says why, in words a client may see."""


def issue(secret, subject, orgs, role, lifetime_seconds):
    """`(token, claims)` for a new token."""
    now = utcnow()
    claims = {
        "sub": str(subject),
        "jti": uuid.uuid4().hex,
        "orgs": list(orgs),
        "role": role,
        "iat": now,
        "exp": now + timedelta(seconds=lifetime_seconds),
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
    return claims
