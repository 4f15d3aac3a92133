"""Who is calling, and whether they may: every access rule is checked here, once per request.

A view states only how it differs from the defaults, with a marker:

- a path with an organization: the token's `orgs` must include it (403 otherwise, also for an
  unknown one, so other tenants' ids cannot be probed); `viewer` only reads, `user` writes;
- no organization in the path: any signed-in caller reads, a platform admin writes;
- `@public`, `@platform_admin`, `@org_admin` (managing users; `@org_admin_only(refusal)`
  for another admin's route, saying what it refuses), `@own_password`,
  `@organization_in_query` (`?organizationId=`) and `@signed_in` (a read asked by POST)
  for the rest.

With `AUTH_MODE=off` nothing is checked and every caller sees every tenant.
"""

import logging
from dataclasses import dataclass

from flask import current_app, g, request

from syncapi.access import tenancy, visibility
from syncapi.access.change_log import Author
from syncapi.core import tokens
from syncapi.errors import ApiError
from syncapi.web import handles

log = logging.getLogger(__name__)

SESSION_COOKIE = "syncapi_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PUBLIC, SIGNED_IN, PLATFORM_ADMIN = "public", "signed-in", "platform-admin"
ORG_MEMBER, ORG_ADMIN, OWN_PASSWORD, ORG_IN_QUERY = "member", "org-admin", "own-password", "query"
VERIFIED_KEY = "syncapi.verified_tokens"
RULES_KEY = "syncapi.auth_rules"


@dataclass(frozen=True)
class Caller:
    subject: str
    jti: str
    orgs: tuple
    role: str
    by_cookie: bool


def _marker(rule):
    def mark(view):
        view.auth_rule = rule
        return view

    return mark


def org_admin_only(refusal):
    """An organization admin's route, its 403 saying what only an admin may do there."""

    def mark(view):
        view.auth_rule, view.auth_refusal = ORG_ADMIN, refusal
        return view

    return mark


public = _marker(PUBLIC)
platform_admin = _marker(PLATFORM_ADMIN)
org_admin = org_admin_only("Only an organization admin may manage users")
own_password = _marker(OWN_PASSWORD)
organization_in_query = _marker(ORG_IN_QUERY)
signed_in = _marker(SIGNED_IN)  # a read sent as POST because its question is a body


def init_app(app):
    """`authorize` before every request; the tokens the process verified, remembered."""
    app.extensions[VERIFIED_KEY] = tokens.Verified()
    app.extensions[RULES_KEY] = {}  # endpoint -> its view and blueprint, found once
    app.before_request(authorize)


def enabled():
    return current_app.config["AUTH_MODE"] == "required"


def caller():
    """The signed-in caller, or None when authentication is off."""
    return g.get("caller")


def author():
    """The author of the changes this request makes (`change_log.write_entry`): the caller's
    subject, role, how they signed in and the token's `jti` (so two sessions of one subject
    are told apart, and `tokens revoke` finds the one), the request's id and the client's."""
    who = caller()
    if who is None:
        actor = {"sub": None, "role": None, "auth": "none", "jti": None}
    else:
        how = "cookie" if who.by_cookie else "token"
        actor = {"sub": who.subject, "role": who.role, "auth": how, "jti": who.jti}
    return Author(actor, request.request_id, request.client_request_id)


def authorize():
    """`before_request` of the whole app: runs after the path's ids were checked and before
    any view or existence check touches data."""
    if not enabled():
        return
    method, endpoint = request.method, request.endpoint
    if method == "OPTIONS" or endpoint is None:
        return
    rule, view = _rule(endpoint, method)
    if rule == PUBLIC:
        return
    who = g.caller = _authenticate()
    if who.by_cookie and method not in SAFE_METHODS:
        check_origin()
    _check(rule, who, getattr(view, "auth_refusal", None))


def _rule(endpoint, method):
    """The route's rule and its view; both found once per endpoint (`RULES_KEY`)."""
    found = current_app.extensions[RULES_KEY]
    if endpoint not in found:
        blueprint = current_app.blueprints.get(endpoint.rpartition(".")[0])
        found[endpoint] = (current_app.view_functions[endpoint], blueprint)
    view, blueprint = found[endpoint]
    return route_rule(view, blueprint, "organization_id" in g, method), view


def route_rule(view, blueprint, organization_scoped, method):
    """Who may call a route: its view's marker, else its blueprint's, else the defaults of
    the module docstring. Also read by the API description (`syncapi.openapi`)."""
    marked = getattr(view, "auth_rule", None) or getattr(blueprint, "auth_rule", None)
    if marked:
        return marked
    if organization_scoped:
        return ORG_MEMBER
    return SIGNED_IN if method in SAFE_METHODS else PLATFORM_ADMIN


def _check(rule, who, refusal):
    if rule == SIGNED_IN:
        return
    if rule == PLATFORM_ADMIN:
        if not visibility.is_platform_admin():
            raise ApiError(403, "Only a platform admin may do this")
        return
    organization_id = tenancy.organization_in_query() if rule == ORG_IN_QUERY else g.organization_id
    if not visibility.may_see(organization_id):
        raise ApiError(403, "No access to this organization")
    if rule == ORG_MEMBER and request.method not in SAFE_METHODS and who.role == "viewer":
        raise ApiError(403, "A viewer may only read")
    if rule == ORG_ADMIN and who.role != "admin":
        raise ApiError(403, refusal)
    if rule == OWN_PASSWORD and who.role != "admin" and request.view_args["user_id"] != who.subject:
        raise ApiError(403, "A user may only change their own password")


def presented_token(lenient=False):
    """`(token, by_cookie)`: the bearer token, else the session cookie; `(None, False)` when
    neither is there. A malformed Authorization header is a 401, or ignored when `lenient`
    (a logout ends whatever session it can)."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            return token.strip(), False
        if not lenient:
            raise _unauthorized("Authorization must be: Bearer <token>", invalid=True)
    token = request.cookies.get(SESSION_COOKIE)
    return (token.strip(), True) if token and token.strip() else (None, False)


def _authenticate():
    token, by_cookie = presented_token()
    if token is None:
        raise _unauthorized("Authentication required")
    try:
        verified = current_app.extensions[VERIFIED_KEY]
        claims = verified.read(current_app.config["JWT_SECRET"], token)
    except tokens.TokenError as error:
        raise _unauthorized(str(error), invalid=True) from None
    if handles.revoked().refuses(claims):
        raise _unauthorized("Token revoked", invalid=True)
    return Caller(claims["sub"], claims["jti"], tuple(claims["orgs"]), claims["role"], by_cookie)


def _unauthorized(message, invalid=False):
    challenge = 'Bearer error="invalid_token"' if invalid else "Bearer"
    return ApiError(401, message, headers={"WWW-Authenticate": challenge})


def check_origin():
    """CSRF: a browser sends the cookie by itself, so a cookie-authenticated change must come
    from a page of an allowed origin. Bearer callers are not exposed to this. `*` (only
    with `AUTH_MODE=off`, where a cookie grants nothing) allows every origin; otherwise the
    configured value is the list of origins."""
    allowed = current_app.config["CORS_ALLOWED_ORIGIN"]
    if allowed != "*" and request.headers.get("Origin") not in allowed:
        raise ApiError(403, "Origin not allowed")
