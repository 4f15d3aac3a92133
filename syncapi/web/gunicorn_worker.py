"""The gunicorn worker syncapi is served by (`gunicorn.conf.py`): gthread's, with the bounds
it lacks, so that slow clients cannot hold its threads.

- A request has `REQUEST_BODY_TIMEOUT` seconds from its first byte to the last byte of its
  body, headers included, however slowly they trickle (`core.deadlines`). Past it, the
  connection's reading side is shut: headers not yet whole end the connection unanswered; a
  body the app is reading ends short, which `ArrivingBody` raises as a `TimeoutError`
  (werkzeug's `ClientDisconnected`, answered 408 by `errors`). The deadline stops once the
  body is whole (for a request without one, once its headers are): the app's own work is
  not bounded by it. gthread itself waits on a stalled header or body for ever.
- An answer that starts before the body was read whole (a 401, 403, 413, …) goes out at
  once and closes the connection (`Connection: close`): the app never reads the rest.
- A connection is closed by its worker thread, lingering: it sends its end, then reads what
  the client still sends until the client closes its own. Closing with unread bytes would
  make the kernel reset the connection, and nginx, which writes a buffered body whole
  before it reads the answer, then answers 502 instead of syncapi's 401 or 413. The linger
  after an early answer reads at most the rest of the announced body, until the deadline
  (behind nginx: milliseconds); after a whole exchange, LINGER seconds and LINGER_BYTES at
  most. gthread lingers on its main loop, where a client that does not close stops the
  whole worker for 2 s.
"""

import socket
import time

from gunicorn.workers import gthread

from syncapi.core.deadlines import Deadlines

# gunicorn's own bounds of closing a connection whose exchange was whole
# (`gunicorn.util.close_graceful`): the client has nothing more to send.
LINGER = 2.0
LINGER_BYTES = 64 * 1024


def with_deadline(seconds):
    """The worker class, with `seconds` (REQUEST_BODY_TIMEOUT) for each request."""
    return type("Worker", (Worker,), {"deadline": seconds, "__module__": __name__})


class Worker(gthread.ThreadWorker):
    deadline = 5

    def init_process(self):
        self.deadlines = Deadlines()  # its thread starts in this process, after the fork
        super().init_process()

    def run(self):
        """Serves the app wrapped: `post_worker_init` (gunicorn.conf.py), which ran before,
        was given the app itself."""
        self.wsgi = closing_early_answers(self.wsgi)
        super().run()

    def handle(self, conn):
        """One request of the connection, within the deadline from its first byte."""
        if not (conn.initialized or conn.data_ready):
            if not conn.wait_for_data(gthread.DEFAULT_WORKER_DATA_TIMEOUT):
                return gthread._DEFER  # as gthread does: the poller waits, not a thread
        conn.deadline = self.deadlines.arm(conn.sock, self.deadline)
        conn.arriving = None
        try:
            kept = super().handle(conn)
            if kept is False:
                linger(conn.sock, *_rest_of(conn))
            return kept
        finally:
            self.deadlines.off(conn.deadline)  # before the main loop closes the socket

    def handle_request(self, req, conn):
        length = announced_length(req)
        if length == 0:
            self.deadlines.off(conn.deadline)
        else:
            whole = lambda: self.deadlines.off(conn.deadline)  # noqa: E731
            req.body = conn.arriving = ArrivingBody(req, length, whole)
        return super().handle_request(req, conn)


def announced_length(req):
    """The body's length from the headers gunicorn checked: None for a chunked one."""
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING":
            return None
        if name == "CONTENT-LENGTH":
            return int(value)
    return 0


def _rest_of(conn):
    """Until when, and how many bytes at most, a closing connection reads what the client
    still sends: the rest of a body answered early, until the deadline; else gunicorn's."""
    body = conn.arriving
    if body is not None and not body.complete:
        return conn.deadline.at, body.left
    return time.monotonic() + LINGER, LINGER_BYTES


class ArrivingBody:
    """A request's body (gunicorn's reader) while its deadline runs: `whole()` is called
    when its last byte has been read; a body that ends short raises `TimeoutError`. `left`:
    the bytes not read yet (None: a chunked body's are unknown)."""

    def __init__(self, request, length, whole):
        self.request = request
        self.complete = False
        self.left = length
        self._body, self._whole = request.body, whole

    @property
    def failed(self):  # gunicorn's parser reads it: a failed body ends the connection
        return self._body.failed

    def read(self, size=None):
        data = self._body.read(size)
        return self._arrived(data, size is None or size < 0 or len(data) < size)

    def readline(self, size=None):
        data = self._body.readline(size)
        return self._arrived(data, not data and size != 0)

    def readlines(self, size=None):
        return list(iter(self.readline, b""))

    def __iter__(self):
        return iter(self.readline, b"")

    def _arrived(self, data, at_end):
        """`data` as read; `at_end`: the reader found the end of what the client sent."""
        if self.complete:
            return data
        if self.left is not None:
            self.left -= len(data)
            if at_end and self.left > 0:  # the reading side was shut (the deadline), or the
                raise TimeoutError("the body ended before its Content-Length")  # client left
            at_end = self.left <= 0
        if at_end:
            self.complete = True
            self._whole()
        return data


def closing_early_answers(app):
    """`app`, whose answer closes the connection when it starts before the body was read
    whole: what is left of the body is never read by the app."""

    def served(environ, start_response):
        body = environ.get("wsgi.input")
        if not isinstance(body, ArrivingBody):
            return app(environ, start_response)

        def starting(status, headers, exc_info=None):
            if not body.complete:
                body.request.must_close = True
            return start_response(status, headers, exc_info)

        return app(environ, starting)

    return served


def linger(sock, until, most=None):
    """Sends this side's end, then reads what the client still sends until it closes its
    own, until `until` (monotonic) and at most `most` bytes (None: no count); then stops
    reading, so that gthread's own close, on its main loop, finds nothing and does not wait."""
    try:
        sock.shutdown(socket.SHUT_WR)
        drained = 0
        while (most is None or drained < most) and (left := until - time.monotonic()) > 0:
            sock.settimeout(left)
            data = sock.recv(64 * 1024)
            if not data:
                break
            drained += len(data)
    except OSError:  # timed out, reset, or closed already
        pass
    try:
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
