"""The change logs: `/api/changes` (the shared database's, platform admins) and
`/api/organizations/{org}/changes` (an organization's, its admins and platform admins).

A feed integrations follow: `?since=<seq>` answers the entries after it, oldest first, and
`Link: rel="next"` names the read that follows the page (docs/api.md "Change log"). Its answers
are `no-store`: an audit trail of who changed what is kept by no cache.
"""

from urllib.parse import urlencode

from flask import Blueprint, current_app, g, jsonify, request

from syncapi.access import auth
from syncapi.openapi.examples import platform as examples
from syncapi.repositories import changes
from syncapi.schemas.changes import ChangeOutSchema, ChangeQuerySchema
from syncapi.web import handles
from syncapi.web.headers import no_store
from syncapi.web.lists import query_arguments
from syncapi.web.operations import Many, arguments, response

CHANGE = ChangeOutSchema()
NEXT = {
    "Link": {
        "description": 'The read that follows a full page: `rel="next"`, `since` the '
        "page's last seq (a page that is not full has none).",
        "schema": {"type": "string"},
    }
}


def feed_operation(example):
    """What both feeds state: their parameters and their page of entries (`example`),
    never stored by a cache."""

    def stating(view):
        view = no_store(arguments(schema=ChangeQuerySchema())(view))
        return response(Many(ChangeOutSchema), headers=NEXT, example=example)(view)

    return stating


bp = Blueprint("changes", __name__)
bp.auth_rule = auth.PLATFORM_ADMIN


def feed(db):
    """A page of `db`'s log after `since`; `next` when the page is full (more may follow)."""
    query = query_arguments()
    config = current_app.config  # the longest a writer of an entry may take: a write request's
    given_up_after = changes.grace(
        max(config["MONGODB_TIMEOUT_MS"], config["MONGODB_WRITE_TIMEOUT_MS"])
    )
    entries, more = changes.read(
        handles.change_log(db).db,
        query["since"],
        query["limit"],
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
@feed_operation(examples.SHARED_CHANGES)
def shared_changes():
    """Read the platform's change log

    Changes to the service configurations and the legacy devices, and deleted
    organizations, oldest first; `?since=` the last `seq` read follows the log."""
    return feed(handles.shared_db())


@auth.org_admin_only("Only an organization admin may read its change log")
@feed_operation(examples.CHANGES)
def organization_changes():
    """Read an organization's change log

    Every change to its data, who made it, and the document before and after, oldest
    first; `?since=` the last `seq` read follows the log. Its admins read it."""
    return feed(g.tenant_db)


def register(bp, base):
    bp.add_url_rule(base, view_func=organization_changes, methods=["GET"])
