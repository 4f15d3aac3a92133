"""`flask --app wsgi seed-demo [--timeseries]`: the demo organization on a MongoDB server, and
with `--timeseries` its last 24 hours of time series in the configured InfluxDB 3.

The embedded store is seeded inside the server by `SEED_DEMO=1` (gunicorn.conf.py), through
`seed_demo_into` and, on the embedded time-series engine, `feed_demo_series`.
"""

from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext
from influxdb_client_3 import InfluxDBError, Point, WritePrecision
from urllib3.exceptions import HTTPError

from syncapi.cli import server_client
from syncapi.core import clock
from syncapi.embedded import demo_series
from syncapi.extensions import (
    INFLUX_REQUIRED,
    embedded_influx,
    influx_client,
    influx_databases,
    mongo_client,
)
from syncapi.repositories import demo

BATCH = 5000  # lines per write request (InfluxDB advises batches of 5 000 to 10 000)


@click.command("seed-demo")
@click.option(
    "--timeseries",
    is_flag=True,
    help="Also write the demo's last 24 hours of time series to the configured InfluxDB 3.",
)
@with_appcontext
def seed_demo(timeseries):
    """Create the demo organization `autentiodev` and shared service configs (idempotent)."""
    config = current_app.config
    missing = [name for name in INFLUX_REQUIRED if not config[name]]
    if timeseries and missing:
        raise click.ClickException(
            f"--timeseries writes to an InfluxDB 3 server: {', '.join(missing)} not set"
        )
    server_client("SEED_DEMO=1 make run seeds it inside the server")
    start = demo_start()
    added = seed_demo_into(current_app, start)
    click.echo(f"demo tenant ready: {added} document(s) added")
    signed_in = give_demo_admin_a_password(current_app)
    if signed_in:
        click.echo(sign_in_line(signed_in))
    if timeseries:
        written = write_demo_series(current_app, start)
        click.echo(f"demo time series written: {written} row(s) to {config['INFLUXDB_HOST']}")


def demo_start():
    """Where the demo's series begin: 24 hours ago, in whole seconds (the claims' `since`)."""
    return clock.utcnow().replace(microsecond=0) - timedelta(seconds=demo_series.HISTORY)


def seed_demo_into(app, start):
    client = mongo_client(app)
    return demo.seed(client, app.config["MONGODB_DEFAULT_DB"], demo.load(), since=start)


def give_demo_admin_a_password(app):
    """`(organization id, email, password)` when the demo admin got one now, else None."""
    return demo.give_admin_a_password(mongo_client(app), demo.load())


def sign_in_line(signed_in):
    """The one time the demo admin's password is shown: whoever seeded the demo reads it."""
    organization_id, email, password = signed_in
    return (
        f"demo sign-in (shown once): organizationId {organization_id}, email {email},"
        f" password {password}"
    )


def feed_demo_series(app, start):
    """The demo's series from `start` in the app's embedded engine, kept coming until the
    engine closes; how many rows the first 24 hours were."""
    embedded = embedded_influx(app)  # a 503 naming the package when datafusion is missing
    from syncapi.embedded.demo_feed import Feed  # needs datafusion too, which the engine has found

    feed = Feed(embedded.engine, _databases(app), _fleet(app), _seconds(start))
    written = feed.advance(_seconds(start) + demo_series.HISTORY)
    feed.start()
    embedded.on_close(feed.stop)
    return written


def write_demo_series(app, start):
    """The first 24 hours of the demo's series as line protocol, `BATCH` lines a request,
    through the client's write API; how many rows."""
    client, databases = influx_client(app), _databases(app)
    samples = demo_series.samples(
        _fleet(app), _seconds(start), _seconds(start) + demo_series.HISTORY
    )
    lines = {}
    for sample in samples:
        lines.setdefault(databases[sample.database], []).append(line_protocol(sample))
    try:
        for database, rows in lines.items():
            for offset in range(0, len(rows), BATCH):
                batch = rows[offset : offset + BATCH]
                client.write(record=batch, database=database, write_precision=WritePrecision.NS)
    except (InfluxDBError, HTTPError, OSError) as error:
        raise click.ClickException(f"InfluxDB did not take the demo series: {error}") from None
    return len(samples)


def line_protocol(sample):
    point = Point(sample.table).time(sample.time, WritePrecision.NS)
    for name, value in sample.tags.items():
        point.tag(name, value)
    for name, value in sample.fields.items():
        point.field(name, value)
    return point.to_line_protocol()


def _databases(app):
    main, stats = influx_databases(app.config)
    return {"main": main, "stats": stats}


def _fleet(app):
    return demo_series.fleet(demo.load(), app.config["INFLUXDB_ORG_TAG"])


def _seconds(moment):
    return int(moment.timestamp())
