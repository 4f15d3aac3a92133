"""The one table `make bench` prints, with each target beside its figure."""

IN_PROCESS = (  # key, label, target ratio
    ("a", "(a) bare Flask, small JSON", None),
    ("b", "(b) GET /status, beside (a)", None),
    ("c", "(c) GET device by machineId", 0.90),
    ("c_bearer", "(c) the same, bearer token", 0.85),
    ("c_origin", "(c) the same, with an Origin (a browser's call)", None),
    ("c_silent", "(c) beside a bare app logging nothing", None),
    ("legacy", "legacy GET /device/{machineId}", None),
    ("d", "(d) list 100 devices", None),
    ("e50", "(e) GET /api/organizations, 50 orgs", None),
    ("e1000", "(e) GET /api/organizations, 1 000 orgs", None),
    ("f", "(f) POST a device (validated)", None),
    ("f_key", "(f) the same, with an Idempotency-Key", None),
    ("g", "(g) GET /device/{id}/status, InfluxDB stand-in", None),
    ("put", "PUT a device by id; bare: no change-log entry", None),
    ("page1", "page 1 of 10 000 devices (100, by name)", None),
    ("page50", "page 50 of 10 000 devices (100, by name)", None),
    ("batch", "POST /device/status, 500 machines", None),
)
ALONE_IN_BARE_COLUMN = ("a",)  # the baseline itself; other single rows are syncapi's
OVER_HTTP = (
    ("by_id_off", "GET device by machineId, auth off", 0.90),
    ("list_off", "list 100 devices, auth off", None),
    ("by_id_bearer", "GET device by machineId, bearer token", 0.85),
    ("list_bearer", "list 100 devices, bearer token", None),
    ("by_id_silent", "GET device, auth off, bare app logging nothing", None),
    ("by_id_production", "GET device, production gunicorn.conf.py, bearer", None),
)
MEMORY_GROWTH_MB = 5
WIDTHS = (48, 21, 21, 6, 10, 3)


def number(value):
    return f"{value:,.0f}".replace(",", " ")


def per_request(seconds):
    return f"{number(seconds * 1e6)} µs {number(1 / seconds)}/s"


def percent(ratio):
    return f"{ratio:.1%}"  # one decimal: 84.7 % is below an 85 % target


def at_least(ratio, target):
    if target is None:
        return "", ""
    return f">= {target:.0%}", "ok" if ratio >= target else "NO"


def in_process_rows(timings):
    rows = []
    for key, label, target in IN_PROCESS:
        found = timings[key]
        if "bare_seconds" not in found:
            figure = per_request(found["seconds"])
            alone = ("", figure) if key in ALONE_IN_BARE_COLUMN else (figure, "")
            rows.append((label, *alone, "", "", ""))
            continue
        mine, bare = per_request(found["seconds"]), per_request(found["bare_seconds"])
        rows.append((label, mine, bare, percent(found["ratio"]), *at_least(found["ratio"], target)))
    return rows


def count_rows(counts):
    """MongoDB round trips per request in the steady state (and (g)'s InfluxDB queries)."""

    def mongodb(key):
        return counts[key]["mongodb"]

    def row(label, value, target="", met=None):
        return (label, str(value), "", "", target, "" if met is None else "ok" if met else "NO")

    clients = sum(found["clients"] for found in counts.values())
    log = change_log_trips(counts["put"])
    c, bearer, legacy = mongodb("c"), mongodb("c_bearer"), mongodb("legacy")
    d, d_small, e50, e1000 = (mongodb(key) for key in ("d", "d_small", "e50", "e1000"))
    return [
        row("(c) GET device by machineId", c, "<= 3", c <= 3),
        row("(c) the same, bearer token", bearer, "<= 3", bearer <= 3),
        row("legacy GET /device/{machineId}", legacy, "= 1", legacy == 1),
        row("(d) list 100 devices (and 10 devices)", f"{d} ({d_small})", "constant", d == d_small),
        row("(e) organizations, 50 (and 1 000)", f"{e50} ({e1000})", "constant", e50 == e1000),
        row("(f) POST a device (with an Idempotency-Key)", f"{mongodb('f')} ({mongodb('f_key')})"),
        row("(g) InfluxDB queries (and MongoDB)", f"{counts['g']['influxdb']} ({mongodb('g')})"),
        row("PUT a device (the change log's)", f"{mongodb('put')} ({log})", "log: 2", log == 2),
        row("clients built by requests (any kind)", clients, "0", clients == 0),
    ]


def change_log_trips(found):
    """The round trips of a write that are its change-log entry's (its seq and its insert)."""
    calls = found["mongodb_calls"]
    return sum(call.split(" ")[0].endswith((".changes", ".change_counters")) for call in calls)


def memory_row(memory):
    growth = memory["growth_mb"]
    text = f"{memory['start_mb']:.1f} -> {memory['after_mb']:.1f} MB"
    met = "ok" if growth <= MEMORY_GROWTH_MB else "NO"
    label = f"RSS of one worker, start -> {number(memory['reads'])} reads"
    return [(label, text, "", f"+{growth:.1f}", f"<= +{MEMORY_GROWTH_MB} MB", met)]


def http_cell(rps, p50, p99):
    return f"{number(rps)}/s {p50 * 1e3:.1f}/{p99 * 1e3:.1f}ms"


def http_rows(found):
    """Two lines per pair, the target checked on each: wrk's requests/s and p50/p99 (their
    ratio: requests/s, what a client sees), then the worker's CPU time per request (what a
    saturated worker serves, which other work on the machine hardly moves)."""
    if "skipped" in found:
        return [(f"HTTP part skipped: {found['skipped']}",)]
    rows = []
    for key, label, target in OVER_HTTP:
        row = found[key]
        mine = http_cell(row["rps"], row["p50"], row["p99"])
        bare = http_cell(row["bare_rps"], row["bare_p50"], row["bare_p99"])
        rows.append((label, mine, bare, percent(row["rps_ratio"])))
        rows[-1] += at_least(row["rps_ratio"], target)
        mine, bare = f"{number(row['cpu'] * 1e6)} µs", f"{number(row['bare_cpu'] * 1e6)} µs"
        rows.append(("  worker CPU per request", mine, bare, percent(row["ratio"])))
        rows[-1] += at_least(row["ratio"], target)
    return rows


def table(results):
    """The lines of the table: a title per part, then its rows."""
    parts = (
        (f"in-process, direct WSGI calls ({results['in_process_setup']})", in_process_rows),
        ("database operations per request (MongoDB round trips)", count_rows),
        ("memory", memory_row),
        (f"over HTTP, wrk: requests/s p50/p99 ({results['http_setup']})", http_rows),
    )
    found = (results["in_process"], results["operations"], results["memory"], results["http"])
    header = ("", "syncapi", "bare Flask, 1 line/req", "ratio", "target", "met")
    lines = [_line(header), _line(tuple("-" * width for width in WIDTHS))]
    for (title, rows_of), figures in zip(parts, found, strict=True):
        lines.append(title)
        lines += [_line(row) for row in rows_of(figures)]
    return lines


def _line(cells):
    if len(cells) == 1:
        return f"  {cells[0]}"  # a skipped part, said in one line
    padded = [cell.ljust(width) for cell, width in zip(cells, WIDTHS, strict=True)]
    return "  " + " ".join(padded).rstrip()
