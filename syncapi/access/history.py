"""The history of what requests changed: the change log's entry (`change_log.write_entry`)
by the request's caller (`auth.author`), into the log of the database changed (`handles.change_log`,
an organization's or the shared one). Views record their changes here; work done outside a
request names its own author to `change_log.write_entry`.
"""

from flask import g

from syncapi.access import auth, change_log
from syncapi.access.change_log import CREATE, DELETE, RESTORE, UPDATE
from syncapi.web import handles

__all__ = ["CREATE", "DELETE", "RESTORE", "UPDATE", "record", "record_in_application"]


def record(db, action, resource_type, resource_id, before=None, after=None, **details):
    """The entry of one change this request made in `db` (see `change_log.write_entry`)."""
    into, author = handles.change_log(db), auth.author()
    return change_log.write_entry(
        into, author, action, resource_type, resource_id, before, after, **details
    )


def record_in_application(action, resource_type, resource_id, before=None, after=None, **details):
    """The same, in the organization's log, naming the application of the request's path."""
    details["applicationId"] = g.application_id
    return record(g.tenant_db, action, resource_type, resource_id, before, after, **details)
