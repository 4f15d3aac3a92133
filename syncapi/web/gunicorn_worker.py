"""The gunicorn worker syncapi is served by (`gunicorn.conf.py`): gthread's, with the bounds
it lacks, so that slow clients cannot hold its threads, however many they are.

- A request has `REQUEST_BODY_TIMEOUT` seconds to arrive, headers and body, however slowly
  they trickle (`core.deadlines`): counted from the moment its connection is accepted (a new
  one) or becomes readable again (a kept-alive one), wherever the connection waits
  meanwhile: on the poller, or queued for a thread. Past it, the connection's reading side
  is shut: a connection that sent nothing yet is closed on the main loop, without taking a
  thread; headers not yet whole end the connection unanswered; a body the app is reading
  ends short, which `ArrivingBody` raises as a `TimeoutError` (werkzeug's
  `ClientDisconnected`, answered 408 by `errors`). The deadline stops once the body is whole
  (for a request without one, once its headers are): the app's own work is not bounded by
  it. What arrived in time is still read after it: a request that came whole while it waited
  for a thread is served. gthread itself gives a new connection a thread at once, which waits
  5 s for its first byte whatever the setting, then waits on a stalled header or body for
  ever.
- A new connection waits on the poller, not in a thread, until it sends something.
- An answer that starts before the body was read whole (a 401, 403, 413, …) goes out at
  once and closes the connection (`Connection: close`): the app never reads the rest.
- A connection ends lingering: this side's end is sent, then what the client still sends is
  read until it closes its own. Closing with unread bytes would make the kernel reset the
  connection, and nginx, which writes a buffered body whole before it reads the answer, then
  answers 502 instead of syncapi's 401 or 413. The worker thread hands the connection to the
  worker's one lingering thread (`Lingering`) and is free at once. After an early answer the
  linger reads at most the rest of the announced body, until the request's deadline (behind
  nginx: milliseconds); after a whole exchange, LINGER seconds and LINGER_BYTES at most.
  gthread lingers on its main loop, where a client that does not close stops the whole
  worker for 2 s.
"""

import errno
import heapq
import itertools
import queue
import selectors
import socket
import threading
import time
from contextlib import contextmanager
from functools import partial

from gunicorn.http.errors import ChunkMissingTerminator, NoMoreData, ParseException
from gunicorn.workers import gthread

from syncapi.core.deadlines import Deadlines
from syncapi.core.failures import Invalid

# gunicorn's own bounds of closing a connection whose exchange was whole
# (`gunicorn.util.close_graceful`): the client has nothing more to send.
LINGER = 2.0
LINGER_BYTES = 64 * 1024
# How long after its deadline gthread's own sweep of waiting connections closes a new one
# that its deadline did not end (it always does: the sweep is only a backstop).
BACKSTOP = 1.0
# What `handle` returns for a connection it gave to the lingering thread: the main loop
# neither keeps nor closes it.
_HANDED = object()


def with_deadline(seconds):
    """The worker class, with `seconds` (REQUEST_BODY_TIMEOUT) for each request."""
    return type("Worker", (Worker,), {"deadline": seconds, "__module__": __name__})


class Connection(gthread.TConn):
    """gthread's connection, with its request's deadline (None between requests) and the
    body under way."""

    def __init__(self, deadlines, *args):
        super().__init__(*args)
        self.deadlines = deadlines
        self.deadline = None
        self.arriving = None

    def close(self, graceful=False):
        """Every close of gthread's (an idle connection swept, a failure) calls the deadline
        off first: its thread never touches a socket once closed."""
        self.deadlines.off(self.deadline)
        super().close(graceful)


class Worker(gthread.ThreadWorker):
    deadline = 5

    def init_process(self):
        # Their threads start in this process, after the fork.
        self.deadlines = Deadlines()
        self.lingering = Lingering()
        super().init_process()

    def run(self):
        """Serves the app wrapped: `post_worker_init` (gunicorn.conf.py), which ran before,
        was given the app itself."""
        self.wsgi = closing_early_answers(self.wsgi)
        super().run()

    def accept(self, listener):
        """A new connection: its deadline starts now, and it waits on the poller (gthread's
        waiting connections), holding no thread, until it sends something."""
        try:
            sock, address = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        conn = Connection(self.deadlines, self.cfg, sock, address, listener.getsockname())
        conn.deadline = self.deadlines.arm(sock, self.deadline)
        conn.timeout = conn.deadline.at + BACKSTOP
        self.pending_conns.append(conn)
        self.poller.register(
            sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn)
        )

    def on_pending_socket_readable(self, conn, client):
        """A new connection sent its first bytes, or its deadline passed first: then it is
        closed here, on the main loop, without taking a thread."""
        if conn.deadline is not None and conn.deadline.passed:
            self.poller.unregister(client)
            self.pending_conns.remove(conn)
            self.nr_conns -= 1
            conn.close()
            return
        super().on_pending_socket_readable(conn, client)

    def enqueue_req(self, conn):
        """A connection to serve: a kept-alive one (readable again, or holding the next
        request read ahead) gets its request's deadline now, before it waits for a thread."""
        if conn.deadline is None:
            conn.deadline = self.deadlines.arm(conn.sock, self.deadline)
        super().enqueue_req(conn)

    def handle(self, conn):
        """One request of the connection, within its deadline; a connection that ends is
        handed to the lingering thread."""
        conn.arriving = None
        try:
            kept = super().handle(conn)
        finally:
            deadline, conn.deadline = conn.deadline, None
            self.deadlines.off(deadline)  # before anything closes the socket
        if kept is False:
            self.lingering.add(conn.sock, *_rest_of(conn, deadline))
            return _HANDED
        return kept

    def handle_request(self, req, conn):
        length = announced_length(req)
        if length == 0:
            self.deadlines.off(conn.deadline)
        else:
            whole = lambda: self.deadlines.off(conn.deadline)  # noqa: E731
            req.body = conn.arriving = ArrivingBody(req, length, whole)
        return super().handle_request(req, conn)

    def finish_request(self, conn, fs):
        """On the main loop, once a thread served the connection: one handed to the
        lingering thread is no longer the worker's to count, keep or close."""
        if not fs.cancelled() and fs.exception() is None and fs.result() is _HANDED:
            self.nr_conns -= 1
            return
        super().finish_request(conn, fs)


def announced_length(req):
    """The body's length from the headers gunicorn checked: None for a chunked one."""
    for name, value in req.headers:
        if name == "TRANSFER-ENCODING":
            return None
        if name == "CONTENT-LENGTH":
            return int(value)
    return 0


def _rest_of(conn, deadline):
    """Until when, and how many bytes at most, a closing connection reads what the client
    still sends: the rest of a body answered early, until the request's deadline; else
    gunicorn's bounds."""
    body = conn.arriving
    if body is not None and not body.complete and deadline is not None:
        return deadline.at, body.left
    return time.monotonic() + LINGER, LINGER_BYTES


class ArrivingBody:
    """A request's body (gunicorn's reader) while its deadline runs: `whole()` is called
    when its last byte has been read; a body that ends short raises `TimeoutError`, a
    malformed chunked one `Invalid` (a 400). `left`: the bytes not read yet (None: a chunked
    body's are unknown)."""

    def __init__(self, request, length, whole):
        self.request = request
        self.complete = False
        self.left = length
        self._body, self._whole = request.body, whole

    @property
    def failed(self):  # gunicorn's parser reads it: a failed body ends the connection
        return self._body.failed

    def read(self, size=None):
        with _chunked_failures():
            data = self._body.read(size)
        return self._arrived(data, size is None or size < 0 or len(data) < size)

    def readline(self, size=None):
        with _chunked_failures():
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


@contextmanager
def _chunked_failures():
    """gunicorn's chunked reader's failures, as the app's: a body that ends within a chunk
    or its terminator (the deadline shut the reading side, or the client left) is a
    `TimeoutError`, which werkzeug reads as a client gone (a 408); one that breaks the
    chunked coding is `Invalid` (a 400). Otherwise gunicorn's parse errors would be 500s."""
    try:
        yield
    except ChunkMissingTerminator as error:
        if b"\r\n".startswith(error.term):  # cut: nothing, or only its "\r", came
            raise TimeoutError("the chunked body ended within a chunk") from None
        raise Invalid("Invalid chunked body") from None
    except NoMoreData:
        raise TimeoutError("the chunked body ended within a chunk") from None
    except ParseException:  # a chunk size, an extension or a trailer that is no such thing
        raise Invalid("Invalid chunked body") from None


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


class Lingering:
    """The connections of one process that are ending, kept by one daemon thread (started by
    the first `add`, in the process that adds: a gunicorn worker, after the fork): each has
    sent its end; what its client still sends is read and dropped until the client closes
    its own, `until` (monotonic) passes or `most` bytes came (None: no count); then it is
    closed. A worker thread hands a connection over and is free at once."""

    def __init__(self):
        self._added = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread = None
        self._wake, self._woken = socket.socketpair()
        for end in (self._wake, self._woken):
            end.setblocking(False)

    def add(self, sock, until, most=None):
        """Sends this side's end of `sock` (now, from the caller's thread), then lets the
        lingering thread read and close it. `sock` is the thread's alone from here."""
        try:
            sock.shutdown(socket.SHUT_WR)
            sock.setblocking(False)
        except OSError:  # closed already, or reset: nothing to wait for
            sock.close()
            return
        self._added.put((sock, until, most))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="lingering", daemon=True)
                self._thread.start()
        try:
            self._wake.send(b"\0")
        except OSError:  # the wake-up pipe is full: the thread is awake anyway
            pass

    def _run(self):
        selector = selectors.DefaultSelector()
        selector.register(self._woken, selectors.EVENT_READ)
        ends, order = [], itertools.count()  # a heap of (until, n, sock)
        reading = {}  # each socket still open → the bytes it may still read (None: no count)
        while True:
            timeout = max(ends[0][0] - time.monotonic(), 0) if ends else None
            for key, _ in selector.select(timeout):
                if key.fileobj is self._woken:
                    self._take(selector, ends, order, reading)
                elif not _drained(key.fileobj, reading):
                    _close(selector, key.fileobj, reading)
            now = time.monotonic()
            while ends and ends[0][0] <= now:
                _, _, sock = heapq.heappop(ends)
                if sock in reading:
                    _close(selector, sock, reading)

    def _take(self, selector, ends, order, reading):
        try:
            while self._woken.recv(4096):
                pass
        except OSError:
            pass
        while True:
            try:
                sock, until, most = self._added.get_nowait()
            except queue.Empty:
                return
            reading[sock] = most
            heapq.heappush(ends, (until, next(order), sock))
            selector.register(sock, selectors.EVENT_READ)


def _drained(sock, reading):
    """Reads what `sock` holds; False once the client closed its end, the bytes it may send
    came, or the connection failed."""
    most = reading[sock]
    try:
        while most is None or most > 0:
            data = sock.recv(64 * 1024 if most is None else min(most, 64 * 1024))
            if not data:
                return False
            if most is not None:
                most -= len(data)
    except BlockingIOError:
        reading[sock] = most
        return True
    except OSError:
        return False
    return False


def _close(selector, sock, reading):
    del reading[sock]
    try:
        selector.unregister(sock)
    except (KeyError, ValueError):
        pass
    sock.close()
