"""The server's database list, the one thing every tenant check starts from."""


def list_databases(client, names=None):
    """`[{name, sizeOnDisk, empty}]` from one `listDatabases` call (sizes computed by the
    server: keep it off request paths), only `names` when given."""
    options = {"filter": {"name": {"$in": list(names)}}} if names is not None else {}
    return client.admin.command("listDatabases", **options)["databases"]


def database_names(client):
    """Every database's name, one cheap call (`nameOnly`: the server computes no size)."""
    reply = client.admin.command("listDatabases", nameOnly=True)
    return [database["name"] for database in reply["databases"]]


def database_exists(client, name):
    """One cheap name-only lookup: this runs on every organization-scoped request."""
    reply = client.admin.command("listDatabases", nameOnly=True, filter={"name": name})
    return bool(reply["databases"])
