"""Organizations, applications and devices as the API makes them: for the suite's fixtures
(conftest.py) and for `make bench` (bench/world.py), which both import this module and
neither imports conftest.

Through a client (`organization`, `application`, `devices`, `legacy_device`), each request
checked; or written in bulk where the API would take too long at that scale
(`organizations_in_bulk`, `ingested_devices`), leaving the same documents."""

from syncapi.repositories import index_builds, indexes, summaries

SHARED = "syncapi"  # the shared database (Config's default, TestingConfig's too)


def sent(client, method, path, body, headers=None, expected=201):
    """The answer to a request the arrangement needs to succeed with `expected`: anything
    else stops it, naming the request and the answer."""
    response = client.open(path, method=method, json=body, headers=headers)
    if response.status_code != expected:
        answer = response.get_json(silent=True)
        raise AssertionError(f"{method} {path}: {response.status_code} {answer}")
    return response


def organization(client, organization_id, name=None, headers=None):
    """Creates the organization through `PUT /api/organizations/{id}`, the one route that
    does (metadata, indexes, its summary); `name` is its details' name."""
    body = {} if name is None else {"name": name}
    return sent(client, "PUT", f"/api/organizations/{organization_id}", body, headers)


def application(client, organization_id, application_id, name, headers=None):
    """Registers the application in the organization (its collections and indexes)."""
    body = {"applicationId": application_id, "name": name}
    path = f"/api/organizations/{organization_id}/applications"
    return sent(client, "POST", path, body, headers)


def devices(client, organization_id, application_id, devices, headers=None):
    """Registers each device, a machine id or a whole body, in the application (each claims
    its machine id); their answers."""
    path = f"/api/organizations/{organization_id}/applications/{application_id}/devices"
    bodies = [{"machineId": device} if isinstance(device, str) else device for device in devices]
    return [sent(client, "POST", path, body, headers) for body in bodies]


def legacy_device(client, body, headers=None):
    """Registers a device through the legacy mount (`POST /device/new`), in the shared
    database; one naming an organization claims its machine id for it."""
    return sent(client, "POST", "/device/new", body, headers)


def organizations_in_bulk(mongo, first, last):
    """Organizations `org{first:04d}` to `org{last - 1:04d}` as the API leaves them: their
    metadata, and the summaries the shared database keeps (ten applications each, five
    devices counted in the first), written in bulk (`summaries.reconcile` writes the same
    documents one by one)."""
    organizations, applications = [], []
    for number in range(first, last):
        organization_id = f"org{number:04d}"
        mongo[organization_id].config.insert_one(
            {"key": "organization", "value": {"name": organization_id}}
        )
        organizations.append(
            {"_id": organization_id, "applicationCount": 10, "userCount": 2}
            | {"sizeOnDisk": 0, "empty": False}
        )
        applications += [
            {"_id": f"{organization_id}/app{index}", "organizationId": organization_id}
            | {"applicationId": f"app{index}", "name": f"App {index}", "description": None}
            | {"status": "active", "deviceCount": 5 if index == 0 else 0, "order": index}
            for index in range(10)
        ]
    mongo[SHARED][summaries.ORGANIZATIONS].insert_many(organizations)
    mongo[SHARED][summaries.APPLICATIONS].insert_many(applications)


def ingested_devices(db, application_id, documents):
    """Devices written into an application's collection as an ingestion (or an operator's
    restore) would, not through the API: no claim, no summary. The indexes are built after
    the data: mongomock checks a unique index by scanning the collection on every insert,
    quadratic in a bulk insert."""
    collection = db[f"{application_id}_devices"]
    collection.drop_indexes()
    collection.insert_many(documents)
    index_builds.create_all(db, indexes.application_specs(application_id))
