"""The change logs: `/api/changes` (the shared database's, platform admins) and
`/api/organizations/{org}/changes` (an organization's, its admins and platform admins).

A feed integrations follow: `?since=<seq>` answers the entries after it, oldest first, and
`Link: rel="next"` names the read that follows the page (README "Change log").
"""

from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, request

from syncapi.access import auth
from syncapi.core import clock
from syncapi.repositories import changes
from syncapi.schemas.changes import ChangeOutSchema, ChangeQuerySchema
from syncapi.web import handles
from syncapi.web.lists import list_query

CHANGE_QUERY = ChangeQuerySchema()
CHANGE = ChangeOutSchema()

bp = Blueprint("changes", __name__)
bp.auth_rule = auth.PLATFORM_ADMIN


def feed(db):
    """A page of `db`'s log after `since`; `next` when the page is full (more may follow)."""
    query = list_query(CHANGE_QUERY)
    given_up_after = changes.grace(current_app.config["MONGODB_TIMEOUT_MS"])
    entries, more = changes.read(
        handles.change_log(db).db,
        query["since"],
        query["limit"],
        clock.utcnow(),
        given_up_after,
        query.get("type"),
        query.get("id"),
    )
    response = jsonify(CHANGE.dump(entries, many=True))
    if more:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "since"]
        args.append(("since", entries[-1]["seq"]))
        response.headers["Link"] = (
            f'<{request.script_root}{request.path}?{urlencode(args)}>; rel="next"'
        )
    return response


@bp.get("")
def shared_changes():
    """The shared database's log: services, legacy devices, organization deletions."""
    return feed(handles.shared_db())


@auth.org_admin_only("Only an organization admin may read its change log")
def organization_changes():
    """The organization's log."""
    return feed(g.tenant_db)


def register(bp, base):
    bp.add_url_rule(base, view_func=organization_changes, methods=["GET"])
