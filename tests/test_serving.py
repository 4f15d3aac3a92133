"""`make run` and the Docker image start the same gunicorn, which serves the embedded store."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.helpers import INFLUX_TOKEN, MAIN_DB, STATE, UNREACHABLE_MONGODB
from tests.influx_standin import table

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def make_run_command():
    """The argv `make run` executes, with the virtualenv's path taken off the program."""
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "-o", ".venv/.installed", "run"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    program, *args = dry_run.stdout.strip().splitlines()[-1].split()
    return [Path(program).name, *args]


def docker_command():
    match = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    return json.loads(match.group(1))


def test_the_image_runs_what_make_run_runs():
    assert (
        make_run_command()
        == docker_command()
        == [
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "wsgi:app",
        ]
    )


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, json.loads(response.read())


def wait_until_serving(base, server):
    for _ in range(200):
        if server.poll() is not None:
            raise AssertionError(server.stderr.read())
        try:
            return call("GET", f"{base}/api/organizations")
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


@pytest.mark.slow  # starts gunicorn and waits for it to serve
def test_gunicorn_serves_the_embedded_store_with_one_worker(influx_server):
    """…and InfluxDB through a Flight client the forked worker builds for itself."""
    influx_server.reset()
    influx_server.databases[MAIN_DB] = {"state": table(STATE, time.time_ns())}
    port = free_port()
    env = {**os.environ, "PORT": str(port), "WEB_CONCURRENCY": "4"}
    env.update(
        INFLUXDB_HOST=influx_server.host, INFLUXDB_TOKEN=INFLUX_TOKEN, INFLUXDB_DATABASE=MAIN_DB
    )
    env.pop("MONGODB_URI", None)
    _, *args = docker_command()
    server = subprocess.Popen(
        [str(GUNICORN), *args], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(base, server) == (200, [])
        status, body = call("PUT", f"{base}/api/organizations/acme", {"name": "Acme"})
        assert (status, body["name"]) == (201, "Acme")
        status, body = call("GET", f"{base}/api/organizations")
        assert [item["id"] for item in body] == ["acme"]
        assert call("GET", f"{base}/api/query/connected") == (200, {"count": 2})
        assert call("GET", f"{base}/device/CN1/status") == (200, {"power": True})
        with urllib.request.urlopen(f"{base}/status", timeout=5) as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Server"] == "gunicorn"  # no version detail
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    first_line = log.splitlines()[0]
    assert "embedded mongomock store" in first_line
    assert "exactly 1 worker" in first_line
    assert len(re.findall(r"Booting worker", log)) == 1


# SEED_DEMO=1: the gunicorn hook that seeds inside the worker


class FakeWorker:
    def __init__(self, app, age):
        self.wsgi, self.age, self.lines = app, age, []
        self.log = self

    def info(self, message, *args):
        self.lines.append(message % args)

    def exception(self, message, *args):
        self.lines.append(message % args)


def gunicorn_settings(monkeypatch, **environ):
    import importlib.util

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_demo_hook_seeds_the_worker(app, mongo, monkeypatch, capsys):
    conf = gunicorn_settings(monkeypatch, SEED_DEMO="1", MONGODB_URI="mongomock://localhost")
    worker = FakeWorker(app, age=3)  # a restarted embedded worker has an empty store again
    conf.post_worker_init(worker)
    assert "demo tenant autentiodev ready" in worker.lines[0]
    assert mongo["autentiodev"]["monitoreo-cnc_devices"].count_documents({}) == 3


def test_seed_demo_hook_is_off_by_default(app, mongo, monkeypatch, capsys):
    monkeypatch.delenv("SEED_DEMO", raising=False)
    conf = gunicorn_settings(monkeypatch)
    conf.post_worker_init(FakeWorker(app, age=1))
    assert mongo.list_database_names() == []


def test_seed_demo_hook_with_mongodb_down_logs_and_lets_the_worker_serve(
    offline_app, monkeypatch, capsys
):
    conf = gunicorn_settings(
        monkeypatch,
        SEED_DEMO="1",
        MONGODB_URI=UNREACHABLE_MONGODB,
        WEB_CONCURRENCY="2",
        AUTH_MODE="off",
    )
    later_worker, first_worker = FakeWorker(offline_app, age=2), FakeWorker(offline_app, age=1)
    conf.post_worker_init(later_worker)  # only the first worker seeds a real server
    conf.post_worker_init(first_worker)
    assert later_worker.lines == []
    assert first_worker.lines == ["syncapi: the demo tenant could not be seeded"]
