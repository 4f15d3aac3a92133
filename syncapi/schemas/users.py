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
