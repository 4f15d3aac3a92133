"""The gateways of an organization, under `/api/organizations/{org}/gateways`, addressed by
their `gatewayId` (unique in the organization)."""

from flask import g

from syncapi.access import history
from syncapi.openapi.answers import MessageSchema
from syncapi.openapi.examples import organizations as examples
from syncapi.repositories import gateways
from syncapi.schemas.gateways import GatewaySchema
from syncapi.schemas.lists import ListQuerySchema
from syncapi.web import conditional
from syncapi.web.inputs import load_body
from syncapi.web.lists import answered, list_query
from syncapi.web.operations import Many, Stored, body, errors, idempotent, listing, response

STORED_GATEWAY = Stored(GatewaySchema)


@listing(ListQuerySchema(gateways.LISTING.sort_fields))
@response(Many(STORED_GATEWAY), example=examples.GATEWAYS)
def list_gateways():
    """List an organization's gateways

    As stored, the newest first."""
    query = list_query()
    page = gateways.list_gateways(g.tenant_db, query)
    return answered(page.items, page, query)


@body(GatewaySchema(), example=examples.NEW_GATEWAY)
@response(STORED_GATEWAY, status=201, conditional=True, example=examples.GATEWAY)
@errors(409)
@idempotent
def create_gateway():
    """Create a gateway

    Its `gatewayId` is unique in the organization (409); `status` is `connected` unless
    sent."""
    created = gateways.create_gateway(g.tenant_db, load_body())
    history.record(g.tenant_db, history.CREATE, "gateway", created["gatewayId"], after=created)
    return conditional.answer(created, status=201)


@response(STORED_GATEWAY, conditional=True, example=examples.GATEWAY)
@errors(404)
def get_gateway(gateway_id):
    """Read a gateway

    By its `gatewayId`, with its ETag."""
    return conditional.answer(gateways.get_gateway(g.tenant_db, gateway_id))


@body(GatewaySchema(partial=True), example=examples.GATEWAY_CHANGES)
@response(STORED_GATEWAY, conditional=True, example=examples.CHANGED_GATEWAY)
@errors(404, 409)
def update_gateway(gateway_id):
    """Change a gateway

    Only the keys sent change; the others keep their values."""
    changes = load_body(partial=True)
    expected = conditional.expected()
    before, after = gateways.update_gateway(g.tenant_db, gateway_id, changes, expected)
    history.record(g.tenant_db, history.UPDATE, "gateway", gateway_id, before, after)
    return conditional.answer(after)


@response(MessageSchema, conditional=True, example=examples.GATEWAY_DELETED)
@errors(404)
def delete_gateway(gateway_id):
    """Delete a gateway"""
    deleted = gateways.delete_gateway(g.tenant_db, gateway_id, conditional.expected())
    history.record(g.tenant_db, history.DELETE, "gateway", gateway_id, deleted)
    return {"message": "Gateway deleted successfully"}


def register(bp, base):
    bp.add_url_rule(base, view_func=list_gateways, methods=["GET"])
    bp.add_url_rule(base, view_func=create_gateway, methods=["POST"])
    bp.add_url_rule(f"{base}/<gateway_id>", view_func=get_gateway, methods=["GET"])
    bp.add_url_rule(f"{base}/<gateway_id>", view_func=update_gateway, methods=["PUT"])
    bp.add_url_rule(f"{base}/<gateway_id>", view_func=delete_gateway, methods=["DELETE"])
