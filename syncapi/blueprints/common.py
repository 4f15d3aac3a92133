"""Request parsing shared by the views: the JSON body and ids taken from the path."""

from bson import ObjectId
from flask import request

from syncapi.errors import ApiError


def json_body(expected=dict, message="Invalid JSON body", allow_empty=False):
    """The parsed body, or a 400 with the route's own message when it is not `expected`."""
    if allow_empty and not request.get_data():
        return expected()
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nesting deeper than any document MongoDB stores
        body = None
    if not isinstance(body, expected):
        raise ApiError(400, message)
    return body


def object_id(value, field, message):
    if not ObjectId.is_valid(value):
        raise ApiError(400, message, field=field)
    return ObjectId(value)
