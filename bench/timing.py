"""Direct WSGI calls (no network, no test client) and their timing, in interleaved pairs.

Time is the process's CPU time (all its threads: the InfluxDB stand-in's too), not the
wall clock: on a machine shared with other work, the time spent waiting for a core is not
the request's. A pair times the baseline and syncapi one right after the other, in
alternating order, a few times: what still drifts (caches, frequency) then moves both sides
of a pair alike, and the median of the pairs' ratios holds.
"""

import io
import json
import statistics
import time

from werkzeug.test import EnvironBuilder

ROUNDS = 5  # pairs per row
SAMPLE_SECONDS = 0.25  # the length of one side's sample


class Call:
    """One request, made again and again: `body(i)` gives the i-th body (unique ids)."""

    def __init__(self, app, path, method="GET", headers=None, body=None, expect=200):
        self.app, self.expect, self.body = app, expect, body
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
    """How many calls make one sample of about SAMPLE_SECONDS (after warming up)."""
    for _ in range(20):
        call()
    seconds = per_request(call, 20)
    return max(20, min(50_000, int(SAMPLE_SECONDS / seconds)))


def single(call):
    """The median time per request of one app alone."""
    count = calibrate(call)
    return {"seconds": statistics.median(per_request(call, count) for _ in range(ROUNDS))}


def pair(syncapi, bare, after_sample=None):
    """syncapi beside the baseline: median seconds per request of each side and the median
    of the pairs' ratios (baseline time / syncapi time = syncapi's share of the baseline's
    requests per second). `after_sample()` runs untimed after each sample (a cleanup)."""
    counts = {"syncapi": calibrate(syncapi), "bare": calibrate(bare)}
    if after_sample:
        after_sample()
    calls = {"syncapi": syncapi, "bare": bare}
    samples = {"syncapi": [], "bare": []}
    for round_ in range(ROUNDS):
        order = ("bare", "syncapi") if round_ % 2 == 0 else ("syncapi", "bare")
        for side in order:
            samples[side].append(per_request(calls[side], counts[side]))
            if after_sample:
                after_sample()
    ratios = [bare / mine for mine, bare in zip(samples["syncapi"], samples["bare"], strict=True)]
    return {
        "seconds": statistics.median(samples["syncapi"]),
        "bare_seconds": statistics.median(samples["bare"]),
        "ratio": statistics.median(ratios),
    }
