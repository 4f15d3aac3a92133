"""Users of an organization (collection `users`)."""

from bson import ObjectId
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from syncapi.errors import ApiError
from syncapi.serialization import iso_now


def public(document):
    """The console's user shape: never the raw document (it will hold a password hash)."""
    return {
        "id": str(document.get("id") or document["_id"]),
        "name": document.get("name"),
        "email": document.get("email"),
        "role": document.get("role") or "user",
        "status": document.get("status") or "active",
        "createdAt": document.get("createdAt"),
    }


def _by_id(user_id):
    """Users are addressed by `_id` hex, or by the `id` older writers stored."""
    if ObjectId.is_valid(user_id):
        return {"$or": [{"_id": ObjectId(user_id)}, {"id": user_id}]}
    return {"id": user_id}


def _duplicate_email():
    return ApiError(409, "A user with this email already exists", field="email")


def list_users(db):
    return [public(document) for document in db.users.find()]


def create_user(db, organization_id, fields):
    document = {
        **fields,
        "status": "active",
        "organizationId": organization_id,
        "createdAt": iso_now(),
    }
    try:
        db.users.insert_one(document)
    except DuplicateKeyError:
        raise _duplicate_email() from None
    return public(document)


def update_user(db, user_id, changes):
    try:
        document = db.users.find_one_and_update(
            _by_id(user_id), {"$set": changes}, return_document=ReturnDocument.AFTER
        )
    except DuplicateKeyError:
        raise _duplicate_email() from None
    if document is None:
        raise ApiError(404, "User not found")
    return public(document)


def delete_user(db, user_id):
    if db.users.delete_one(_by_id(user_id)).deleted_count == 0:
        raise ApiError(404, "User not found")
