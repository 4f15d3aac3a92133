"""Deadlines on sockets, kept by one thread: a deadline that passes before it is called off
shuts the socket's reading side down, so that a thread waiting on it (for a request's
headers or body) reads the end at once instead of waiting on.

A timeout on each read would not do: a client sending a byte a second satisfies every read
and never ends. Shutting the reading side down ends every wait, whatever reads in between:
on Linux a blocked `recv` returns b"" at once, and every later one returns what had arrived
then b"" without blocking. Writing is untouched, so an answer can still be sent.

Calling a deadline off and the thread shutting a socket down exclude each other (one lock):
once `off` returns, the socket is never touched, and its owner may close it.
"""

import socket
import threading
import time

# How late a deadline may be noticed: the thread wakes at most this often while deadlines
# run, however many requests come and go (each would otherwise be a wake-up).
GRAIN = 0.05


class Deadline:
    """One socket's deadline; `passed` once its reading side was shut down."""

    __slots__ = ("sock", "at", "passed")

    def __init__(self, sock, at):
        self.sock, self.at, self.passed = sock, at, False


class Deadlines:
    """The deadlines of one process, kept by a daemon thread started at the first `arm` (in
    the process that arms: a gunicorn worker, after the fork)."""

    def __init__(self):
        self._armed = set()
        self._changed = threading.Condition()
        self._wake_at = None  # when the thread will look next; None: not until armed
        self._thread = None

    def arm(self, sock, seconds):
        """A deadline `seconds` from now on `sock`, until `off`."""
        deadline = Deadline(sock, time.monotonic() + seconds)
        with self._changed:
            self._armed.add(deadline)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="deadlines", daemon=True)
                self._thread.start()
            if self._wake_at is None or deadline.at < self._wake_at:
                self._changed.notify()
        return deadline

    def off(self, deadline):
        """Calls the deadline off (again: nothing); afterwards its socket is never touched."""
        with self._changed:
            self._armed.discard(deadline)

    def _watch(self):
        with self._changed:
            while True:
                now = time.monotonic()
                for deadline in [d for d in self._armed if d.at <= now]:
                    self._armed.discard(deadline)
                    _shut_reading(deadline)
                if self._armed:
                    self._wake_at = max(min(d.at for d in self._armed), now + GRAIN)
                    self._changed.wait(self._wake_at - now)
                else:
                    self._wake_at = None
                    self._changed.wait()


def _shut_reading(deadline):
    deadline.passed = True
    try:
        deadline.sock.shutdown(socket.SHUT_RD)
    except OSError:  # closed already, or the client is gone: nothing waits on it
        pass
