"""Making the indexes of the table (`indexes`): with a new database's collections, on a
process's first use of a log or the shared database, and by `flask db ensure-indexes`,
which reports those that cannot be made and the duplicates that block a unique one.
"""

import logging
from contextlib import nullcontext
from typing import NamedTuple

import pymongo
from pymongo.errors import OperationFailure

from syncapi.repositories.indexes import (
    CHANGE_INDEXES,
    SHARED_INDEXES,
    TENANT_INDEXES,
    application_specs,
)

log = logging.getLogger(__name__)

DUPLICATE_KEY = 11000
INDEX_BUILD_SECONDS = 600  # one index build by an operator command


def create_index(db, index):
    options = {"partialFilterExpression": index.partial} if index.partial else {}
    if index.unique:
        options["unique"] = True
    if index.expire_after is not None:
        options["expireAfterSeconds"] = index.expire_after
    keys = [(key, 1) for key in index.keys]
    db[index.collection].create_index(keys, name=index.name, **options)


def create_all(db, specs):
    for index in specs:
        create_index(db, index)


def ensure_change_indexes(db):
    """A change log's indexes: a log older than them gets them with its first use
    (`web.handles.change_log` makes them once per process)."""
    ensure_logged(db, CHANGE_INDEXES)


def create_tenant_indexes(db):
    """A new organization's indexes: its database is new, so none may fail."""
    create_all(db, TENANT_INDEXES)


def ensure_tenant_indexes(db):
    ensure_logged(db, TENANT_INDEXES)


def ensure_application_indexes(db, application_id):
    """The application's indexes; `Duplicates` when its (orphan) collections hold data that
    breaks a unique one."""
    problems = ensure_logged(db, application_specs(application_id))
    if any(problem.duplicates for problem in problems):
        raise Duplicates(problems)


def ensure_shared_indexes(db):
    ensure_logged(db, SHARED_INDEXES)  # its change log's among them


def ensure_logged(db, specs):
    """Create these indexes on a request path. One that cannot be made (an older index of
    that name or keys with other options, such as the original ODM's `name_1`; duplicate
    data) is logged, never a 500 on every request: `db ensure-indexes` reports it with what
    to do (docs/operations.md: what a missing unique index allows meanwhile)."""
    problems = ensure_all(db, specs)
    for problem in problems:
        log.warning(
            "%s.%s: index %s %s (run flask db ensure-indexes)",
            db.name,
            problem.collection,
            problem.name,
            problem.problem,
        )
    return problems


class Duplicates(Exception):
    """Data that breaks a unique index about to be created."""


def duplicates(collection, index, limit=10):
    """Key values held by more than one document, e.g. `[({"email": "a@x"}, 2)]`."""
    pipeline = [
        {"$match": index.partial or {}},
        {"$group": {"_id": {key: f"${key}" for key in index.keys}, "count": {"$sum": 1}}},
        {"$match": {"count": {"$gt": 1}}},
        {"$limit": limit},
    ]
    return [(group["_id"], group["count"]) for group in collection.aggregate(pipeline)]


class Problem(NamedTuple):
    collection: str
    name: str
    problem: str
    duplicates: bool


def ensure_all(db, specs, seconds=None):
    """Create these indexes, each within `seconds` when given (an operator's index build on
    a large collection; otherwise the client's timeout); returns a `Problem` for each that
    could not be, never changing data."""
    problems = []
    for index in specs:
        try:
            with pymongo.timeout(seconds) if seconds else nullcontext():
                create_index(db, index)
        except OperationFailure as error:
            if error.code == DUPLICATE_KEY:
                found = duplicates(db[index.collection], index)
                listed = "; ".join(f"{_describe(key)} ({count} documents)" for key, count in found)
                problem = f"blocked by duplicates: {listed or 'see log'}"
            else:  # e.g. an index of that name or keys with other options (codes 85, 86)
                problem = f"could not be created: {error}"
            duplicate = error.code == DUPLICATE_KEY
            problems.append(Problem(index.collection, index.name, problem, duplicate))
    return problems


def _describe(key):
    return ", ".join(f"{field}={value!r}" for field, value in key.items())
