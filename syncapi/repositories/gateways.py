"""Gateways of an organization (collection `gateways`), addressed by their `gatewayId`."""

from functools import partial

from pymongo import DESCENDING

from syncapi.failures import Conflict, NotFound
from syncapi.repositories import documents, indexes

DUPLICATE = partial(Conflict, "A gateway with this gatewayId already exists", field="gatewayId")
NOT_FOUND = partial(NotFound, "Gateway not found")


def list_gateways(db):
    return list(db.gateways.find().sort("createdAt", DESCENDING))


def create_gateway(db, fields):
    document = documents.stamped({"status": "connected", **fields})
    return documents.insert(db.gateways, document, DUPLICATE)


def update_gateway(db, gateway_id, changes):
    changes = documents.touched(changes)
    query = indexes.by_key("gatewayId", gateway_id)
    return documents.update(db.gateways, query, changes, NOT_FOUND, DUPLICATE)


def delete_gateway(db, gateway_id):
    documents.delete(db.gateways, indexes.by_key("gatewayId", gateway_id), NOT_FOUND)
