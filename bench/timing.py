"""Direct WSGI calls (no network, no test client) and their timing, in interleaved pairs.

Time is the process's CPU time (all its threads: the InfluxDB stand-in's too), not the
wall clock: on a machine shared with other work, the time spent waiting for a core is not
the request's. A pair times the baseline and syncapi one right after the other (a few
calls each, about 10 ms), in alternating order, again and again: what still drifts (other
work on the machine, caches) then moves both sides of a pair alike, and the median of the
pairs' ratios holds; on a busy 2-core machine it stays within a few points from run to
run, where a few long samples moved by 15.
"""

import io
import json
import statistics
import time

from werkzeug.test import EnvironBuilder

BLOCK_SECONDS = 0.01  # one side's turn in a pair: a few calls, about this long
ROW_SECONDS = 3.0  # the pairs of one row, both sides


class Call:
    """One request, made again and again: `body(i)` gives the i-th body (unique ids), and
    with `key`, the i-th request carries `Idempotency-Key: {key}{i}` (each one new)."""

    def __init__(self, app, path, method="GET", headers=None, body=None, expect=200, key=None):
        self.app, self.expect, self.body, self.key = app, expect, body, key
        data = json.dumps(body(0)).encode() if body else None
        builder = EnvironBuilder(path=path, method=method, headers=headers or {}, data=data)
        if body:
            builder.content_type = "application/json"
        self.environ = builder.get_environ()
        self.count = 0

    def __call__(self):
        environ = dict(self.environ)
        if self.body is not None:
            data = json.dumps(self.body(self.count)).encode()
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
        if self.key is not None:
            environ["HTTP_IDEMPOTENCY_KEY"] = f"{self.key}{self.count}"
        self.count += 1
        statuses = []
        chunks = self.app(environ, lambda status, headers, exc_info=None: statuses.append(status))
        try:
            text = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
        status = int(statuses[0][:3])
        if status != self.expect:
            raise RuntimeError(f"{environ['PATH_INFO']}: {status} {text[:200]!r}")
        return text


def per_request(call, count):
    """CPU seconds per request over `count` calls."""
    start = time.process_time()
    for _ in range(count):
        call()
    return (time.process_time() - start) / count


def calibrate(call):
    """How many calls make one turn of about BLOCK_SECONDS (after warming up)."""
    for _ in range(10):
        call()
    seconds = per_request(call, 10)
    return max(1, round(BLOCK_SECONDS / seconds))


def single(call):
    """The median time per request of one app alone, over ROW_SECONDS / 2."""
    count = calibrate(call)
    end = time.monotonic() + ROW_SECONDS / 2
    samples = [per_request(call, count)]
    while time.monotonic() < end:
        samples.append(per_request(call, count))
    return {"seconds": statistics.median(samples)}


def pair(syncapi, bare, after_sample=None):
    """syncapi beside the baseline, in turns of about BLOCK_SECONDS each, for ROW_SECONDS:
    the median time per request of each side, and the median of the pairs' ratios (baseline
    time / syncapi time = syncapi's share of the baseline's requests per second).
    `after_sample()` runs untimed after each pair (a cleanup)."""
    counts = {syncapi: calibrate(syncapi), bare: calibrate(bare)}
    if after_sample:
        after_sample()
    samples = {syncapi: [], bare: []}
    end = time.monotonic() + ROW_SECONDS
    while time.monotonic() < end or len(samples[bare]) < 5:
        order = (bare, syncapi) if len(samples[bare]) % 2 == 0 else (syncapi, bare)
        for call in order:
            samples[call].append(per_request(call, counts[call]))
        if after_sample:
            after_sample()
    ratios = [theirs / mine for mine, theirs in zip(samples[syncapi], samples[bare], strict=True)]
    return {
        "seconds": statistics.median(samples[syncapi]),
        "bare_seconds": statistics.median(samples[bare]),
        "ratio": statistics.median(ratios),
        "pairs": len(ratios),
    }
