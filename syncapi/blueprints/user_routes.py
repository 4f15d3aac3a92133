"""The users of an organization, under `/api/organizations/{org}/users` (spec organizations.md
§6). Answers are dumped through `UserOutSchema`: never the stored document, which holds a
password hash. Changing who a user is (role, status, password, deletion) ends their sessions.
"""

from flask import g

from syncapi.access import auth, history, visibility
from syncapi.core import clock, passwords
from syncapi.errors import ApiError
from syncapi.openapi.answers import MessageSchema
from syncapi.openapi.examples import organizations as examples
from syncapi.repositories import revocations, users
from syncapi.schemas.lists import ListQuerySchema
from syncapi.schemas.users import (
    PasswordChangeSchema,
    UserCreateSchema,
    UserOutSchema,
    UserUpdateSchema,
)
from syncapi.web import conditional, handles
from syncapi.web.headers import no_store
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, body, errors, idempotent, listing, response

USER = UserOutSchema()


@listing(ListQuerySchema(users.LISTING.sort_fields))
@response(Many(UserOutSchema), example=examples.USERS)
def list_users():
    """List an organization's users

    Their name, email, role and status: never a password or its hash."""
    query = list_query()
    page = users.list_users(g.tenant_db, query)
    return answered(USER.dump(page.items, many=True), page, query)


@auth.org_admin
@body(UserCreateSchema(), example=examples.NEW_USER)
@response(UserOutSchema, status=201, conditional=True, example=examples.USER)
@errors(409)
@idempotent
def create_user():
    """Create a user

    With a first `password` when one is sent (else the user cannot sign in until an admin
    sets one). The email is unique in the organization (409)."""
    fields = load_body()
    created = users.create_user(g.tenant_db, handles.shared_db(), g.organization_id, fields)
    _record(history.CREATE, after=created)
    return conditional.answer(created, USER.dump(created), 201)


@response(UserOutSchema, conditional=True, example=examples.USER)
@errors(404)
def get_user(user_id):
    """Read a user

    By the `id` the list gives, with its ETag."""
    user = users.find_user(g.tenant_db, user_id)
    return conditional.answer(user, USER.dump(user))


@auth.org_admin
@body(UserUpdateSchema(partial=True), example=examples.USER_CHANGES)
@response(UserOutSchema, conditional=True, example=examples.CHANGED_USER)
@errors(404, 409)
def update_user(user_id):
    """Change a user

    Only the keys sent change; the email stays unique in the organization (409). A new
    role or a deactivation ends the user's earlier sessions, so their tokens stop
    working at once."""
    changes = load_body(partial=True)
    before, after = users.update_user(g.tenant_db, user_id, changes, conditional.expected())
    _record(history.UPDATE, before, after)
    if users.ends_sessions(before, after):
        _end_sessions(after)
    return conditional.answer(after, USER.dump(after))


@auth.org_admin
@response(MessageSchema, conditional=True, example=examples.USER_DELETED)
@errors(404)
def delete_user(user_id):
    """Delete a user

    Their sessions end with them."""
    expected = conditional.expected()
    deleted = users.delete_user(g.tenant_db, handles.shared_db(), user_id, expected)
    _record(history.DELETE, deleted)
    _end_sessions(deleted)
    return {"message": "User deleted successfully"}


@auth.own_password
@no_store
@body(
    PasswordChangeSchema(),
    example=examples.PASSWORD_CHANGE,
)
# The user's ETag; the answer is a message.
@response(MessageSchema, if_match=True, example=examples.PASSWORD_CHANGED)
@errors(404, 409, 429)
def set_user_password(user_id):
    """Set a user's password

    An admin of the organization sets any user's; a user sets their own, sending the
    current one as `currentPassword` (attempts are limited like logins: 429), and gets 409
    when the password changed after that check (an admin's reset wins). Every earlier
    session of the user ends. `If-Match` names the user's version, checked by the write."""
    change = load_body()
    expected = conditional.expected()
    replacing = None  # an admin's write replaces whatever is stored
    if not visibility.is_admin_of(g.organization_id):
        replacing = users.find_user(g.tenant_db, user_id).get("passwordHash")
        if not passwords.verify(replacing, change.get("current_password", "")):
            raise ApiError(403, "currentPassword is not the current password", "currentPassword")
    before, after = users.set_password(
        g.tenant_db, user_id, change["password"], expected, replacing
    )
    _record(history.UPDATE, before, after)
    _end_sessions(after)
    return {"message": "Password updated successfully"}


def _record(action, before=None, after=None):
    """In the organization's log, under the id the API addresses the user by; the log never
    keeps a password hash (`change_log.shown`)."""
    user_id = USER.dump(before or after)["id"]
    history.record(g.tenant_db, action, "user", user_id, before, after)


def _end_sessions(user):
    """Tokens issued to the user until now die (those issued after live)."""
    user_id = USER.dump(user)["id"]  # the id tokens name the user by (`sub`)
    moment = clock.now().timestamp()
    revocations.end_sessions(handles.shared_db(), g.organization_id, user_id, moment)
    handles.revocations_changed()


def register(bp, base):
    bp.add_url_rule(base, view_func=list_users, methods=["GET"])
    bp.add_url_rule(base, view_func=create_user, methods=["POST"])
    item = f"{base}/<user_id>"
    bp.add_url_rule(item, view_func=get_user, methods=["GET"])
    bp.add_url_rule(item, view_func=update_user, methods=["PUT"])
    bp.add_url_rule(item, view_func=delete_user, methods=["DELETE"])
    bp.add_url_rule(f"{item}/password", view_func=set_user_password, methods=["PUT"])
