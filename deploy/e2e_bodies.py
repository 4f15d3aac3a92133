"""`make e2e`'s checks of request bodies (deploy/e2e.py runs them): refused bodies answered by
syncapi through nginx, never nginx's 502, and slow bodies cut off, by nginx in front and by
syncapi's own deadline behind it (`syncapi/web/gunicorn_worker.py`)."""

import json
import socket
import ssl
import time

REPEATS = 10  # a close that resets the connection loses the answer only some of the times
STALLED = (  # public, like every login: no token is needed to hold a thread with it
    b"POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\n"
    b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
)


def check_bodies(stack, admin, check, deadline):
    """Each check through `check(name, passed, detail)`; `deadline`: REQUEST_BODY_TIMEOUT."""
    check_refused_bodies(stack, admin, check)
    check_slow_bodies(stack, check, deadline)


def check_refused_bodies(stack, admin, check):
    """syncapi answers these without reading the body and closes the connection; nginx has
    sent the body whole before it reads the answer, so syncapi reads the rest as it closes."""
    json_headers = {"Content-Type": "application/json"}
    six_mb = b"x" * (6 * 1024 * 1024)
    cases = [
        ("a large body without a token: syncapi's 401", "POST", "/api/organizations/acme/users",
         six_mb, json_headers, 401),
        ("a JSON body over MAX_JSON_BYTES: syncapi's 413, before it is read", "PUT",
         "/api/organizations/acme", b"{" + b" " * (2 * 1024 * 1024) + b"}",
         {**json_headers, **admin}, 413),
        ("an upload that is no form: syncapi's 400, unread", "POST", "/api/library/upload",
         six_mb, {"Content-Type": "application/octet-stream", **admin}, 400),
    ]  # fmt: skip
    for name, method, path, body, headers, expected in cases:
        statuses = [stack.https(method, path, body, headers)[0] for _ in range(REPEATS)]
        check(f"{name}, {REPEATS} times out of {REPEATS}", set(statuses) == {expected}, statuses)


def check_slow_bodies(stack, check, deadline):
    start = time.monotonic()
    answer = _stalled(stack.tls_socket(), deadline + 5)
    check(  # nginx logs a 408 and sends nothing
        "a client stalling a login's body through nginx: nginx closes the connection",
        answer == b"",
        answer[:200],
    )
    check(
        "…within REQUEST_BODY_TIMEOUT and a second",
        time.monotonic() - start < deadline + 1,
        f"{time.monotonic() - start:.1f} s",
    )
    start = time.monotonic()
    direct = socket.create_connection(("127.0.0.1", stack.app_port), timeout=10)
    answer = _stalled(direct, deadline + 5)
    body = json.loads(answer.partition(b"\r\n\r\n")[2] or b"{}")
    check(
        "the same straight to gunicorn: syncapi's 408, and the connection closes",
        answer.startswith(b"HTTP/1.1 408")
        and b"Connection: close" in answer
        and body.get("error", "").startswith("Request body not received in time"),
        answer[:200],
    )
    check(
        "…within REQUEST_BODY_TIMEOUT and a second",
        time.monotonic() - start < deadline + 1,
        f"{time.monotonic() - start:.1f} s",
    )


def _stalled(connection, wait):
    """What a client that sends headers announcing a body, one byte of it, then nothing, is
    answered until the connection closes (at most `wait` seconds)."""
    with connection:
        connection.sendall(STALLED)
        connection.settimeout(wait)
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionError, ssl.SSLError):
            pass
        return received
