"""Gateways of an organization (collection `gateways`), addressed by their `gatewayId`."""

from pymongo import DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from syncapi.errors import ApiError
from syncapi.serialization import utcnow


def _duplicate():
    return ApiError(409, "A gateway with this gatewayId already exists", field="gatewayId")


def list_gateways(db):
    return list(db.gateways.find().sort("createdAt", DESCENDING))


def create_gateway(db, fields):
    now = utcnow()
    document = {"status": "connected", **fields, "createdAt": now, "updatedAt": now}
    try:
        db.gateways.insert_one(document)
    except DuplicateKeyError:
        raise _duplicate() from None
    return document


def update_gateway(db, gateway_id, changes):
    try:
        document = db.gateways.find_one_and_update(
            {"gatewayId": gateway_id},
            {"$set": {**changes, "updatedAt": utcnow()}},
            return_document=ReturnDocument.AFTER,
        )
    except DuplicateKeyError:
        raise _duplicate() from None
    if document is None:
        raise ApiError(404, "Gateway not found")
    return document


def delete_gateway(db, gateway_id):
    if db.gateways.delete_one({"gatewayId": gateway_id}).deleted_count == 0:
        raise ApiError(404, "Gateway not found")
