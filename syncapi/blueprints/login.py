"""`/api/auth`: a user of an organization logs in for a token, also set as a session cookie.

Both failures (unknown email, wrong password) cost one password verification and answer the
same 401, so a caller cannot learn which emails exist. Attempts are rate-limited per client
address and per account (Flask-Limiter; `RATELIMIT_STORAGE_URI` shares the
counts between workers).
"""

from flask import Blueprint, current_app, g, jsonify, request
from flask_limiter.util import get_remote_address

from syncapi.access import auth, tenancy, visibility
from syncapi.core import passwords, tokens
from syncapi.core.failures import Unavailable
from syncapi.errors import ApiError
from syncapi.openapi.answers import LoginAnswerSchema, MessageSchema
from syncapi.openapi.examples import platform as examples
from syncapi.repositories import revocations, users
from syncapi.schemas.users import LoginSchema, UserOutSchema
from syncapi.web import handles
from syncapi.web.headers import no_store
from syncapi.web.inputs import load_body
from syncapi.web.operations import body, errors, response, security

bp = Blueprint("auth", __name__)

USER = UserOutSchema()
# Anyone may call; a token or the cookie sent is the session that ends.
OPTIONAL_SESSION = [{}, {"bearer": []}, {"sessionCookie": []}]

PER_CLIENT = "20 per minute"
PER_ACCOUNT = "5 per minute"
MAX_KEY_LENGTH = 512
# The only routes the limiter's hooks run on (`web.hooks.init_limiter`): the limits below
# are declared per blueprint, and exempt the blueprints' other routes by themselves too.
LIMITED_ENDPOINTS = ("auth.login", "organizations.set_user_password")


def apply_limits(limiter):
    """Logins, and guesses of a current password (a user changing their own password proves
    it), each limited per client address and per account. A CORS preflight (OPTIONS) of
    either is no attempt: it is not counted."""
    from syncapi.blueprints import organizations

    not_login = lambda: request.endpoint != "auth.login" or request.method != "POST"  # noqa: E731
    limiter.limit(PER_CLIENT, exempt_when=not_login)(bp)
    # Every attempt counts, successes too: counting only failures would be decided after
    # the answer, letting parallel guesses all pass the check first.
    limiter.limit(PER_ACCOUNT, key_func=_account, scope="account", exempt_when=not_login)(bp)
    limiter.limit(PER_CLIENT, scope="password-client", exempt_when=_not_guessing)(organizations.bp)
    limiter.limit(
        PER_ACCOUNT, key_func=_password_account, scope="password", exempt_when=_not_guessing
    )(organizations.bp)


def _not_guessing():
    """Only a caller who must prove the current password can guess one (admins set any). A
    preflight guesses nothing, and `tenancy` binds no organization for it."""
    if request.endpoint != "organizations.set_user_password" or request.method != "PUT":
        return True
    return visibility.is_admin_of(g.organization_id)


def _password_account():
    return _limit_key(f"{g.organization_id}:{request.view_args.get('user_id')}")


def _limit_key(text):
    """A counter's key, read before the body is checked: text any storage can hold (a lone
    surrogate written as its escape) and bounded in length."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")[:MAX_KEY_LENGTH]


def _account():
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nesting no login body has; json_body answers it with a 400
        body = None
    if isinstance(body, dict):
        return _limit_key(f"{body.get('organizationId')}:{str(body.get('email')).strip().lower()}")
    return get_remote_address()


@bp.post("/login")
@auth.public
@no_store
@body(LoginSchema(), example=examples.LOGIN)
@response(LoginAnswerSchema, example=examples.LOGGED_IN)
@errors(401, 429)
def login():
    """Sign in

    An active user of the organization gets a token for it (`accessToken`, valid
    `expiresIn` seconds, to send as `Authorization: Bearer …`), also set as the session
    cookie for browsers. A wrong email or password is the same 401; attempts are limited
    per client and per account (429)."""
    secret = current_app.config["JWT_SECRET"]
    if not secret:
        raise Unavailable("Login unavailable", details="JWT_SECRET not set")
    credentials = load_body()
    user = _user(credentials["organization_id"], credentials["email"])
    stored_hash = user.get("passwordHash") if user and _active(user) else None
    if not passwords.verify(stored_hash, credentials["password"]):
        raise ApiError(401, "Invalid email or password", headers={"WWW-Authenticate": "Bearer"})
    role = user.get("role") if user.get("role") in tokens.ROLES else "viewer"  # unknown: least
    lifetime = current_app.config["JWT_TTL"]
    subject = USER.dump(user)["id"]  # the id the console addresses the user by
    organizations = [credentials["organization_id"]]
    token, claims = tokens.issue(secret, subject, organizations, role, lifetime)
    revocations.record_issued(handles.shared_db(), claims)
    response = jsonify({"accessToken": token, "expiresIn": lifetime, "role": role})
    response.set_cookie(auth.SESSION_COOKIE, token, max_age=lifetime, **_cookie_options())
    return response


@bp.post("/logout")
@auth.public
@no_store
@response(MessageSchema, example=examples.LOGGED_OUT)
@errors(403)
@security(OPTIONAL_SESSION)
def logout():
    """Sign out

    The token sent (bearer, else the session cookie) stops working and the cookie is
    cleared; 200 even when the token was already dead. Through the cookie, the call must
    come from an allowed origin, like every change made with the cookie."""
    token, by_cookie = auth.presented_token(lenient=True)
    if by_cookie:
        auth.check_origin()
    claims = _claims_or_none(token)
    if claims is not None:
        revocations.revoke(handles.shared_db(), claims["jti"], revocations.moment(claims["exp"]))
        handles.revocations_changed()
    response = jsonify({"message": "Logged out"})
    response.delete_cookie(auth.SESSION_COOKIE, **_cookie_options())
    return response


def _claims_or_none(token):
    """A live token's claims; None for no token, or one that is dead already."""
    secret = current_app.config["JWT_SECRET"]
    if token is None or not secret:
        return None
    try:
        return tokens.read(secret, token)
    except tokens.TokenError:
        return None


def _cookie_options():
    """`Secure` whenever the request came over HTTPS (seen through `PROXY_COUNT` behind a
    proxy), or when the settings ask for it."""
    secure = current_app.config["SESSION_COOKIE_SECURE"] or request.is_secure
    return {"httponly": True, "samesite": "Lax", "secure": secure}


def _user(organization_id, email):
    """The stored user, or None for an unknown organization or email (same answer for both)."""
    db = tenancy.existing_database(organization_id)
    return None if db is None else users.find_by_email(db, email)


def _active(user):
    return (user.get("status") or "active") == "active"
