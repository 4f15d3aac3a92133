"""Every write request in one transaction (syncapi/web/transactions.py), and the embedded
store's transactions it runs on (syncapi/embedded/transactions.py)."""

import threading

import pytest
from pymongo.errors import AutoReconnect, OperationFailure

from syncapi.embedded.store import EmbeddedClient
from syncapi.embedded.transactions import EmbeddedSession
from syncapi.web import transactions
from tests.helpers import ORG

GATEWAY = {"gatewayId": "GW1", "name": "Hall A"}


# The embedded store's transactions


@pytest.fixture
def store():
    client = EmbeddedClient()
    client.t.x.insert_one({"_id": 1, "a": 1})
    return client


def test_an_abort_puts_back_what_the_transaction_wrote(store):
    session = store.start_session()
    session.start_transaction()
    store.t.x.update_one({"_id": 1}, {"$set": {"a": 2}}, session=session)
    store.t.x.insert_one({"_id": 2}, session=session)
    store.t.x.delete_one({"_id": 1}, session=session)
    store.t.fresh.insert_one({"_id": 3}, session=session)
    session.abort_transaction()
    assert list(store.t.x.find()) == [{"_id": 1, "a": 1}]
    assert "fresh" not in store.t.list_collection_names()  # made in it: gone with it


def test_nothing_uncommitted_is_seen_by_another_thread(store):
    session = store.start_session()
    session.start_transaction()
    store.t.x.update_one({"_id": 1}, {"$set": {"a": 2}}, session=session)
    seen = []
    reader = threading.Thread(target=lambda: seen.append(store.t.x.find_one({"_id": 1})))
    reader.start()
    reader.join(0.2)
    assert reader.is_alive() and seen == []  # it waits for the commit
    session.commit_transaction()
    reader.join(5)
    assert seen == [{"_id": 1, "a": 2}]


def test_a_transaction_meeting_another_conflicts_as_on_a_server(store, monkeypatch):
    from syncapi.embedded import transactions as embedded

    monkeypatch.setattr(embedded, "CONFLICT_SECONDS", 0.05)
    first, second = store.start_session(), store.start_session()
    first.start_transaction()
    store.t.x.update_one({"_id": 1}, {"$set": {"a": 2}}, session=first)
    outcome = []

    def other():
        second.start_transaction()
        try:
            store.t.x.update_one({"_id": 1}, {"$set": {"a": 3}}, session=second)
        except OperationFailure as error:
            outcome.append(error)
            second.abort_transaction()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    first.commit_transaction()
    assert outcome and outcome[0].code == 112
    assert outcome[0].has_error_label("TransientTransactionError")


def test_a_commit_sent_again_after_it_was_made_is_answered_as_made(store):
    session = store.start_session()
    session.start_transaction()
    store.t.x.insert_one({"_id": 2}, session=session)
    session.commit_transaction()
    session.commit_transaction()  # pymongo sends it again when the first answer was lost
    assert store.t.x.count_documents({}) == 2


# Write requests in transactions


def test_a_transient_failure_runs_the_request_again(client, acme, monkeypatch):
    from syncapi.repositories import gateways

    create, calls = gateways.create_gateway, []

    def once_transient(*args):
        calls.append(1)
        if len(calls) == 1:
            error = AutoReconnect("the primary stepped down")
            error._add_error_label("TransientTransactionError")
            raise error
        return create(*args)

    monkeypatch.setattr(gateways, "create_gateway", once_transient)
    response = client.post(f"{ORG}/gateways", json=GATEWAY)
    assert response.status_code == 201 and len(calls) == 2
    assert acme.gateways.count_documents({}) == 1
    assert acme.changes.count_documents({"resource.type": "gateway"}) == 1


def test_a_commit_whose_outcome_stays_unknown_says_it_may_have_been_applied(
    client, acme, monkeypatch
):
    commit = EmbeddedSession.commit_transaction

    def made_then_lost(session):
        commit(session)
        error = AutoReconnect("no answer")
        error._add_error_label("UnknownTransactionCommitResult")
        raise error

    monkeypatch.setattr(EmbeddedSession, "commit_transaction", made_then_lost)
    response = client.post(f"{ORG}/gateways", json=GATEWAY)
    assert (response.status_code, response.json["details"]) == (
        503,
        "the change may have been applied",
    )
    assert acme.gateways.count_documents({}) == 1  # it was


def test_a_standalone_server_is_refused_naming_the_replica_set_it_needs(client, acme, monkeypatch):
    from syncapi.repositories import gateways

    def standalone(*args):
        message = "Transaction numbers are only allowed on a replica set member or mongos"
        raise OperationFailure(message, code=20)

    monkeypatch.setattr(gateways, "create_gateway", standalone)
    response = client.post(f"{ORG}/gateways", json=GATEWAY)
    assert response.status_code == 503
    assert "one-node replica set is enough" in response.json["details"]
    assert acme.gateways.count_documents({}) == 0


def test_every_write_view_runs_in_a_transaction_but_those_that_only_read(app):
    outside = []
    for rule in app.url_map.iter_rules():
        if rule.methods & transactions.WRITE_METHODS:
            view = app.view_functions[rule.endpoint]
            if not getattr(view, "in_transaction", False):
                outside.append(rule.endpoint)
    only_reading = ["applications.evaluate_function", "device.machines_status"]
    assert sorted(outside) == only_reading


def test_every_write_of_a_server_client_waits_for_a_majority():
    """Not only a transaction's commit: the refresh's and the commands' writes too (the
    server's own default is w: 1 on a primary-secondary-arbiter set)."""
    from syncapi.extensions import connect_mongodb

    client = connect_mongodb("mongodb://db.invalid:27017/?replicaSet=rs0", 2000)
    assert client.write_concern.document == {"w": "majority"}
    client.close()


def test_a_bound_handle_with_other_options_stays_bound():
    """A read concern asked of a handle in a transaction must not slip the read out of it."""
    from syncapi.core.in_session import DatabaseInSession

    session = object()
    bound = DatabaseInSession(EmbeddedClient().t, session)
    assert bound.with_options().session is session
    assert bound["x"].with_options()._session is session
