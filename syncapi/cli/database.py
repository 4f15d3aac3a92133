"""`flask --app wsgi db ensure-indexes|audit`: bring databases written by older code or by
other programs up to what syncapi relies on.

They may walk every tenant (a request never does). Each operation keeps the requests'
`MONGODB_TIMEOUT_MS`, except index builds, which a large collection makes long: each gets
`INDEX_BUILD_SECONDS` of its own (a deadline for one operation, never for the whole run).
"""

import click
from flask import current_app
from flask.cli import AppGroup
from pymongo.errors import ConnectionFailure, OperationFailure, PyMongoError

from config import is_embedded
from syncapi.cli import server_client
from syncapi.cli.audit import audit_command
from syncapi.extensions import default_db as shared_database
from syncapi.repositories import (
    applications,
    devices,
    index_builds,
    indexes,
    legacy_devices,
    machine_claims,
    organizations,
    reconcile,
    summaries,
)
from syncapi.repositories.databases import database_names

db_group = AppGroup("db", help="Maintain the tenant databases.")


@db_group.command("ensure-indexes")
def ensure_indexes():
    """Create every index in every tenant; record existing machines in the registry and
    reconcile the counts kept on write; report (never fix) what blocks one."""
    client = server_client("the embedded store makes its indexes itself")
    shared = shared_database(current_app)
    pattern = current_app.config["ORGANIZATION_DATABASES"]  # other programs' stay untouched
    try:
        known = summaries.summarized_ids(shared)
        existing = database_names(client)
        tenants = sorted(organizations.tenant_names(existing, shared.name, pattern))
        problems = _ensure_every_index(client, shared, tenants)
        contested = _register_machines(client, shared, tenants)
        _reconcile_summaries(client, shared, known, tenants, existing)
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    if problems:
        raise click.ClickException(f"{problems} problem(s) found; no data was changed")
    if contested:
        raise click.ClickException(
            f"{contested} machine id(s) registered in two organizations: give each to its"
            " owner with `flask --app wsgi machines claim`"
        )


db_group.add_command(audit_command)


@db_group.command("reconcile")
def reconcile_command():
    """Finish what faults left and no request will: organization deletes cut short, claims
    and summaries of organizations gone. Idempotent; exits 1 only when it could not finish."""
    if is_embedded(current_app.config["MONGODB_URI"]):
        click.echo(
            "The embedded store lives inside the server's process: its periodic refresh runs"
            " this pass there."
        )
        return
    client = server_client("the server's refresh runs it")
    try:
        repaired = reconcile.under_lease(client, shared_database(current_app))
    except PyMongoError as error:
        raise click.ClickException(f"MongoDB unavailable ({type(error).__name__})") from None
    if repaired is None:
        raise click.ClickException("another process is reconciling now; run it again later")
    for kind, count in repaired.items():
        click.echo(f"{kind}: {count} repaired")


def _ensure_every_index(client, shared, tenants):
    total = 0
    for name in sorted([*tenants, shared.name]):
        total += _unless_unreadable(name, lambda db=client[name]: _ensure_indexes_of(db, shared))
    return total


def _ensure_indexes_of(db, shared):
    if db.name == shared.name:
        specs, total = indexes.SHARED_INDEXES, 0
    else:
        specs = indexes.tenant_specs(list(applications.settings_by_id(db)))
        total = _report_colliding_applications(db)
    seconds = current_app.config["INDEX_BUILD_SECONDS"]
    problems = index_builds.ensure_all(db, specs, seconds=seconds)
    for problem in problems:
        click.echo(f"{db.name}.{problem.collection}: index {problem.name} {problem.problem}")
    if not problems:
        click.echo(f"{db.name}: all indexes in place")
    return total + len(problems)


def _unless_unreadable(name, step):
    """`step()`'s count of problems; a database this user may not read (permissions, odd
    legacy data) is one problem, reported, and the others go on."""
    try:
        return step()
    except OperationFailure as error:
        click.echo(f"{name}: could not be read ({error.code}: {error.details or error}); skipped")
        return 1


def _report_colliding_applications(db):
    """Registrations older code let in whose collections are used for something else: no
    route serves them (they would read or write that collection)."""
    colliding = applications.colliding_ids(db)
    for application_id in colliding:
        click.echo(
            f"{db.name}: application {application_id!r} is not served: its collections would"
            f" be used for something else ({application_id}_devices…); register it anew"
            " under another id"
        )
    return len(colliding)


def _register_machines(client, shared, tenants):
    """Record in the machine registry the devices registered before it existed (dated back:
    they were visible then), tenant and legacy; returns how many ids are contested."""
    contested = 0
    for name in tenants:
        contested += _unless_unreadable(name, lambda db=client[name]: _register_tenant(db, shared))
    contested += _unless_unreadable(shared.name, lambda: _register_legacy_devices(shared))
    click.echo(f"machine registry: {machine_claims.count(shared)} id(s) claimed")
    return contested


def _register_tenant(db, shared):
    contested = 0
    for application_id in applications.settings_by_id(db):
        for holder, ids, since in devices.existing_registrations(db, application_id):
            taken = machine_claims.backfill(shared, db.name, holder, ids, since)
            where = f"{db.name}.{application_id}_devices"
            contested += sum(_report_contested(where, *pair) for pair in taken)
    return contested


def _register_legacy_devices(shared):
    contested = 0
    for organization_id, holder, ids, since in legacy_devices.existing_registrations(shared):
        taken = machine_claims.backfill(shared, organization_id, holder, ids, since)
        where = f"{shared.name}.devices ({organization_id})"
        contested += sum(_report_contested(where, *pair) for pair in taken)
    return contested


def _report_contested(where, field, machine_id):
    """1 when the id is contested, 0 when a platform admin already gave it to its owner."""
    claim = machine_claims.get(shared_database(current_app), machine_id)
    where = f"{where}: {field} {machine_id!r}"
    if claim.get("assignedAt"):
        click.echo(f"{where} is held by {claim['organizationId']} (a platform admin's decision)")
        return 0
    click.echo(f"{where} is also registered in {claim['organizationId']}, which holds its claim")
    return 1


def _reconcile_summaries(client, shared, known, tenants, existing):
    """The counts kept on write, made exact again (data written by other programs)."""
    for name in tenants:
        organizations.reconcile_summaries(client, shared, name)
    organizations.forget_dropped(shared, known, tenants, existing)
    click.echo(f"organization summaries: {len(tenants)} reconciled")
