"""Over HTTP: gunicorn with one worker per side, driven by `wrk`, and one worker's memory.

Both sides of a row start with the same gunicorn flags, always given by `-c` (gunicorn reads
`gunicorn.conf.py` from the working directory otherwise): `bench/gunicorn_bench.conf.py`
(one sync worker) for most rows, the project's own `gunicorn.conf.py` (gthread, 4 threads,
access log) for the production row.
"""

import http.client
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import world

ROOT = Path(__file__).resolve().parent.parent
SAME_FLAGS = "bench/gunicorn_bench.conf.py"
PRODUCTION = "gunicorn.conf.py"
ROUNDS = 15
SECONDS = 1
CONNECTIONS = 4
READS = 10_000  # the memory row
UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


class Server:
    """One gunicorn master (and its one worker) started by the benchmark, on a free port."""

    def __init__(self, target, conf, environ):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.log = tempfile.TemporaryFile()
        command = [sys.executable, "-m", "gunicorn", "-c", conf]
        command += ["--bind", f"127.0.0.1:{self.port}", target]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=environ,  # all of it: nothing of the benchmark's own environment leaks in
            stdout=subprocess.DEVNULL,
            stderr=self.log,
        )

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def get(self, path, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()

    def wait_ready(self, path, headers=None, seconds=120):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.get(path, headers) == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.log.seek(0)
        raise RuntimeError(f"gunicorn did not serve {path}: {self.log.read().decode()[-2000:]}")

    def worker_pid(self):
        pid = self.process.pid
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return int(children[0])

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def rss_mb(pid):
    """Resident set size from /proc (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def memory(server, headers):
    """RSS of the worker after start and after READS reads of devices by id."""
    pid = server.worker_pid()
    started = rss_mb(pid)
    for number in range(READS):
        path = f"{world.DEVICE_PATH}/{world.machine_id(number % world.DEVICES)}"
        if server.get(path, headers) != 200:
            raise RuntimeError(f"{path} failed during the memory run")
    after = rss_mb(pid)
    return {"start_mb": started, "after_mb": after, "growth_mb": after - started, "reads": READS}


def cpu_seconds(pid):
    """CPU time of every thread of `pid` so far, from /proc (nanoseconds, Linux)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (FileNotFoundError, ProcessLookupError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def wrk(server, path, headers):
    """`{rps, p50, p99, cpu}` of one wrk run (seconds; `cpu` is the worker's CPU time per
    request); an error when any answer was not 2xx."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    pid = server.worker_pid()
    before = cpu_seconds(pid)
    run = subprocess.run(command + [server.url(path)], capture_output=True, text=True, check=True)
    spent, output = cpu_seconds(pid) - before, run.stdout
    if "Non-2xx" in output:
        raise RuntimeError(f"wrk saw failed answers from {server.url(path)}:\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _latency(output, "50%"),
        "p99": _latency(output, "99%"),
        "cpu": spent / int(re.search(r"(\d+) requests in", output).group(1)),
    }


def _latency(output, percentile):
    value, unit = re.search(rf"{percentile}\s+([\d.]+)(us|ms|s)\b", output).groups()
    return float(value) * UNITS[unit]


def pair(syncapi, bare, path, headers):
    """ROUNDS interleaved wrk runs of each side: the medians of each side's figures, the
    median ratio of the worker's CPU time per request (`ratio`: what one worker can serve,
    which other work on the machine does not move) and of wrk's requests/s (`rps_ratio`)."""
    runs = {"syncapi": [], "bare": []}
    for round_ in range(ROUNDS):
        order = (("bare", bare), ("syncapi", syncapi))
        for side, server in order if round_ % 2 == 0 else order[::-1]:
            runs[side].append(wrk(server, path, headers))
    pairs = list(zip(runs["syncapi"], runs["bare"], strict=True))

    def median(side, key):
        return statistics.median(run[key] for run in runs[side])

    found = {key: median("syncapi", key) for key in ("rps", "p50", "p99", "cpu")}
    found |= {f"bare_{key}": median("bare", key) for key in ("rps", "p50", "p99", "cpu")}
    found["ratio"] = statistics.median(theirs["cpu"] / mine["cpu"] for mine, theirs in pairs)
    found["rps_ratio"] = statistics.median(mine["rps"] / theirs["rps"] for mine, theirs in pairs)
    return found


def wrk_missing():
    """Why the HTTP rows cannot run here, or None."""
    if shutil.which("wrk") is None:
        return "wrk is not installed (make bench installs it with apt-get as root or with sudo)"
    return None
