"""Every write operation survives a fault at any of its driver calls (issue 26).

For each operation of the API description that writes (`fault_cases.cases`), each of its
driver calls k (counted on a clean run) and each mode (`raised` before the server applied
the call, `applied` after), once with the later calls succeeding and once with them failing
too (the outage lasts): the request is sent on a fresh world with call k failing, then, the
outage over, the client's retry when it got no 2xx. A create is sent with an
`Idempotency-Key`, the same on its retry, as a client that cannot tell whether its create
was made does: its retry follows a 503 saying "the change may have been applied" too, and
answers the created document (the first answer again, when the first create was made).
After each:

- the answer tells the truth: a 2xx left the stored state exactly as a clean run leaves
  it, a 503 saying "the change may have been applied" left it as before or as after, any
  other answer left it exactly as before;
- after the retry the stored state is the clean run's: every change made once, with its one
  change-log entry, its claims, counts and token revocations, nothing left over (one
  document and one entry for a create retried with its key, and its key's stored answer).

The stored state is every document of every database (`fault_cases.normalized`), so the
invariants of the issue (one entry per change, no orphan claim, revoked tokens, no
duplicate) are each a part of "the state is exactly before or after".
"""

from datetime import UTC, datetime
from functools import cache

import pytest

from syncapi.core import clock
from syncapi.extensions import mongo_client
from syncapi.repositories import reconcile
from syncapi.web.idempotency import HEADER, REPLAYED
from syncapi.web.transactions import MAY_HAVE_BEEN_APPLIED
from tests import fault_cases, faults
from tests.helpers import snapshot, unserved_app

pytestmark = [pytest.mark.faults, pytest.mark.slow]

OPERATIONS = sorted(
    fault_cases.cases(
        dict.fromkeys(("connector", "app_connector"), "x")
        | {"function": "f", "user": "u", "service": "s", "seq": 1}
    )
)
KEY = "fault-case-retry"  # the Idempotency-Key of a create and of its retry


def test_the_cases_are_every_write_operation_of_the_description():
    description = unserved_app().test_client().get("/api/openapi.json").json
    writes = {
        operation["operationId"]
        for item in description["paths"].values()
        for method, operation in item.items()
        if method in ("post", "put", "patch", "delete")
    }
    assert set(OPERATIONS) == writes


@cache
def keyed_operations():
    """The creates: the operations taking an `Idempotency-Key`."""
    description = unserved_app().test_client().get("/api/openapi.json").json
    return {
        operation["operationId"]
        for item in description["paths"].values()
        for method, operation in item.items()
        if method != "parameters"
        and any(p.get("name") == HEADER for p in operation.get("parameters", ()))
    }


class World:
    """A fresh app, its world, and how to send the case's request in it."""

    def __init__(self, make_app, operation, icons):
        self.app = make_app(JWT_SECRET="j" * 32, ICONS_DIR=str(icons))
        self.client = self.app.test_client()
        self.ids = fault_cases.world(self.client)
        self.method, self.path, self.body, self.status = fault_cases.cases(self.ids)[operation]
        self.keyed = operation in keyed_operations()

    def send(self):
        """The case's request; a create's with the one key its retries send too."""
        headers = {HEADER: KEY} if self.keyed else None
        return fault_cases.send(self.client, self.method, self.path, self.body, headers)

    def state(self):
        return fault_cases.normalized(snapshot(mongo_client(self.app), documents_only=True))

    def reconcile(self):
        """The reconciler's pass, as the periodic refresh runs it."""
        client = mongo_client(self.app)
        reconcile.under_lease(client, client[self.app.config["MONGODB_DEFAULT_DB"]])


@pytest.fixture
def stopped_clock(monkeypatch):
    """Stopped at the test's start, not the run's: the embedded store's TTL indexes
    (mongomock's, on the real clock) remove what is stamped too far in the past, an
    Idempotency-Key's marker `HELD` (90 s) after it was written."""
    moment = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: moment)


def clean_run(make_app, operation, monkeypatch, icons):
    """The state before and after the request, and its driver calls, with no fault."""
    world = World(make_app, operation, icons)
    before = world.state()
    injector = faults.install(monkeypatch, faults.Injector())
    response = world.send()
    calls = list(injector.calls)
    assert response.status_code == world.status, response.json
    return before, world.state(), calls


@pytest.mark.parametrize("mode", faults.MODES)
@pytest.mark.parametrize("operation", OPERATIONS)
def test_fault(operation, mode, make_app, stopped_clock, monkeypatch, record_property, tmp_path):
    with monkeypatch.context() as patched:
        before, after, calls = clean_run(make_app, operation, patched, tmp_path)
    if not calls:  # nothing reaches the database: nothing a fault could break
        assert before == after
        record_property("fault_cases", 0)
        return
    failures = []
    for fail_at in range(1, len(calls) + 1):
        for lasting in (False, True):
            world = World(make_app, operation, tmp_path)
            failure = one_case(world, mode, fail_at, lasting, before, after)
            if failure:
                failures.append(
                    f"call {fail_at} ({calls[fail_at - 1]}), lasting={lasting}: {failure}"
                )
    record_property("fault_cases", 2 * len(calls))
    assert not failures, "\n".join(failures)


def one_case(world, mode, fail_at, lasting, before, after):
    """What went wrong with call `fail_at` failing, or None."""
    with pytest.MonkeyPatch.context() as patched:
        injector = faults.install(patched, faults.Injector(fail_at, mode, lasting))
        response = world.send()
        injector.stop()
    state = world.state()
    status = response.status_code
    if 200 <= status < 300:
        if state != after:
            return f"answered {status} but the change is not exactly made"
        return None
    if status != 503:
        return f"answered {status} {response.json}"
    maybe = (response.json or {}).get("details") == MAY_HAVE_BEEN_APPLIED
    made = maybe and state == after
    if not maybe and state != before:
        return "answered 503 but nothing should have changed"
    if made and not world.keyed:
        return None  # made: the client reads it before sending it again (docs/api.md)
    if lasting:  # the outage lasted: the reconciler passes first
        world.reconcile()
    if made:  # a create, made: its retry with its key answers the first answer again
        retried = world.send()
        if retried.status_code != world.status:
            return f"the retry answered {retried.status_code} {retried.json}"
        if retried.headers.get(REPLAYED) != "true":
            return "the retry of a create that was made is not its first answer replayed"
    elif world.state() != after:
        retried = world.send()
        if retried.status_code != world.status:
            return f"the retry answered {retried.status_code} {retried.json}"
    world.reconcile()
    if world.state() != after:
        return "after the retry and the reconciler the state is not the clean run's"
    return None


def follow(client, since):
    """The seqs a poller following the feed after `since` is answered."""
    return [entry["seq"] for entry in client.get(f"{fault_cases.ORG}/changes?since={since}").json]


def gateway(client, gateway_id):
    body = {"gatewayId": gateway_id, "name": gateway_id}
    assert client.post(f"{fault_cases.ORG}/gateways", json=body).status_code == 201


def test_a_rollback_takes_back_no_acknowledged_entry_and_no_seq_is_reused(make_app, monkeypatch):
    """syncapi commits at `w: "majority"`: a failover right after a change answered 201
    rolls nothing back; the next change takes the next seq and the poller gets it."""
    failover = faults.Failover().install(monkeypatch)
    client = make_app().test_client()
    client.put(fault_cases.ORG, json={"name": "Acme"})  # seq 1
    gateway(client, "GW1")  # seq 2
    assert follow(client, 1) == [2]

    failover.fail_over()
    gateway(client, "GW2")

    assert follow(client, 2) == [3]
    assert client.get(f"{fault_cases.ORG}/gateways/GW1").status_code == 200


def test_the_rollback_model_shows_the_seq_reuse_of_w1(make_app, monkeypatch):
    """The same at `w: 1`: the failover takes back GW1 and its entry though they were
    answered, and GW2's entry takes seq 2 again, which the poller, past 2, never sees. The
    model catches what syncapi's write concern prevents."""
    from pymongo.write_concern import WriteConcern

    from syncapi.web import transactions

    failover = faults.Failover().install(monkeypatch)
    client = make_app().test_client()
    client.put(fault_cases.ORG, json={"name": "Acme"})  # seq 1, on a majority
    monkeypatch.setattr(transactions, "WriteConcern", lambda w: WriteConcern(w=1))
    gateway(client, "GW1")  # seq 2, acknowledged
    assert follow(client, 1) == [2]

    failover.fail_over()
    gateway(client, "GW2")

    assert client.get(f"{fault_cases.ORG}/gateways/GW1").status_code == 404  # lost
    assert follow(client, 1) == [2]  # GW2's entry, under the seq the poller already had
    assert follow(client, 2) == []  # skipped for good
