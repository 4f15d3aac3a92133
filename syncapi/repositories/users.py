"""Users of an organization (collection `users`)."""

from functools import partial

from bson import ObjectId

from syncapi.core import passwords
from syncapi.core.failures import Conflict, NotFound
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, indexes, paging, summaries

DUPLICATE = partial(Conflict, "A user with this email already exists", field="email")
NOT_FOUND = partial(NotFound, "User not found")


def _by_id(user_id):
    """Users are addressed by `_id` hex, or by the `id` older writers stored."""
    if ObjectId.is_valid(user_id):
        return {"$or": [{"_id": ObjectId(user_id)}, indexes.by_key("id", user_id)]}
    return indexes.by_key("id", user_id)


LISTING = Listing(
    {"name": "name", "email": "email", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("name", "email"),
)


def list_users(db, list_query=WHOLE_LIST):
    return paging.find_page(db.users, {}, LISTING, list_query)


def create_user(db, shared, organization_id, fields):
    fields = dict(fields)
    if "password" in fields:
        fields["passwordHash"] = passwords.hash_password(fields.pop("password"))
    document = documents.stamped(
        {**_trimmed(fields), "status": "active", "organizationId": organization_id}, iso=True
    )
    documents.insert(db.users, document, DUPLICATE)
    summaries.users_added(shared, organization_id, 1)
    return document


def restore_user(db, shared, before):
    """A deleted user again under its `_id`, from its change-log entry, without a password
    (the log never keeps a hash): an admin sets one. 409 when its email is taken."""
    kept = {key: value for key, value in before.items() if key != "passwordHash"}
    document = documents.reinsert(db.users, documents.restored(kept, iso=True), DUPLICATE)
    summaries.users_added(shared, db.name, 1)
    return document


def update_user(db, user_id, changes, expected=None):
    """`(before, after)`: the stored user either side of the change."""
    changes = _trimmed(changes)
    return documents.update(db.users, _by_id(user_id), changes, NOT_FOUND, DUPLICATE, expected)


def ends_sessions(before, after):
    """A change that must end the user's earlier tokens (spec §13.2): another role, or no
    longer active; a new password ends them too (`set_password`)."""
    active = lambda user: (user.get("status") or "active") == "active"  # noqa: E731
    return before.get("role") != after.get("role") or (active(before) and not active(after))


def _trimmed(fields):
    """Names and emails are stored without surrounding blanks (so " a@x" duplicates "a@x")."""
    return {
        key: value.strip() if key in ("name", "email") else value for key, value in fields.items()
    }


def delete_user(db, shared, user_id, expected=None):
    """The deleted user's stored document."""
    deleted = documents.delete(db.users, _by_id(user_id), NOT_FOUND, expected)
    summaries.users_added(shared, db.name, -1)
    return deleted


def find_by_email(db, email):
    """The stored user (hash included) for a login; exact match on the trimmed email."""
    return db.users.find_one(indexes.by_key("email", email.strip()))


def find_user(db, user_id):
    document = db.users.find_one(_by_id(user_id))
    if document is None:
        raise NOT_FOUND()
    return document


def set_password(db, user_id, password, expected=None, replacing=None):
    """`(before, after)`: the user's stored document, after with the new password's hash;
    with `expected` (an `If-Match`), only if it is still that version.

    With `replacing`, the hash a user's current password was checked against (their own
    change), only while that is still the stored hash: a password set in between, an
    admin's reset of a password the user may have lost, wins over the change the user
    proved with the old one, which then changes nothing (409)."""
    changes = documents.touched({"passwordHash": passwords.hash_password(password)}, iso=True)
    query, not_found = _by_id(user_id), NOT_FOUND
    if replacing is not None:
        query = {"$and": [query, {"passwordHash": replacing}]}
        not_found = partial(_replaced_meanwhile, db, user_id)
    return documents.update(db.users, query, changes, not_found, DUPLICATE, expected)


def _replaced_meanwhile(db, user_id):
    """What a user's own change that matched nothing answers: 404 when the user is gone, else
    409 (the password changed since it was checked)."""
    if db.users.find_one(_by_id(user_id), {"_id": 1}) is None:
        return NOT_FOUND()
    message = "The password changed since currentPassword was checked; sign in with the new one"
    return Conflict(message, field="currentPassword")
