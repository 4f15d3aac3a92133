"""Request ids and the one JSON line per request: the id is the server's own (or its
trusted proxy's), never the client's; it comes back in the header, in every error body
(`requestId`, spec §13.5) and in every line logged while serving, where a client's own
`X-Request-ID` is kept beside it (`client_request_id`)."""

import io
import json
import logging
import os
import re

import pytest

from syncapi.core import passwords, tokens
from syncapi.extensions import mongo_client
from syncapi.web import request_log
from syncapi.web.request_log import LOGGING, JsonFormatter
from tests.helpers import CONSOLE, JWT_SECRET, ORG, SECURED

FRESH = re.compile(r"[0-9a-f]{32}")
NOT_PLAIN = ["", " ", "a b", "x" * 65, "a\tb", "é", "a/b", "<script>", "a;b", '"quoted"']


@pytest.fixture
def lines(capfd):
    """What the process writes while the test runs: every logger's records, formatted as
    gunicorn's `LOGGING` formats them (at the moment of logging, so inside the request), and
    the request lines, which the app writes on file descriptor 2 itself (read back there)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    written = []

    def read():
        written.extend(json.loads(line) for line in capfd.readouterr().err.splitlines())
        return [json.loads(line) for line in stream.getvalue().splitlines()] + written

    yield read
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
def logged(make_app):
    """An app writing its request lines, as under gunicorn (the suite's apps do not)."""
    return make_app(REQUEST_LOG=True).test_client()


def request_lines(entries):
    return [entry for entry in entries if entry["logger"] == "syncapi.requests"]


@pytest.fixture
def secured(make_app):
    """The secured app, writing its request lines."""
    return make_app(**SECURED, REQUEST_LOG=True)


# The id


@pytest.mark.parametrize("sent", ["a", "req-42", "Z9._-x", "0123456789abcdef" * 2, *NOT_PLAIN])
def test_the_id_is_the_servers_whatever_the_client_sends(client, sent):
    response = client.get("/status", headers={"X-Request-ID": sent})
    assert FRESH.fullmatch(response.headers["X-Request-ID"])
    assert response.headers["X-Request-ID"] != sent


def test_each_request_gets_its_own(client):
    ids = {client.get("/status", headers={"X-Request-ID": "same"}).headers["X-Request-ID"]}
    ids |= {client.get("/status").headers["X-Request-ID"] for _ in range(4)}
    assert len(ids) == 5 and all(FRESH.fullmatch(request_id) for request_id in ids)


@pytest.mark.parametrize("sent", ["a", "req-42", "Z9._-x", "0123456789abcdef" * 4])
def test_a_plain_client_id_is_logged_beside_the_servers(logged, lines, sent):
    response = logged.get("/status", headers={"X-Request-ID": sent})
    (line,) = request_lines(lines())
    assert (line["request_id"], line["client_request_id"]) == (
        response.headers["X-Request-ID"],
        sent,
    )


@pytest.mark.parametrize("sent", NOT_PLAIN)
def test_any_other_client_id_is_left_out(logged, lines, sent):
    logged.get("/status", headers={"X-Request-ID": sent})
    (line,) = request_lines(lines())
    assert "client_request_id" not in line and FRESH.fullmatch(line["request_id"])


def test_served_directly_the_proxys_header_is_a_clients_like_any_other(make_app, lines):
    """Without PROXY_COUNT no proxy is trusted: nginx's `X-Client-Request-ID` sent by a
    client is nobody's id."""
    client = make_app(REQUEST_LOG=True).test_client()
    response = client.get("/status", headers={"X-Client-Request-ID": "forged"})
    (line,) = request_lines(lines())
    assert "client_request_id" not in line and "forged" not in json.dumps(line)
    assert FRESH.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("proxy_id", "client_id", "answered", "kept"),
    [
        ("1f0e2d3c4b5a69788796a5b4c3d2e1f0", "c-1", "1f0e2d3c4b5a69788796a5b4c3d2e1f0", "c-1"),
        ("edge-7", None, "edge-7", None),
        ("not a token", "not a token", None, None),  # a fresh id then, and no client's
        (None, "c-2", None, "c-2"),
    ],
)
def test_behind_a_trusted_proxy_the_id_is_the_one_it_made(
    make_app, lines, proxy_id, client_id, answered, kept
):
    """nginx sets `X-Request-ID` to its `$request_id` and passes the client's own on as
    `X-Client-Request-ID` (deploy/nginx)."""
    client = make_app(REQUEST_LOG=True, PROXY_COUNT=1).test_client()
    sent = {"X-Request-ID": proxy_id, "X-Client-Request-ID": client_id}
    response = client.get("/status", headers={k: v for k, v in sent.items() if v is not None})
    (line,) = request_lines(lines())
    assert line["request_id"] == response.headers["X-Request-ID"]
    if answered is None:
        assert FRESH.fullmatch(line["request_id"])
    else:
        assert line["request_id"] == answered
    assert line.get("client_request_id") == kept


def test_browsers_may_send_and_read_it(client):
    preflight = client.options(
        "/status",
        headers={
            "Origin": CONSOLE,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "X-Request-ID",
        },
    )
    assert "x-request-id" in preflight.headers["Access-Control-Allow-Headers"].lower()
    answer = client.get("/status", headers={"Origin": CONSOLE})
    assert "X-Request-ID" in answer.headers["Access-Control-Expose-Headers"]


def sent_body(response):
    """The body as sent (the suite's test client leaves `requestId` out of `.json`)."""
    return json.loads(response.data)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "error"),
    [
        ("GET", "/nowhere", None, 404, "Not found"),
        ("DELETE", "/status", None, 405, "Method not allowed"),
        ("GET", f"{ORG}", None, 404, "Organization not found"),
        (
            "PUT",
            "/api/organizations/Bad!",
            {},
            400,
            "organizationId must match ^[a-z0-9][a-z0-9_-]{0,62}$",
        ),
        ("PUT", ORG, {"name": 5}, 400, "name must be a string"),
    ],
)
def test_every_error_body_carries_the_request_id(client, method, path, body, status, error):
    response = client.open(path, method=method, json=body, headers={"X-Request-ID": "c-1"})
    assert response.status_code == status
    sent = sent_body(response)
    assert sent["error"] == error
    assert sent["requestId"] == response.headers["X-Request-ID"]
    assert FRESH.fullmatch(sent["requestId"])


def test_a_503_and_a_413_carry_it_too(offline_client, make_app):
    down = offline_client.get("/api/organizations", headers={"X-Request-ID": "d-1"})
    assert sent_body(down) == {
        "error": "MongoDB unavailable",
        "requestId": down.headers["X-Request-ID"],
    }
    capped = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    large = capped.put(ORG, data="x" * 2048, headers={"X-Request-ID": "l-1"})
    assert sent_body(large) == {
        "error": "Payload too large",
        "requestId": large.headers["X-Request-ID"],
    }


def test_success_bodies_are_left_alone(client):
    response = client.put(ORG, json={"name": "Acme"})
    assert response.status_code == 201
    assert "requestId" not in sent_body(response)


# The log line


def test_one_line_per_request_names_the_route_not_the_path(logged, lines):
    client = logged
    client.put(ORG, json={"name": "Acme"})
    read_id = client.get(f"{ORG}?q=needle", headers={"X-Request-ID": "r-2"}).headers
    client.get("/api/nowhere/at/all")
    created, read, missing = request_lines(lines())
    assert created["route"] == read["route"] == "/api/organizations/<organization_id>"
    assert (created["method"], created["status"], created["org"]) == ("PUT", 201, "acme")
    assert (read["request_id"], read["client_request_id"], read["status"]) == (
        read_id["X-Request-ID"],
        "r-2",
        200,
    )
    assert (missing["route"], missing["status"], "org" not in missing) == ("<unmatched>", 404, True)
    assert all(entry["duration_ms"] >= 0 for entry in (created, read, missing))
    assert "needle" not in json.dumps(read)  # no query string


def test_the_line_names_the_caller_and_never_a_secret(secured, lines):
    client = secured.test_client()
    admin, _ = tokens.issue(JWT_SECRET, "root", ["*"], "admin", 3600)
    assert client.put(ORG, json={"name": "Acme"}, headers=bearer(admin)).status_code == 201
    users = mongo_client(secured)["acme"]["users"]
    users.insert_one(
        {
            "email": "ana@acme.io",
            "role": "user",
            "passwordHash": passwords.hash_password("ana-password"),
        }
    )
    login = {"organizationId": "acme", "email": "ana@acme.io", "password": "ana-password"}
    token = client.post("/api/auth/login", json=login).json["accessToken"]
    client.get(f"{ORG}/users", headers=bearer(token))
    put, logged_in, listed = request_lines(lines())
    assert (put["sub"], put["org"], put["status"]) == ("root", "acme", 201)
    assert (logged_in["route"], logged_in["status"], "sub" not in logged_in) == (
        "/api/auth/login",
        200,
        True,
    )
    assert (listed["org"], listed["status"]) == ("acme", 200)
    assert listed["sub"] == tokens.read(JWT_SECRET, token)["sub"]
    everything = json.dumps(lines())
    for secret in ("ana-password", token, admin, "ana@acme.io"):
        assert secret not in everything


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_500_logs_its_traceback_once_with_the_request_id(make_app, lines):
    app = make_app(REQUEST_LOG=True)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret connection string")

    response = app.test_client().get("/boom", headers={"X-Request-ID": "boom-1"})
    request_id = response.headers["X-Request-ID"]
    assert sent_body(response) == {"error": "Internal server error", "requestId": request_id}
    assert b"secret" not in response.data
    entries = lines()
    with_traceback = [entry for entry in entries if "traceback" in entry]
    assert len(with_traceback) == 1
    assert (with_traceback[0]["request_id"], with_traceback[0]["client_request_id"]) == (
        request_id,
        "boom-1",
    )
    assert "RuntimeError: secret connection string" in with_traceback[0]["traceback"]
    assert request_lines(entries)[0]["status"] == 500


def test_a_line_is_one_json_object_even_with_a_traceback():
    try:
        raise ValueError("two\nlines")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), None)
        record.exc_info = __import__("sys").exc_info()
    text = JsonFormatter().format(record)
    assert "\n" not in text
    entry = json.loads(text)
    assert entry["message"] == "failed" and "request_id" not in entry
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", entry["time"])


def test_gunicorn_writes_every_logger_through_the_json_formatter():
    assert LOGGING["formatters"]["json"]["()"] is JsonFormatter
    assert LOGGING["root"]["handlers"] == ["stderr"]
    assert LOGGING["loggers"]["gunicorn.error"]["propagate"] is True
    assert LOGGING["loggers"]["gunicorn.access"] == {
        "level": "INFO",
        "handlers": [],
        "propagate": False,
    }


def test_an_unreachable_mongodb_is_logged_with_the_request_id(offline_client, lines):
    response = offline_client.get("/api/organizations", headers={"X-Request-ID": "m-1"})
    warning = next(entry for entry in lines() if entry["logger"] == "syncapi.errors")
    assert warning["request_id"] == response.headers["X-Request-ID"]
    assert warning["client_request_id"] == "m-1" and "MongoDB unavailable" in warning["message"]


def test_request_log_0_writes_no_line(client, capfd):
    client.get("/status")
    assert client.get("/api/organizations").status_code == 200
    assert capfd.readouterr().err == ""


def test_each_line_is_one_write_of_its_own(logged, monkeypatch):
    writes = []
    monkeypatch.setattr(request_log.os, "write", lambda fd, data: writes.append((fd, data)))
    logged.get("/status")
    logged.get("/api/nowhere")
    assert [fd for fd, _ in writes] == [2, 2]
    assert all(data.count(b"\n") == 1 and data.endswith(b"\n") for _, data in writes)
    assert [json.loads(data)["status"] for _, data in writes] == [200, 404]


def test_a_stderr_that_cannot_be_written_does_not_fail_the_answer(app):
    read_end, write_end = os.pipe()
    os.close(write_end)  # writing to it now fails (EBADF)
    request_log.write_lines_to(app, write_end)
    response = app.test_client().get("/status")
    assert response.status_code == 200
    assert response.json == {"message": "Sync API is running"}
    os.close(read_end)


def test_a_hook_failing_on_every_try_still_answers_json_with_the_id(make_app):
    """Flask then answers without running the other hooks (`finish` among them): the error
    answer carries the id itself, and the app's message, not werkzeug's."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)  # as outside tests

    @app.after_request
    def broken(response):
        raise RuntimeError("always")

    response = app.test_client().get("/status", headers={"X-Request-ID": "h-1"})
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert sent_body(response) == {"error": "Internal server error", "requestId": request_id}
    assert FRESH.fullmatch(request_id)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.999, "1970-01-01T00:00:00.999Z"),
        (1.0, "1970-01-01T00:00:01.000Z"),
        (0.5, "1970-01-01T00:00:00.500Z"),  # an earlier second again: not the one kept
        (1764131008.0884, "2025-11-26T04:23:28.088Z"),
    ],
)
def test_a_time_is_written_to_the_millisecond_in_utc(seconds, text):
    request_log.timestamp(1.0)  # a second kept from another line
    assert request_log.timestamp(seconds) == text
