"""`make bench`: every row measured in one run, printed as one table, saved as results.json.

Exits 1 when an operation count or the memory growth misses its target (those do not depend
on how busy the machine is); a ratio below its target is marked NO in the table only.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

# The in-process apps count their metrics as gunicorn's workers do, in prometheus_client's
# multiprocess mode, which it chooses when it is first imported: named before syncapi is.
METRICS_DIR = tempfile.mkdtemp(prefix="bench-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = METRICS_DIR

from bench import inprocess, report, served_http, served_rows, timing  # noqa: E402

RESULTS = Path(__file__).with_name("results.json")
PACKAGES = (
    "flask",
    "werkzeug",
    "gunicorn",
    "pymongo",
    "mongomock",
    "flask-limiter",
    "flask-cors",
    "marshmallow",
    "pyjwt",
    "influxdb3-python",
    "pyarrow",
    "datafusion",
)


def progress(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def measure():
    progress("seeding the in-process apps")
    setup = inprocess.Setup()
    try:
        progress("operation counts")
        operations = inprocess.operation_counts(setup)
        progress("in-process rows (a)-(g)")
        timings = inprocess.timings(setup)
        progress("(e) again with 1 000 organizations")
        operations["e1000"], timings["e1000"] = inprocess.organizations_at_1000(setup)
        progress("lists: pages of 10 000 devices, batch status of 500 machines")
        timings |= inprocess.fleet_rows(setup)
    finally:
        setup.close()
    return {"in_process": timings, "operations": operations, **served_rows.run(progress)}


def versions():
    found = {"python": platform.python_version(), "platform": platform.platform()}
    found |= {name: metadata.version(name) for name in PACKAGES}
    try:
        wrk = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        found["wrk"] = (wrk.stdout or wrk.stderr).split("\n")[0].strip()
    except FileNotFoundError:
        found["wrk"] = None
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, check=False
    )
    found["syncapi"] = commit.stdout.strip() or None
    return found


def main():
    started = time.monotonic()
    try:
        results = measure()
    finally:
        shutil.rmtree(METRICS_DIR, ignore_errors=True)
    results["http_setup"] = (
        f"gunicorn, 1 worker per side, the same -c flags; wrk -t1 -c{served_http.CONNECTIONS} "
        f"-d{served_http.SECONDS}s; median of {served_http.ROUNDS} pairs"
    )
    results["in_process_setup"] = (
        f"CPU time; turns of ~{timing.BLOCK_SECONDS * 1000:.0f} ms alternated for "
        f"{timing.ROW_SECONDS:.0f} s per row, median of the pairs"
    )
    results["cores"] = os.cpu_count()
    results["versions"] = versions()
    lines = report.table(results)
    results["table"] = lines
    results["seconds"] = round(time.monotonic() - started)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    print("\n".join(lines))
    print(f"({results['cores']} cores, {results['seconds']} s; figures in {RESULTS.name})")
    checked = report.count_rows(results["operations"]) + report.memory_row(results["memory"])
    return 1 if any(row[-1] == "NO" for row in checked) else 0


if __name__ == "__main__":
    sys.exit(main())
