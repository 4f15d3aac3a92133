from marshmallow import ValidationError, fields

from syncapi.core.tokens import ROLES
from syncapi.schemas.base import (
    BaseSchema,
    OutputSchema,
    at_most,
    computed,
    contains_at,
    one_of,
    text,
)
from syncapi.schemas.limits import EMAIL_LENGTH, ID_LENGTH, NAME_LENGTH

STATUSES = ("active", "inactive")


class UserSchema(BaseSchema):
    name = text(required=True, limit=NAME_LENGTH)
    email = text(contains_at, required=True, limit=EMAIL_LENGTH)
    role = one_of(ROLES, load_default="user")


class UserUpdateSchema(UserSchema):
    """Loaded with `partial=True`: only the keys sent change."""

    status = one_of(STATUSES)


PASSWORD_LENGTH = 1024


def password_rule(value):
    if not 8 <= len(value) <= PASSWORD_LENGTH:
        raise ValidationError(f"must be 8 to {PASSWORD_LENGTH} characters")


class UserCreateSchema(UserSchema):
    """A user may be created with a first password (stored only as its hash)."""

    password = fields.String(validate=password_rule)


class PasswordChangeSchema(BaseSchema):
    password = fields.String(required=True, validate=password_rule)
    current_password = fields.String(validate=at_most(PASSWORD_LENGTH), data_key="currentPassword")


class UserOutSchema(OutputSchema):
    """The console's user shape (organizations.md §6), never the stored document, which
    holds a password hash. `id` is the `_id` hex, or the `id` older writers stored: the id
    the console, the routes and tokens (`sub`) address the user by."""

    id = computed(lambda user: str(user.get("id") or user["_id"]), "string")
    name = computed(lambda user: user.get("name"), ["string", "null"])
    email = computed(lambda user: user.get("email"), ["string", "null"])
    role = computed(lambda user: user.get("role") or "user", "string")
    status = computed(lambda user: user.get("status") or "active", "string")
    created_at = computed(
        lambda user: user.get("createdAt"), ["string", "null"], data_key="createdAt"
    )
    revision = computed(lambda user: user.get("revision"), ["integer", "null"])


class LoginSchema(BaseSchema):
    organization_id = text(required=True, limit=ID_LENGTH, data_key="organizationId")
    email = text(required=True, limit=EMAIL_LENGTH)
    password = fields.String(required=True, validate=at_most(PASSWORD_LENGTH))
