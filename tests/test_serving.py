"""`make run` and the Docker image start the same gunicorn, which serves the embedded store."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from flask import Flask
from gunicorn.workers.gthread import ThreadWorker

from tests import round_trips
from tests.helpers import (
    INFLUX_TOKEN,
    MAIN_DB,
    STATE,
    UNREACHABLE_MONGODB,
    snapshot,
    tenant_names,
)
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


def gunicorn_settings(monkeypatch, metrics_dir=None, **environ):
    """gunicorn.conf.py as gunicorn loads it, with this environment (and a metrics directory
    of the test's, so that it names none in the test process; by default one in the
    system's temporary directory, which the file makes: never in the checkout)."""
    import importlib.util

    metrics_dir = metrics_dir or Path(tempfile.gettempdir()) / "syncapi-test-metrics"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir))
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def started_worker(conf, app, age=1):
    """`post_worker_init` of a worker serving `app`, its refresh's first pass let finish."""
    worker = FakeWorker(app, age=age)
    conf.post_worker_init(worker)
    app.extensions["syncapi.background"].wait()
    return worker


def test_seed_demo_hook_seeds_the_worker(app, mongo, monkeypatch, capsys):
    conf = gunicorn_settings(monkeypatch, SEED_DEMO="1", MONGODB_URI="mongomock://localhost")
    worker = started_worker(conf, app, age=3)  # a restarted embedded worker has an empty store
    assert "demo tenant autentiodev ready" in worker.lines[0]
    assert worker.lines[1].startswith("syncapi: demo sign-in (shown once): organizationId")
    assert mongo["autentiodev"]["monitoreo-cnc_devices"].count_documents({}) == 3


def test_seed_demo_hook_is_off_by_default(app, mongo, monkeypatch, capsys):
    monkeypatch.delenv("SEED_DEMO", raising=False)
    conf = gunicorn_settings(monkeypatch)
    started_worker(conf, app)
    assert tenant_names(mongo) == []  # no organization: only the shared indexes are made
    assert snapshot(mongo["syncapi"], documents_only=True) == {}


def test_a_worker_makes_every_index_at_its_start_while_it_serves(app, client, mongo, monkeypatch):
    """Off every request's path: the worker's start runs a pass of its refresh in a thread
    of its own (the shared database's indexes, then every organization's, an older one's
    included), so that no request makes one."""
    mongo["legacy"].users.insert_one({"email": "ana@legacy.test"})  # the original's
    conf = gunicorn_settings(monkeypatch)
    started_worker(conf, app)
    made = set(mongo["syncapi"]["revoked_tokens"].index_information())
    assert {"jti_unique", "expiresAt_ttl"} <= made
    assert {"email_unique", "id"} <= set(mongo["legacy"].users.index_information())
    assert "expiresAt_ttl" in mongo["legacy"].changes.index_information()
    trips = round_trips.install(monkeypatch)
    assert client.get("/api/services").json == []
    assert [call for call in trips.calls if call.operation == "create_index"] == []


def test_a_worker_that_cannot_make_them_at_start_still_serves(offline_app, monkeypatch, caplog):
    conf = gunicorn_settings(monkeypatch)
    with caplog.at_level("WARNING"):
        started_worker(conf, offline_app)
    message = "refresh: the shared database's indexes not brought up to date"
    assert f"{message} (ServerSelectionTimeoutError)" in caplog.text
    assert offline_app.test_client().get("/status").status_code == 200


def test_the_start_hook_leaves_an_app_create_app_did_not_build_alone(monkeypatch):
    """`make bench` serves its bare Flask app with this gunicorn.conf.py too."""
    conf = gunicorn_settings(monkeypatch)
    bare = Flask("bare")
    conf.post_worker_init(FakeWorker(bare, age=1))
    assert bare.extensions == {}


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
    assert "demo time series: the last 24 hours" in worker.lines[2]
    assert app.test_client().get("/api/query/connected").json == {"count": 4}


def test_seed_demo_hook_without_datafusion_seeds_the_tenant_and_says_why_not_the_series(
    app, monkeypatch, capsys
):
    conf = gunicorn_settings(monkeypatch, SEED_DEMO="1", MONGODB_URI="mongomock://localhost")
    monkeypatch.delitem(sys.modules, "syncapi.embedded.influx")
    monkeypatch.setitem(sys.modules, "datafusion", None)  # not installed
    worker = FakeWorker(app, age=1)
    conf.post_worker_init(worker)
    assert worker.lines[0].startswith("syncapi: demo tenant autentiodev ready")
    assert worker.lines[2:] == ["syncapi: the demo's time series could not be seeded"]


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
    assert f"syncapi: time series: {line}" in start_messages(capsys)


def test_the_start_says_when_the_embedded_engine_is_not_installed(monkeypatch, capsys):
    for name in ("INFLUXDB_HOST", "MONGODB_URI"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setitem(sys.modules, "datafusion", None)
    gunicorn_settings(monkeypatch)
    (message,) = [text for text in start_messages(capsys) if "time series" in text]
    assert message.startswith("syncapi: time series: none: the embedded engine needs the package")


def start_messages(capsys):
    """The lines gunicorn.conf.py writes at start (JSON, like every log line), their text."""
    return [json.loads(line)["message"] for line in capsys.readouterr().err.splitlines()]


# gunicorn: its settings, its workers' metrics and their log lines


def test_gunicorn_defaults_suit_two_cores(monkeypatch):
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_GRACEFUL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("REQUEST_BODY_TIMEOUT", raising=False)
    conf = gunicorn_settings(monkeypatch, MONGODB_URI=UNREACHABLE_MONGODB, AUTH_MODE="off")
    assert (conf.workers, conf.threads) == (2, 4)
    assert issubclass(
        conf.worker_class, ThreadWorker
    )  # gthread's, bounded (syncapi/web/gunicorn_worker.py)
    assert conf.worker_class.deadline == 5
    assert (conf.graceful_timeout, conf.preload_app) == (30, False)


def test_gunicorn_takes_its_sizes_from_the_environment(monkeypatch):
    conf = gunicorn_settings(
        monkeypatch,
        MONGODB_URI=UNREACHABLE_MONGODB,
        AUTH_MODE="off",
        WEB_CONCURRENCY="3",
        GUNICORN_THREADS="8",
        GUNICORN_GRACEFUL_TIMEOUT="45",
        REQUEST_BODY_TIMEOUT="12",
    )
    assert (conf.workers, conf.threads, conf.graceful_timeout) == (3, 8, 45)
    assert conf.worker_class.deadline == 12


LOOPBACK_ONLY = "only this machine can call it (BIND opens it to others)"


def real_server(**environ):
    """The settings of a deployment: a MongoDB server, a token required (the compose
    replicas', the Docker image's with authentication on)."""
    return {
        "MONGODB_URI": UNREACHABLE_MONGODB,
        "JWT_SECRET": "j" * 48,
        "CORS_ALLOWED_ORIGIN": "https://console.example",
        **environ,
    }


@pytest.mark.parametrize(
    ("environ", "bind", "warned"),
    [
        ({}, "127.0.0.1:3000", LOOPBACK_ONLY),
        ({"BIND": "0.0.0.0"}, "0.0.0.0:3000", "BIND=0.0.0.0 opens it beyond this machine"),
        (real_server(AUTH_MODE="off"), "127.0.0.1:3000", LOOPBACK_ONLY),
        (real_server(), "0.0.0.0:3000", None),
        (real_server(PORT="8080", BIND="10.0.0.5"), "10.0.0.5:8080", None),
    ],
)
def test_gunicorn_listens_on_this_machine_only_while_authentication_is_off(
    monkeypatch, capsys, environ, bind, warned
):
    for name in ("BIND", "PORT", "AUTH_MODE", "MONGODB_URI", "JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    conf = gunicorn_settings(monkeypatch, **environ)
    assert conf.bind == bind
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert f"syncapi: listening on http://{bind}" in [line["message"] for line in lines]
    warnings = [line["message"] for line in lines if line["level"] == "WARNING"]
    if warned is None:
        assert warnings == []
    else:
        (warning,) = warnings
        assert warning.startswith("syncapi: AUTH_MODE=off: no authentication; anyone who")
        assert warning.endswith(warned)


def test_the_image_sets_no_address_of_its_own():
    """The Docker image runs gunicorn.conf.py with its environment alone: all interfaces with
    authentication on (the test above), the loopback for a local try with it off."""
    assert "BIND" not in (ROOT / "Dockerfile").read_text()
    assert "--bind" not in docker_command() and "-b" not in docker_command()


def test_the_access_log_is_off_for_the_apps_json_lines(monkeypatch):
    from syncapi.web.request_log import LOGGING

    conf = gunicorn_settings(monkeypatch)
    assert conf.accesslog is None
    assert conf.logconfig_dict is LOGGING


def test_the_metrics_directory_starts_empty(monkeypatch, tmp_path):
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("not ours")
    conf = gunicorn_settings(monkeypatch, metrics_dir=tmp_path)
    conf.on_starting(server=None)
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]


def test_a_metrics_directory_made_at_start_goes_on_exit(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "set by the test, so restored after it")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    import importlib.util

    spec = importlib.util.spec_from_file_location("gunicorn_conf", ROOT / "gunicorn.conf.py")
    made = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made)
    assert made.METRICS_DIR.is_dir() and made.METRICS_DIR.name.startswith("syncapi-metrics-")
    made.on_exit(server=None)
    assert not made.METRICS_DIR.exists()
    given = gunicorn_settings(monkeypatch, metrics_dir=tmp_path)
    given.on_exit(server=None)
    assert tmp_path.is_dir()  # the operator's directory stays


def test_a_dead_workers_live_values_stop_counting(monkeypatch, tmp_path):
    (tmp_path / "gauge_livesum_4242.db").write_bytes(b"")
    (tmp_path / "gauge_livesum_4343.db").write_bytes(b"")
    (tmp_path / "counter_4242.db").write_bytes(b"")  # what it counted stays counted
    conf = gunicorn_settings(monkeypatch, metrics_dir=tmp_path)
    conf.child_exit(server=None, worker=type("Worker", (), {"pid": 4242}))
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "counter_4242.db",
        "gauge_livesum_4343.db",
    ]


PRELOAD = """
import influxdb_client_3, pymongo
built = []
def counting(cls):
    real = cls.__init__
    def init(self, *args, **kwargs):
        built.append(cls.__name__)
        real(self, *args, **kwargs)
    cls.__init__ = init
for cls in (pymongo.MongoClient, influxdb_client_3.InfluxDBClient3):
    counting(cls)
import wsgi  # what gunicorn --preload does in the master, before it forks the workers
assert wsgi.app.url_map
print(built)
"""


@pytest.mark.slow  # starts a Python process
def test_preloading_the_app_builds_no_client(tmp_path):
    """Every client a request may use, the rate limiter's MongoDB storage included, is built
    by the worker on first use, never by create_app in the master."""
    env = {
        "PATH": os.environ["PATH"],
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
        "MONGODB_URI": UNREACHABLE_MONGODB,
        "RATELIMIT_STORAGE_URI": UNREACHABLE_MONGODB,
        "INFLUXDB_HOST": "http://127.0.0.1:1",
        "INFLUXDB_TOKEN": INFLUX_TOKEN,
        "INFLUXDB_DATABASE": MAIN_DB,
        "AUTH_MODE": "off",
    }
    result = subprocess.run(
        [sys.executable, "-c", PRELOAD], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.slow  # starts gunicorn with two workers and kills one
def test_two_preloaded_workers_share_their_metrics_and_log_json(tmp_path):
    metrics_token = "m" * 32
    (tmp_path / "counter_1.db").write_bytes(b"from an earlier run")
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "MONGODB_URI": UNREACHABLE_MONGODB,
        "MONGODB_TIMEOUT_MS": "100",
        "AUTH_MODE": "off",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_THREADS": "2",
        "METRICS_TOKEN": metrics_token,
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path),
    }
    _, *args = docker_command()
    server = subprocess.Popen(
        [str(GUNICORN), *args, "--preload"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True
    )
    base = f"http://127.0.0.1:{port}"
    status_200 = 'syncapi_request_duration_seconds_count{method="GET",route="/status",status="200"}'
    try:
        wait_for(lambda: scrape_or_none(base, metrics_token, server))
        first, second = wait_for(lambda: counted_workers(server.pid, tmp_path, 2))
        before = scrape(base, metrics_token)
        answered = []  # the request ids the server made
        for index in range(20):
            headers = {"X-Request-ID": f"t-{index}"}
            request = urllib.request.Request(f"{base}/status", headers=headers)
            with urllib.request.urlopen(request, timeout=5) as response:
                answered.append(response.headers["X-Request-ID"])
        with pytest.raises(urllib.error.HTTPError) as not_ready:
            urllib.request.urlopen(f"{base}/ready", timeout=5)
        assert not_ready.value.code == 503
        not_ready.value.close()
        counted = scrape(base, metrics_token)
        assert counted[status_200] - before.get(status_200, 0) == 20
        assert counted["syncapi_workers"] == 2

        os.kill(first, signal.SIGKILL)  # gunicorn forks another, which counts itself
        workers = wait_for(lambda: counted_workers(server.pid, tmp_path, 2, gone=first))
        assert second in workers
        after = scrape(base, metrics_token)
        assert after["syncapi_workers"] == 2  # child_exit: the killed one no longer counts
        assert after[status_200] >= counted[status_200]  # what it counted stays counted
    finally:
        server.terminate()
        log = server.communicate(timeout=60)[1]
    lines = [json.loads(line) for line in log.splitlines()]  # every line is JSON
    assert not (tmp_path / "counter_1.db").exists()
    line = next(line for line in lines if line.get("client_request_id") == "t-7")
    assert (line["logger"], line["method"], line["route"], line["status"]) == (
        "syncapi.requests",
        "GET",
        "/status",
        200,
    )
    assert line["request_id"] == answered[7] != "t-7"
    assert any("Booting worker" in line["message"] for line in lines)
    assert not any(line["logger"] == "gunicorn.access" for line in lines)


def scrape(base, token):
    headers = {"Authorization": f"Bearer {token}"}
    request = urllib.request.Request(f"{base}/metrics", headers=headers)
    with urllib.request.urlopen(request, timeout=5) as response:
        text = response.read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, number = line.rpartition(" ")
            samples[name] = float(number)
    return samples


def scrape_or_none(base, token, server):
    if server.poll() is not None:
        raise AssertionError(server.stderr.read())
    try:
        return scrape(base, token)
    except OSError:
        return None


def counted_workers(master, metrics_dir, count, gone=None):
    """The master's `count` workers once each has counted itself (its live gauge file
    exists), none of them `gone`; else None."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    pids = sorted(int(pid) for pid in children)
    counted = [pid for pid in pids if (metrics_dir / f"gauge_livesum_{pid}.db").exists()]
    return pids if len(counted) == count and gone not in pids else None


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("gave up waiting")
