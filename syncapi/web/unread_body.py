"""A request body the app did not read is read (and dropped) before the answer goes out.

An answer given before the body was read (a refused upload, a 404 on a large PUT) leaves
the rest of the body on the connection. gunicorn's gthread worker then drains at most
64 KiB of it and closes the connection (gunicorn/http/parser.py, `_DRAIN_MAX_BYTES`);
closing a socket with unread data makes the kernel reset it, and nginx, still sending the
body it buffered, answers 502 instead of syncapi's 4xx (seen in `make e2e`: a 6 MB upload
refused as not multipart). Bodies above `MAX_CONTENT_LENGTH` are refused by nginx before
they reach syncapi, so this reads at most that much, in pieces.
"""

from flask import current_app, request
from werkzeug.exceptions import ClientDisconnected

PIECE = 64 * 1024


def init_app(app):
    app.after_request(read_unread_body)


def read_unread_body(response):
    if not request.environ.get("CONTENT_LENGTH"):  # most requests carry no body: no parsing
        return response
    length = request.content_length
    if length and length <= current_app.config["MAX_CONTENT_LENGTH"]:
        stream = request.stream
        try:  # not past its end: a stream limited by the cap (gunicorn's) would then 413
            while not stream.is_exhausted and stream.read(PIECE):
                pass
        except ClientDisconnected:  # gone before the body ended: nothing left to protect
            pass
    return response
