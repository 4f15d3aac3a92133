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
EMBEDDED = "embedded DataFusion engine in the worker, on 127.0.0.1"  # the start-up log says


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


@pytest.mark.slow  # starts gunicorn and waits for it to serve
def test_seed_demo_make_run_serves_a_living_dashboard():
    """`SEED_DEMO=1 make run`, nothing else: the demo tenant, and its time series read from the
    embedded engine the worker started."""
    port = free_port()
    env = {**os.environ, "PORT": str(port), "SEED_DEMO": "1"}
    for name in ("MONGODB_URI", "INFLUXDB_HOST", "INFLUXDB_TOKEN", "INFLUXDB_DATABASE"):
        env.pop(name, None)
    server = subprocess.Popen(
        [str(GUNICORN), *docker_command()[1:]], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        status, organizations = wait_until_serving(base, server)
        assert [item["id"] for item in organizations] == ["autentiodev"]
        assert call("GET", f"{base}/api/query/connected") == (200, {"count": 4})
        status, events = call("GET", f"{base}/api/query/events")
        assert (status, len(events)) == (200, 20)
        status, cpu = call("GET", f"{base}/api/query/cpu")
        assert (status, len(cpu)) == (200, 1)
        status, machine = call("GET", f"{base}/device/CN4/events")
        assert status == 200 and machine
    finally:
        server.terminate()
        log = server.communicate(timeout=30)[1]
    assert f"syncapi: time series: {EMBEDDED}, the demo's series (SEED_DEMO=1)" in log
    assert "syncapi: demo time series: the last 24 hours" in log


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


def test_seed_demo_hook_seeds_the_demo_series_on_the_embedded_engine(app, monkeypatch, capsys):
    conf = gunicorn_settings(monkeypatch, SEED_DEMO="1", MONGODB_URI="mongomock://localhost")
    monkeypatch.delenv("INFLUXDB_HOST", raising=False)
    worker = FakeWorker(app, age=1)
    conf.post_worker_init(worker)
    assert "demo time series: the last 24 hours" in worker.lines[1]
    assert app.test_client().get("/api/query/connected").json == {"count": 4}


def test_seed_demo_hook_without_datafusion_seeds_the_tenant_and_says_why_not_the_series(
    app, monkeypatch, capsys
):
    conf = gunicorn_settings(monkeypatch, SEED_DEMO="1", MONGODB_URI="mongomock://localhost")
    monkeypatch.delitem(sys.modules, "syncapi.embedded_influx")
    monkeypatch.setitem(sys.modules, "datafusion", None)  # not installed
    worker = FakeWorker(app, age=1)
    conf.post_worker_init(worker)
    assert worker.lines[0].startswith("syncapi: demo tenant autentiodev ready")
    assert worker.lines[1:] == ["syncapi: the demo's time series could not be seeded"]


@pytest.mark.parametrize(
    ("environ", "line"),
    [
        ({}, f"{EMBEDDED}, empty"),
        ({"SEED_DEMO": "1"}, f"{EMBEDDED}, the demo's series (SEED_DEMO=1)"),
        ({"INFLUXDB_HOST": "http://influxdb:8181"}, "InfluxDB 3 at http://influxdb:8181"),
        (
            {"MONGODB_URI": "mongodb://db:27017", "AUTH_MODE": "off"},
            "none: INFLUXDB_HOST is not set, the time-series routes answer 503",
        ),
    ],
)
def test_the_start_says_which_time_series_backend_the_workers_read(
    monkeypatch, capsys, environ, line
):
    for name in ("SEED_DEMO", "INFLUXDB_HOST", "MONGODB_URI"):
        monkeypatch.delenv(name, raising=False)
    gunicorn_settings(monkeypatch, **environ)
    assert f"syncapi: time series: {line}\n" in capsys.readouterr().err


def test_the_start_says_when_the_embedded_engine_is_not_installed(monkeypatch, capsys):
    for name in ("INFLUXDB_HOST", "MONGODB_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "datafusion", None)
    gunicorn_settings(monkeypatch)
    error = capsys.readouterr().err
    assert "syncapi: time series: none: the embedded engine needs the package datafusion" in error
