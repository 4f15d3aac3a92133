"""`flask --app wsgi tokens create|revoke`: how operators hand out and withdraw access.

The first platform admin token comes from here (`--org '*' --role admin`); users of an
organization get theirs from `POST /api/auth/login`.
"""

import click
from flask import current_app
from flask.cli import AppGroup
from pymongo.errors import ConnectionFailure

from config import ConfigError, duration
from syncapi import tenancy, tokens
from syncapi.extensions import default_db
from syncapi.repositories import revocations

tokens_group = AppGroup("tokens", help="Create and revoke bearer tokens.")


@tokens_group.command("create")
@click.option("--org", "orgs", multiple=True, required=True, help="organization id, or '*'")
@click.option("--role", type=click.Choice(tokens.ROLES), required=True)
@click.option("--ttl", default="30d", show_default=True, help="lifetime: 3600, 15m, 12h, 30d")
@click.option("--subject", default="operator", show_default=True, help="who the token is for")
def create_token(orgs, role, ttl, subject):
    """Print a new token (its id and expiry go to stderr)."""
    secret = current_app.config["JWT_SECRET"]
    if not secret:
        raise click.ClickException("JWT_SECRET is not set")
    for org in orgs:
        if org != tokens.EVERY_ORGANIZATION and not tenancy.is_tenant_name(org):
            raise click.BadParameter(f"{org!r} is not an organization id", param_hint="--org")
    try:
        lifetime = duration(ttl, "--ttl")
    except ConfigError as error:
        raise click.BadParameter(str(error), param_hint="--ttl") from None
    token, claims = tokens.issue(secret, subject, orgs, role, lifetime)
    click.echo(token)
    click.echo(f"jti {claims['jti']}, expires {claims['exp'].isoformat()}", err=True)


@tokens_group.command("revoke")
@click.argument("jti")
def revoke_token(jti):
    """Refuse the token with this id from now on (within REVOCATION_REFRESH_SECONDS)."""
    try:
        revocations.revoke(default_db(current_app), jti)
    except ConnectionFailure:
        raise click.ClickException("MongoDB unavailable") from None
    click.echo(f"token {jti} revoked")
