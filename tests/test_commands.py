"""`flask db ensure-indexes`: brings databases that predate syncapi up to its unique indexes;
`flask db audit`: finds stored values the input rules refuse; `flask db reconcile`: finishes
what faults left."""

import re
from datetime import UTC, datetime, timedelta

from syncapi.cli.database import db_group
from tests import builders
from tests.helpers import APP, JWT_SECRET, as_server, tenant_names, unchanged


def run_ensure_indexes(app):
    return as_server(app).test_cli_runner().invoke(db_group, ["ensure-indexes"])


def test_creates_every_index_in_every_tenant_and_the_shared_database(app, mongo):
    legacy = mongo["legacy"]
    legacy.config.insert_one(
        {"key": "applications", "value": {"applicationSettings": {"cnc": {"name": "CNC"}}}}
    )
    legacy.cnc_devices.insert_many([{"machineId": "A"}, {"machineId": "B"}])
    mongo["syncapi"].devices.insert_one({"machineId": "shared"})

    result = run_ensure_indexes(app)

    assert result.exit_code == 0, result.output
    assert result.output == (
        "legacy: all indexes in place\nsyncapi: all indexes in place\n"
        "machine registry: 2 id(s) claimed\n"
        "organization summaries: 1 reconciled\n"
    )
    assert "email_unique" in legacy.users.index_information()
    assert "name_applicationId_unique" in legacy.connectors.index_information()
    assert "machineId_unique" in legacy.cnc_devices.index_information()
    assert "machineId_unique" in mongo["syncapi"].devices.index_information()
    assert "name_unique" in mongo["syncapi"].services.index_information()
    assert "email_unique" not in mongo["syncapi"].users.index_information()


def test_is_idempotent(app, client, cnc):
    assert run_ensure_indexes(app).exit_code == 0
    assert run_ensure_indexes(app).exit_code == 0


def test_reports_the_duplicates_that_block_an_index_and_changes_no_data(app, mongo):
    legacy = mongo["legacy"]
    legacy.users.insert_many(
        [{"email": "ana@example.com"}, {"email": "ana@example.com"}, {"email": "bo@example.com"}]
    )
    with unchanged(legacy, documents_only=True):
        result = run_ensure_indexes(app)

    assert result.exit_code == 1
    report = "legacy.users: index email_unique blocked by duplicates:"
    assert f"{report} email='ana@example.com' (2 documents)" in result.output
    assert "1 problem(s) found; no data was changed" in result.output
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
    response = client.post(f"{APP}/devices", json={"machineId": "CN1"})
    assert response.status_code == 409
    assert response.json == {
        "error": "A device with this machineId already exists",
        "field": "machineId",
    }
    assert mongo["acme"]["monitoreo-cnc_devices"].count_documents({}) == 1


def test_ensure_indexes_and_audit_leave_other_programs_databases_alone(app, mongo):
    """ORGANIZATION_DATABASES: a database outside the pattern gets no index, no summary and
    no audit, whatever it holds (here duplicates that would block email_unique, and an
    `organization` document the input rules would refuse)."""
    app.config["ORGANIZATION_DATABASES"] = "legacy"
    mongo["legacy"].users.insert_one({"email": "ana@legacy.test"})
    grafana = mongo["grafana"]
    grafana.users.insert_many([{"email": "admin@grafana.local"}, {"email": "admin@grafana.local"}])
    grafana.config.insert_one({"key": "organization", "value": {"website": "grafana.local"}})

    with unchanged(grafana):
        result = run_ensure_indexes(app)
        audit = run_audit(app)

    assert result.exit_code == 0, result.output
    assert result.output == (
        "legacy: all indexes in place\nsyncapi: all indexes in place\n"
        "machine registry: 0 id(s) claimed\n"
        "organization summaries: 1 reconciled\n"
    )
    assert [s["_id"] for s in mongo["syncapi"].organization_summaries.find()] == ["legacy"]
    assert (audit.exit_code, audit.output) == (0, "every stored value follows the input rules\n")


# flask db audit


def run_audit(app):
    return as_server(app).test_cli_runner().invoke(db_group, ["audit"])


def test_audit_lists_stored_values_the_input_rules_refuse_and_changes_nothing(app, client, mongo):
    """One of each rule, in two tenants (config, a tenant collection, an application's
    collection) and in the shared database, written directly as older code could have.
    (BSON cannot hold a lone surrogate: a real server never returns one.)"""
    client.put("/api/organizations/acme", json={"name": "Acme"})
    client.put("/api/organizations/globex", json={"name": "Globex"})
    client.post("/api/organizations/acme/applications", json={"applicationId": "cnc", "name": "C"})
    acme, globex, shared = mongo["acme"], mongo["globex"], mongo["syncapi"]
    acme.config.update_one({"key": "organization"}, {"$set": {"value.website": "javascript:x"}})
    acme.config.update_one(
        {"key": "applications"}, {"$set": {"value.applicationSettings.cnc.name": "n" * 201}}
    )
    user = acme.users.insert_one({"name": "Ana", "email": "a" * 250 + "@x.test"}).inserted_id
    device = acme.cnc_devices.insert_one(
        {
            "machineId": "M1",
            "events": [{"id": "i" * 129, "class": "C"}],
            "properties": {"__proto__": {"admin": True}, "level": float("inf")},
            "notes": "x" * 10_001,
        }
    ).inserted_id
    gateway = globex.gateways.insert_one({"gatewayId": "G", "name": "G", "at": -float("nan")})
    service = shared.services.insert_one({"name": "s", "configuration": {"$where": "1"}})
    legacy = shared.devices.insert_one({"machineId": "L", "properties": {"k" * 201: 1}})
    with unchanged(mongo):
        result = run_audit(app)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"acme.config {acme.config.find_one({'key': 'organization'})['_id']}: "
        "value.website must be an http or https URL",
        f"acme.config {acme.config.find_one({'key': 'applications'})['_id']}: "
        "value.applicationSettings.cnc.name must be at most 200 characters",
        f"acme.users {user}: email must be at most 254 characters",
        f"acme.cnc_devices {device}: events[0].id must be at most 128 characters",
        f"acme.cnc_devices {device}: properties.__proto__ is not an allowed key",
        f"acme.cnc_devices {device}: properties.level must be a finite number",
        f"acme.cnc_devices {device}: notes must be at most 10000 characters",
        f"globex.gateways {gateway.inserted_id}: at must be a finite number",
        f"syncapi.devices {legacy.inserted_id}: properties.{'k' * 201} is too long a key "
        "(at most 200 characters)",
        f"syncapi.services {service.inserted_id}: configuration.$where is not an allowed key "
        "(keys may not start with $)",
        "Error: 10 stored value(s) break the input rules; nothing changed",
    ]


def test_audit_lists_record_ids_the_record_id_rule_refuses(app, client, mongo):
    """A gateway named `a/b`, `.` or `..` could be created but never read, changed or
    deleted; an id holding a control or format character looks like another."""
    client.put("/api/organizations/acme", json={"name": "Acme"})
    client.post("/api/organizations/acme/applications", json={"applicationId": "cnc", "name": "C"})
    acme, shared = mongo["acme"], mongo["syncapi"]
    gateway = acme.gateways.insert_one({"gatewayId": "a/b", "name": "G"}).inserted_id
    dots = acme.gateways.insert_one({"gatewayId": "..", "name": "G"}).inserted_id
    device = acme.cnc_devices.insert_one({"machineId": "CN\u202e4", "eui": "E\u200b1"})
    function = acme.functions.insert_one({"id": "fn\u0000", "name": "F", "expression": "x"})
    legacy = shared.devices.insert_one({"machineId": "L\ufeff"}).inserted_id
    dot = shared.devices.insert_one({"machineId": "."}).inserted_id
    with unchanged(mongo):
        result = run_audit(app)
    rule = "must be 1 to 128 characters without /, control or format characters, not blank, . or .."
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"acme.gateways {gateway}: gatewayId {rule}",
        f"acme.gateways {dots}: gatewayId {rule}",
        f"acme.functions {function.inserted_id}: id {rule}",
        f"acme.cnc_devices {device.inserted_id}: machineId {rule}",
        f"acme.cnc_devices {device.inserted_id}: eui {rule}",
        f"syncapi.devices {legacy}: machineId {rule}",
        f"syncapi.devices {dot}: machineId {rule}",
        "Error: 7 stored value(s) break the input rules; nothing changed",
    ]


def test_audit_of_data_written_through_the_api_finds_nothing(app, client, mongo):
    seed_twice(app)
    client.put("/api/organizations/autentiodev", json={"website": "https://autentio.test"})

    result = run_audit(app)

    assert result.exit_code == 0, result.output
    assert result.output == "every stored value follows the input rules\n"


def test_audit_of_an_unreachable_mongodb_is_one_line(offline_app):
    result = run_audit(offline_app)
    assert (result.exit_code, result.output) == (1, "Error: MongoDB unavailable\n")


# flask seed-demo


def seed_twice(app):
    runner = as_server(app).test_cli_runner()
    return [runner.invoke(args=["seed-demo"]) for _ in range(2)]


def test_seed_demo_twice_leaves_one_copy(app, mongo):
    first, second = seed_twice(app)

    assert first.exit_code == second.exit_code == 0
    assert "document(s) added" in first.output
    assert "demo sign-in (shown once): organizationId autentiodev" in first.output
    assert second.output == "demo tenant ready: 0 document(s) added\n"  # no new password
    tenant = mongo["autentiodev"]
    assert tenant.config.count_documents({}) == 2
    assert tenant["monitoreo-cnc_devices"].count_documents({}) == 3
    assert tenant.connectors.count_documents({"applicationId": {"$exists": False}}) == 4
    assert mongo["syncapi"].services.count_documents({}) == 3


def test_the_seeded_tenant_reads_as_the_console_expects(app, client):
    seed_twice(app)

    organizations = client.get("/api/organizations").json
    applications = client.get("/api/organizations/autentiodev/applications").json
    machine = client.get("/api/organizations/autentiodev/applications/monitoreo-cnc/devices/CN4")
    classes = client.get("/api/applications/autentiodev/applications/monitoreo-cnc/event-classes")
    functions = client.get("/api/applications/autentiodev/applications/monitoreo-cnc/functions")

    assert [org["id"] for org in organizations] == ["autentiodev"]
    assert organizations[0]["applicationCount"] == 2
    assert [(app["applicationId"], app["deviceCount"]) for app in applications] == [
        ("monitoreo-cnc", 3),
        ("oil-monitor", 1),
    ]
    assert machine.json["connectors"] == ["Fanuc"]
    assert machine.json["properties"]["ip"] == "10.0.0.34"
    assert {item["class"] for item in classes.json} == {"EXECUTION", "MODE", "PIECES"}
    evaluate = client.post(
        "/api/applications/autentiodev/applications/monitoreo-cnc/functions/fn_oee/evaluate",
        json={"values": {"run": 3, "stop": 1}},
    )
    assert evaluate.json == {"result": 75.0}
    assert {item["type"] for item in functions.json} == {"Counter", "Algebraic Function"}
    services = client.get("/api/services").json
    assert {service["configuration"].get("password") for service in services} >= {"********"}


def test_the_demo_admin_signs_in_with_the_password_shown_once(app, client, mongo):
    app.config["JWT_SECRET"] = JWT_SECRET
    first, _ = seed_twice(app)
    shown = re.search(r"email (\S+), password (\S+)$", first.output, re.MULTILINE)
    email, password = shown.groups()
    login = {"organizationId": "autentiodev", "email": email, "password": password}

    response = client.post("/api/auth/login", json=login)

    assert (response.status_code, response.json["role"]) == (200, "admin")
    assert email == "ana@autentio.dev"
    assert mongo["autentiodev"].users.count_documents({"passwordHash": {"$exists": True}}) == 1


def test_a_password_the_demo_admin_has_is_kept(app, mongo):
    seed_twice(app)
    users = mongo["autentiodev"].users
    users.update_one({"email": "ana@autentio.dev"}, {"$set": {"passwordHash": "the operator's"}})

    result = as_server(app).test_cli_runner().invoke(args=["seed-demo"])

    assert "sign-in" not in result.output
    assert users.find_one({"email": "ana@autentio.dev"})["passwordHash"] == "the operator's"


def test_the_demo_organization_reads_as_one_made_with_put(app, client):
    seed_twice(app)
    assert client.put("/api/organizations/acme", json={"name": "Acme"}).status_code == 201

    demo, made = (client.get(f"/api/organizations/{org}") for org in ("autentiodev", "acme"))

    assert demo.json["revision"] == made.json["revision"] == 1
    assert demo.json.keys() == made.json.keys()
    assert demo.headers["ETag"].startswith('"c') and made.headers["ETag"].startswith('"c')
    changed = client.put("/api/organizations/autentiodev", json={"description": "Demo"})
    assert changed.json["revision"] == 2


def test_reports_an_index_that_conflicts_with_an_existing_one(app, mongo):
    legacy = mongo["legacy"]
    legacy.users.create_index("email", name="email_unique")  # same name, not unique

    result = run_ensure_indexes(app)

    assert result.exit_code == 1
    assert "legacy.users: index email_unique could not be created: " in result.output
    assert "already exists" in result.output
    assert "gatewayId_unique" in legacy.gateways.index_information()


def test_skips_registry_keys_that_cannot_name_a_collection(app, mongo):
    mongo["legacy"].config.insert_one(
        {"key": "applications", "value": {"applicationSettings": {"Bad.App": {}, "$x": {}}}}
    )
    result = run_ensure_indexes(app)
    assert result.exit_code == 0, result.output
    assert not [name for name in mongo["legacy"].list_collection_names() if "App" in name]


def test_an_unreachable_mongodb_is_one_line(offline_app):
    result = run_ensure_indexes(offline_app)
    assert result.exit_code == 1
    assert result.output == "Error: MongoDB unavailable\n"


def test_reports_registrations_whose_collections_are_used_for_something_else(app, mongo):
    mongo["legacy"].config.insert_one(
        {"key": "applications", "value": {"applicationSettings": {"oilmonitor": {"name": "O"}}}}
    )
    result = run_ensure_indexes(app)
    assert result.exit_code == 1
    assert "legacy: application 'oilmonitor' is not served" in result.output


def test_creates_the_change_logs_indexes_in_tenants_and_the_shared_database(app, mongo):
    """A tenant written before the change log had none: its log gets them, with the TTL."""
    mongo["legacy"].users.insert_one({"name": "Old"})

    assert run_ensure_indexes(app).exit_code == 0

    for db in (mongo["legacy"], mongo["syncapi"]):
        found = db.changes.index_information()
        assert found["seq_unique"]["key"] == [("seq", 1)] and found["seq_unique"]["unique"]
        assert found["resource_type_seq"]["key"] == [("resource.type", 1), ("seq", 1)]
        assert found["resource_id_seq"]["key"] == [("resource.id", 1), ("seq", 1)]
        assert "at" not in found  # the horizon walks seq_unique
        assert found["expiresAt_ttl"]["expireAfterSeconds"] == 0


# db reconcile


def reconciled(app):
    return as_server(app).test_cli_runner().invoke(db_group, ["reconcile"])


def test_reconcile_finishes_a_cut_short_delete_and_releases_what_gone_organizations_held(
    app, client, mongo
):
    shared = mongo["syncapi"]
    builders.organization(client, "acme", "Acme")
    shared.organization_deletes.insert_one({"_id": "acme", "since": datetime(2026, 1, 1)})
    holder = {"applicationId": "cnc", "machineId": "CN1"}
    shared.machine_claims.insert_one({"_id": "CN1", "organizationId": "gone", "holders": [holder]})
    shared.machine_claims.insert_one({"_id": "CN2", "organizationId": "gone", "holders": []})
    shared.organization_summaries.insert_one({"_id": "gone"})

    result = reconciled(app)

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "organization_deletes: 1 repaired",
        "claims: 1 repaired",
        "summaries: 2 repaired",
    ]
    assert "acme" not in mongo.list_database_names()
    assert shared.machine_claims.count_documents({}) == 0
    assert shared.organization_summaries.count_documents({}) == 0
    assert shared.leases.count_documents({}) == 0  # released


def test_a_second_reconcile_repairs_nothing(app, client, mongo):
    builders.organization(client, "acme", "Acme")
    assert reconciled(app).exit_code == 0
    result = reconciled(app)
    assert result.output.splitlines() == [
        "organization_deletes: 0 repaired",
        "claims: 0 repaired",
        "summaries: 0 repaired",
    ]
    assert tenant_names(mongo) == ["acme"]


def test_reconcile_keeps_demo_claims_and_claims_given_ahead_of_any_device(app, mongo):
    shared = mongo["syncapi"]
    shared.machine_claims.insert_many(
        [
            {"_id": "D1", "organizationId": "autentiodev", "holders": [], "demo": True},
            {"_id": "M1", "organizationId": "later", "holders": []},
        ]
    )
    assert reconciled(app).exit_code == 0
    assert shared.machine_claims.count_documents({}) == 2


def test_reconcile_exits_1_while_another_process_holds_its_lease(app, mongo):
    until = datetime.now(UTC) + timedelta(minutes=5)
    mongo["syncapi"].leases.insert_one({"_id": "reconcile", "holder": "other", "until": until})
    result = reconciled(app)
    assert result.exit_code == 1
    assert "another process is reconciling" in result.output


def test_reconcile_on_the_embedded_store_says_the_refresh_runs_it(app):
    result = app.test_cli_runner().invoke(db_group, ["reconcile"])
    assert result.exit_code == 0
    assert "periodic refresh runs this pass" in result.output
