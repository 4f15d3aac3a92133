"""What the gunicorn workers of the HTTP rows serve, each built in its worker (after the
fork) from the settings the benchmark gives the process, on a store seeded there."""

import os

from bench import bare, world
from syncapi.extensions import mongo_client


def syncapi():
    return world.build(auth=None, environ=os.environ)


def baseline():
    """The bare app, on a store seeded by a syncapi app of its own (the same documents),
    logging one line per request as its access log would."""
    return bare.create(mongo_client(world.build(auth=False)), log_requests=True)


def silent_baseline():
    """The same bare app, logging nothing."""
    return bare.create(mongo_client(world.build(auth=False)))
