"""`Idempotency-Key` on every POST that creates a document (issue 26; docs/api.md "Retrying a
create", `syncapi.web.idempotency`).

A client that cannot tell whether its create was made sends it again with the same key:

- the same key, route and body answer the first answer again (status, body, `ETag`), with
  `Idempotent-Replayed: true`, and store nothing new;
- the same key with another body or route is a 422 naming `Idempotency-Key`;
- while the first request is under way, the key is a 409; a request that died holds it no
  longer than `HELD`, and one of this process that has answered not at all;
- only a 2xx is stored, in the create's own transaction: after a 4xx the key runs again,
  whatever the body; after a commit whose outcome stayed unknown (a 503 saying "the change
  may have been applied") the retry answers the created document, made once;
- a key is the caller's, in one organization (or the shared database), for 24 hours;
- a key is 1 to 255 printable ASCII characters, bare or quoted (a 400 naming the header);
- without the header, every answer is as it was.

Every create is checked, in the world the fault cases start from (`fault_cases.world`).
"""

import threading
from dataclasses import dataclass
from datetime import timedelta

import pytest

from syncapi.core import clock
from syncapi.core.masking import MASK
from syncapi.extensions import mongo_client
from syncapi.repositories import idempotency_keys
from syncapi.web import idempotency, transactions
from syncapi.web.transactions import MAY_HAVE_BEEN_APPLIED
from tests import builders, fault_cases, faults, round_trips
from tests.helpers import JWT_SECRET, SECURED, bearer, snapshot, unserved_app

HEADER, REPLAYED = "Idempotency-Key", "Idempotent-Replayed"
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


@dataclass(frozen=True)
class Create:
    """Where a create's document is stored (database, collection, filter) and the type of
    its change-log entries (in the same database, unless `log` names another)."""

    database: str
    collection: str
    filter: dict
    logged: str
    log: str = None


ACME, SHARED = "acme", "syncapi"
CREATES = {  # operationId: the document its request in `fault_cases.cases` creates
    "organizations_create_device": Create(
        ACME, "monitoreo-cnc_devices", {"machineId": "CN4"}, "device"
    ),
    "applications_create_device": Create(
        ACME, "monitoreo-cnc_devices", {"machineId": "CN4"}, "device"
    ),
    "device_create_device": Create(SHARED, "devices", {"machineId": "L2"}, "legacy-device"),
    "organizations_create_user": Create(ACME, "users", {"email": "bo@acme.io"}, "user"),
    "organizations_create_gateway": Create(ACME, "gateways", {"gatewayId": "GW2"}, "gateway"),
    "organizations_create_application": Create(
        SHARED, "application_summaries", {"applicationId": "presses"}, "application", ACME
    ),
    "organizations_create_connector": Create(ACME, "connectors", {"name": "Second"}, "connector"),
    "applications_create_connector": Create(
        ACME, "monitoreo-cnc_connectors", {"name": "Second"}, "connector"
    ),
    "applications_create_function": Create(ACME, "functions", {"id": "availability"}, "function"),
    "applications_create_event_class": Create(
        ACME, "monitoreo-cnc_events", {"class": "MODE2"}, "event-class"
    ),
    "services_create_service": Create(SHARED, "services", {"name": "mqtt-2"}, "service"),
    "organizations_restore_change": Create(ACME, "gateways", {"gatewayId": "GW9"}, "gateway"),
}
OPERATIONS = sorted(CREATES)


class World:
    """`fault_cases.world` in a fresh app, and the case's create."""

    def __init__(self, make_app, operation, **settings):
        self.app = make_app(JWT_SECRET=JWT_SECRET, **settings)
        self.client = self.app.test_client()
        self.mongo = mongo_client(self.app)
        self.ids = fault_cases.world(self.client)
        self.method, self.path, self.body, self.status = fault_cases.cases(self.ids)[operation]
        self.create = CREATES.get(operation)

    def send(self, key=KEY, body=..., path=None, **headers):
        if key is not None:
            headers[HEADER] = key
        body = self.body if body is ... else body
        return self.client.open(path or self.path, method="POST", json=body, headers=headers)

    def documents(self):
        """How many documents the create stored."""
        create = self.create
        return self.mongo[create.database][create.collection].count_documents(create.filter)

    def entries(self):
        """How many change-log entries of the created document's type there are."""
        log = self.mongo[self.create.log or self.create.database]["changes"]
        return log.count_documents({"resource.type": self.create.logged})

    def state(self):
        return snapshot(self.mongo)


@pytest.fixture(params=OPERATIONS)
def world(request, make_app):
    return World(make_app, request.param)


def test_the_creates_are_the_operations_that_take_the_key():
    description = unserved_app().test_client().get("/api/openapi.json").json
    keyed, others = set(), set()
    for item in description["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            names = {parameter["name"] for parameter in operation.get("parameters", ())}
            (keyed if HEADER in names else others).add(operation["operationId"])
            if HEADER in names:
                assert {"409", "422"} <= operation["responses"].keys()
                assert REPLAYED in operation["responses"]["201"]["headers"]
    assert keyed == set(CREATES)
    assert "organizations_change_tags" in others  # a POST that creates nothing


# Replay


def test_the_same_key_and_body_answer_the_first_answer_again_and_store_nothing(world):
    first = world.send()
    assert first.status_code == world.status == 201, first.json
    assert REPLAYED not in first.headers
    stored = world.state()

    again = world.send()

    assert again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.get_data() == first.get_data()
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert world.state() == stored
    assert world.documents() == 1


def test_a_fingerprint_is_keyed_by_the_deployment_not_by_jwt_secret(make_app):
    """Keyed with authentication off as on, and a rotation of JWT_SECRET turns no retry into
    a 422."""
    world = World(make_app, "organizations_create_gateway")
    assert world.send().status_code == 201
    world.app.config["JWT_SECRET"] = "another secret of at least thirty-two bytes"
    again = world.send()
    assert (again.status_code, again.headers[REPLAYED]) == (201, "true")


def test_the_same_body_sent_in_another_order_or_spacing_is_the_same_request(make_app):
    world = World(make_app, "organizations_create_gateway")
    first = world.send()
    reordered = '{ "name": "Hall B",\n  "gatewayId": "GW2" }'
    again = world.client.post(
        world.path, data=reordered, content_type="application/json", headers={HEADER: KEY}
    )
    assert again.status_code == 201
    assert again.headers[REPLAYED] == "true"
    assert again.get_data() == first.get_data()


def test_a_restore_replays_its_omitted_keys_too(make_app):
    world = World(make_app, "organizations_restore_change")
    first = world.send()
    again = world.send()
    assert again.headers["X-Omitted-Keys"] == first.headers["X-Omitted-Keys"]


def test_a_service_revealed_is_kept_and_replayed_masked(make_app):
    """Its answer shows the secrets once; the key keeps them masked for its 24 hours."""
    world = World(make_app, "services_create_service")
    first = world.send(path="/api/services?reveal=true")
    assert first.headers["Cache-Control"] == "no-store"
    assert first.json["configuration"]["password"] != MASK
    again = world.send(path="/api/services?reveal=true")
    assert again.headers[REPLAYED] == "true"
    assert again.headers["Cache-Control"] == "no-store"
    assert again.json["configuration"]["password"] == MASK
    kept = world.mongo["syncapi"][idempotency_keys.COLLECTION].find_one()
    assert first.json["configuration"]["password"] not in str(kept)


# Another request with the key


def test_the_key_with_another_body_is_a_422_naming_it(world):
    world.send()
    stored = world.state()

    other = world.send(body={**(world.body or {}), "another": "body"})

    assert other.status_code == 422
    assert other.json["field"] == HEADER
    assert world.state() == stored


@pytest.mark.parametrize(
    ("operation", "other_path"),
    [
        ("organizations_create_device", fault_cases.APP2 + "/devices"),  # the other mount
        ("organizations_create_device", fault_cases.ORG + "/gateways"),
        ("services_create_service", "/device/new"),  # both keep keys in the shared database
        ("services_create_service", "/api/services?reveal=true"),  # its query
    ],
)
def test_the_key_on_another_route_is_a_422(make_app, operation, other_path):
    world = World(make_app, operation)
    world.send()
    other = world.send(path=other_path)
    assert other.status_code == 422
    assert other.json["field"] == HEADER


# In flight


def test_the_key_of_a_request_under_way_is_a_409(world, monkeypatch):
    entered, release = threading.Event(), threading.Event()
    run = transactions.run_in_transaction

    def held(call):  # the first request holds its key, its view not yet run
        if threading.current_thread() is not threading.main_thread():
            entered.set()
            assert release.wait(10)
        return run(call)

    monkeypatch.setattr(transactions, "run_in_transaction", held)
    answers = []
    first = threading.Thread(target=lambda: answers.append(world.send()))
    first.start()
    try:
        assert entered.wait(10)
        meanwhile = world.send()
    finally:
        release.set()
        first.join(10)

    assert meanwhile.status_code == 409
    assert meanwhile.json["field"] == HEADER
    assert answers[0].status_code == 201
    assert world.send().headers[REPLAYED] == "true"
    assert world.documents() == 1


def marker(world, owner, process, moment):
    """The marker a request of `world`'s create wrote at `moment`."""
    with world.app.test_request_context(world.path, method="POST", json=world.body):
        fingerprint = idempotency.fingerprint()
    key = idempotency_keys.key_id(None, KEY)
    return idempotency_keys.pending(key, owner, process, fingerprint, moment + idempotency.HELD)


def test_a_request_that_died_holds_its_key_no_longer_than_its_time_limit(make_app, monkeypatch):
    """Another process's request that wrote its marker and never answered (it died)."""
    world = World(make_app, "organizations_create_gateway")
    now = clock.now()
    world.mongo["acme"][idempotency_keys.COLLECTION].insert_one(
        marker(world, "d" * 32, "elsewhere", now)
    )

    assert world.send().status_code == 409
    assert world.documents() == 0

    later = now + idempotency.HELD + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert world.send().status_code == 201
    assert world.documents() == 1


def test_a_request_of_this_process_that_answered_holds_its_key_no_more(make_app):
    """Its marker was left (MongoDB down when it answered): the process knows it is over."""
    world = World(make_app, "organizations_create_gateway")
    process = idempotency._process_id()
    world.mongo["acme"][idempotency_keys.COLLECTION].insert_one(
        marker(world, "d" * 32, process, clock.now())
    )
    assert world.send().status_code == 201


# Only a 2xx is stored


def test_after_a_4xx_the_key_runs_again_even_with_another_body(world):
    if world.body is None:  # a restore of an entry that is no delete
        refused = world.send(path=f"{fault_cases.ORG}/changes/1/restore")
    else:
        refused = world.send(body={})
    assert 400 <= refused.status_code < 500
    assert world.mongo[world.create.database][idempotency_keys.COLLECTION].count_documents({}) == 0

    created = world.send()

    assert created.status_code == 201, created.json
    assert REPLAYED not in created.headers
    assert world.documents() == 1


def test_after_a_duplicate_the_key_runs_again(make_app):
    """A 409 of the create itself (the gateway exists) is no answer to keep either."""
    world = World(make_app, "organizations_create_gateway")
    taken = world.send(body={"gatewayId": "GW1", "name": "Hall A"})
    assert taken.status_code == 409
    assert taken.json["field"] == "gatewayId"
    assert world.send().status_code == 201


class FailingCommit(faults.Injector):
    """Fails the first commit and every later call (the outage lasts), each after it was
    applied: the commit is made and its answer lost."""

    def _failing(self):
        if self.fail_at == faults.NEVER and self.calls[-1] == "commit_transaction":
            self.fail_at = len(self.calls)
        return super()._failing()


def test_a_retry_after_a_commit_that_may_have_been_applied_answers_the_create_made_once(
    world, monkeypatch
):
    before = (world.documents(), world.entries())
    with monkeypatch.context() as patched:
        injector = faults.install(patched, FailingCommit(mode=faults.APPLIED, lasting=True))
        lost = world.send()
        injector.stop()
    assert lost.status_code == 503
    assert lost.json["details"] == MAY_HAVE_BEEN_APPLIED

    retried = world.send()

    assert retried.status_code == 201
    assert retried.headers[REPLAYED] == "true"
    assert "ETag" in retried.headers
    assert (world.documents(), world.entries()) == (before[0] + 1, before[1] + 1)
    assert world.documents() == 1


def test_a_retry_after_a_commit_that_failed_runs_again_and_creates_once(make_app, monkeypatch):
    world = World(make_app, "organizations_create_device")
    with monkeypatch.context() as patched:
        injector = faults.install(patched, FailingCommit(mode=faults.RAISED, lasting=True))
        lost = world.send()
        injector.stop()
    assert lost.status_code == 503
    assert world.documents() == 0

    retried = world.send()

    assert retried.status_code == 201
    assert REPLAYED not in retried.headers
    assert world.documents() == 1


# Whose key


def test_two_callers_keys_do_not_collide(make_app):
    app = make_app(**SECURED)
    client = app.test_client()
    builders.organization(client, "acme", "Acme", headers=bearer(("*",), "admin"))
    ana, bo = bearer(subject="ana"), bearer(subject="bo")
    path = f"{fault_cases.ORG}/gateways"

    gw1, gw2 = {"gatewayId": "GW1", "name": "A"}, {"gatewayId": "GW2", "name": "B"}
    first = client.post(path, json=gw1, headers={**ana, HEADER: KEY})
    second = client.post(path, json=gw2, headers={**bo, HEADER: KEY})

    assert (first.status_code, second.status_code) == (201, 201)
    assert REPLAYED not in second.headers
    again = client.post(path, json=gw1, headers={**ana, HEADER: KEY})
    assert again.headers[REPLAYED] == "true"


def test_two_organizations_keys_do_not_collide_and_each_keeps_its_own(make_app):
    world = World(make_app, "organizations_create_gateway")
    body = {"gatewayId": "GW2", "name": "Hall B"}
    for organization in ("acme", "globex"):
        answer = world.send(path=f"/api/organizations/{organization}/gateways", body=body)
        assert answer.status_code == 201
        assert REPLAYED not in answer.headers
        assert world.mongo[organization][idempotency_keys.COLLECTION].count_documents({}) == 1


def test_a_key_is_kept_24_hours(make_app, monkeypatch):
    world = World(make_app, "organizations_create_gateway")
    world.send()
    almost = clock.now() + timedelta(hours=23, minutes=59)
    monkeypatch.setattr(clock, "now", lambda: almost)
    assert world.send(body={"gatewayId": "GW3", "name": "C"}).status_code == 422

    later = almost + timedelta(minutes=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    fresh = world.send(body={"gatewayId": "GW3", "name": "C"})
    assert fresh.status_code == 201
    assert REPLAYED not in fresh.headers


def test_keys_go_with_a_ttl_index_on_expires_at(make_app):
    """Made by the refresh, as every index but the unique ones (`web.refresh`)."""
    from syncapi.web import refresh

    world = World(make_app, "organizations_create_gateway")
    refresh.run(world.app)
    for database in ("acme", "syncapi"):
        found = world.mongo[database][idempotency_keys.COLLECTION].index_information()
        assert found["expiresAt_ttl"]["expireAfterSeconds"] == 0


# The key's rules


@pytest.mark.parametrize(
    "key",
    [
        "",
        '""',
        "k" * 256,
        '"' + "k" * 256 + '"',
        "clé",
        "a\x01b",
        "a\tb",
        "\x7f",
        " k",
        '"unclosed',
        '"bad \\n escape"',
        '"a"b"',
    ],
    ids=repr,
)
def test_a_key_breaking_the_rule_is_a_400_naming_it(make_app, key):
    world = World(make_app, "organizations_create_gateway")
    stored = world.state()
    answer = world.send(key=key)
    assert answer.status_code == 400
    assert answer.json["field"] == HEADER
    assert world.state() == stored


@pytest.mark.parametrize(
    ("sent", "again"),
    [
        ('"abc"', "abc"),  # quoted as the draft has it, or bare: the same key
        ('"a\\"b\\\\c"', 'a"b\\c'),  # escapes of a structured-field string
        ("k" * 255, '"' + "k" * 255 + '"'),
        ("~ !#$%&'()*+,-./:;<=>?@[]^_`{|}", "~ !#$%&'()*+,-./:;<=>?@[]^_`{|}"),
    ],
)
def test_a_key_may_be_quoted_or_bare(make_app, sent, again):
    world = World(make_app, "organizations_create_gateway")
    assert world.send(key=sent).status_code == 201
    assert world.send(key=again).headers[REPLAYED] == "true"


def test_the_described_pattern_is_the_rule():
    import re

    pattern = re.compile(idempotency.KEY_PATTERN)
    for key in ['"abc"', "abc", "k" * 255, '"a\\"b"', "", "k" * 256, "a\tb", '"x', " a"]:
        assert bool(pattern.match(key)) == bool(idempotency.KEY.fullmatch(key)), key


# Without the header


def test_without_the_key_a_create_answers_as_ever_and_stores_no_key(world):
    first = world.send(key=None)
    assert first.status_code == 201
    assert REPLAYED not in first.headers
    assert world.mongo[world.create.database][idempotency_keys.COLLECTION].count_documents({}) == 0


def test_other_writes_ignore_the_header(make_app):
    world = World(make_app, "organizations_change_tags")
    answer = world.client.post(world.path, json=world.body, headers={HEADER: ""})
    assert answer.status_code == 200


# Cost


def test_a_key_costs_two_round_trips_and_a_replay_two_beyond_the_routes_checks(
    make_app, monkeypatch
):
    """A device POST: 9 round trips without a key, 11 with one: its marker (an insert before
    the transaction) and its answer (an update in it). A replay: the organization's and
    application's checks, then the key found taken (the insert) and read: 4."""
    world = World(make_app, "organizations_create_device")
    trips = round_trips.install(monkeypatch)
    another = {**world.body, "machineId": "CN5", "eui": "E-5"}
    assert world.send(key=None, body=another).status_code == 201
    without = [call.operation for call in trips.calls]
    trips.clear()
    assert world.send().status_code == 201
    keyed = [call.operation for call in trips.calls]
    trips.clear()
    assert world.send().status_code == 201
    replayed = [call.operation for call in trips.calls]

    assert len(without) == 9  # checks, claims of machineId and eui, insert, count, log, commit
    assert len(keyed) == len(without) + 2
    assert keyed[2] == "insert_one"  # after the organization's and application's checks
    assert keyed[-2:] == ["update_one", "commit_transaction"]
    assert replayed[2:] == ["insert_one", "find_one"]
