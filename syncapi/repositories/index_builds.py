"""Making the indexes of the table (`indexes`): never on a request's first use of something.

Where each is made, and why there:

- A new organization's and a new application's *unique* indexes, by the request that
  creates it (a write request, bounded by its MongoDB budget, `web.write_budget`): every
  "409 on duplicate" is one of them, so the organization or application exists only once
  they do (a build that fails or times out fails the creation). Their collections are new,
  or an earlier application's orphans, whose duplicates then refuse the creation.
- Every other index (those that serve a query, the TTLs), and every index of the shared
  database and of databases older code or other programs wrote, by the refresh
  (`index_upkeep`): at a worker's start and then every few minutes, off every request's
  path, each build within `INDEX_BUILD_SECONDS`. A query that runs before its index exists
  is slower, never wrong: a new organization's collections are empty then.
- All of them in every tenant by `flask db ensure-indexes`, which reports those that cannot
  be made and the duplicates that block a unique one.
"""

import logging
from contextlib import nullcontext
from typing import NamedTuple

import pymongo
from pymongo.errors import OperationFailure

from syncapi.repositories.indexes import SHARED_INDEXES, TENANT_INDEXES, application_specs

log = logging.getLogger(__name__)

DUPLICATE_KEY = 11000


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


def required(specs):
    """The unique ones: a write's correctness depends on them, not only its speed."""
    return [index for index in specs if index.unique]


def create_tenant_indexes(db):
    """A new organization's unique indexes: its database is new, so none may fail (a failure,
    such as a database differing only in case, or one still being dropped, fails the
    creation)."""
    create_all(db, required(TENANT_INDEXES))


def create_application_indexes(db, application_id):
    """A new application's unique indexes; `Duplicates` when its (orphan) collections hold
    data that breaks one. A timeout fails the creation; an older index of another shape is
    logged (`ensure_logged`)."""
    problems = ensure_logged(db, required(application_specs(application_id)), raising=True)
    if any(problem.duplicates for problem in problems):
        raise Duplicates(problems)


def ensure_tenant_indexes(db):
    ensure_logged(db, TENANT_INDEXES)


def ensure_shared_indexes(db):
    ensure_logged(db, SHARED_INDEXES)  # its change log's among them


def ensure_logged(db, specs, raising=False):
    """Create these indexes. One that cannot be made (an older index of that name or keys
    with other options, such as the original ODM's `name_1`; duplicate data) is logged,
    never a 500 on every request: `db ensure-indexes` reports it with what to do
    (docs/operations.md: what a missing unique index allows meanwhile). `raising`: a
    timeout is raised, not logged."""
    problems = []
    for index in specs:
        try:
            problem = attempt(db, index)
        except OperationFailure as error:  # timed out (the server's maxTimeMS)
            if raising:
                raise
            problem = _refused(db, index, error)
        if problem is not None:
            problems.append(problem)
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


def attempt(db, index, seconds=None):
    """Create `index`, within `seconds` when given (otherwise the client's or the request's
    timeout): None when it is made (or was there), a `Problem` when the server refuses it for
    a reason retrying will not change. A timeout, or a server lost, is raised: later, it
    may succeed."""
    try:
        with pymongo.timeout(seconds) if seconds else nullcontext():
            create_index(db, index)
    except OperationFailure as error:
        if error.timeout:
            raise
        return _refused(db, index, error)
    return None


def _refused(db, index, error):
    if error.code == DUPLICATE_KEY:
        found = duplicates(db[index.collection], index)
        listed = "; ".join(f"{_describe(key)} ({count} documents)" for key, count in found)
        problem = f"blocked by duplicates: {listed or 'see log'}"
    else:  # e.g. an index of that name or keys with other options (codes 85, 86)
        problem = f"could not be created: {error}"
    return Problem(index.collection, index.name, problem, error.code == DUPLICATE_KEY)


def ensure_all(db, specs, seconds=None):
    """Create these indexes, each within `seconds` when given (an operator's index build on
    a large collection; otherwise the client's timeout); returns a `Problem` for each that
    could not be (a build timed out on the server's side included), never changing data."""
    problems = []
    for index in specs:
        try:
            problem = attempt(db, index, seconds)
        except OperationFailure as error:  # the server's maxTimeMS: reported like the rest
            problem = _refused(db, index, error)
        if problem is not None:
            problems.append(problem)
    return problems


def _describe(key):
    return ", ".join(f"{field}={value!r}" for field, value in key.items())
