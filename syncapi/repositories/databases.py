"""The server's database list, the one thing every tenant check and listing starts from.

mongomock has no `listDatabases` command (nor `dbStats`): `list_databases` falls back to
its database names and estimates each size from the BSON of the stored documents, so the
embedded store answers with the same shape a real server does.
"""

import bson


def list_databases(client):
    """`[{name, sizeOnDisk, empty}]` from one `listDatabases` call."""
    try:
        reply = client.admin.command("listDatabases")
    except NotImplementedError:  # mongomock
        return [_estimate(client[name]) for name in client.list_database_names()]
    return reply["databases"]


def database_exists(client, name):
    """One cheap name-only lookup: this runs on every organization-scoped request."""
    try:
        reply = client.admin.command("listDatabases", nameOnly=True, filter={"name": name})
    except NotImplementedError:  # mongomock
        return name in client.list_database_names()
    return bool(reply["databases"])


def _estimate(db):
    size = sum(
        len(bson.encode(document))
        for collection in db.list_collection_names()
        for document in db[collection].find()
    )
    return {"name": db.name, "sizeOnDisk": size, "empty": size == 0}
