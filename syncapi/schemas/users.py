from marshmallow import ValidationError, fields

from syncapi.schemas.base import BaseSchema, contains_at, one_of, text

ROLES = ("admin", "user", "viewer")
STATUSES = ("active", "inactive")


class UserSchema(BaseSchema):
    name = text(required=True)
    email = text(contains_at, required=True)
    role = one_of(ROLES, load_default="user")


class UserUpdateSchema(UserSchema):
    """Loaded with `partial=True`: only the keys sent change."""

    status = one_of(STATUSES)


def password_rule(value):
    if not 8 <= len(value) <= 1024:
        raise ValidationError("must be 8 to 1024 characters")


class UserCreateSchema(UserSchema):
    """A user may be created with a first password (stored only as its hash)."""

    password = fields.String(validate=password_rule)


class PasswordChangeSchema(BaseSchema):
    password = fields.String(required=True, validate=password_rule)
    current_password = fields.String(data_key="currentPassword")


class LoginSchema(BaseSchema):
    organization_id = text(required=True, data_key="organizationId")
    email = text(required=True)
    password = fields.String(required=True)
