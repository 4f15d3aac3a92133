"""`flask --app wsgi tokens create|list|revoke`: how operators hand out and withdraw access.

The first platform admin token comes from here (`--org '*' --role admin`); users of an
organization get theirs from `POST /api/auth/login`. Listing and revoking act on the shared
database, so they refuse the embedded store: its data lives in the server's process, which
this command cannot reach.
"""

import functools
import secrets

import click
from flask import current_app
from flask.cli import AppGroup
from pymongo.errors import ConnectionFailure

from config import ConfigError, duration, is_embedded
from syncapi.access import tenancy
from syncapi.cli import server_shared_db
from syncapi.core import clock, tokens
from syncapi.core.clock import isoformat
from syncapi.extensions import default_db
from syncapi.repositories import revocations

tokens_group = AppGroup("tokens", help="Create, list and revoke bearer tokens.")


def _shared():
    return server_shared_db("a logout revokes its token there")


def _reports_mongodb_down(command):
    """One line instead of a traceback when MongoDB cannot be reached."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConnectionFailure:
            raise click.ClickException("MongoDB unavailable") from None

    return run


def _organization(value, param_hint="--org"):
    if value != tokens.EVERY_ORGANIZATION and not tenancy.is_tenant_name(value):
        raise click.BadParameter(f"{value!r} is not an organization id", param_hint=param_hint)
    return value


@tokens_group.command("create")
@click.option("--org", "orgs", multiple=True, required=True, help="organization id, or '*'")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--ttl", default="30d", show_default=True, help="lifetime: 3600, 15m, 12h, 30d")
@click.option("--subject", help="who the token is for  [default: operator-<8 hex digits>]")
def create_token(orgs, role, ttl, subject):
    """Print a new token (its subject, id and expiry go to stderr)."""
    secret = current_app.config["JWT_SECRET"]
    if not secret:
        raise click.ClickException("JWT_SECRET is not set")
    for org in orgs:
        _organization(org)
    try:
        lifetime = duration(ttl, "--ttl")
    except ConfigError as error:
        raise click.BadParameter(str(error), param_hint="--ttl") from None
    subject = subject or f"operator-{secrets.token_hex(4)}"  # two operators told apart
    token, claims = tokens.issue(secret, subject, orgs, role, lifetime)
    if not is_embedded(current_app.config["MONGODB_URI"]):
        _record(claims)
    click.echo(token)
    expires = isoformat(revocations.moment(claims["exp"]))
    click.echo(f"subject {subject}, jti {claims['jti']}, expires {expires}", err=True)


def _record(claims):
    try:
        revocations.record_issued(default_db(current_app), claims)
    except ConnectionFailure:
        click.echo("warning: MongoDB unavailable, the token will not be listed", err=True)


@tokens_group.command("list")
@click.option("--org", required=True, help="organization id, or '*'")
@click.option("--user", help="only the tokens of this user id")
@_reports_mongodb_down
def list_tokens(org, user):
    """The organization's live tokens: jti, user, role, issued, expires."""
    _organization(org)
    for token in revocations.live_tokens(_shared(), org, user):
        issued, expires = isoformat(token["issuedAt"]), isoformat(token["expiresAt"])
        click.echo(f"{token['jti']}\t{token['sub']}\t{token['role']}\t{issued}\t{expires}")


@tokens_group.command("revoke")
@click.argument("jti", required=False)
@click.option("--user", help="ORG/USER_ID: end every token of that user issued until now")
@_reports_mongodb_down
def revoke_token(jti, user):
    """Refuse one token (by jti), or all of a user's, from now on (within
    REVOCATION_REFRESH_SECONDS)."""
    if (jti is None) == (user is None):
        raise click.UsageError("give either a jti or --user ORG/USER_ID")
    db = _shared()
    if jti is not None:
        revocations.revoke(db, jti)
        click.echo(f"token {jti} revoked")
        return
    organization_id, _, user_id = user.partition("/")
    _organization(organization_id, "--user")
    if not user_id:
        raise click.BadParameter("must be ORG/USER_ID", param_hint="--user")
    revocations.end_sessions(db, organization_id, user_id, clock.now().timestamp())
    click.echo(f"every token of {organization_id}/{user_id} issued until now revoked")
