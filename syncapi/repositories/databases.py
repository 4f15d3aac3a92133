"""The server's database list, the one thing every tenant check and listing starts from.

mongomock has no `listDatabases` command (nor `dbStats`): `list_databases` falls back to
its database names and estimates each size from the BSON of the stored documents, so the
embedded store answers with the same shape a real server does.
"""

import bson


def list_databases(client, name=None):
    """`[{name, sizeOnDisk, empty}]` from one `listDatabases` call, optionally for one name."""
    options = {"filter": {"name": name}} if name is not None else {}
    try:
        reply = client.admin.command("listDatabases", **options)
    except NotImplementedError:  # mongomock
        names = [name] if name is not None else client.list_database_names()
        return [
            _estimate(client[db_name]) for db_name in names if _has_collections(client, db_name)
        ]
    return reply["databases"]


def database_exists(client, name):
    return bool(list_databases(client, name))


def _has_collections(client, name):
    return name in client.list_database_names()


def _estimate(db):
    size = sum(
        len(bson.encode(document))
        for collection in db.list_collection_names()
        for document in db[collection].find()
    )
    return {"name": db.name, "sizeOnDisk": size, "empty": size == 0}
