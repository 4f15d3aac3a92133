"""`flask db ensure-indexes`: brings databases that predate syncapi up to its unique indexes."""

from syncapi.commands import db_group
from tests.conftest import APP, snapshot


def run_ensure_indexes(app):
    return app.test_cli_runner().invoke(db_group, ["ensure-indexes"])


def test_creates_every_index_in_every_tenant(app, mongo):
    legacy = mongo["legacy"]
    legacy.config.insert_one(
        {"key": "applications", "value": {"applicationSettings": {"cnc": {"name": "CNC"}}}}
    )
    legacy.cnc_devices.insert_many([{"machineId": "A"}, {"machineId": "B"}])
    mongo["syncapi"].devices.insert_one({"machineId": "shared"})

    result = run_ensure_indexes(app)

    assert result.exit_code == 0, result.output
    assert result.output == "legacy: all indexes in place\n"
    assert "email_unique" in legacy.users.index_information()
    assert "name_applicationId_unique" in legacy.connectors.index_information()
    assert "machineId_unique" in legacy.cnc_devices.index_information()
    assert "machineId_unique" not in mongo["syncapi"].devices.index_information()


def test_is_idempotent(app, client, cnc):
    assert run_ensure_indexes(app).exit_code == 0
    assert run_ensure_indexes(app).exit_code == 0


def test_reports_the_duplicates_that_block_an_index_and_changes_no_data(app, mongo):
    legacy = mongo["legacy"]
    legacy.users.insert_many(
        [{"email": "ana@example.com"}, {"email": "ana@example.com"}, {"email": "bo@example.com"}]
    )
    before = snapshot(legacy)

    result = run_ensure_indexes(app)

    assert result.exit_code == 1
    report = "legacy.users: index email_unique blocked by duplicates:"
    assert f"{report} email='ana@example.com' (2 documents)" in result.output
    assert "1 index(es) blocked by duplicates; no data was changed" in result.output
    assert {name: docs for name, docs in snapshot(legacy).items() if docs} == before
    assert "gatewayId_unique" in legacy.gateways.index_information()


def test_the_index_then_answers_409(app, client, mongo):
    mongo["acme"].config.insert_one(
        {
            "key": "applications",
            "value": {"applicationSettings": {"monitoreo-cnc": {"name": "CNC"}}},
        }
    )
    run_ensure_indexes(app)
    client.post(f"{APP}/devices", json={"machineId": "CN1"})
    assert client.post(f"{APP}/devices", json={"machineId": "CN1"}).status_code == 409
