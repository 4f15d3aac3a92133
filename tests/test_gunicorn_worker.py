"""The gunicorn worker (syncapi/web/gunicorn_worker.py): a slow client holds a thread for
REQUEST_BODY_TIMEOUT seconds at most, an answer given before the body closes the connection,
and closing a connection never stops the worker. Against gunicorn started by the tests with
the Docker image's command and environment (no Docker engine runs here), and piece by piece.
Each test bounds its own duration: every socket has a timeout."""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from syncapi.core.deadlines import Deadlines
from syncapi.web.gunicorn_worker import LINGER, ArrivingBody, Lingering
from tests.helpers import JWT_SECRET, bearer

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
THREADS = 4  # GUNICORN_THREADS's default: the image sets none
SECURED = {"AUTH_MODE": "required", "JWT_SECRET": JWT_SECRET, "CORS_ALLOWED_ORIGIN": "https://c.io"}
JSON_BODY = b"Host: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
STALLED_BODY = b"PUT /api/organizations/acme HTTP/1.1\r\n" + JSON_BODY + b"{"
STALLED_LOGIN = b"POST /api/auth/login HTTP/1.1\r\n" + JSON_BODY  # public: no token needed
STALLED_HEADERS = b"GET /status HTTP/1.1\r\nHost: x\r\n"


def image():
    """The Docker image's command and environment: the Dockerfile's CMD and ENV."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = re.findall(r"^ENV (.+)$", text, re.MULTILINE)
    environment = dict(pair.split("=", 1) for line in lines for pair in line.split())
    command = json.loads(re.search(r"^CMD (\[.*\])$", text, re.MULTILINE).group(1))
    return command, environment


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    """gunicorn running the image's command with the image's environment and `settings`."""

    def __init__(self, **settings):
        command, environment = image()
        assert command[0] == "gunicorn"
        self.port = free_port()
        environ = {"PATH": os.environ["PATH"], **environment, "PORT": str(self.port), **settings}
        self.log = tempfile.TemporaryFile()
        self.process = subprocess.Popen(
            [str(GUNICORN), *command[1:]], cwd=ROOT, env=environ, stderr=self.log
        )
        for _ in range(300):
            if self.process.poll() is not None:
                break
            try:
                if self.get("/status", timeout=1)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise AssertionError("gunicorn did not serve")

    def connect(self, sent=b"", timeout=15):
        connection = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        connection.sendall(sent)
        return connection

    def get(self, path, timeout=15):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def get_as(self, path, headers, timeout=15):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def until_closed(connection):
    """Everything the server sends until it closes the connection, and when it closed."""
    received = b""
    try:
        while chunk := connection.recv(65536):
            received += chunk
    except ConnectionError:
        pass
    finally:
        connection.close()
    return received, time.monotonic()


def arrival(connection, probing=False):
    """What the server sends until it sends its end, when its first byte came (None: it sent
    none) and when it closed the connection: when its end came, or, `probing` (a server that
    lingers sends its end, then reads on), when a byte sent every 20 ms is refused."""
    received, first = b"", None
    try:
        while chunk := connection.recv(65536):
            first = first or time.monotonic()
            received += chunk
        while probing:
            connection.sendall(b" ")
            time.sleep(0.02)
    except (ConnectionError, TimeoutError):  # refused or reset; or open at the socket's timeout
        pass
    finally:
        connection.close()
    return received, first, time.monotonic()


def answered(received):
    head, _, body = received.partition(b"\r\n\r\n")
    status = int(head.split()[1]) if head else None
    return status, head.decode().lower(), json.loads(body) if body else None


def trickle(connection, until):
    """A body sent one byte every 0.2 s, after headers announcing 100: until cut off."""
    connection.sendall(STALLED_BODY)
    while time.monotonic() < until:
        try:
            connection.sendall(b" ")
        except OSError:
            return
        time.sleep(0.2)


@pytest.mark.slow  # starts gunicorn, and waits for its 5 s deadline
def test_stalled_clients_hold_the_threads_only_until_the_deadline():
    """N + 1 clients (N = the threads of the one worker) announce bodies and stall, trickle
    a byte at a time, or stall their headers: every thread is held; `/status` answers again
    as soon as REQUEST_BODY_TIMEOUT (5 s, the image sets none) has passed."""
    deadline, started = 5, time.monotonic()
    served = Served()
    try:
        stalled = [served.connect(sent) for sent in (STALLED_BODY, STALLED_LOGIN, STALLED_HEADERS)]
        stalled.append(served.connect(STALLED_BODY))
        trickling = served.connect()
        threading.Thread(target=trickle, args=(trickling, started + 30), daemon=True).start()
        assert len(stalled) + 1 == THREADS + 1
        with ThreadPoolExecutor(len(stalled) + 1) as readers:
            ending = [readers.submit(until_closed, each) for each in [*stalled, trickling]]
            sent_at = time.monotonic()
            status = served.get("/status")
            status_at = time.monotonic()
            ends = [end.result(timeout=deadline + 10) for end in ending]
    finally:
        served.stop()

    assert status == (200, b'{"message":"Sync API is running"}\n')
    assert status_at - sent_at < deadline + 1.5  # as soon as the deadline has passed…
    assert status_at >= min(closed for _, closed in ends) - 0.1  # …not before a thread was free
    for received, _ in [ends[0], ends[1], ends[3], ends[4]]:
        code, head, body = answered(received)
        assert (code, body["error"]) == (408, f"Request body not received in time: it must "
                                              f"arrive within {deadline} s")  # fmt: skip
        assert "connection: close" in head
    assert ends[2][0] == b""  # headers never whole: closed unanswered
    assert time.monotonic() - started < deadline + 15


ADMIN = bearer(("*",), "admin")
REFUSED_KEPT_OPEN = (
    b"PUT /api/organizations/acme HTTP/1.1\r\n"
    + JSON_BODY.replace(b"100", b"5000000")
    + b'{"name": '
)  # no token: a 401 before the body, whose rest never comes
ADMIN_STALLED_BODY = STALLED_BODY.replace(
    b"Host: x\r\n", f"Host: x\r\nAuthorization: {ADMIN['Authorization']}\r\n".encode()
)


@pytest.mark.slow  # starts gunicorn, and waits for its deadline
def test_many_stalled_connections_stop_the_api_for_one_deadline_at_most():
    """3 × N + 1 connections (N = the worker's threads), opened at once: idle ones, bodies
    that stall (behind busy threads too) and refused requests whose client keeps sending
    nothing and never closes. Every one ends at its deadline, counted from its opening
    wherever it waited; `/status`, asked after all of them, answers within that deadline
    plus a margin, and the stalled writes stored nothing."""
    deadline, started = 2, time.monotonic()
    served = Served(**SECURED, REQUEST_BODY_TIMEOUT=str(deadline))
    try:
        kinds = ["idle"] * THREADS + ["stalled"] * (THREADS + 1) + ["refused"] * THREADS
        sent = {"idle": b"", "stalled": ADMIN_STALLED_BODY, "refused": REFUSED_KEPT_OPEN}
        assert len(kinds) == 3 * THREADS + 1
        opened = [served.connect(sent[kind], timeout=deadline + 10) for kind in kinds]
        with ThreadPoolExecutor(len(opened)) as readers:
            ending = [readers.submit(arrival, each, probing=True) for each in opened]
            sent_at = time.monotonic()
            status = served.get("/status")
            status_at = time.monotonic()
            ends = [end.result(timeout=deadline + 10) for end in ending]
        stored = served.get_as("/api/organizations/acme", ADMIN)
    finally:
        served.stop()

    assert status == (200, b'{"message":"Sync API is running"}\n')
    assert status_at - sent_at < deadline + 1.5
    for kind, (received, _, closed) in zip(kinds, ends, strict=True):
        assert closed - started < deadline + 15
        if kind == "idle":
            assert received == b""  # nothing asked: closed unanswered
            assert closed - sent_at < deadline + 1
        elif kind == "stalled":
            code, head, body = answered(received)
            assert (code, body["error"]) == (408, "Request body not received in time: it "
                                                  f"must arrive within {deadline} s")  # fmt: skip
            assert closed - sent_at < deadline + 1.5
        else:
            code, head, body = answered(received)
            assert (code, body["error"]) == (401, "Authentication required")
            assert "connection: close" in head  # once a thread was free, its deadline past
            assert closed - sent_at < deadline + 1.5
    assert stored[0] == 404  # no organization was created by a stalled or refused PUT


@pytest.fixture(scope="module")
def served():
    """A secured server with a short deadline and two threads."""
    server = Served(**SECURED, REQUEST_BODY_TIMEOUT="1", GUNICORN_THREADS="2")
    yield server
    server.stop()


def announcing(method, path, length, headers=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: x", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join([*lines, f"Content-Length: {length}"]) + "\r\n\r\n").encode()


@pytest.mark.slow  # starts gunicorn
@pytest.mark.parametrize(
    "sent, status",
    [
        (announcing("PUT", "/api/organizations/acme", 5_000_000), 401),  # no token
        (announcing("PUT", "/api/organizations/acme", 5_000_000, bearer(role="viewer")), 403),
        (announcing("PUT", "/api/organizations/acme", 2_000_000, bearer(("*",), "admin")), 413),
        (announcing("POST", "/api/auth/login", 2_000_000), 413),  # over MAX_JSON_BYTES
    ],
)
def test_a_refused_request_is_answered_without_its_body(served, sent, status):
    """Only the headers are sent: the answer comes at once, not a 408 after the deadline,
    and says the connection closes (the rest of the body is never read)."""
    connection = served.connect(sent + b'{"name": ')
    received, _ = until_closed(connection)
    code, head, body = answered(received)
    assert code == status and "connection: close" in head and body["error"]


@pytest.mark.slow  # starts gunicorn, and waits for its 1 s deadline
def test_an_idle_connection_is_closed_at_the_deadline(served):
    """A connection that sends nothing holds no thread and is closed unanswered when
    REQUEST_BODY_TIMEOUT (here 1 s) has passed since it was opened."""
    opened_at = time.monotonic()
    received, first, closed = arrival(served.connect(timeout=10))
    assert (received, first) == (b"", None)
    assert 1 - 0.1 < closed - opened_at < 1 + 1


@pytest.mark.slow  # starts gunicorn, and waits for its 1 s deadline
def test_stalled_bodies_waiting_for_a_thread_end_at_their_own_deadline(served):
    """2 × N + 1 logins announce a body and stall: those waiting for a thread behind the
    others have had their deadline running since they were opened, so every one is answered
    408 one deadline after it was sent, not one deadline after a thread took it."""
    sent_at = time.monotonic()
    stalled = [served.connect(STALLED_LOGIN, timeout=10) for _ in range(2 * 2 + 1)]
    with ThreadPoolExecutor(len(stalled)) as readers:
        ends = list(readers.map(arrival, stalled))
    for received, _, closed in ends:
        code, _, body = answered(received)
        assert (code, body["error"]) == (408, "Request body not received in time: it must "
                                              "arrive within 1 s")  # fmt: skip
        assert closed - sent_at < 1 + 1


@pytest.mark.slow  # starts gunicorn, and waits for its 1 s deadline
def test_refused_requests_whose_clients_stay_hold_no_thread(served):
    """2 × N + 1 requests refused before their body (a 401) whose clients never send the
    rest nor close: each is answered at once, `/status` too, and each connection is closed
    at its deadline by the worker's one lingering thread, not by a worker thread."""
    sent_at = time.monotonic()
    refused = [served.connect(REFUSED_KEPT_OPEN, timeout=10) for _ in range(2 * 2 + 1)]
    with ThreadPoolExecutor(len(refused)) as readers:
        ending = [readers.submit(arrival, each, probing=True) for each in refused]
        status = served.get("/status")
        status_at = time.monotonic()
        ends = [end.result(timeout=15) for end in ending]
    assert status[0] == 200 and status_at - sent_at < 0.5
    for received, first, closed in ends:
        assert answered(received)[0] == 401
        assert first - sent_at < 0.5  # answered at once…
        assert 1 - 0.2 < closed - sent_at < 1 + 1  # …then closed at the deadline


def chunked(path, body, headers=None):
    lines = [f"PUT {path} HTTP/1.1", "Host: x", "Content-Type: application/json"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join([*lines, "Transfer-Encoding: chunked"]) + "\r\n\r\n").encode() + body


@pytest.mark.slow  # starts gunicorn, and waits for its 1 s deadline
@pytest.mark.parametrize(
    "sent, status, error",
    [
        # stalled: the deadline cuts the body, wherever it is in a chunk
        (b'5\r\n{"nam', 408, "Request body not received in time: it must arrive within 1 s"),
        (b'9\r\n{"nam', 408, "Request body not received in time: it must arrive within 1 s"),
        (b"5", 408, "Request body not received in time: it must arrive within 1 s"),
        # malformed
        (b'5\r\n{"namXX', 400, "Invalid chunked body"),
        (b"zz\r\n", 400, "Invalid chunked body"),
    ],
)
def test_a_chunked_body_cut_or_malformed_is_the_clients_error(served, sent, status, error):
    connection = served.connect(chunked("/api/organizations/chunky", sent, ADMIN), timeout=10)
    received, _, _ = arrival(connection)
    code, head, body = answered(received)
    assert (code, body["error"]) == (status, error)
    assert "connection: close" in head
    assert served.get_as("/api/organizations/chunky", ADMIN)[0] == 404  # nothing stored


@pytest.mark.slow  # starts gunicorn
def test_a_request_whose_body_was_read_keeps_its_connection(served):
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
    admin = {**bearer(("*",), "admin"), "Content-Type": "application/json"}
    try:
        connection.request("PUT", "/api/organizations/kept", json.dumps({"name": "K"}), admin)
        first = connection.getresponse()
        first.read()
        connection.request("GET", "/api/organizations/kept", headers=admin)
        second = connection.getresponse()
        assert (first.status, second.status) == (201, 200)
        assert first.getheader("Connection") == "keep-alive"
        assert json.loads(second.read())["name"] == "K"
    finally:
        connection.close()


@pytest.mark.slow  # starts gunicorn
def test_clients_that_do_not_close_do_not_stop_the_worker(served):
    """Clients asking to close, then never closing their end: gthread would wait for each
    on its main loop (2 s, accepting nothing meanwhile); a worker thread lingers instead."""
    asked = b"GET /status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    lingering = [served.connect(asked) for _ in range(3)]
    sent_at = time.monotonic()
    try:
        assert served.get("/status", timeout=10)[0] == 200
        assert time.monotonic() - sent_at < LINGER + 1.5
    finally:
        for connection in lingering:
            connection.close()


# The pieces


def test_a_deadline_ends_a_wait_on_its_socket_at_once():
    server, client = socket.socketpair()
    with server, client:
        deadline = Deadlines().arm(server, 0.2)
        server.settimeout(10)
        assert server.recv(10) == b""  # woken by the deadline, not the 10 s timeout
        assert deadline.passed


def test_a_deadline_called_off_never_touches_its_socket():
    deadlines = Deadlines()
    server, client = socket.socketpair()
    with server, client:
        deadline = deadlines.arm(server, 0.05)
        deadlines.off(deadline)
        deadlines.arm(client, 0.1)  # another one passes meanwhile
        time.sleep(0.3)
        client.sendall(b"late")
        assert server.recv(10) == b"late" and not deadline.passed


class Body:
    """gunicorn's body reader over `data`, ending short of what the headers announced when
    `cut`: what it reads once the reading side is shut."""

    failed = False

    def __init__(self, data):
        self.data = data

    def read(self, size=None):
        size = len(self.data) if size is None or size < 0 else size
        piece, self.data = self.data[:size], self.data[size:]
        return piece

    def readline(self, size=None):
        end = self.data.find(b"\n") + 1 or len(self.data)
        return self.read(end if size is None else min(end, size))


class Request:
    def __init__(self, data):
        self.body, self.must_close = Body(data), False


@pytest.mark.parametrize("length", [11, None])  # announced, or chunked
def test_a_body_read_whole_ends_its_deadline_once(length):
    wholes = []
    body = ArrivingBody(Request(b"hello\nworld"), length, lambda: wholes.append(1))
    assert body.readline() == b"hello\n" and wholes == []
    assert body.read(100) == b"world" and wholes == [1]
    assert body.read(100) == b"" and wholes == [1] and body.complete


@pytest.mark.parametrize("read", [lambda body: body.read(), lambda body: list(body)])
def test_a_body_ending_before_its_length_is_cut_short(read):
    body = ArrivingBody(Request(b"hel"), 11, lambda: None)
    with pytest.raises(TimeoutError):
        read(body)
    assert not body.complete


def was_closed(sock, timeout=5):
    """Waits until `sock` was closed (by the lingering thread): True, or False at `timeout`."""
    until = time.monotonic() + timeout
    while sock.fileno() != -1 and time.monotonic() < until:
        time.sleep(0.01)
    return sock.fileno() == -1


def test_a_lingering_connection_is_closed_once_its_client_closes():
    lingering, (server, client) = Lingering(), socket.socketpair()
    with client:
        client.sendall(b"rest of a body")
        started = time.monotonic()
        lingering.add(server, started + 5)
        assert client.recv(10) == b""  # this side's end was sent at once
        client.shutdown(socket.SHUT_WR)  # the client's end
        assert was_closed(server) and time.monotonic() - started < 1


def test_a_lingering_connection_is_closed_at_its_bound():
    lingering, (server, client) = Lingering(), socket.socketpair()
    with client:
        until = time.monotonic() + 0.3
        lingering.add(server, until)
        client.sendall(b"more")  # read and dropped: the client never closes
        assert was_closed(server) and time.monotonic() >= until


def test_a_lingering_connection_is_closed_once_it_sent_what_it_may():
    lingering, (server, client) = Lingering(), socket.socketpair()
    with client:
        lingering.add(server, time.monotonic() + 5, most=10)
        started = time.monotonic()
        client.sendall(b"0123456789")  # the rest of an announced body, the client not closing
        assert was_closed(server) and time.monotonic() - started < 1


def lingering_threads():
    return [thread.name for thread in threading.enumerate()].count("lingering")


def test_one_lingering_thread_keeps_many_connections():
    before = lingering_threads()
    lingering, pairs = Lingering(), [socket.socketpair() for _ in range(50)]
    until = time.monotonic() + 0.3
    for server, _ in pairs:
        lingering.add(server, until)
    assert all(was_closed(server) for server, _ in pairs)
    assert time.monotonic() - until < 1
    assert lingering_threads() == before + 1
    for _, client in pairs:
        client.close()
