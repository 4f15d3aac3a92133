"""`POST /api/organizations/{org}/changes/{seq}/restore`: the document that entry of the
organization's log deleted, created again from the entry's `before` (docs/api.md "Restore").

Restorable: a device, an organization or application connector, a function, a gateway, and
a user (without a password: the log never keeps a hash). Not restorable: event classes,
which are replaced as a list, and an application, with the devices its delete removed (the
entry keeps their count, not them). The caller needs the role that creating the document
needs: a member who writes, an organization admin for a user.

A snapshot shows secrets masked (`change_log.shown`): a value holding the mask is left out of
the restored document, never written back as the value, and `X-Omitted-Keys` names each.
"""

import json
from dataclasses import dataclass

from flask import g

from syncapi.access import history, visibility
from syncapi.core.failures import Invalid, NotFound
from syncapi.core.masking import mask_properties, without_masks
from syncapi.errors import ApiError
from syncapi.openapi.examples import platform as examples
from syncapi.repositories import (
    applications,
    changes,
    connectors,
    devices,
    functions,
    gateways,
    users,
)
from syncapi.schemas.changes import MAX_SEQ
from syncapi.schemas.functions import FunctionOutSchema
from syncapi.schemas.lists import DIGITS
from syncapi.schemas.users import UserOutSchema
from syncapi.web import conditional, handles
from syncapi.web.operations import errors, idempotent, response

USER = UserOutSchema()
FUNCTION = FunctionOutSchema()


def as_stored(document):
    return document


@dataclass(frozen=True)
class Restorable:
    restore: object  # (tenant db, application id or None, before) -> the stored document
    answer: object = as_stored  # the stored document -> the answer its GET gives
    in_application: bool = False  # lives in an application: 404 once that is gone
    admin_only: bool = False


RESTORABLE = {
    "device": Restorable(
        lambda db, app, before: devices.restore_device(db, handles.shared_db(), app, before),
        mask_properties,
        in_application=True,
    ),
    "connector": Restorable(connectors.restore_connector, mask_properties),
    "function": Restorable(functions.restore_function, FUNCTION.dump, in_application=True),
    "gateway": Restorable(lambda db, app, before: gateways.restore_gateway(db, before)),
    "user": Restorable(
        lambda db, app, before: users.restore_user(db, handles.shared_db(), before),
        USER.dump,
        admin_only=True,
    ),
}
NOT_RESTORABLE = {
    "event-class": "Event classes are replaced as a list and are not restorable one by one",
    "event-classes": "Event classes are replaced as a list and are not restorable one by one",
    "application": (
        "An application's delete is not restorable, nor are the devices it removed with it"
    ),
}


RESTORED = {
    "description": "The restored device, connector, gateway (as stored), function or user "
    "(as their own GET answers them).",
    "anyOf": [
        {"$ref": f"#/components/schemas/{name}"}
        for name in ("StoredDevice", "StoredConnector", "StoredGateway", "FunctionOut", "UserOut")
    ],
}
OMITTED = "X-Omitted-Keys"
OMITTED_LENGTH = 2000  # far below what a proxy takes in an answer's headers (nginx: 4 KiB)
OMITTED_HEADER = {
    OMITTED: {
        "description": "The values the snapshot held masked (secrets), left out of the restored "
        "document rather than written back as the mask: a JSON array of JSON Pointers (RFC "
        '6901), `[]` for none, such as `["/properties/password"]`; beyond 2 000 characters '
        'it ends with `"…"` (more were left out).',
        "schema": {"type": "string"},
    }
}


@response(RESTORED, status=201, conditional=True, headers=OMITTED_HEADER, example=examples.RESTORED)
@errors(404, 409)
@idempotent
def restore_change(seq):
    """Restore what a change deleted

    The device, connector, function, gateway or user this entry of the log deleted is
    created again as it was, one revision on (a user without a password: the log keeps
    none). 409 when its key was taken since, 404 when its application is gone."""
    seq = _seq(seq)
    entry = changes.find_entry(g.tenant_db, seq)
    kind, resource = _restorable(entry, seq), entry["resource"]
    if kind.admin_only and not visibility.is_admin_of(g.organization_id):
        raise ApiError(403, f"Only an organization admin may restore a {resource['type']}")
    application_id = resource.get("applicationId")
    if kind.in_application and application_id is None:
        raise Invalid(f"Change {seq} names no application to restore into", field="seq")
    if application_id is not None:
        if applications.find_application(g.tenant_db, application_id) is None:
            raise NotFound(f"Application {application_id} no longer exists")
    before, omitted = without_masks(entry["before"])
    restored = kind.restore(g.tenant_db, application_id, before)
    details = {"restoredFrom": seq}
    if application_id is not None:
        details["applicationId"] = application_id
    history.record(
        g.tenant_db, history.RESTORE, resource["type"], resource["id"], None, restored, **details
    )
    response = conditional.answer(restored, kind.answer(restored), 201)
    response.headers[OMITTED] = _listed(omitted)
    return response


def _listed(pointers):
    """The pointers as a JSON array (ASCII) of at most `OMITTED_LENGTH` characters."""
    listed = json.dumps(pointers)
    if len(listed) <= OMITTED_LENGTH:
        return listed
    kept, length = [], len(json.dumps(["…"]))
    for pointer in pointers:
        length += len(json.dumps(pointer)) + 2  # and its ", "
        if length > OMITTED_LENGTH:
            break
        kept.append(pointer)
    return json.dumps([*kept, "…"])


def _seq(text):
    if not DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_SEQ:
        raise Invalid(f"seq must be an integer from 1 to {MAX_SEQ}", field="seq")
    return int(text)


def _restorable(entry, seq):
    """The kind of document a restorable delete removed; a 400 saying why otherwise."""
    resource_type = entry["resource"]["type"]
    if resource_type in NOT_RESTORABLE:
        raise Invalid(NOT_RESTORABLE[resource_type], field="seq")
    if entry.get("action") != history.DELETE:
        action = entry.get("action")
        message = f"Change {seq} is a {action}, not a delete: only a deleted document returns"
        raise Invalid(message, field="seq")
    if resource_type not in RESTORABLE:
        kinds = ", ".join(RESTORABLE)
        message = f"A {resource_type} is not restorable (restorable: {kinds})"
        raise Invalid(message, field="seq")
    if not isinstance(entry.get("before"), dict):
        raise Invalid(f"Change {seq} kept no document to restore", field="seq")
    return RESTORABLE[resource_type]


def register(bp, base):
    bp.add_url_rule(f"{base}/<seq>/restore", view_func=restore_change, methods=["POST"])
