"""`Idempotency-Key` on the POSTs that create a document (`operations.idempotent`): the IETF
draft "The Idempotency-Key HTTP Header Field", with Stripe's semantics. A client that lost
the answer of a create sends it again with the same key, and gets the first answer instead
of a second document.

- The key: 1 to 255 printable ASCII characters, sent as a structured-field string
  (`"abc"`, as the draft says) or bare (`abc`); anything else is a 400 naming the header.
  It belongs to the organization of the route (kept in its database; the shared database
  for the routes outside one) and to the caller (the token's `sub`; none with
  authentication off): two callers, or two organizations, never share a key.
- Before the view runs, the request writes a `pending` marker for the key, outside its
  transaction, so that a concurrent request with the key sees it: 409 while it holds it.
  A request holds its key until its answer, and no longer than `HELD` (so a request that
  died frees its key); a retry then takes the key over. A request of this process that
  has answered holds nothing, even when its marker could not be removed (an outage): the
  marker names the process and the request, and the process knows which of its requests
  are under way.
- A 2xx is stored in the create's own transaction (`idempotency_keys.complete`): the
  stored answer exists if and only if the create committed. The same key, route and body
  then answer the stored status, body and headers (`ETag`, a restore's `X-Omitted-Keys`)
  with `Idempotent-Replayed: true`, for `KEPT` (24 hours); another route or body with the
  key is a 422.
- Nothing else is stored: after a 4xx or a 5xx the marker is removed, and the retry runs
  from scratch (the transaction left nothing of the first attempt; a commit whose outcome
  was unknown either stored the answer, which the retry replays, or left nothing).

Without the header, a create runs exactly as any other write (`transactions`).

The body is compared as parsed JSON (its canonical form, keys sorted), with the method, path
and query string: an HMAC of them, keyed with the deployment's key (`repositories.keys`,
which no caller knows, also with authentication off, and which a rotation of `JWT_SECRET`
keeps), so that a stored fingerprint is no fast hash of a body holding a password.
"""

import hashlib
import hmac
import json
import os
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, timedelta
from functools import partial, wraps

from flask import current_app, g, request
from pymongo.errors import PyMongoError

from syncapi.core import clock, masking
from syncapi.core.failures import Conflict, Invalid
from syncapi.core.in_session import unbound
from syncapi.errors import ApiError
from syncapi.repositories import idempotency_keys
from syncapi.web import handles, headers, transactions
from syncapi.web.operations import JSON, declared

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEPT = timedelta(hours=24)
# How long a request holds its key before a retry may take it over: MongoDB's bound on a
# transaction (`transactionLifetimeLimitSeconds`, 60 s by default: the server aborts one
# that runs longer) and a margin. A request still running then loses its key to the retry
# and stores nothing (its completion is filtered by its own `owner`): 409, never two creates.
HELD = timedelta(seconds=90)
CLAIMS = 3  # tries at a key that other requests keep taking and freeing in between
MAX_KEY = 255
_BARE = "[!#-~](?:[ -~]{0,253}[!-~])?"  # no blank at either end, not opening with a quote
_QUOTED = r'"((?:[ !#-\[\]-~]|\\["\\]){1,255})"'  # RFC 8941 §3.3.3: \" and \\ escaped
KEY = re.compile(f"{_BARE}|{_QUOTED}")
# The header's value as the API description states it (the same two forms, no group).
KEY_PATTERN = f"^(?:{_BARE}|{_QUOTED.replace('((', '(?:(', 1)})$"
INVALID_KEY = f'{HEADER} must be 1 to {MAX_KEY} printable ASCII characters, bare or quoted ("...")'
IN_FLIGHT = f"A request with this {HEADER} is still under way; retry once it has answered"
PURPOSE = b"idempotency-key fingerprint\n"  # beside the key's use for content ETags
REUSED = f"This {HEADER} was used with another request (another route or body)"
TAKEN = f"This {HEADER} was taken over by a retry while this request ran; nothing was changed"
# The headers of a create's answer that its replay repeats (beside those the view states).
KEPT_HEADERS = ("Content-Type", "ETag", "Cache-Control")

_under_way = set()  # the `owner`s of this process's keyed requests that have not answered
_process = {}  # pid -> this process's id (made after a fork: each gunicorn worker its own)
_process_lock = threading.Lock()


def init_app(app):
    """Before `transactions.init_app`: every create stated `idempotent` takes the key."""
    for endpoint, view in list(app.view_functions.items()):
        operation = getattr(view, "operation", None)
        if operation is not None and operation.idempotent:
            app.view_functions[endpoint] = keyed(view)


def keyed(view):
    """The view, in a transaction (`transactions.run_in_transaction`), with its key."""

    @wraps(view)
    def run(*args, **kwargs):
        call = partial(view, *args, **kwargs)
        if request.method not in transactions.WRITE_METHODS:
            return call()
        key = requested_key()
        if key is None:
            return transactions.run_in_transaction(call)
        return _run_keyed(_scope(key), call)

    run.in_transaction = True
    return run


def requested_key():
    """The request's key, unquoted; None without the header; a 400 when it breaks the rule."""
    value = request.headers.get(HEADER)
    if value is None:
        return None
    matched = KEY.fullmatch(value)
    if matched is None:
        raise Invalid(INVALID_KEY, field=HEADER)
    quoted = matched.group(1)
    return value if quoted is None else re.sub(r"\\([\"\\])", r"\1", quoted)


@dataclass(frozen=True)
class Scope:
    db: object  # the organization's database, or the shared one; outside any session
    key: str  # `idempotency_keys.key_id`
    owner: str
    fingerprint: str


def _scope(key):
    tenant = g.get("tenant_db")
    db = unbound(tenant) if tenant is not None else unbound(handles.shared_db())
    caller = getattr(g.get("caller"), "subject", None)
    return Scope(db, idempotency_keys.key_id(caller, key), uuid.uuid4().hex, fingerprint())


def fingerprint():
    """What a retry must repeat: the method, path, query string and body (parsed JSON in its
    canonical form; any other body as its bytes)."""
    query = sorted(request.args.items(multi=True))
    route = json.dumps([request.method, request.path, query], separators=(",", ":"))
    # The deployment's key (`handles.content_etag_key`), under a purpose of its own: no
    # caller knows it, authentication on or off, and a rotation of JWT_SECRET keeps it.
    digest = hmac.new(handles.content_etag_key(), PURPOSE + route.encode(), hashlib.sha256)
    digest.update(b"\n" + _canonical_body())
    return digest.hexdigest()


def _canonical_body():
    data = request.get_data()  # within the route's cap (`inputs.cap_body`): 413 beyond
    if request.is_json:
        try:
            parsed = request.get_json(silent=True)  # kept: the view reads it again
            if parsed is not None:
                text = json.dumps(parsed, sort_keys=True, separators=(",", ":"))
                return b"json:" + text.encode()
        except RecursionError:  # deeper than any document: the view refuses it
            pass
    return b"bytes:" + data


def _run_keyed(scope, call):
    _under_way.add(scope.owner)
    try:
        try:
            found = _claim(scope)
        except PyMongoError:
            _release(scope)  # a marker written before its answer was lost
            raise
        if found is not None:
            return _replayed(found)
        return _created(scope, call)
    finally:
        _under_way.discard(scope.owner)


def _claim(scope):
    """None once this request holds the key; the stored answer of a create made with it; a
    409 while another request holds it, a 422 when it was given to another request."""
    for _ in range(CLAIMS):
        marker = idempotency_keys.pending(
            scope.key, scope.owner, _process_id(), scope.fingerprint, clock.now() + HELD
        )
        if idempotency_keys.insert(scope.db, marker):
            return None
        found = idempotency_keys.find(scope.db, scope.key)
        if found is None:  # freed in between: claim it again
            continue
        if _holds(found):
            if found.get("fingerprint") != scope.fingerprint:
                raise ApiError(422, REUSED, field=HEADER)
            if found.get("state") == idempotency_keys.DONE:
                return found
            raise Conflict(IN_FLIGHT, field=HEADER)
        if idempotency_keys.take_over(scope.db, found, marker):
            return None
    raise Conflict(IN_FLIGHT, field=HEADER)


def _holds(found):
    """Whether `found` still holds its key: an answer, or a request under way, before its
    `expiresAt`. A request of this process holds it only until it has answered."""
    if _aware(found["expiresAt"]) <= clock.now():
        return False
    if found.get("state") == idempotency_keys.DONE:
        return True
    if found.get("process") == _process_id():
        return found.get("owner") in _under_way
    return True


def _created(scope, call):
    """The view's answer, stored with the create when it is a 2xx; else the key freed."""
    stored = False
    try:
        response = transactions.run_in_transaction(partial(_answer_stored, scope, call))
        stored = 200 <= response.status_code < 300
        return response
    finally:
        if not stored:
            _release(scope)


def _answer_stored(scope, call):
    """Within the transaction: the view's answer, and a 2xx stored under the key."""
    response = current_app.make_response(call())
    if not 200 <= response.status_code < 300:
        return response
    if headers.storing_forbidden() and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = headers.NO_STORE  # its replay, too
    names = (*KEPT_HEADERS, *(declared().headers or ()))
    answer = {
        "status": response.status_code,
        "body": _kept_body(response),
        "headers": {name: response.headers[name] for name in names if name in response.headers},
    }
    db = transactions.bound(scope.db)
    if not idempotency_keys.complete(db, scope.key, scope.owner, answer, clock.now() + KEPT):
        raise Conflict(TAKEN, field=HEADER)
    return response


def _kept_body(response):
    """The answer's body as kept for 24 hours: masked when it may reveal secrets (a `no-store`
    answer, `?reveal=true`), which its replay then answers masked."""
    body = response.get_data(as_text=True)
    if response.headers.get("Cache-Control") != headers.NO_STORE:
        return body
    return json.dumps(masking.mask(json.loads(body)), separators=(",", ":"))


def _replayed(found):
    response = current_app.response_class(found["body"], status=found["status"], mimetype=JSON)
    for name, value in found.get("headers", {}).items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def _release(scope):
    """Frees the key of a request that stored no answer, if MongoDB lets it now: else the
    marker stays until `HELD` has passed (a retry reaching this process takes it at once)."""
    try:
        idempotency_keys.release(scope.db, scope.key, scope.owner)
    except PyMongoError:  # the answer under way is the one that matters
        pass


def _process_id():
    pid = os.getpid()
    with _process_lock:
        if pid not in _process:
            _process.clear()
            _process[pid] = uuid.uuid4().hex
        return _process[pid]


def _aware(moment):
    """pymongo hands back naive datetimes that are UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
