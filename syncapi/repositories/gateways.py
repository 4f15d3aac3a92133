"""Gateways of an organization (collection `gateways`), addressed by their `gatewayId`."""

from functools import partial

from pymongo import DESCENDING

from syncapi.core.failures import Conflict, NotFound
from syncapi.core.list_query import WHOLE_LIST, Listing
from syncapi.repositories import documents, indexes, paging

DUPLICATE = partial(Conflict, "A gateway with this gatewayId already exists", field="gatewayId")
NOT_FOUND = partial(NotFound, "Gateway not found")


LISTING = Listing(
    {"name": "name", "gatewayId": "gatewayId", "createdAt": "createdAt", "updatedAt": "updatedAt"},
    ("name", "gatewayId"),
)


def list_gateways(db, list_query=WHOLE_LIST):
    """Newest first unless another order is asked for (the contract's order)."""
    newest_first = [("createdAt", DESCENDING)]
    return paging.find_page(db.gateways, {}, LISTING, list_query, newest_first)


def create_gateway(db, fields):
    document = documents.stamped({"status": "connected", **fields})
    return documents.insert(db.gateways, document, DUPLICATE)


def restore_gateway(db, before):
    """A deleted gateway again, from its change-log entry; 409 when its gatewayId is taken."""
    return documents.reinsert(db.gateways, documents.restored(before), DUPLICATE)


def get_gateway(db, gateway_id):
    return documents.find(db.gateways, indexes.by_key("gatewayId", gateway_id), NOT_FOUND)


def update_gateway(db, gateway_id, changes, expected=None):
    changes = documents.touched(changes)
    query = indexes.by_key("gatewayId", gateway_id)
    return documents.update(db.gateways, query, changes, NOT_FOUND, DUPLICATE, expected)


def delete_gateway(db, gateway_id, expected=None):
    query = indexes.by_key("gatewayId", gateway_id)
    return documents.delete(db.gateways, query, NOT_FOUND, expected)
